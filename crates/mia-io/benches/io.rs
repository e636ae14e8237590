//! Reading and writing `.nii`, `.nii.gz`, `.mha` and compressed `.mha` of a 256³ int16 volume and a
//! 181×217×181 float32 volume (files generated in a temporary directory). Bench names: `read/nii/256_i16`,
//! `write/mha_z/181_f32`, ... Throughput is reported in voxel bytes per second.

#![allow(missing_docs)] // criterion_group! generates an undocumented function.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mia_core::{Image, ImageProperties, PixelType};
use mia_io::metaimage::{write_metaimage_with, MetaImageWriteOptions};
use ndarray::{ArrayD, Dimension, IxDyn};

/// A smooth volume with noise, so that compression ratios resemble real MR data.
fn volume(size: [usize; 3], pixel_type: PixelType) -> Image {
    let shape = IxDyn(&[size[2], size[1], size[0]]);
    let value = |ix: &[usize]| {
        let (z, y, x) = (ix[0] as f64, ix[1] as f64, ix[2] as f64);
        let smooth = 800.0 * ((x / 23.0).sin() * (y / 31.0).cos() + (z / 17.0).sin()) + 1000.0;
        let noise = ((ix[0] * 7919 + ix[1] * 104729 + ix[2] * 1299709) % 97) as f64;
        smooth + noise
    };
    let geometry = |p: PixelType| {
        ImageProperties::new(size.to_vec(), vec![1.0, 1.0, 1.2], vec![-90.0, 126.0, -72.0], None, 1, p)
            .unwrap()
    };
    match pixel_type {
        PixelType::I16 => {
            let a = ArrayD::from_shape_fn(shape, |ix| value(ix.slice()) as i16);
            Image::new(a.into(), geometry(PixelType::I16)).unwrap()
        }
        _ => {
            let a = ArrayD::from_shape_fn(shape, |ix| value(ix.slice()) as f32 / 7.0);
            Image::new(a.into(), geometry(PixelType::F32)).unwrap()
        }
    }
}

fn write(path: &Path, image: &Image, format: &str) {
    match format {
        "mha_z" => {
            write_metaimage_with(path, image, MetaImageWriteOptions { compress: true, ..Default::default() })
                .unwrap()
        }
        _ => mia_io::write_image(path, image).unwrap(),
    }
}

fn extension(format: &str) -> &str {
    match format {
        "nii" => "nii",
        "nii_gz" => "nii.gz",
        "mha" | "mha_z" => "mha",
        _ => unreachable!(),
    }
}

fn bench_io(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let volumes = [
        ("256_i16", volume([256, 256, 256], PixelType::I16)),
        ("181_f32", volume([181, 217, 181], PixelType::F32)),
    ];
    let formats = ["nii", "nii_gz", "mha", "mha_z"];
    let mut read = c.benchmark_group("read");
    read.sample_size(10);
    let mut files: Vec<(String, String, PathBuf, u64)> = Vec::new();
    for (name, image) in &volumes {
        for format in formats {
            let path = dir.path().join(format!("{name}_{format}.{}", extension(format)));
            write(&path, image, format);
            let bytes = (image.data().len() * image.properties().pixel_type().size_bytes()) as u64;
            files.push((format.to_string(), name.to_string(), path, bytes));
        }
    }
    for (format, name, path, bytes) in &files {
        read.throughput(Throughput::Bytes(*bytes));
        read.bench_with_input(BenchmarkId::new(format.as_str(), name), path, |b, p| {
            b.iter(|| mia_io::read_image(p).unwrap())
        });
    }
    read.finish();
    let mut write_group = c.benchmark_group("write");
    write_group.sample_size(10);
    for (name, image) in &volumes {
        let bytes = (image.data().len() * image.properties().pixel_type().size_bytes()) as u64;
        write_group.throughput(Throughput::Bytes(bytes));
        for format in formats {
            let path = dir.path().join(format!("w_{name}_{format}.{}", extension(format)));
            write_group.bench_with_input(BenchmarkId::new(format, name), &path, |b, p| {
                b.iter(|| write(p, image, format))
            });
        }
    }
    write_group.finish();
}

criterion_group!(benches, bench_io);
criterion_main!(benches);
