//! [`Traverser`]: loads subjects one at a time and hands them to [`Callback`]s (pymia's `Traverser`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use mia_core::{ImageData, ImageProperties};
use mia_io::MappedImage;

use crate::subject::{validate_subjects, SubjectFiles};
use crate::values::{stack, Loaded, Values};
use crate::CreateError;

/// Error type of user extension points (loaders, transforms).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Loads one file of a subject (pymia's `Load`): `(file, entry id, category, subject id)` → values and geometry.
pub trait Load: Send + Sync {
    /// Loads the file.
    fn load(&self, path: &Path, entry: &str, category: &str, subject: &str) -> Result<Loaded, BoxError>;

    /// The file's voxels memory-mapped where they lie, when [`Load::load`] would return exactly those bytes as its
    /// array and the map's properties as its geometry (see [`mia_io::Load::map_voxels`]); `Ok(None)` to load
    /// instead. When every entry of a category maps, the traverser stacks the channels straight from the maps (the
    /// stacked values are the same). The default maps nothing.
    ///
    /// # Errors
    /// As [`Load::load`] for a bad header, a missing file or truncated data.
    fn map_voxels(
        &self,
        path: &Path,
        entry: &str,
        category: &str,
        subject: &str,
    ) -> Result<Option<MappedImage>, BoxError> {
        let _ = (path, entry, category, subject);
        Ok(None)
    }
}

impl<T: Load + ?Sized> Load for &T {
    fn load(&self, path: &Path, entry: &str, category: &str, subject: &str) -> Result<Loaded, BoxError> {
        (**self).load(path, entry, category, subject)
    }
    fn map_voxels(
        &self,
        path: &Path,
        entry: &str,
        category: &str,
        subject: &str,
    ) -> Result<Option<MappedImage>, BoxError> {
        (**self).map_voxels(path, entry, category, subject)
    }
}
impl<T: Load + ?Sized> Load for Box<T> {
    fn load(&self, path: &Path, entry: &str, category: &str, subject: &str) -> Result<Loaded, BoxError> {
        (**self).load(path, entry, category, subject)
    }
    fn map_voxels(
        &self,
        path: &Path,
        entry: &str,
        category: &str,
        subject: &str,
    ) -> Result<Option<MappedImage>, BoxError> {
        (**self).map_voxels(path, entry, category, subject)
    }
}
impl<T: Load + ?Sized> Load for Arc<T> {
    fn load(&self, path: &Path, entry: &str, category: &str, subject: &str) -> Result<Loaded, BoxError> {
        (**self).load(path, entry, category, subject)
    }
    fn map_voxels(
        &self,
        path: &Path,
        entry: &str,
        category: &str,
        subject: &str,
    ) -> Result<Option<MappedImage>, BoxError> {
        (**self).map_voxels(path, entry, category, subject)
    }
}

/// One category of a loaded subject: entries stacked along a new last axis.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryData {
    /// Category name.
    pub name: String,
    /// Entry ids in channel order.
    pub entries: Vec<String>,
    /// The files, in entry order.
    pub files: Vec<PathBuf>,
    /// Stacked values, shape `entry shape + (entries,)`.
    pub values: Values,
    /// Geometry: the first entry's that has any (pymia's `<category>_properties`).
    pub properties: Option<ImageProperties>,
}

/// A loaded subject as the callbacks see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectData {
    /// Position in the subject list.
    pub index: usize,
    /// Subject id.
    pub subject: String,
    /// Categories in order.
    pub categories: Vec<CategoryData>,
}

impl SubjectData {
    /// A category by name.
    pub fn category(&self, name: &str) -> Option<&CategoryData> {
        self.categories.iter().find(|c| c.name == name)
    }

    /// A category by name, mutably.
    pub fn category_mut(&mut self, name: &str) -> Option<&mut CategoryData> {
        self.categories.iter_mut().find(|c| c.name == name)
    }
}

