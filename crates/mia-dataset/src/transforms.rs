//! Creation-time transforms.

use mia_core::{dispatch_image_data, ImageData};
use ndarray::Axis;

use crate::traverser::{BoxError, SubjectData, Transform};
use crate::values::Values;

/// Per-channel z-score normalisation `(x - mean) / std` of numeric categories (pymia's
/// `IntensityNormalization(loop_axis=-1, entries=...)` with its default z-score), computed in `f64`.
/// Float data keeps its type; integer data becomes `f64` (as numpy would). The standard deviation is the
/// population one (`ddof = 0`, numpy's default); a constant channel gives NaN/inf exactly as pymia does.
#[derive(Debug, Clone)]
pub struct IntensityNormalization {
    categories: Vec<String>,
}

impl IntensityNormalization {
    /// Normalises the given categories (pymia's example: `images`).
    pub fn new(categories: Vec<String>) -> Self {
        IntensityNormalization { categories }
    }
}

fn zscore_f64(mut a: ndarray::ArrayViewMutD<'_, f64>) {
    let n = a.len() as f64;
    let mean = a.iter().sum::<f64>() / n;
    let var = a.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let std = var.sqrt();
    a.mapv_inplace(|v| (v - mean) / std);
}

impl Transform for IntensityNormalization {
    fn name(&self) -> String {
        format!("IntensityNormalization({:?})", self.categories)
    }

    fn apply(&self, subject: &mut SubjectData) -> Result<(), BoxError> {
        for name in &self.categories {
            let Some(c) = subject.category_mut(name) else {
                return Err(format!("no category {name}").into());
            };
            let Values::Numeric(data) = &mut c.values else {
                return Err(format!("category {name} holds strings").into());
            };
            let last = Axis(data.shape().len().saturating_sub(1));
            let mut f = dispatch_image_data!(&*data, a => a.mapv(mia_core::Element::to_f64));
            for ch in f.axis_iter_mut(last) {
                zscore_f64(ch);
            }
            *data = match data.pixel_type() {
                mia_core::PixelType::F32 => ImageData::F32(f.mapv(|v| v as f32)),
                _ => ImageData::F64(f),
            };
        }
        Ok(())
    }
}
