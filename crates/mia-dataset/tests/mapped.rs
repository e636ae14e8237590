//! Creation from uncompressed MetaImage files stacks channels straight from memory maps of the files: the dataset
//! equals one created from the decoded files, whatever mix of compressed files, pixel types and casts.

use std::path::{Path, PathBuf};

use mia_core::{Image, IntoImageData, PixelType};
use mia_dataset::{
    create_dataset, BoxError, CreateError, CreateOptions, Dataset, FileLoader, Load, Loaded, Progress,
    SubjectFiles,
};
use mia_index::IndexExpression;
use mia_io::metaimage::{write_metaimage_with, MetaImageWriteOptions};
use ndarray::{ArrayD, IxDyn};

/// A loader that always decodes (never maps).
struct Decoding(FileLoader);

impl Load for Decoding {
    fn load(&self, path: &Path, entry: &str, category: &str, subject: &str) -> Result<Loaded, BoxError> {
        self.0.load(path, entry, category, subject)
    }
}

/// A `(z, y, x)` volume of `T` from `f(z, y, x)`, with spacing and origin depending on `seed`.
fn write<T: IntoImageData>(path: &Path, f: impl Fn(usize, usize, usize) -> T, seed: usize, compress: bool) {
    let array = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |ix| f(ix[0], ix[1], ix[2]));
    let spacing = vec![0.5 + seed as f64, 1.25, 2.0];
    let origin = vec![-3.0, seed as f64, 7.5];
    let image = Image::from_array_with_geometry(array, spacing, origin, None).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    write_metaimage_with(path, &image, MetaImageWriteOptions { compress, ..Default::default() }).unwrap();
}

/// Three subjects: `images` {T1, T2} uncompressed f32 (`.mha` and `.mhd` + `.raw`), `labels` {GT} u8 (compressed
/// for the second subject), `mixed` {A: u16, B: f32} (promoted to f32), `single` {S} i16.
fn subjects(root: &Path) -> Vec<SubjectFiles> {
    (0..3)
        .map(|i| {
            let id = format!("S{i}");
            let p = |name: &str| -> PathBuf { root.join(&id).join(name) };
            let v = move |z: usize, y: usize, x: usize| (i * 100 + z * 20 + y * 5 + x) as f32 * 0.25;
            write(&p("t1.mha"), v, i, false);
            write(&p("t2.mhd"), move |z, y, x| -v(z, y, x), i, false);
            write(&p("gt.mha"), move |z, y, x| ((z + y + x + i) % 4) as u8, i, i == 1);
            write(&p("a.mha"), move |z, y, x| (z * 300 + y * 7 + x + i) as u16, i, false);
            write(&p("b.mha"), v, i, false);
            write(&p("s.mha"), move |z, y, x| (z as i16 - 5) * (y as i16 + 1) - x as i16, i, false);
            SubjectFiles::new(&id)
                .with("images", "T1", p("t1.mha"))
                .unwrap()
                .with("images", "T2", p("t2.mhd"))
                .unwrap()
                .with("labels", "GT", p("gt.mha"))
                .unwrap()
                .with("mixed", "A", p("a.mha"))
                .unwrap()
                .with("mixed", "B", p("b.mha"))
                .unwrap()
                .with("single", "S", p("s.mha"))
                .unwrap()
        })
        .collect()
}

fn options(meta_only: bool) -> CreateOptions {
    CreateOptions { progress: Progress::Quiet, meta_only, ..CreateOptions::default() }
}

/// Every category's values and every subject's geometry of two datasets.
fn assert_same_datasets(a: &Path, b: &Path) {
    let (a, b) = (Dataset::open(a).unwrap(), Dataset::open(b).unwrap());
    assert_eq!(a.subjects(), b.subjects());
    assert_eq!(a.categories(), b.categories());
    for (i, _) in a.subjects().iter().enumerate() {
        for c in a.categories() {
            assert_eq!(a.dtype(c).unwrap(), b.dtype(c).unwrap(), "{c}");
            assert_eq!(a.shape(c, i).unwrap(), b.shape(c, i).unwrap(), "{c} {i}");
            // File hashes: from the maps of files holding their voxels, read for the others.
            assert_eq!(a.file_hashes(c, i).unwrap(), b.file_hashes(c, i).unwrap(), "{c} {i}");
            if !a.is_meta_only() {
                let whole = IndexExpression::whole();
                assert_eq!(a.read(c, i, &whole).unwrap(), b.read(c, i, &whole).unwrap(), "{c} {i}");
            }
        }
        assert_eq!(a.image_properties(i).unwrap(), b.image_properties(i).unwrap(), "{i}");
    }
}