/// What every callback is told about the whole traversal (pymia's `callback_params`).
#[derive(Debug, Clone, Copy)]
pub struct TraversalInfo<'a> {
    /// All subjects, in order.
    pub subjects: &'a [SubjectFiles],
    /// The traversed categories and their entry ids (the first subject's).
    pub categories: &'a [(String, Vec<String>)],
}

/// Called at the start, for every subject and at the end of a traversal (pymia's `Callback`).
pub trait Callback: Send {
    /// Before the first subject.
    fn on_start(&mut self, _info: &TraversalInfo<'_>) -> Result<(), CreateError> {
        Ok(())
    }
    /// For each loaded (and transformed) subject.
    fn on_subject(&mut self, info: &TraversalInfo<'_>, subject: &SubjectData) -> Result<(), CreateError>;
    /// After the last subject.
    fn on_end(&mut self, _info: &TraversalInfo<'_>) -> Result<(), CreateError> {
        Ok(())
    }
}

impl<T: Callback + ?Sized> Callback for Box<T> {
    fn on_start(&mut self, info: &TraversalInfo<'_>) -> Result<(), CreateError> {
        (**self).on_start(info)
    }
    fn on_subject(&mut self, info: &TraversalInfo<'_>, subject: &SubjectData) -> Result<(), CreateError> {
        (**self).on_subject(info, subject)
    }
    fn on_end(&mut self, info: &TraversalInfo<'_>) -> Result<(), CreateError> {
        (**self).on_end(info)
    }
}
impl<T: Callback + ?Sized> Callback for &mut T {
    fn on_start(&mut self, info: &TraversalInfo<'_>) -> Result<(), CreateError> {
        (**self).on_start(info)
    }
    fn on_subject(&mut self, info: &TraversalInfo<'_>, subject: &SubjectData) -> Result<(), CreateError> {
        (**self).on_subject(info, subject)
    }
    fn on_end(&mut self, info: &TraversalInfo<'_>) -> Result<(), CreateError> {
        (**self).on_end(info)
    }
}

/// Callbacks run in order (pymia's `ComposeCallback`).
impl Callback for Vec<Box<dyn Callback>> {
    fn on_start(&mut self, info: &TraversalInfo<'_>) -> Result<(), CreateError> {
        self.iter_mut().try_for_each(|c| c.on_start(info))
    }
    fn on_subject(&mut self, info: &TraversalInfo<'_>, subject: &SubjectData) -> Result<(), CreateError> {
        self.iter_mut().try_for_each(|c| c.on_subject(info, subject))
    }
    fn on_end(&mut self, info: &TraversalInfo<'_>) -> Result<(), CreateError> {
        self.iter_mut().try_for_each(|c| c.on_end(info))
    }
}

/// A creation-time transform of a loaded subject (e.g. [`crate::IntensityNormalization`]).
pub trait Transform: Send + Sync {
    /// Short name for error messages.
    fn name(&self) -> String;
    /// Transforms the subject in place.
    fn apply(&self, subject: &mut SubjectData) -> Result<(), BoxError>;
}

impl<T: Transform + ?Sized> Transform for &T {
    fn name(&self) -> String {
        (**self).name()
    }
    fn apply(&self, subject: &mut SubjectData) -> Result<(), BoxError> {
        (**self).apply(subject)
    }
}
impl<T: Transform + ?Sized> Transform for Box<T> {
    fn name(&self) -> String {
        (**self).name()
    }
    fn apply(&self, subject: &mut SubjectData) -> Result<(), BoxError> {
        (**self).apply(subject)
    }
}
impl<T: Transform + ?Sized> Transform for Arc<T> {
    fn name(&self) -> String {
        (**self).name()
    }
    fn apply(&self, subject: &mut SubjectData) -> Result<(), BoxError> {
        (**self).apply(subject)
    }
}

/// Hands a written subject's stacked arrays back to the buffer pool for the next subject (no fresh pages).
fn recycle_subject(data: SubjectData) {
    for c in data.categories {
        if let Values::Numeric(d) = c.values {
            d.recycle();
        }
    }
}

/// Walks subjects one at a time: load every file, stack each category, apply the transforms, call back.
/// At most two subjects are in memory at a time: with more than one thread, one is written while the next loads.
#[derive(Debug, Clone, Default)]
pub struct Traverser {
    categories: Option<Vec<String>>,
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

impl Traverser {
    /// Traverses every category of the first subject.
    pub fn new() -> Self {
        Traverser::default()
    }

