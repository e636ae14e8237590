//! Medical image input/output for mia: NIfTI-1/2, MetaImage, NRRD, DICOM, 2-D PNG/TIFF/JPEG and non-image
//! records (demographics), with geometry exactly as SimpleITK reports it.
//!
//! Not implemented yet: this crate is being filled by the I/O work (issue 2).
#![warn(missing_docs)]
