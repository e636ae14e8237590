use std::path::PathBuf;

/// Errors of reading and writing images and records. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The operating system could not open, read or write the file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file's extension (and magic bytes) match no known format, or the format cannot do this operation.
    #[error("{path}: unsupported format: {message}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is not supported.
        message: String,
    },
    /// A header field is missing, malformed or inconsistent.
    #[error("{path}: header field {field}: {message}")]
    Header {
        /// The file.
        path: PathBuf,
        /// The field (e.g. `DimSize`, `ElementType`, `ImagePositionPatient`).
        field: String,
        /// What is wrong, with the values.
        message: String,
    },
    /// The voxel data is shorter than the header declares, or cannot be decoded.
    #[error("{path}: pixel data: {message}")]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the sizes.
        message: String,
    },
    /// A DICOM series cannot form one volume (gaps, non-parallel slices, mixed series, ...).
    #[error("{path}: DICOM series: {message}")]
    Series {
        /// The directory.
        path: PathBuf,
        /// Why not.
        message: String,
    },
    /// The image cannot be represented in the target format (pixel type, dimension, components).
    #[error("{path}: cannot write: {message}")]
    Unwritable {
        /// The file.
        path: PathBuf,
        /// Why not.
        message: String,
    },
    /// A file that belongs to the one named (the `.img` of a `.hdr`, the data file of a `.mhd`) cannot be read.
    #[error("{path}: companion file {companion}: {source}")]
    Companion {
        /// The file named by the caller.
        path: PathBuf,
        /// The companion file that is missing or unreadable.
        companion: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A record file (key/value text, CSV, JSON) is malformed.
    #[error("{path}:{line}: {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when not applicable).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The decoded image has inconsistent properties.
    #[error("{path}: {source}")]
    Image {
        /// The file.
        path: PathBuf,
        /// The inconsistency.
        #[source]
        source: mia_core::CoreError,
    },
}

impl IoError {
    /// An `Io` error for a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IoError::Io { path: path.into(), source }
    }

    /// A `Header` error for a path and field.
    pub fn header(path: impl Into<PathBuf>, field: impl Into<String>, message: impl Into<String>) -> Self {
        IoError::Header { path: path.into(), field: field.into(), message: message.into() }
    }

    /// A `Data` error for a path.
    pub fn data(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        IoError::Data { path: path.into(), message: message.into() }
    }

    /// An `Unwritable` error for a path.
    pub fn unwritable(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        IoError::Unwritable { path: path.into(), message: message.into() }
    }

    /// An `Image` error for a path.
    pub fn image(path: impl Into<PathBuf>, source: mia_core::CoreError) -> Self {
        IoError::Image { path: path.into(), source }
    }

    /// An `Unsupported` error for a path.
    pub fn unsupported(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        IoError::Unsupported { path: path.into(), message: message.into() }
    }
}
