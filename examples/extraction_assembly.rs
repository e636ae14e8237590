//! pymia's extraction/assembly examples in Rust (`extraction_assembly.py`, `extraction_assembly_3dpatch.py`, the
//! `--meta` variant): create a small dataset, extract 2-D slices and padded 3-D patches, run a "network" on them
//! (here: a threshold, standing in for your model), and assemble the outputs back into volumes — from the HDF5
//! dataset and from a metadata-only dataset that loads the image files.
//!
//! Run with `cargo run --example extraction_assembly`.

use mia::assemble::{AssemblerConfig, CentreCrop, SubjectAssembler, SubjectSpec, PREDICTION};
use mia::dataset::{create_dataset, CreateOptions, Dataset, FileLoader, Progress, SubjectFiles};
use mia::extract::{DataExtractor, DataSource, FilesystemDataExtractor, PadDataExtractor};
use mia::index::{IndexingStrategy, PatchWiseIndexing, SliceIndexing};
use ndarray::ArrayD;

/// The stand-in "network": 1 where the first image channel is above its mean, for every voxel of the input.
fn network(images: &ArrayD<f32>) -> ArrayD<f32> {
    let c = images.shape().len() - 1;
    let first = images.index_axis(ndarray::Axis(c), 0);
    let mean = first.mean().unwrap_or(0.0);
    first.mapv(|v| f32::from(u8::from(v > mean))).insert_axis(ndarray::Axis(c))
}

fn assemble(source: &DataSource, dataset: &Dataset, crop: bool) -> Result<usize, Box<dyn std::error::Error>> {
    let mut assembler = SubjectAssembler::new(AssemblerConfig::default());
    if crop {
        // The padded input is larger than the patch it stands for: crop the output back (valid convolutions).
        assembler = assembler.with_interaction(CentreCrop);
    }
    let mut counts = vec![0; dataset.subjects().len()];
    for (s, _) in source.indices() {
        counts[*s] += 1;
    }
    for (s, &n) in counts.iter().enumerate() {
        assembler.register(s, SubjectSpec::from_properties(dataset.image_properties(s)?).expect_count(n))?;
    }
    let mut done = 0;
    for i in 0..source.len() {
        let (subject, expr) = source.indices()[i].clone();
        let sample = source.get(i)?;
        let output = network(&sample.to_f32("images")?);
        assembler.add_prediction(subject, &expr, output.view())?;
        for mut finished in assembler.take_finished()? {
            let image = finished.remove(PREDICTION).ok_or("no prediction")?.into_image(PREDICTION)?;
            println!("  subject {} assembled: size {:?}", finished.subject, image.properties().size());
            done += 1;
        }
    }
    Ok(done)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    // Two phantom subjects with T1/T2 and labels on disk (pymia's example data has the same layout).
    let phantom = mia_testkit::BrainPhantom::small();
    let mut subjects = Vec::new();
    for k in 1..=2 {
        let s = phantom.generate(k);
        let t1 = dir.path().join(format!("{}_T1.nii.gz", s.id));
        let t2 = dir.path().join(format!("{}_T2.nii.gz", s.id));
        let gt = dir.path().join(format!("{}_GT.nii.gz", s.id));
        mia::io::write_image(&t1, &s.image(&s.t1)?)?;
        mia::io::write_image(&t2, &s.image(&s.t2)?)?;
        mia::io::write_image(&gt, &s.image(&s.labels)?)?;
        subjects.push(
            SubjectFiles::new(&s.id)
                .with("images", "T1", t1)?
                .with("images", "T2", t2)?
                .with("labels", "GT", gt)?,
        );
    }
    let h5 = dir.path().join("data.h5");
    let meta = dir.path().join("meta.h5");
    let quiet = CreateOptions { progress: Progress::Quiet, ..CreateOptions::default() };
    create_dataset(&subjects, &h5, &FileLoader::new(), &[], &quiet)?;
    create_dataset(&subjects, &meta, &FileLoader::new(), &[], &CreateOptions { meta_only: true, ..quiet })?;

    println!("2-D slices from the HDF5 dataset:");
    let slices = DataSource::new(Dataset::open(&h5)?, SliceIndexing::new(0))?
        .with_extractor(DataExtractor::new(&["images"]));
    assemble(&slices, &Dataset::open(&h5)?, false)?;

    println!("3-D patches of 8^3 with 2 voxels of context (12^3 inputs):");
    let strategy = PatchWiseIndexing::new(&[8, 8, 8]);
    println!("  {} patches per subject", strategy.indices(&Dataset::open(&h5)?.shape("images", 0)?)?.len());
    let patches = DataSource::new(Dataset::open(&h5)?, strategy)?
        .with_extractor(PadDataExtractor::symmetric(&[2, 2, 2], DataExtractor::new(&["images"])));
    assemble(&patches, &Dataset::open(&h5)?, true)?;

    println!("2-D slices from the metadata-only dataset (pixels loaded from the files, cached per subject):");
    let from_files = DataSource::new(Dataset::open(&meta)?, SliceIndexing::new(0))?
        .with_extractor(FilesystemDataExtractor::mia_io(&["images"]));
    assemble(&from_files, &Dataset::open(&meta)?, false)?;
    Ok(())
}
