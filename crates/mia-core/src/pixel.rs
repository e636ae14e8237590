use std::fmt;
use std::str::FromStr;

use crate::CoreError;

/// The scalar type of a voxel component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PixelType {
    /// Unsigned 8-bit integer.
    U8,
    /// Signed 8-bit integer.
    I8,
    /// Unsigned 16-bit integer.
    U16,
    /// Signed 16-bit integer.
    I16,
    /// Unsigned 32-bit integer.
    U32,
    /// Signed 32-bit integer.
    I32,
    /// Unsigned 64-bit integer.
    U64,
    /// Signed 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
}

impl PixelType {
    /// Every pixel type, smallest integers first.
    pub const ALL: [PixelType; 10] = [
        PixelType::U8,
        PixelType::I8,
        PixelType::U16,
        PixelType::I16,
        PixelType::U32,
        PixelType::I32,
        PixelType::U64,
        PixelType::I64,
        PixelType::F32,
        PixelType::F64,
    ];

    /// Short name used on the command line and in JSON (`u8`, `i16`, `f32`, ...).
    pub fn name(self) -> &'static str {
        match self {
            PixelType::U8 => "u8",
            PixelType::I8 => "i8",
            PixelType::U16 => "u16",
            PixelType::I16 => "i16",
            PixelType::U32 => "u32",
            PixelType::I32 => "i32",
            PixelType::U64 => "u64",
            PixelType::I64 => "i64",
            PixelType::F32 => "f32",
            PixelType::F64 => "f64",
        }
    }

    /// Size of one component in bytes.
    pub fn size_bytes(self) -> usize {
        match self {
            PixelType::U8 | PixelType::I8 => 1,
            PixelType::U16 | PixelType::I16 => 2,
            PixelType::U32 | PixelType::I32 | PixelType::F32 => 4,
            PixelType::U64 | PixelType::I64 | PixelType::F64 => 8,
        }
    }

    /// Whether the type is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, PixelType::F32 | PixelType::F64)
    }

    /// Whether the type is a signed type (floats included).
    pub fn is_signed(self) -> bool {
        !matches!(self, PixelType::U8 | PixelType::U16 | PixelType::U32 | PixelType::U64)
    }
}

impl fmt::Display for PixelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PixelType {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PixelType::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| CoreError::UnknownPixelType(s.to_string()))
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A voxel component type: one of the ten [`PixelType`]s.
///
/// Sealed: the set of pixel types is closed, so code can `match` on [`crate::ImageData`] exhaustively.
pub trait Element: sealed::Sealed + Copy + Send + Sync + PartialOrd + Default + fmt::Debug + 'static {
    /// The matching pixel type.
    const PIXEL_TYPE: PixelType;
    /// Lossless (for all but 64-bit integers beyond 2^53) conversion to `f64`.
    fn to_f64(self) -> f64;
    /// Conversion from `f64` with Rust's `as` semantics (saturating, NaN to zero for integers).
    fn from_f64(v: f64) -> Self;
}

macro_rules! element {
    ($t:ty, $p:ident) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const PIXEL_TYPE: PixelType = PixelType::$p;
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    };
}

element!(u8, U8);
element!(i8, I8);
element!(u16, U16);
element!(i16, I16);
element!(u32, U32);
element!(i32, I32);
element!(u64, U64);
element!(i64, I64);
element!(f32, F32);
element!(f64, F64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in PixelType::ALL {
            assert_eq!(p.name().parse::<PixelType>().unwrap(), p);
        }
        assert!("float".parse::<PixelType>().is_err());
    }
}
