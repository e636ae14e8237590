//! Assembly of samples (slices, slabs, patches, whole volumes) back into volumes with their image properties.
//!
//! The counterpart of pymia's `SubjectAssembler` / `PlaneSubjectAssembler`, independent of where the samples
//! came from: a sample is identified by its subject index and its [`IndexExpression`](mia_index::IndexExpression),
//! and a subject by its spatial shape and (optionally) its [`ImageProperties`](mia_core::ImageProperties).
//!
//! Differences to pymia (mia DECISIONS #5, #6): samples may arrive in any order (shuffled), overlapping samples
//! are averaged (uniform, Gaussian or Hann weights; [`Combine::LastWriteWins`] keeps pymia's overwrite), a subject
//! is finished when all its expected samples arrived (not when the next subject starts), elements no sample
//! covered are reported ([`UncoveredPolicy`]) instead of silently left zero, and the 2.5-D [`PlaneAssembler`]
//! works.
//!
//! ```
//! use mia_assemble::{AssemblerConfig, Combine, SubjectAssembler, SubjectSpec, Weighting};
//! use mia_index::{GridIndexing, IndexingStrategy};
//! use ndarray::{ArrayD, IxDyn};
//!
//! let volume = ArrayD::from_shape_fn(IxDyn(&[6, 8, 10]), |i| (i[0] + 2 * i[1] + 3 * i[2]) as f32);
//! let grid = GridIndexing::new(&[4, 4, 4]).overlap(&[2, 2, 2]);
//! let patches = grid.indices(&[6, 8, 10]).unwrap();
//!
//! let config = AssemblerConfig { combine: Combine::Average(Weighting::NNUNET_GAUSSIAN), ..Default::default() };
//! let mut assembler = SubjectAssembler::new(config);
//! assembler.register(7, SubjectSpec::new(&[6, 8, 10]).expect(patches.clone())).unwrap();
//! for e in &patches {
//!     let ranges = e.resolve(&[6, 8, 10]).unwrap();
//!     let patch = volume.slice_each_axis(|ax| ndarray::Slice::from(ranges[ax.axis.index()].0.clone()));
//!     assembler.add_prediction(7, e, patch).unwrap(); // identity "network"
//! }
//! let assembled = assembler.take(7).unwrap();
//! assert_eq!(assembled.prediction().unwrap().data.view::<f32>().unwrap(), volume.view());
//! ```
#![warn(missing_docs)]

mod buffer;
mod error;
mod interaction;
mod plane;
mod spec;
mod subject;
mod weights;

pub use buffer::AssembleElement;
pub use error::AssembleError;
pub use interaction::{AssembleInteraction, CentreCrop, LeadingCrop, Region};
pub use plane::{MaxMerge, MeanMerge, MedianMerge, PlaneAssembler, PlaneMerge};
pub use spec::SubjectSpec;
pub use subject::{
    Assembled, AssembledSubject, AssemblerConfig, SubjectAssembler, UncoveredPolicy, PREDICTION,
};
pub use weights::{Combine, Weighting};

/// Result type of this crate.
pub type Result<T, E = AssembleError> = std::result::Result<T, E>;
