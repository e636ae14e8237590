//! pymia's `examples/data/creation.py` in Rust: describe the subjects of pymia's example data (label image,
//! brain mask, demographics), create the HDF5 dataset that pymia can read too, and print what it holds.
//!
//! (pymia's example also has T1/T2 images, which are not shipped with the example data here: the label image
//! stands in as the `images` channel.)
//!
//! Run with `cargo run --example dataset_creation [-- DATA_DIR OUT.h5]`.

use std::path::PathBuf;

use mia::dataset::{create_dataset, CreateOptions, Dataset, FileLoader, SubjectsConfig};

const CONFIG: &str = r#"
subjects = "Subject_*"
[categories.images]
dtype = "f32"
entries = { GT_AS_IMAGE = "{subject}/{subject}_GT.mha" }
[categories.labels]
dtype = "u8"
entries = { GT = "{subject}/{subject}_GT.mha" }
[categories.mask]
entries = { MASK = "{subject}/{subject}_MASK.nii.gz" }
[categories.numerical]
entries = { AGE = "{subject}/{subject}_demographic.txt", GPA = "{subject}/{subject}_demographic.txt" }
[categories.gender]
entries = { GENDER = "{subject}/{subject}_demographic.txt" }
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/pymia-example"));
    let out =
        args.next().map(PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("mia-example-dataset.h5"));

    let config = SubjectsConfig::from_toml_str(
        &format!("root = {:?}\n{CONFIG}", data.display().to_string()),
        &data,
        &data,
    )?;
    let mut loader = FileLoader::new();
    for (category, pixel_type) in &config.casts {
        loader = loader.cast(category.clone(), *pixel_type);
    }
    let options = CreateOptions { force: true, ..CreateOptions::default() };
    create_dataset(&config.subjects, &out, &loader, &[], &options)?;

    let ds = Dataset::open(&out)?;
    println!("{}: subjects {:?}", out.display(), ds.subjects());
    for category in ds.categories() {
        println!(
            "  {category}: names {:?}, shape of subject 0 {:?}",
            ds.names(category)?,
            ds.shape(category, 0)?
        );
    }
    println!("  image properties of subject 0: {:?}", ds.image_properties(0)?);
    Ok(())
}
