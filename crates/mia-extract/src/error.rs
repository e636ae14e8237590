use std::path::PathBuf;

/// Errors of extraction: reading samples from a source, extractors and transforms.
///
/// Every variant names the entry, category, subject or file involved and the offending values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The dataset has no category of this name.
    #[error("unknown category '{category}' (the dataset has {available:?})")]
    UnknownCategory {
        /// The requested category.
        category: String,
        /// The categories the dataset holds.
        available: Vec<String>,
    },
    /// A channel (entry) name is not among the category's names.
    #[error("unknown channel '{name}' in category '{category}' (names: {available:?})")]
    UnknownChannel {
        /// The category.
        category: String,
        /// The requested name.
        name: String,
        /// The names the category holds.
        available: Vec<String>,
    },
    /// A subject index, subject name or sample index is out of range.
    #[error("{what} {index} is out of range (there are {len})")]
    OutOfRange {
        /// What was indexed (`sample`, `subject`).
        what: &'static str,
        /// The index, as text (a number or a name).
        index: String,
        /// Number of valid entries.
        len: usize,
    },
    /// The dataset lacks information an extractor needs (e.g. `meta/image_props`, `meta/names`, file paths, or
    /// pixel data in a metadata-only dataset).
    #[error("dataset lacks {what}: {message}")]
    Missing {
        /// The missing part (e.g. `meta/image_props`).
        what: String,
        /// Details.
        message: String,
    },
    /// A sample entry needed by a transform or selection was not extracted.
    #[error("entry '{entry}' was not extracted (the sample has {available:?})")]
    MissingEntry {
        /// The entry name.
        entry: String,
        /// The entries the sample holds.
        available: Vec<String>,
    },
    /// A sample entry has the wrong kind (strings where an array is needed) or pixel type.
    #[error("entry '{entry}': expected {expected}, found {found}")]
    EntryType {
        /// The entry name.
        entry: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// An array has a shape an operation cannot handle.
    #[error("{operation}: entry '{entry}' has shape {shape:?}: {message}")]
    Shape {
        /// The operation (transform or extractor name).
        operation: &'static str,
        /// The entry.
        entry: String,
        /// Its shape.
        shape: Vec<usize>,
        /// What is wrong.
        message: String,
    },
    /// Parameters of an extractor, transform, sampler or loader are invalid.
    #[error("{operation}: invalid parameters: {message}")]
    InvalidParameters {
        /// The operation.
        operation: &'static str,
        /// What is wrong, with the values.
        message: String,
    },
    /// A value-dependent operation cannot be computed (e.g. rescaling a constant image).
    #[error("{operation}: entry '{entry}': {message}")]
    NotComputable {
        /// The operation.
        operation: &'static str,
        /// The entry.
        entry: String,
        /// Why.
        message: String,
    },
    /// An index expression does not fit the array.
    #[error(transparent)]
    Index(#[from] mia_index::IndexError),
    /// Reading from the dataset failed.
    #[error("reading '{category}' of subject {subject}: {message}")]
    Read {
        /// The category.
        category: String,
        /// The subject index.
        subject: usize,
        /// The underlying error, as text.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Loading an image file (metadata-only datasets) failed.
    #[error("loading {path}: {message}")]
    Load {
        /// The file.
        path: PathBuf,
        /// The underlying error, as text.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Memory for a sample could not be reserved.
    #[error("cannot allocate {bytes} bytes for {what}")]
    Allocation {
        /// What was being allocated.
        what: String,
        /// Requested size.
        bytes: usize,
    },
    /// A loader worker thread panicked or the loader was used after shutdown.
    #[error("loader: {0}")]
    Loader(String),
    /// An error from a user-supplied closure.
    #[error("{0}")]
    Custom(String),
}

/// Result type of this crate.
pub type Result<T, E = ExtractError> = std::result::Result<T, E>;

impl ExtractError {
    pub(crate) fn params(operation: &'static str, message: impl Into<String>) -> Self {
        ExtractError::InvalidParameters { operation, message: message.into() }
    }

    pub(crate) fn shape(
        operation: &'static str,
        entry: &str,
        shape: &[usize],
        message: impl Into<String>,
    ) -> Self {
        ExtractError::Shape {
            operation,
            entry: entry.to_string(),
            shape: shape.to_vec(),
            message: message.into(),
        }
    }
}
