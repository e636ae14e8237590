use crate::{CoreError, GeometryMismatch, PixelType, Result};

/// The spatial properties of an image, in ITK order (`x, y, z, ...`).
///
/// The same information as pymia's `ImageProperties` (SimpleITK's size, origin, spacing, direction, number of
/// components per pixel, pixel id). Construct with [`ImageProperties::new`], which validates every field.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ImageProperties {
    size: Vec<usize>,
    spacing: Vec<f64>,
    origin: Vec<f64>,
    direction: Vec<f64>,
    components: usize,
    pixel_type: PixelType,
}

/// Tolerances for comparing geometry, as ITK compares images in filters.
///
/// ITK's `ImageToImageFilter` accepts inputs whose origin and spacing agree within
/// `coordinate * spacing[0]` and whose direction cosines agree within `direction`; both default to `1e-6`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeometryTolerance {
    /// Relative tolerance for origin and spacing, multiplied by the first spacing value.
    pub coordinate: f64,
    /// Absolute tolerance for direction cosines.
    pub direction: f64,
}

impl Default for GeometryTolerance {
    fn default() -> Self {
        GeometryTolerance { coordinate: 1e-6, direction: 1e-6 }
    }
}

impl ImageProperties {
    /// Validated properties. `size`, `spacing` and `origin` are in ITK order; `direction` is the row-major
    /// `dim × dim` matrix, `None` for identity.
    pub fn new(
        size: Vec<usize>,
        spacing: Vec<f64>,
        origin: Vec<f64>,
        direction: Option<Vec<f64>>,
        components: usize,
        pixel_type: PixelType,
    ) -> Result<Self> {
        let dim = size.len();
        if dim == 0 {
            return Err(CoreError::Layout("an image needs at least one dimension".into()));
        }
        if components == 0 {
            return Err(CoreError::Layout("an image needs at least one component per pixel".into()));
        }
        let direction = direction.unwrap_or_else(|| identity(dim));
        for (field, len, expected) in [
            ("spacing", spacing.len(), dim),
            ("origin", origin.len(), dim),
            ("direction", direction.len(), dim * dim),
        ] {
            if len != expected {
                return Err(CoreError::FieldLength { field, expected, actual: len });
            }
        }
        if spacing.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return Err(CoreError::InvalidSpacing { spacing });
        }
        if origin.iter().any(|v| !v.is_finite()) {
            return Err(CoreError::NonFinite { field: "origin", values: origin });
        }
        if direction.iter().any(|v| !v.is_finite()) {
            return Err(CoreError::NonFinite { field: "direction", values: direction });
        }
        Ok(ImageProperties { size, spacing, origin, direction, components, pixel_type })
    }

    /// Properties of an image of the given ITK size with unit spacing, zero origin and identity direction.
    pub fn with_size(size: Vec<usize>, components: usize, pixel_type: PixelType) -> Result<Self> {
        let dim = size.len();
        Self::new(size, vec![1.0; dim], vec![0.0; dim], None, components, pixel_type)
    }

    /// Number of spatial dimensions.
    pub fn dimension(&self) -> usize {
        self.size.len()
    }

    /// Size in ITK order (`x, y, z`).
    pub fn size(&self) -> &[usize] {
        &self.size
    }

    /// Spacing in ITK order (`x, y, z`), physical units (mm).
    pub fn spacing(&self) -> &[f64] {
        &self.spacing
    }

    /// Spacing in array order (`z, y, x`), as pymia passes it to its metrics.
    pub fn spacing_zyx(&self) -> Vec<f64> {
        self.spacing.iter().rev().copied().collect()
    }

    /// Origin (physical position of the first voxel's centre) in ITK order.
    pub fn origin(&self) -> &[f64] {
        &self.origin
    }

    /// Direction cosines, row-major `dim × dim`.
    pub fn direction(&self) -> &[f64] {
        &self.direction
    }

    /// Components per pixel (1 for scalar images).
    pub fn components(&self) -> usize {
        self.components
    }

    /// The pixel component type.
    pub fn pixel_type(&self) -> PixelType {
        self.pixel_type
    }

    /// Number of voxels (not components).
    pub fn voxel_count(&self) -> usize {
        self.size.iter().product()
    }

    /// Shape of the voxel array: the size reversed, plus a trailing component axis when `components > 1`.
    pub fn array_shape(&self) -> Vec<usize> {
        let mut shape: Vec<usize> = self.size.iter().rev().copied().collect();
        if self.components > 1 {
            shape.push(self.components);
        }
        shape
    }

    /// The same geometry with another pixel type.
    pub fn with_pixel_type(mut self, pixel_type: PixelType) -> Self {
        self.pixel_type = pixel_type;
        self
    }

    /// The same geometry with another number of components.
    pub fn with_components(mut self, components: usize) -> Result<Self> {
        if components == 0 {
            return Err(CoreError::Layout("an image needs at least one component per pixel".into()));
        }
        self.components = components;
        Ok(self)
    }

    /// Physical point (ITK order) of a continuous index given in ITK order: `origin + D · diag(spacing) · index`.
    pub fn index_to_physical(&self, index: &[f64]) -> Vec<f64> {
        let dim = self.dimension();
        (0..dim)
            .map(|r| {
                self.origin[r]
                    + (0..dim).map(|c| self.direction[r * dim + c] * self.spacing[c] * index[c]).sum::<f64>()
            })
            .collect()
    }

    /// Checks that two images share size, spacing, origin and direction (pixel type and components are
    /// ignored, as pymia's `ImageProperties.__eq__`). Returns the first field that differs with both values.
    pub fn check_same_geometry(
        &self,
        other: &ImageProperties,
        tolerance: GeometryTolerance,
    ) -> std::result::Result<(), GeometryMismatch> {
        let f = |v: &[usize]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
        if self.dimension() != other.dimension() || self.size != other.size {
            return Err(GeometryMismatch { field: "size", left: f(&self.size), right: f(&other.size) });
        }
        let coord_tol = tolerance.coordinate * self.spacing[0].abs();
        let close = |a: &[f64], b: &[f64], tol: f64| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol);
        if !close(&self.spacing, &other.spacing, coord_tol) {
            return Err(GeometryMismatch {
                field: "spacing",
                left: self.spacing.clone(),
                right: other.spacing.clone(),
            });
        }
        if !close(&self.origin, &other.origin, coord_tol) {
            return Err(GeometryMismatch {
                field: "origin",
                left: self.origin.clone(),
                right: other.origin.clone(),
            });
        }
        if !close(&self.direction, &other.direction, tolerance.direction) {
            return Err(GeometryMismatch {
                field: "direction",
                left: self.direction.clone(),
                right: other.direction.clone(),
            });
        }
        Ok(())
    }
}