#[test]
fn mapped_creation_equals_decoded_creation() {
    let dir = tempfile::tempdir().unwrap();
    let subjects = subjects(&dir.path().join("raw"));
    // The uncompressed files do map; the compressed label does not.
    let loader = FileLoader::new();
    let files = &subjects[1].categories;
    assert!(loader.map_voxels(&files[0].entries[0].1, "T1", "images", "S1").unwrap().is_some());
    assert!(loader.map_voxels(&files[0].entries[1].1, "T2", "images", "S1").unwrap().is_some());
    assert!(loader.map_voxels(&files[1].entries[0].1, "GT", "labels", "S1").unwrap().is_none());
    for meta_only in [false, true] {
        let (mapped, decoded) = (dir.path().join("mapped.h5"), dir.path().join("decoded.h5"));
        let options = CreateOptions { force: true, ..options(meta_only) };
        create_dataset(&subjects, &mapped, &FileLoader::new(), &[], &options).unwrap();
        create_dataset(&subjects, &decoded, &Decoding(FileLoader::new()), &[], &options).unwrap();
        assert_same_datasets(&mapped, &decoded);
        let ds = Dataset::open(&mapped).unwrap();
        assert_eq!(ds.dtype("mixed").unwrap(), Some(PixelType::F32));
        assert_eq!(ds.shape("images", 2).unwrap(), vec![3, 4, 5, 2]);
        let hashes = ds.file_hashes("images", 2).unwrap().expect("hashed by default");
        let files = &subjects[2].categories[0].entries;
        assert_eq!(
            hashes,
            files.iter().map(|(_, p)| mia_dataset::sha256_file(p).unwrap()).collect::<Vec<_>>()
        );
        if !meta_only {
            let images = ds.read("images", 2, &IndexExpression::whole()).unwrap();
            let images = images.view::<f32>().unwrap();
            assert_eq!(images[[1, 2, 3, 0]], (200 + 20 + 10 + 3) as f32 * 0.25);
            assert_eq!(images[[1, 2, 3, 1]], -images[[1, 2, 3, 0]]);
        }
    }
    // A cast category decodes (its pixel type differs from the file's), with the same result either way; here
    // without file hashes (the hashing loader above maps through its inner loader).
    let cast = |l: FileLoader| l.cast("single", PixelType::F64).cast("images", PixelType::F32);
    let (mapped, decoded) = (dir.path().join("cast-mapped.h5"), dir.path().join("cast-decoded.h5"));
    let unhashed = CreateOptions { hashes: false, ..options(false) };
    create_dataset(&subjects, &mapped, &cast(FileLoader::new()), &[], &unhashed).unwrap();
    create_dataset(&subjects, &decoded, &Decoding(cast(FileLoader::new())), &[], &unhashed).unwrap();
    assert_same_datasets(&mapped, &decoded);
    assert_eq!(Dataset::open(&mapped).unwrap().dtype("single").unwrap(), Some(PixelType::F64));
    assert!(cast(FileLoader::new())
        .map_voxels(&files[3].entries[0].1, "S", "single", "S1")
        .unwrap()
        .is_none());
}

#[test]
fn truncated_mapped_files_fail_naming_subject_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let subjects = subjects(&dir.path().join("raw"));
    let t2 = dir.path().join("raw/S2/t2.raw");
    let bytes = std::fs::read(&t2).unwrap();
    std::fs::write(&t2, &bytes[..bytes.len() - 3]).unwrap();
    let out = dir.path().join("data.h5");
    let e = create_dataset(&subjects, &out, &FileLoader::new(), &[], &options(false)).unwrap_err();
    assert!(
        matches!(&e, CreateError::Load { subject, entry, .. } if subject == "S2" && entry == "T2"),
        "{e}"
    );
    let message = e.to_string();
    assert!(message.contains("t2.raw") && message.contains("truncated"), "{message}");
    assert!(!out.exists());
}
