//! A synthetic pymia-like dataset: 3 subjects, images (6, 8, 10, 2) f32, labels (6, 8, 10, 1) u8.
#![allow(dead_code, unreachable_pub)]

use mia_core::{ImageData, ImageProperties, PixelType};
use mia_extract::MemorySource;
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
