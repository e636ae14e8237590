//! Shared vocabulary of the mia workspace: an n-dimensional [`Image`] with its pixel type and its spatial
//! [`ImageProperties`] (size, spacing, origin, direction, components).
//!
//! # Axis order (decided once, for the whole workspace)
//!
//! mia follows pymia and SimpleITK exactly:
//!
//! * **Voxel arrays** are `ndarray` arrays in numpy/C order: a 3-D image of ITK size `(x, y, z)` is an array of
//!   shape `(z, y, x)`; a vector image with `c` components per pixel has shape `(z, y, x, c)`. This is what
//!   `sitk.GetArrayFromImage` returns and what pymia stores in its HDF5 datasets.
//! * **Geometry** (size, spacing, origin, direction) is in ITK/physical order `(x, y, z)`, LPS world coordinates,
//!   and the direction matrix is stored row-major (`direction[row * dim + col]`), as `sitk.Image.GetDirection()`.
//!
//! Conversion happens only at the boundary: [`ImageProperties::array_shape`] turns the ITK size into the array
//! shape and [`ImageProperties::spacing_zyx`] gives the spacing in array order for metric computations.
//!
//! ```
//! use mia_core::{Image, ImageData, ImageProperties, PixelType};
//! use ndarray::ArrayD;
//!
//! // A 4 x 3 x 2 (x, y, z) image: the array is (z, y, x) = (2, 3, 4).
//! let data = ArrayD::<u8>::zeros(vec![2, 3, 4]);
//! let props = ImageProperties::new(vec![4, 3, 2], vec![0.5, 1.0, 2.0], vec![0.0; 3], None, 1, PixelType::U8).unwrap();
//! let image = Image::new(ImageData::U8(data), props).unwrap();
//! assert_eq!(image.properties().spacing_zyx(), vec![2.0, 1.0, 0.5]);
//! assert_eq!(image.data().shape(), &[2, 3, 4]);
//! ```
#![warn(missing_docs)]

mod buffer;
mod data;
mod error;
mod pixel;
mod properties;
mod region;

pub use buffer::{
    clear_recycled, recycle, take_recycled, try_zeroed_vec, Prefault, PrefaultedVec, LARGE_BUFFER_BYTES,
    MAX_RECYCLED,
};
pub use data::{stack_last, stack_last_bytes, Image, ImageData, IntoImageData};
pub use error::{CoreError, GeometryMismatch};
pub use pixel::{Element, PixelType};
pub use properties::{GeometryTolerance, ImageProperties};
pub use region::{copy_box, copy_region};

/// Result type of this crate.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
