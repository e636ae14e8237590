//! pymia's augmentation example (`augmentation/basic.py`) in Rust: random 90° rotation and mirroring of 2-D slices
//! (images and labels together), plus an elastic deformation, with a seeded RNG so every run gives the same
//! samples. Prints what happened to one sample per epoch.
//!
//! Run with `cargo run --example augmentation`.

use mia::dataset::{create_dataset, CreateOptions, Dataset, FileLoader, Progress, SubjectFiles};
use mia::extract::{
    DataExtractor, DataSource, RandomElasticDeformation, RandomMirror, RandomRotation90, Transform,
};
use mia::index::SliceIndexing;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let s = mia_testkit::BrainPhantom::small().generate(1);
    let (t1, gt) = (dir.path().join("t1.nii.gz"), dir.path().join("gt.nii.gz"));
    mia::io::write_image(&t1, &s.image(&s.t1)?)?;
    mia::io::write_image(&gt, &s.image(&s.labels)?)?;
    let subjects = vec![SubjectFiles::new(&s.id).with("images", "T1", t1)?.with("labels", "GT", gt)?];
    let h5 = dir.path().join("data.h5");
    let options = CreateOptions { progress: Progress::Quiet, ..CreateOptions::default() };
    create_dataset(&subjects, &h5, &FileLoader::new(), &[], &options)?;

    // pymia: [RandomRotation90(axes=(-2, -1)), RandomMirror()] on channel-first data; mia's samples are
    // channel-last (y, x, c), so the spatial axes are (0, 1) and the mirror axis is 0.
    let augment: Vec<Box<dyn Transform>> = vec![
        Box::new(RandomRotation90::new((0, 1)).p(0.75)),
        Box::new(RandomMirror::new(0).p(0.5)),
        Box::new(RandomElasticDeformation::new().p(0.5)),
    ];
    let source = DataSource::new(Dataset::open(&h5)?, SliceIndexing::new(0))?
        .with_extractor(DataExtractor::new(&["images", "labels"]))
        .with_transform(augment)
        .with_seed(42);
    let middle = source.len() / 2;
    for epoch in 0..4 {
        let sample = source.get_in_epoch(middle, epoch)?;
        let labels = sample.to_f32("labels")?;
        let foreground = labels.iter().filter(|&&v| v > 0.0).count();
        let first_row: Vec<f32> =
            labels.index_axis(ndarray::Axis(0), labels.shape()[0] / 2).iter().take(12).copied().collect();
        println!(
            "epoch {epoch}: slice {middle}, {foreground} labelled voxels, middle row starts {first_row:?}"
        );
    }
    Ok(())
}