    /// Traverses only these categories (pymia's `Traverser(categories)`).
    pub fn with_categories(categories: Vec<String>) -> Self {
        Traverser { categories: Some(categories) }
    }

    /// Runs the traversal. Validates the subjects first (consistent entries, unique ids; files are not checked
    /// here — a missing file fails when it is loaded, naming subject and file).
    pub fn traverse(
        &self,
        subjects: &[SubjectFiles],
        loader: &dyn Load,
        transforms: &[Box<dyn Transform>],
        callback: &mut dyn Callback,
    ) -> Result<(), CreateError> {
        validate_subjects(subjects, false)?;
        let first = &subjects[0];
        let wanted: Vec<String> = match &self.categories {
            Some(c) => c.clone(),
            None => first.categories.iter().map(|c| c.name.clone()).collect(),
        };
        let mut categories = Vec::new();
        for name in &wanted {
            let c = first.category(name).ok_or_else(|| {
                CreateError::Options(format!("category {name:?} not in subject {}", first.subject))
            })?;
            categories.push((name.clone(), c.entries.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()));
        }
        let info = TraversalInfo { subjects, categories: &categories };
        callback.on_start(&info)?;
        // With more than one thread, the callbacks write a subject on a helper thread while this thread loads (and
        // transforms) the next one, decoding its entries in parallel on the current rayon pool: two subjects in
        // memory at most. On one thread, one subject after the other.
        if rayon::current_num_threads() > 1 {
            let info = &info;
            let writing = &mut *callback;
            std::thread::scope(|scope| -> Result<(), CreateError> {
                // A rendezvous channel: a loaded subject is handed over only when the writer takes it, so at most
                // one loaded subject waits while another is written.
                let (tx, rx) = std::sync::mpsc::sync_channel::<SubjectData>(0);
                let writer = scope.spawn(move || -> Result<(), CreateError> {
                    for data in rx {
                        writing.on_subject(info, &data)?;
                        recycle_subject(data);
                    }
                    Ok(())
                });
                let mut loaded = Ok(());
                for (index, s) in subjects.iter().enumerate() {
                    match self.prepare_subject(index, s, &wanted, loader, transforms) {
                        // A closed channel means the writer stopped on an error: it is reported below.
                        Ok(data) => {
                            if tx.send(data).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            loaded = Err(e);
                            break;
                        }
                    }
                }
                drop(tx);
                // The writer's error concerns an earlier subject than a loading error: it comes first.
                match writer.join() {
                    Ok(written) => written.and(loaded),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            })?;
        } else {
            for (index, s) in subjects.iter().enumerate() {
                let data = self.prepare_subject(index, s, &wanted, loader, transforms)?;
                callback.on_subject(&info, &data)?;
                recycle_subject(data);
            }
        }
        callback.on_end(&info)
    }

    /// Loads a subject and applies the transforms.
    fn prepare_subject(
        &self,
        index: usize,
        s: &SubjectFiles,
        wanted: &[String],
        loader: &dyn Load,
        transforms: &[Box<dyn Transform>],
    ) -> Result<SubjectData, CreateError> {
        let mut data = self.load_subject(index, s, wanted, loader)?;
        for t in transforms {
            t.apply(&mut data).map_err(|e| CreateError::Transform {
                subject: s.subject.clone(),
                transform: t.name(),
                message: error_chain(e.as_ref()),
            })?;
        }
        Ok(data)
    }

    fn load_subject(
        &self,
        index: usize,
        s: &SubjectFiles,
        wanted: &[String],
        loader: &dyn Load,
    ) -> Result<SubjectData, CreateError> {
        let mut categories = Vec::with_capacity(wanted.len());
        for name in wanted {
            let Some(c) = s.category(name) else {
                return Err(CreateError::Options(format!("category {name:?} not in subject {}", s.subject)));
            };
            if let Some((values, properties)) = Self::stack_mapped(index, s, name, &c.entries, loader)? {
                categories.push(CategoryData {
                    name: name.clone(),
                    entries: c.entries.iter().map(|(id, _)| id.clone()).collect(),
                    files: c.entries.iter().map(|(_, p)| p.clone()).collect(),
                    values: Values::Numeric(values),
                    properties: Some(properties),
                });
                continue;
            }
            // The entries of a category are decoded in parallel (on the current rayon pool); errors are reported
            // for the first failing entry in entry order, as a sequential loop would.
            let load = |(id, path): &(String, PathBuf)| {
                loader.load(path, id, name, &s.subject).map_err(|e| CreateError::Load {
                    subject: s.subject.clone(),
                    index,
                    category: name.clone(),
                    entry: id.clone(),
                    path: path.clone(),
                    message: error_chain(e.as_ref()),
                })
            };
            let results: Vec<Result<Loaded, CreateError>> = c.entries.par_iter().map(load).collect();
            let mut loaded = Vec::with_capacity(c.entries.len());
            let mut properties = None;
            for (result, (_, path)) in results.into_iter().zip(&c.entries) {
                let l = result?;
                if properties.is_none() {
                    properties.clone_from(&l.properties);
                }
                loaded.push((l, path.as_path()));
            }
            let values = stack(loaded).map_err(|message| CreateError::Inconsistent {
                subject: s.subject.clone(),
                category: name.clone(),
                message,
            })?;
            categories.push(CategoryData {
                name: name.clone(),
                entries: c.entries.iter().map(|(id, _)| id.clone()).collect(),
                files: c.entries.iter().map(|(_, p)| p.clone()).collect(),
                values,
                properties,
            });
        }
        Ok(SubjectData { index, subject: s.subject.clone(), categories })
    }

    /// A category stacked straight from memory maps of its files ([`Load::map_voxels`]), when every entry maps
    /// with one pixel type and shape; `None` otherwise (the entries are then loaded, which also reports mixed
    /// shapes and promotes mixed pixel types). The stacked values equal those of the loaded entries, the geometry
    /// is the first entry's. Errors name the entry as a failed load does.
    fn stack_mapped(
        index: usize,
        s: &SubjectFiles,
        category: &str,
        entries: &[(String, PathBuf)],
        loader: &dyn Load,
    ) -> Result<Option<(ImageData, ImageProperties)>, CreateError> {
        // In parallel, as loads are (a hashing loader hashes each file as it maps it); errors for the first failing
        // entry in entry order.
        let map = |(id, path): &(String, PathBuf)| {
            loader.map_voxels(path, id, category, &s.subject).map_err(|e| CreateError::Load {
                subject: s.subject.clone(),
                index,
                category: category.to_string(),
                entry: id.clone(),
                path: path.clone(),
                message: error_chain(e.as_ref()),
            })
        };
        let results: Vec<Result<Option<MappedImage>, CreateError>> = entries.par_iter().map(map).collect();
        let mut maps = Vec::with_capacity(entries.len());
        for mapped in results {
            match mapped? {
                Some(m) => maps.push(m),
                None => return Ok(None),
            }
        }
        let Some(first) = maps.first() else { return Ok(None) };
        let (pixel_type, shape) = (first.pixel_type(), first.shape());
        if maps.iter().any(|m| m.pixel_type() != pixel_type || m.shape() != shape) {
            return Ok(None);
        }
        let bytes: Vec<&[u8]> = maps.iter().map(MappedImage::bytes).collect();
        Ok(mia_core::stack_last_bytes(&bytes, pixel_type, &shape)
            .map(|data| (data, first.properties().clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryLoader;

    /// Records what it is called with; fails on subject `fail_at`.
    #[derive(Default)]
    struct Recorder {
        seen: Vec<String>,
        fail_at: Option<usize>,
    }

    impl Callback for Recorder {
        fn on_start(&mut self, info: &TraversalInfo<'_>) -> Result<(), CreateError> {
            self.seen.push(format!("start {}", info.subjects.len()));
            Ok(())
        }
        fn on_subject(&mut self, _: &TraversalInfo<'_>, s: &SubjectData) -> Result<(), CreateError> {
            if self.fail_at == Some(s.index) {
                return Err(CreateError::Options(format!("write failed at {}", s.subject)));
            }
            let shape = s.categories[0].values.shape().to_vec();
            self.seen.push(format!("{} {} {shape:?}", s.index, s.subject));
            Ok(())
        }
        fn on_end(&mut self, _: &TraversalInfo<'_>) -> Result<(), CreateError> {
            self.seen.push("end".into());
            Ok(())
        }
    }

    /// `n` subjects with two 2×3 images each; subject `missing` lacks its second file in the loader.
    fn subjects(n: usize, missing: Option<usize>) -> (Vec<SubjectFiles>, MemoryLoader) {
        let mut loader = MemoryLoader::new();
        let mut subjects = Vec::new();
        for i in 0..n {
            let id = format!("S{i}");
            let mut s = SubjectFiles::new(&id);
            for (k, name) in ["T1", "T2"].into_iter().enumerate() {
                let path = PathBuf::from(format!("/virtual/{id}_{name}.mha"));
                if missing != Some(i) || k == 0 {
                    let a = ndarray::ArrayD::from_elem(ndarray::IxDyn(&[2, 3]), (i * 2 + k) as f32);
                    loader.insert_image(&path, mia_core::Image::from_array(a).unwrap());
                }
                s.add("images", name, path).unwrap();
            }
            subjects.push(s);
        }
        (subjects, loader)
    }

    fn run(threads: usize, callback: &mut Recorder, missing: Option<usize>) -> Result<(), CreateError> {
        let (subjects, loader) = subjects(5, missing);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| Traverser::new().traverse(&subjects, &loader, &[], callback))
    }

    #[test]
    fn one_thread_and_pipelined_traversals_agree() {
        let mut one = Recorder::default();
        run(1, &mut one, None).unwrap();
        let mut two = Recorder::default();
        run(2, &mut two, None).unwrap();
        assert_eq!(one.seen.len(), 7);
        assert_eq!(one.seen[1], "0 S0 [2, 3, 2]");
        assert_eq!(one.seen, two.seen);
    }

    #[test]
    fn errors_name_the_first_failing_subject_on_any_thread_count() {
        for threads in [1, 2, 3] {
            // Loading subject 3 fails: subjects 0–2 are written, then the error.
            let mut cb = Recorder::default();
            let e = run(threads, &mut cb, Some(3)).unwrap_err();
            assert!(matches!(&e, CreateError::Load { index: 3, entry, .. } if entry == "T2"), "{e}");
            assert_eq!(cb.seen.last().unwrap(), "2 S2 [2, 3, 2]", "{threads} threads");
            // Writing subject 1 fails while subject 2 loads (and subject 3 would fail to load): the write error.
            let mut cb = Recorder { fail_at: Some(1), ..Default::default() };
            let e = run(threads, &mut cb, Some(3)).unwrap_err();
            assert!(e.to_string().contains("write failed at S1"), "{e}");
            assert_eq!(cb.seen, ["start 5", "0 S0 [2, 3, 2]"], "{threads} threads");
            // Writing subject 2 fails after loading subject 3 failed: the write error comes first.
            let mut cb = Recorder { fail_at: Some(2), ..Default::default() };
            let e = run(threads, &mut cb, Some(3)).unwrap_err();
            assert!(e.to_string().contains("write failed at S2"), "{threads} threads: {e}");
        }
    }
}