/// Row-major identity matrix of size `dim × dim`.
pub(crate) fn identity(dim: usize) -> Vec<f64> {
    let mut m = vec![0.0; dim * dim];
    for i in 0..dim {
        m[i * dim + i] = 1.0;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> ImageProperties {
        ImageProperties::new(vec![4, 3, 2], vec![0.5, 1.0, 2.0], vec![1.0, 2.0, 3.0], None, 1, PixelType::F32)
            .unwrap()
    }

    #[test]
    fn array_shape_reverses_size() {
        assert_eq!(props().array_shape(), vec![2, 3, 4]);
        assert_eq!(props().with_components(3).unwrap().array_shape(), vec![2, 3, 4, 3]);
    }

    #[test]
    fn rejects_bad_fields() {
        let e = ImageProperties::new(vec![4, 3], vec![1.0], vec![0.0; 2], None, 1, PixelType::U8);
        assert!(matches!(e, Err(CoreError::FieldLength { field: "spacing", .. })));
        let e = ImageProperties::new(vec![4, 3], vec![1.0, 0.0], vec![0.0; 2], None, 1, PixelType::U8);
        assert!(matches!(e, Err(CoreError::InvalidSpacing { .. })));
        let e = ImageProperties::new(vec![4, 3], vec![1.0, f64::NAN], vec![0.0; 2], None, 1, PixelType::U8);
        assert!(matches!(e, Err(CoreError::InvalidSpacing { .. })));
    }

    #[test]
    fn geometry_comparison_names_field() {
        let a = props();
        let mut b = props();
        assert!(a.check_same_geometry(&b, GeometryTolerance::default()).is_ok());
        b.origin[1] += 1e-3;
        let m = a.check_same_geometry(&b, GeometryTolerance::default()).unwrap_err();
        assert_eq!(m.field, "origin");
        b.origin[1] = 2.0 + 1e-8;
        assert!(a.check_same_geometry(&b, GeometryTolerance::default()).is_ok());
    }

    #[test]
    fn physical_points() {
        let p = props();
        assert_eq!(p.index_to_physical(&[2.0, 1.0, 1.0]), vec![2.0, 3.0, 5.0]);
    }
}
