use std::fmt;

/// Errors raised when an image or its properties are inconsistent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A geometric field has the wrong number of values for the image dimension.
    #[error("{field} has {actual} values, but the image has {expected} dimensions")]
    FieldLength {
        /// Name of the field (`spacing`, `origin`, `direction`).
        field: &'static str,
        /// Expected number of values.
        expected: usize,
        /// Actual number of values.
        actual: usize,
    },
    /// A spacing value is not finite and positive.
    #[error("spacing must be finite and positive, got {spacing:?}")]
    InvalidSpacing {
        /// The spacing given.
        spacing: Vec<f64>,
    },
    /// A value that must be finite is not.
    #[error("{field} must be finite, got {values:?}")]
    NonFinite {
        /// Name of the field.
        field: &'static str,
        /// The values given.
        values: Vec<f64>,
    },
    /// The voxel array shape does not match the properties.
    #[error("array shape {array:?} does not match the image properties (expected array shape {expected:?})")]
    ShapeMismatch {
        /// The shape of the voxel array.
        array: Vec<usize>,
        /// The array shape implied by the properties.
        expected: Vec<usize>,
    },
    /// The pixel type of the data differs from the one in the properties.
    #[error("pixel type {data} of the voxel data does not match {properties} in the properties")]
    PixelTypeMismatch {
        /// Pixel type of the data.
        data: crate::PixelType,
        /// Pixel type recorded in the properties.
        properties: crate::PixelType,
    },
    /// An image must have at least one dimension and one component.
    #[error("invalid image layout: {0}")]
    Layout(String),
    /// A pixel type name could not be parsed.
    #[error("unknown pixel type '{0}' (expected one of u8, i8, u16, i16, u32, i32, u64, i64, f32, f64)")]
    UnknownPixelType(String),
}

/// Two images whose geometry differs beyond the tolerance: names the field and both values.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryMismatch {
    /// Field that differs (`size`, `spacing`, `origin`, `direction`, `dimension`).
    pub field: &'static str,
    /// Value of the first image.
    pub left: Vec<f64>,
    /// Value of the second image.
    pub right: Vec<f64>,
}

impl fmt::Display for GeometryMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} differs: {:?} vs {:?}", self.field, self.left, self.right)
    }
}

impl std::error::Error for GeometryMismatch {}
