//! HDF5 datasets for deep learning in medical image analysis, compatible with pymia 0.3.4 in both directions:
//! pymia reads the files mia writes and mia reads the files pymia writes.
//!
//! * **Describe** subjects: [`SubjectFiles`] (a subject id and its files grouped by category, entry order =
//!   channel order), usually collected from a directory tree by a [`SubjectsConfig`] (TOML/JSON, see below).
//! * **Create** a dataset with [`create_dataset`]: a [`Traverser`] loads one subject at a time through a [`Load`]
//!   (with more than one thread, the next subject loads while the current one is written)
//!   ([`FileLoader`]: images via `mia_io`, demographics from key/value files), applies [`Transform`]s (e.g.
//!   [`IntensityNormalization`]) and hands the subject to [`Callback`]s that write exactly pymia's layout.
//!   Uncompressed MetaImage and NIfTI files are not read into buffers: their channels are stacked straight from
//!   memory maps of the files ([`Load::map_voxels`]).
//!   Creation is atomic (temporary file + rename). Beyond pymia: chunking and deflate compression
//!   ([`StoragePolicy`]), SHA-256 of every raw file, anonymised ids, metadata-only datasets, 2-D images, and a
//!   record of the mia version and options under `/mia`.
//! * **Read** with [`Dataset`]: subjects, categories, names, shapes, dtypes, image properties, files, and any part
//!   of an entry by an [`mia_index::IndexExpression`] (a hyperslab read; contiguous arrays are copied straight from
//!   a memory map, outside HDF5's global lock).
//!
//! # Layout (pymia's, `spec/pymia-reference.md` §2.5)
//!
//! ```text
//! /data/<category>/<i>            entry arrays stacked on a new last axis, (z, y, x, entries) for 3-D images
//! /meta/subjects                  (N,) variable-length UTF-8 strings
//! /meta/shapes/<category>_shapes  (N, ndim) uint16
//! /meta/names/<category>_names    (entries,) strings
//! /meta/files/file_root           scalar string;  /meta/files/<category>_files (N, entries), '/'-separated
//! /meta/image_props/{shapes, origins, directions, spacing}   (N, dim), (N, dim), (N, dim²), (N, dim); ITK order
//! /mia (mia only)                 attributes version, options, categories, dtypes, meta_only; sha256/<category>_sha256
//! ```
//! `<i>` is pymia's zero-padded subject index ([`layout::subject_index_to_str`]). Everything is contiguous and
//! unfiltered by default, as pymia writes it.
//!
//! # Subject description files (`mia dataset create --config`)
//!
//! TOML (or the same structure in JSON). Paths are relative to `root`, which is relative to the file itself.
//! Category and entry order is kept (it is the channel order).
//!
//! ```toml
//! root = "../shared/data/pymia-example"
//! subjects = "Subject_*"            # directories under root matching this pattern, sorted by name
//!
//! [categories.images]
//! dtype = "f32"                     # optional cast (pymia's example loads images as float32)
//! entries = { T1 = "{subject}/{subject}_T1.mha", T2 = "{subject}/{subject}_T2.mha" }
//!
//! [categories.labels]
//! dtype = "u8"
//! entries = { GT = "{subject}/{subject}_GT.mha" }
//!
//! [categories.numerical]            # fields of a key/value file: `Age: 29`, `GPA: 2.26`
//! entries = { AGE = "{subject}/{subject}_demographic.txt", GPA = "{subject}/{subject}_demographic.txt" }
//!
//! # or list subjects explicitly instead of `subjects = "..."`:
//! # [[subject]]
//! # id = "case7"
//! # files = { T1 = "scans/c7_t1.nii.gz", T2 = "scans/c7_t2.nii.gz", GT = "labels/c7.nii.gz" }
//! ```
//! In patterns, `{subject}` is the subject id; `*`, `?` and `[...]` match within one path component. With explicit
//! subjects, `files` maps each entry id (as declared under `categories`) to a path, and the category entries
//! need no paths (`entries = ["T1", "T2"]`).
//!
//! # Example
//!
//! ```
//! use mia_core::Image;
//! use mia_dataset::{create_dataset, CreateOptions, Dataset, MemoryLoader, Progress, SubjectFiles};
//! use mia_index::{AxisIndex, IndexExpression};
//! use ndarray::ArrayD;
//!
//! let dir = tempfile::tempdir()?;
//! let mut loader = MemoryLoader::new();
//! let mut subjects = Vec::new();
//! for id in ["A", "B"] {
//!     let path = dir.path().join(format!("{id}_t1.nii.gz"));
//!     std::fs::write(&path, id)?; // the raw file must exist (its SHA-256 is recorded)
//!     loader.insert_image(&path, Image::from_array(ArrayD::<f32>::zeros(vec![3, 4, 5]))?);
//!     subjects.push(SubjectFiles::new(id).with("images", "T1", path)?);
//! }
//! let out = dir.path().join("data.h5");
//! let options = CreateOptions { progress: Progress::Quiet, ..CreateOptions::default() };
//! create_dataset(&subjects, &out, &loader, &[], &options)?;
//!
//! let ds = Dataset::open(&out)?;
//! assert_eq!(ds.subjects(), &["A", "B"]);
//! assert_eq!(ds.shape("images", 1)?, vec![3, 4, 5, 1]); // channels last
//! let slice = ds.read("images", 1, &IndexExpression::at_axis(0, AxisIndex::Index(2)))?;
//! assert_eq!(slice.shape(), &[4, 5, 1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
// Errors carry subject, category, entry and file by name (the issue asks for messages naming them); they are
// built only on failure paths, so their size does not matter.
#![allow(clippy::result_large_err)]

mod callbacks;
mod config;
mod create;
mod error;
mod h5;
pub mod layout;
mod loader;
mod memory;
mod raw;
mod reader;
mod storage;
mod subject;
mod transforms;
mod traverser;
mod values;

pub use callbacks::{
    sha256_file, FileDigests, HashingLoader, Hdf5Writer, MiaRecordCallback, MonitoringCallback,
    WriteDataCallback, WriteEssentialCallback, WriteFilesCallback, WriteImageInformationCallback,
    WriteNamesCallback,
};
pub use config::{glob, wildcard_match, SubjectsConfig};
pub use create::{create_dataset, default_callbacks, CreateOptions, CreateSummary, Progress};
pub use error::{CreateError, ReadError, SubjectError};
pub use loader::{read_record, FileLoader};
pub use memory::MemoryLoader;
pub use reader::{Dataset, StorageInfo};
pub use storage::{auto_chunks, Chunking, StoragePolicy, MIN_CHUNKED_BYTES};
pub use subject::{common_root, relative_slash_path, validate_subjects, Category, SubjectFiles};
pub use transforms::IntensityNormalization;
pub use traverser::{
    BoxError, Callback, CategoryData, Load, SubjectData, Transform, TraversalInfo, Traverser,
};
pub use values::{promote, stack, Loaded, Values};
