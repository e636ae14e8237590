//! Atomic dataset creation: [`create_dataset`] with [`CreateOptions`].

use std::path::{Path, PathBuf};

use crate::callbacks::{
    FileDigests, HashingLoader, Hdf5Writer, MiaRecordCallback, MonitoringCallback, WriteDataCallback,
    WriteEssentialCallback, WriteFilesCallback, WriteImageInformationCallback, WriteNamesCallback,
};
use crate::layout::subject_index_to_str;
use crate::storage::StoragePolicy;
use crate::subject::{validate_subjects, SubjectFiles};
use crate::traverser::{Callback, Load, Transform, Traverser};
use crate::CreateError;

/// How progress is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Progress {
    /// A progress bar on a terminal, pymia's lines otherwise (stderr).
    #[default]
    Auto,
    /// Nothing.
    Quiet,
}

/// Options of [`create_dataset`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CreateOptions {
    /// Metadata-only dataset: subject ids, names, files, shapes, image properties, no `data/` (DECISIONS #3).
    pub meta_only: bool,
    /// Chunking and compression of `data/`.
    pub storage: StoragePolicy,
    /// Store the SHA-256 of every raw file under `mia/sha256`.
    pub hashes: bool,
    /// Replace subject ids by `subject_<index>` in `meta/subjects` (file paths are still stored unless
    /// `record_files` is off; they may contain the original ids).
    pub anonymize: bool,
    /// Write `meta/files` (pymia's `WriteFilesCallback`). Needed for metadata-only datasets.
    pub record_files: bool,
    /// Category whose geometry goes to `meta/image_props` (pymia: `images`); skipped if the dataset lacks it.
    pub image_category: String,
    /// Overwrite an existing target.
    pub force: bool,
    /// Progress reporting.
    pub progress: Progress,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions {
            meta_only: false,
            storage: StoragePolicy::default(),
            hashes: true,
            anonymize: false,
            record_files: true,
            image_category: "images".into(),
            force: false,
            progress: Progress::Auto,
        }
    }
}

impl CreateOptions {
    /// Checks for contradictions.
    pub fn validate(&self) -> Result<(), CreateError> {
        self.storage.validate().map_err(CreateError::Options)?;
        if self.meta_only && !self.record_files {
            return Err(CreateError::Options(
                "a metadata-only dataset needs the file paths (record_files)".into(),
            ));
        }
        Ok(())
    }
}

/// What [`create_dataset`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSummary {
    /// The dataset file.
    pub path: PathBuf,
    /// Number of subjects.
    pub subjects: usize,
    /// File size in bytes.
    pub bytes: u64,
}

/// pymia's `get_default_callbacks` for these options: data (unless metadata-only), files, image information
/// (if `image_category` exists), essentials, names (always — pymia drops them for meta_only), mia's record, and
/// monitoring (unless quiet).
pub fn default_callbacks(
    writer: &Hdf5Writer,
    subjects: &[SubjectFiles],
    options: &CreateOptions,
) -> Result<Vec<Box<dyn Callback>>, CreateError> {
    callbacks_with_digests(writer, subjects, options, None)
}

fn callbacks_with_digests(
    writer: &Hdf5Writer,
    subjects: &[SubjectFiles],
    options: &CreateOptions,
    digests: Option<FileDigests>,
) -> Result<Vec<Box<dyn Callback>>, CreateError> {
    let mut cbs: Vec<Box<dyn Callback>> = Vec::new();
    if options.progress == Progress::Auto {
        cbs.push(Box::new(MonitoringCallback::new()));
    }
    if !options.meta_only {
        cbs.push(Box::new(WriteDataCallback::new(writer.clone(), options.storage.clone())));
    }
    if options.record_files {
        cbs.push(Box::new(WriteFilesCallback::new(writer.clone())));
    }
    if subjects.first().is_some_and(|s| s.category(&options.image_category).is_some()) {
        cbs.push(Box::new(WriteImageInformationCallback::new(
            writer.clone(),
            options.image_category.clone(),
        )));
    }
    cbs.push(Box::new(if options.anonymize {
        let ids = (0..subjects.len())
            .map(|i| format!("subject_{}", subject_index_to_str(i, subjects.len())))
            .collect();
        WriteEssentialCallback::with_ids(writer.clone(), ids)
    } else {
        WriteEssentialCallback::new(writer.clone())
    }));
    cbs.push(Box::new(WriteNamesCallback::new(writer.clone())));
    let json = serde_json::to_string(options).map_err(|e| CreateError::Options(e.to_string()))?;
    let record = MiaRecordCallback::new(writer.clone(), json, options.meta_only, options.hashes);
    cbs.push(Box::new(match digests {
        Some(d) => record.with_digests(d),
        None => record,
    }));
    Ok(cbs)
}

/// Creates a dataset at `target`, atomically.
///
/// Subjects are loaded one at a time; with more than one rayon thread the next one loads (and its files are
/// hashed) while the current one is written (peak memory: two subjects plus HDF5's buffers).
///
/// The file is written to a temporary file `.<name>.tmp-XXXXXX` in the target's directory and renamed to
/// `target` only when complete; on any error (a bad file in subject 7, a full disk, a panic) the temporary file
/// is removed and nothing appears at `target`. A process killed by a signal (Ctrl-C) leaves at most the
/// temporary file, never a partial target.
/// An existing `target` is an error unless `options.force`.
pub fn create_dataset(
    subjects: &[SubjectFiles],
    target: &Path,
    loader: &dyn Load,
    transforms: &[Box<dyn Transform>],
    options: &CreateOptions,
) -> Result<CreateSummary, CreateError> {
    options.validate()?;
    validate_subjects(subjects, true)?;
    if target.exists() && !options.force {
        return Err(CreateError::TargetExists(target.to_path_buf()));
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name =
        target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "dataset".into());
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp-"))
        .tempfile_in(&dir)
        .map_err(|source| CreateError::Io { path: dir.clone(), source })?;
    let writer = Hdf5Writer::create(tmp.path())?;
    {
        // Files are hashed where they are loaded: in parallel, and while the subject before is being written.
        let digests = FileDigests::new();
        let hashing = HashingLoader::new(loader, digests.clone());
        let loader: &dyn Load = if options.hashes { &hashing } else { loader };
        let mut callbacks =
            callbacks_with_digests(&writer, subjects, options, options.hashes.then_some(digests))?;
        Traverser::new().traverse(subjects, loader, transforms, &mut callbacks)?;
    }
    writer.close()?;
    let persisted = if options.force { tmp.persist(target) } else { tmp.persist_noclobber(target) };
    let file = persisted.map_err(|e| CreateError::Io { path: target.to_path_buf(), source: e.error })?;
    drop(file);
    let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    Ok(CreateSummary { path: target.to_path_buf(), subjects: subjects.len(), bytes })
}
