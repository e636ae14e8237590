use std::path::PathBuf;

/// Errors of opening and reading a dataset ([`crate::Dataset`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The HDF5 library reported an error.
    #[error("{path}: {context}: {source}")]
    Hdf5 {
        /// The dataset file.
        path: PathBuf,
        /// What was being done (e.g. `reading meta/subjects`).
        context: String,
        /// The HDF5 error.
        #[source]
        source: hdf5::Error,
    },
    /// A required group or dataset is missing (the file is no pymia/mia dataset, or lacks this information).
    #[error("{path}: missing {location} ({message})")]
    Missing {
        /// The dataset file.
        path: PathBuf,
        /// The HDF5 location.
        location: String,
        /// Why it is needed.
        message: String,
    },
    /// The file's content contradicts the layout (shapes, types, lengths).
    #[error("{path}: {location}: {message}")]
    Layout {
        /// The dataset file.
        path: PathBuf,
        /// The HDF5 location.
        location: String,
        /// What is wrong, with the values.
        message: String,
    },
    /// No such category in the dataset.
    #[error("{path}: no category {category:?} (categories: {available:?})")]
    UnknownCategory {
        /// The dataset file.
        path: PathBuf,
        /// The requested category.
        category: String,
        /// The categories the dataset has.
        available: Vec<String>,
    },
    /// The subject index is out of range.
    #[error("{path}: subject index {index} out of range (the dataset has {count} subjects)")]
    SubjectIndex {
        /// The dataset file.
        path: PathBuf,
        /// The requested index.
        index: usize,
        /// Number of subjects.
        count: usize,
    },
    /// The index expression does not fit the entry's shape.
    #[error("{path}: {location}: {source}")]
    Index {
        /// The dataset file.
        path: PathBuf,
        /// The HDF5 location.
        location: String,
        /// The indexing error.
        #[source]
        source: mia_index::IndexError,
    },
    /// The dataset is metadata-only: pixel data must be loaded from the files.
    #[error("{path}: metadata-only dataset has no pixel data for {category} (load the files instead)")]
    MetaOnly {
        /// The dataset file.
        path: PathBuf,
        /// The requested category.
        category: String,
    },
    /// The caller's buffer or element type does not fit the selection.
    #[error("{path}: {location}: {message}")]
    Buffer {
        /// The dataset file.
        path: PathBuf,
        /// The HDF5 location.
        location: String,
        /// What does not fit.
        message: String,
    },
    /// Reading the file's bytes failed (fast path for contiguous datasets).
    #[error("{path}: {source}")]
    Io {
        /// The dataset file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Errors of describing subjects: the subject description, its TOML/JSON file, the directory collector.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubjectError {
    /// Two entries (channels) share an id.
    #[error("subject {subject}: entry id {id:?} appears in categories {first:?} and {second:?} (ids must be unique)")]
    DuplicateEntry {
        /// The subject.
        subject: String,
        /// The entry id.
        id: String,
        /// The first category holding it.
        first: String,
        /// The second category holding it.
        second: String,
    },
    /// Two subjects share an id.
    #[error("duplicate subject id {subject:?}")]
    DuplicateSubject {
        /// The subject id.
        subject: String,
    },
    /// A subject's categories or entries differ from the first subject's.
    #[error("subject {subject}: {message} (first subject {first}: {expected})")]
    Inconsistent {
        /// The subject.
        subject: String,
        /// What differs.
        message: String,
        /// The first subject's id.
        first: String,
        /// What the first subject has.
        expected: String,
    },
    /// No subjects, or a subject without any file.
    #[error("{0}")]
    Empty(String),
    /// A file does not exist.
    #[error("subject {subject}: {category}/{entry}: file {path} does not exist")]
    MissingFile {
        /// The subject.
        subject: String,
        /// The category.
        category: String,
        /// The entry id.
        entry: String,
        /// The file.
        path: PathBuf,
    },
    /// The description file cannot be read or parsed.
    #[error("{path}: {message}")]
    Config {
        /// The description file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The directory tree cannot be listed.
    #[error("{path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Errors of creating a dataset: loading, transforming and writing subjects.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CreateError {
    /// The subject description is invalid.
    #[error(transparent)]
    Subjects(#[from] SubjectError),
    /// A file could not be loaded.
    #[error("subject {subject} ({index}): {category}/{entry}: {path}: {message}")]
    Load {
        /// The subject id.
        subject: String,
        /// The subject's position.
        index: usize,
        /// The category.
        category: String,
        /// The entry id.
        entry: String,
        /// The file.
        path: PathBuf,
        /// The loader's error, as text (its chain included).
        message: String,
    },
    /// The loaded entries of a category do not stack (shapes or kinds differ).
    #[error("subject {subject}: category {category}: {message}")]
    Inconsistent {
        /// The subject id.
        subject: String,
        /// The category.
        category: String,
        /// What differs, naming the files.
        message: String,
    },
    /// A transform failed.
    #[error("subject {subject}: transform {transform}: {message}")]
    Transform {
        /// The subject id.
        subject: String,
        /// The transform.
        transform: String,
        /// What failed.
        message: String,
    },
    /// Writing the HDF5 file failed.
    #[error("{path}: writing {location}: {source}")]
    Hdf5 {
        /// The file being written (the temporary file next to the target).
        path: PathBuf,
        /// The HDF5 location.
        location: String,
        /// The HDF5 error.
        #[source]
        source: hdf5::Error,
    },
    /// A value does not fit pymia's layout (e.g. an image size above 65535 in the uint16 shape tables).
    #[error("subject {subject}: {message}")]
    Layout {
        /// The subject id.
        subject: String,
        /// What does not fit.
        message: String,
    },
    /// The options are contradictory.
    #[error("invalid options: {0}")]
    Options(String),
    /// The target exists and `force` is not set.
    #[error("{0} exists (use --force / CreateOptions::force to overwrite)")]
    TargetExists(PathBuf),
    /// A file-system operation failed (temporary file, rename, hashing).
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A callback failed.
    #[error("callback {callback}: {message}")]
    Callback {
        /// The callback.
        callback: String,
        /// What failed.
        message: String,
    },
}
