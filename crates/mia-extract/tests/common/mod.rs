//! A synthetic pymia-like dataset: 3 subjects, images (6, 8, 10, 2) f32, labels (6, 8, 10, 1) u8.
#![allow(dead_code, unreachable_pub)]

use mia_core::{ImageData, ImageProperties, PixelType};
use mia_extract::{IndexingStrategy, MemorySource};
use mia_index::{AxisIndex, IndexExpression};
use ndarray::{ArrayD, IxDyn};

pub const SHAPE: [usize; 3] = [6, 8, 10];

pub fn image(subject: usize) -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(&[6, 8, 10, 2]), |i| {
        (subject * 10000 + i[0] * 1000 + i[1] * 100 + i[2] * 10 + i[3]) as f32 + 1.0
    })
}

pub fn label(subject: usize) -> ArrayD<u8> {
    ArrayD::from_shape_fn(IxDyn(&[6, 8, 10, 1]), |i| ((i[0] + i[1] + i[2] + subject) % 3) as u8)
}

pub fn properties() -> ImageProperties {
    ImageProperties::new(vec![10, 8, 6], vec![1.0, 2.0, 3.0], vec![10.0, 20.0, 30.0], None, 1, PixelType::U8)
        .unwrap()
}

pub fn memory_source() -> MemorySource {
    let subjects = vec!["Subject_1".to_string(), "Subject_2".to_string(), "Subject_3".to_string()];
    MemorySource::new(subjects)
        .with_category(
            "images",
            Some(vec!["T1".into(), "T2".into()]),
            (0..3).map(|s| ImageData::F32(image(s))).collect(),
        )
        .unwrap()
        .with_category("labels", Some(vec!["GT".into()]), (0..3).map(|s| ImageData::U8(label(s))).collect())
        .unwrap()
        .with_properties(vec![properties(); 3])
        .unwrap()
}

/// pymia's SliceIndexing on one axis (test stand-in until mia-index ships its strategies).
pub struct Slices(pub usize);

impl IndexingStrategy for Slices {
    fn indices(&self, shape: &[usize]) -> mia_index::Result<Vec<IndexExpression>> {
        Ok((0..shape[self.0]).map(|i| IndexExpression::at_axis(self.0, AxisIndex::Index(i))).collect())
    }
}

/// The whole array.
pub struct Whole;

impl IndexingStrategy for Whole {
    fn indices(&self, _: &[usize]) -> mia_index::Result<Vec<IndexExpression>> {
        Ok(vec![IndexExpression::whole()])
    }
}

/// pymia's PatchWiseIndexing (C-order grid, floor or ceil counts).
pub struct Patches(pub Vec<usize>, pub bool);

impl IndexingStrategy for Patches {
    fn indices(&self, shape: &[usize]) -> mia_index::Result<Vec<IndexExpression>> {
        let counts: Vec<usize> =
            self.0.iter().zip(shape).map(|(&p, &n)| if self.1 { n / p } else { n.div_ceil(p) }).collect();
        let total: usize = counts.iter().product();
        let mut out = Vec::new();
        for mut k in 0..total {
            let mut pos = vec![0; counts.len()];
            for a in (0..counts.len()).rev() {
                pos[a] = k % counts[a];
                k /= counts[a];
            }
            let starts: Vec<usize> = pos.iter().zip(&self.0).map(|(&i, &p)| i * p).collect();
            out.push(IndexExpression::patch(&starts, &self.0));
        }
        Ok(out)
    }
}
