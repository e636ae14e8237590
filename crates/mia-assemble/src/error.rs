//! Errors of assembly.

use mia_core::{CoreError, PixelType};
use mia_index::IndexError;

/// Errors of assembling samples back into subjects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AssembleError {
    /// A sample names a subject that was never registered (or was already taken out).
    #[error("subject {subject} is not registered with the assembler (or was already taken out)")]
    UnknownSubject {
        /// The subject index.
        subject: usize,
    },
    /// A subject was registered twice.
    #[error("subject {subject} is already registered")]
    AlreadyRegistered {
        /// The subject index.
        subject: usize,
    },
    /// A subject specification is unusable.
    #[error("subject {subject}: {message}")]
    InvalidSpec {
        /// The subject index.
        subject: usize,
        /// What is wrong.
        message: String,
    },
    /// A sample's index expression does not fit the subject's shape.
    #[error("subject {subject}, key '{key}': {source}")]
    Index {
        /// The subject index.
        subject: usize,
        /// The key.
        key: String,
        /// The index error.
        source: IndexError,
    },
    /// A sample's expression is not among the subject's expected expressions (or arrived more often than listed).
    #[error(
        "subject {subject}, key '{key}': expression {expression} is not expected (or arrived too often)"
    )]
    UnexpectedSample {
        /// The subject index.
        subject: usize,
        /// The key.
        key: String,
        /// The expression, as text.
        expression: String,
    },
    /// A sample's data does not have the shape its expression selects.
    #[error(
        "subject {subject}, key '{key}': sample data of shape {actual:?} does not fit expression {expression} \
         (expected {expected:?} plus the key's channel axes)"
    )]
    ShapeMismatch {
        /// The subject index.
        subject: usize,
        /// The key.
        key: String,
        /// The expression, as text.
        expression: String,
        /// The shape the expression selects (spatial axes).
        expected: Vec<usize>,
        /// The shape of the data.
        actual: Vec<usize>,
    },
    /// A sample's trailing (channel) axes differ from the earlier samples of the same key.
    #[error("subject {subject}, key '{key}': channel axes {actual:?} differ from the earlier samples' {expected:?}")]
    ChannelMismatch {
        /// The subject index.
        subject: usize,
        /// The key.
        key: String,
        /// Channel axes of the earlier samples.
        expected: Vec<usize>,
        /// Channel axes of this sample.
        actual: Vec<usize>,
    },
    /// A sample's element type differs from the earlier samples of the same key.
    #[error("subject {subject}, key '{key}': {actual} data after {expected} samples")]
    TypeMismatch {
        /// The subject index.
        subject: usize,
        /// The key.
        key: String,
        /// Type of the earlier samples.
        expected: PixelType,
        /// Type of this sample.
        actual: PixelType,
    },
    /// A batch's first axis does not match the number of samples given for it.
    #[error("batch of {batch} samples (first axis) but {samples} subject/expression pairs")]
    BatchMismatch {
        /// Length of the batch axis.
        batch: usize,
        /// Number of pairs.
        samples: usize,
    },
    /// The interaction hook failed or returned an unusable region.
    #[error("interaction hook for key '{key}': {message}")]
    Interaction {
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// Some voxels were covered by no sample (with [`UncoveredPolicy::Error`](crate::UncoveredPolicy::Error)).
    #[error("subject {subject}, key '{key}': {count} array elements were covered by no sample, the first at {first:?}")]
    Uncovered {
        /// The subject index.
        subject: usize,
        /// The key.
        key: String,
        /// Number of uncovered elements.
        count: usize,
        /// Position of the first uncovered element (array order).
        first: Vec<usize>,
    },
    /// `take` was called before every expected sample arrived.
    #[error("subject {subject} is not finished: {received} of {expected} samples for key '{key}'")]
    NotFinished {
        /// The subject index.
        subject: usize,
        /// The first incomplete key.
        key: String,
        /// Samples received.
        received: usize,
        /// Samples expected.
        expected: usize,
    },
    /// The subject has no samples at all (nothing to take).
    #[error("subject {subject} received no samples")]
    Empty {
        /// The subject index.
        subject: usize,
    },
    /// The buffer for a subject could not be allocated.
    #[error("subject {subject}: cannot allocate a buffer of {elements} elements")]
    Allocation {
        /// The subject index.
        subject: usize,
        /// Number of elements.
        elements: usize,
    },
    /// The assembled data does not form an image with the subject's properties.
    #[error("assembled key '{key}' does not form an image: {source}")]
    Image {
        /// The key.
        key: String,
        /// The error of mia-core.
        source: CoreError,
    },
    /// A merge of planes failed (different shapes, types or keys between planes).
    #[error("subject {subject}: cannot merge planes: {message}")]
    Merge {
        /// The subject index.
        subject: usize,
        /// What is wrong.
        message: String,
    },
}
