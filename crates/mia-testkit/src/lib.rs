//! Synthetic volumes for mia's tests, benchmarks and demo (not published).
//!
//! [`BrainPhantom`] generates deterministic subjects that look like pymia's example data: T1- and T2-weighted
//! intensity volumes, a label image with the same five structures (1 white matter, 2 grey matter,
//! 3 hippocampus, 4 amygdala, 5 thalamus), a brain mask and demographics (age, GPA, gender).
//!
//! ```
//! use mia_testkit::BrainPhantom;
//!
//! let subject = BrainPhantom::small().generate(1);
//! assert_eq!(subject.labels.shape(), subject.t1.shape());
//! assert!(subject.labels.iter().any(|&l| l == 5)); // a thalamus
//! ```
#![warn(missing_docs)]

mod phantom;

pub use phantom::{BrainPhantom, PhantomSubject, LABEL_NAMES};
