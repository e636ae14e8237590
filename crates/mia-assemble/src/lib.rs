//! Assembly of samples (slices, patches) back into volumes with their image properties.
//!
//! Not implemented yet: this crate is being filled by the extraction work (issue 5).
#![warn(missing_docs)]
