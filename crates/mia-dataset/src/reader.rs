//! [`Dataset`]: reading pymia- and mia-written HDF5 datasets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use hdf5::dataset::Layout;
use hdf5::datatype::ByteOrder;
use hdf5::{H5Type, Hyperslab, Selection, SliceOrIndex};
use mia_core::{Element, ImageData, ImageProperties, IntoImageData, PixelType};
use mia_index::IndexExpression;
use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::h5::{is_string, pixel_type_of, read_string_attr, read_strings};
use crate::layout::{self as loc, LOC_MIA};
use crate::raw::{as_bytes_mut, copy_selection, ChunkIndex, ChunkMiss, RawLocation};
use crate::ReadError;

type Result<T, E = ReadError> = std::result::Result<T, E>;

/// An index expression resolved against a shape: per axis, the range and whether the axis is kept.
type Resolved = Vec<(std::ops::Range<usize>, bool)>;

/// Layout of one stored array, looked up once and cached.
#[derive(Debug, Clone)]
struct EntryLayout {
    shape: Vec<usize>,
    pixel_type: Option<PixelType>,
    raw: Option<RawLocation>,
    /// Chunked, unfiltered, native-endian arrays: where their chunks lie.
    chunks: Option<Arc<ChunkIndex>>,
}

/// How one stored array is kept in the file (for `mia dataset info`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StorageInfo {
    /// `contiguous`, `chunked` or `compact`.
    pub layout: String,
    /// Chunk shape, if chunked.
    pub chunks: Option<Vec<usize>>,
    /// Filter names (e.g. `shuffle`, `deflate(4)`).
    pub filters: Vec<String>,
    /// Bytes used in the file.
    pub stored_bytes: u64,
    /// Bytes of the uncompressed array.
    pub array_bytes: u64,
}

/// An open pymia/mia HDF5 dataset.
///
/// Opens files written by pymia 0.3.4 as well as by mia. One HDF5 file handle per `Dataset`; `Dataset` is
/// `Send + Sync`. **Threads:** the HDF5 C library serialises every call behind one global lock, so HDF5 reads
/// from several threads do not run in parallel. Arrays stored contiguously without filters (pymia's layout and
/// mia's default) are read without HDF5 from a read-only memory map of the file, outside that lock, and so are
/// chunked arrays without filters once HDF5 has told where each chunk lies (one call per chunk, kept);
/// compressed arrays go through HDF5. The file must not be modified while it is open (a truncated file would
/// make the memory-mapped read fault).
pub struct Dataset {
    path: PathBuf,
    file: hdf5::File,
    subjects: Vec<String>,
    categories: Vec<String>,
    shapes: HashMap<String, Vec<Vec<usize>>>,
    meta_only: bool,
    mia_dtypes: HashMap<String, String>,
    layouts: Mutex<HashMap<(String, usize), EntryLayout>>,
    map: OnceLock<std::result::Result<memmap2::Mmap, String>>,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("path", &self.path)
            .field("subjects", &self.subjects.len())
            .field("categories", &self.categories)
            .field("meta_only", &self.meta_only)
            .finish()
    }
}

impl Dataset {
    /// Opens a dataset read-only and reads its subject ids, categories and shape tables.
    pub fn open(path: &Path) -> Result<Dataset> {
        let h5err = |context: &str| {
            let path = path.to_path_buf();
            let context = context.to_string();
            move |source| ReadError::Hdf5 { path, context, source }
        };
        if !path.is_file() {
            return Err(ReadError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let file = hdf5::File::open(path).map_err(h5err("opening the HDF5 file"))?;
        let missing = |location: &str, message: &str| ReadError::Missing {
            path: path.to_path_buf(),
            location: location.to_string(),
            message: message.to_string(),
        };
        let subjects_ds = file
            .dataset(loc::LOC_SUBJECTS)
            .map_err(|_| missing(loc::LOC_SUBJECTS, "not a pymia/mia dataset"))?;
        let subjects = read_strings(&subjects_ds).map_err(h5err("reading meta/subjects"))?;

        // mia's own record (absent in pymia files)
        let mia = file.group(LOC_MIA).ok();
        let attr = |name: &str| mia.as_ref().and_then(|g| read_string_attr(g, name).ok());
        let meta_only = attr("meta_only").map(|v| v == "true").unwrap_or_else(|| !file.link_exists("data"));
        let mia_dtypes: HashMap<String, String> =
            attr("dtypes").and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();

        let shape_group = file
            .group(loc::LOC_SHAPES_GROUP)
            .map_err(|_| missing(loc::LOC_SHAPES_GROUP, "the per-category shape tables"))?;
        let mut categories: Vec<String> = shape_group
            .member_names()
            .map_err(h5err("listing meta/shapes"))?
            .into_iter()
            .filter_map(|n| n.strip_suffix("_shapes").map(str::to_string))
            .collect();
        if let Some(order) = attr("categories").and_then(|j| serde_json::from_str::<Vec<String>>(&j).ok()) {
            if order.len() == categories.len() && order.iter().all(|c| categories.contains(c)) {
                categories = order;
            }
        }
        let mut shapes = HashMap::new();
        for c in &categories {
            let location = loc::shapes(c);
            let table = file
                .dataset(&location)
                .and_then(|d| d.read_2d::<u64>())
                .map_err(h5err(&format!("reading {location}")))?;
            if table.nrows() != subjects.len() {
                return Err(ReadError::Layout {
                    path: path.to_path_buf(),
                    location,
                    message: format!("{} rows for {} subjects", table.nrows(), subjects.len()),
                });
            }
            let rows = table.rows().into_iter().map(|r| r.iter().map(|&v| v as usize).collect()).collect();
            shapes.insert(c.clone(), rows);
        }
        Ok(Dataset {
            path: path.to_path_buf(),
            file,
            subjects,
            categories,
            shapes,
            meta_only,
            mia_dtypes,
            layouts: Mutex::new(HashMap::new()),
            map: OnceLock::new(),
        })
    }

    /// The dataset file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying HDF5 file (for anything this API does not cover).
    pub fn hdf5_file(&self) -> &hdf5::File {
        &self.file
    }

    /// Subject ids in file order.
    pub fn subjects(&self) -> &[String] {
        &self.subjects
    }

    /// Categories (e.g. `images`, `labels`): creation order for mia files, name order for pymia files.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    /// Whether the dataset is metadata-only (no pixel data; extraction loads the files).
    pub fn is_meta_only(&self) -> bool {
        self.meta_only
    }

    /// The mia version that wrote the file (`None` for pymia files).
    pub fn mia_version(&self) -> Option<String> {
        self.file.group(LOC_MIA).ok().and_then(|g| read_string_attr(&g, "version").ok())
    }

    /// mia's creation options as JSON (`None` for pymia files).
    pub fn creation_options(&self) -> Option<String> {
        self.file.group(LOC_MIA).ok().and_then(|g| read_string_attr(&g, "options").ok())
    }

    fn h5err(&self, context: String) -> impl FnOnce(hdf5::Error) -> ReadError + '_ {
        move |source| ReadError::Hdf5 { path: self.path.clone(), context, source }
    }

    fn check_category(&self, category: &str) -> Result<()> {
        if self.categories.iter().any(|c| c == category) {
            Ok(())
        } else {
            Err(ReadError::UnknownCategory {
                path: self.path.clone(),
                category: category.to_string(),
                available: self.categories.clone(),
            })
        }
    }

    fn check_subject(&self, subject: usize) -> Result<()> {
        if subject < self.subjects.len() {
            Ok(())
        } else {
            Err(ReadError::SubjectIndex {
                path: self.path.clone(),
                index: subject,
                count: self.subjects.len(),
            })
        }
    }

    /// Entry ids (channel names) of a category, from `meta/names/<category>_names`.
    pub fn names(&self, category: &str) -> Result<Vec<String>> {
        self.check_category(category)?;
        let location = loc::names(category);
        let ds = self.file.dataset(&location).map_err(|_| ReadError::Missing {
            path: self.path.clone(),
            location: location.clone(),
            message: "entry names (pymia's meta_only datasets omit them)".into(),
        })?;
        read_strings(&ds).map_err(self.h5err(format!("reading {location}")))
    }

    /// Shape of a subject's array in a category (`(z, y, x, c)` for 3-D images), from `meta/shapes`.
    pub fn shape(&self, category: &str, subject: usize) -> Result<Vec<usize>> {
        self.check_category(category)?;
        self.check_subject(subject)?;
        Ok(self.shapes[category][subject].clone())
    }

    /// Element type of a category; `None` for strings.
    pub fn dtype(&self, category: &str) -> Result<Option<PixelType>> {
        self.check_category(category)?;
        if self.meta_only || self.subjects.is_empty() {
            return match self.mia_dtypes.get(category) {
                Some(s) if s == "str" => Ok(None),
                Some(s) => s.parse::<PixelType>().map(Some).map_err(|_| ReadError::Layout {
                    path: self.path.clone(),
                    location: format!("{LOC_MIA}@dtypes"),
                    message: format!("unknown dtype {s:?} for {category}"),
                }),
                None => Err(ReadError::Missing {
                    path: self.path.clone(),
                    location: format!("{LOC_MIA}@dtypes"),
                    message: format!("element type of {category} (the file has no pixel data)"),
                }),
            };
        }
        Ok(self.layout(category, 0)?.pixel_type)
    }

    /// Geometry of a subject's image (the first entry of `images`), from `meta/image_props` (ITK order).
    /// 2-D datasets (mia only) have 2 columns. The pixel type is the `images` category's (f32 if unknown), with
    /// one component.
    pub fn image_properties(&self, subject: usize) -> Result<ImageProperties> {
        self.check_subject(subject)?;
        let read = |location: &str| -> Result<Vec<f64>> {
            let ds = self.file.dataset(location).map_err(|_| ReadError::Missing {
                path: self.path.clone(),
                location: location.to_string(),
                message: "image properties".into(),
            })?;
            let row = ds
                .read_slice_2d::<f64, _>((subject..subject + 1, ..))
                .map_err(self.h5err(format!("reading {location}")))?;
            Ok(row.iter().copied().collect())
        };
        let size = read(loc::LOC_IMGPROP_SHAPE)?;
        let origin = read(loc::LOC_IMGPROP_ORIGIN)?;
        let direction = read(loc::LOC_IMGPROP_DIRECTION)?;
        let spacing = read(loc::LOC_IMGPROP_SPACING)?;
        let pixel_type = if self.categories.iter().any(|c| c == "images") {
            self.dtype("images").ok().flatten().unwrap_or(PixelType::F32)
        } else {
            PixelType::F32
        };
        let size = size.iter().map(|&v| v as usize).collect();
        ImageProperties::new(size, spacing, origin, Some(direction), 1, pixel_type).map_err(|e| {
            ReadError::Layout {
                path: self.path.clone(),
                location: loc::LOC_IMGPROP_GROUP.into(),
                message: format!("subject {subject}: {e}"),
            }
        })
    }

    /// The common root of the raw files (`meta/files/file_root`), as stored.
    pub fn file_root(&self) -> Result<PathBuf> {
        let ds = self.file.dataset(loc::LOC_FILES_ROOT).map_err(|_| ReadError::Missing {
            path: self.path.clone(),
            location: loc::LOC_FILES_ROOT.into(),
            message: "the raw files' root".into(),
        })?;
        let s = read_strings(&ds).map_err(self.h5err(format!("reading {}", loc::LOC_FILES_ROOT)))?;
        Ok(PathBuf::from(s.into_iter().next().unwrap_or_default()))
    }

    /// The raw files of a subject's entries in a category: `file_root` joined with the stored relative paths
    /// (`/`- or, for pymia files written on Windows, `\`-separated).
    pub fn files(&self, category: &str, subject: usize) -> Result<Vec<PathBuf>> {
        self.check_category(category)?;
        self.check_subject(subject)?;
        let root = self.file_root()?;
        let location = loc::files(category);
        let ds = self.file.dataset(&location).map_err(|_| ReadError::Missing {
            path: self.path.clone(),
            location: location.clone(),
            message: "the raw files".into(),
        })?;
        let shape = ds.shape();
        if shape.len() != 2 || shape[0] != self.subjects.len() {
            return Err(ReadError::Layout {
                path: self.path.clone(),
                location,
                message: format!("shape {shape:?}, expected ({}, entries)", self.subjects.len()),
            });
        }
        let all = read_strings(&ds).map_err(self.h5err(format!("reading {location}")))?;
        let row = &all[subject * shape[1]..(subject + 1) * shape[1]];
        Ok(row
            .iter()
            .map(|rel| {
                let sep = if rel.contains('/') { '/' } else { '\\' };
                rel.split(sep).fold(root.clone(), |p, part| p.join(part))
            })
            .collect())
    }

    /// How a subject's array is stored (layout, chunks, filters, sizes).
    pub fn storage(&self, category: &str, subject: usize) -> Result<StorageInfo> {
        let ds = self.open_data(category, subject)?;
        let layout = match ds.layout() {
            Layout::Contiguous => "contiguous",
            Layout::Chunked => "chunked",
            Layout::Compact => "compact",
            _ => "virtual",
        };
        let filters = ds.filters().iter().map(|f| format!("{f:?}").to_lowercase()).collect();
        let elem = ds.dtype().map(|d| d.size()).unwrap_or(0) as u64;
        Ok(StorageInfo {
            layout: layout.into(),
            chunks: ds.chunk(),
            filters,
            stored_bytes: ds.storage_size(),
            array_bytes: ds.size() as u64 * elem,
        })
    }

    fn open_data(&self, category: &str, subject: usize) -> Result<hdf5::Dataset> {
        self.check_category(category)?;
        self.check_subject(subject)?;
        if self.meta_only {
            return Err(ReadError::MetaOnly { path: self.path.clone(), category: category.to_string() });
        }
        let location = loc::data_entry(category, subject, self.subjects.len());
        self.file.dataset(&location).map_err(|_| ReadError::Missing {
            path: self.path.clone(),
            location,
            message: "the subject's data".into(),
        })
    }

    fn layout(&self, category: &str, subject: usize) -> Result<EntryLayout> {
        let key = (category.to_string(), subject);
        if let Some(l) = self.layouts.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(l.clone());
        }
        let ds = self.open_data(category, subject)?;
        let location = loc::data_entry(category, subject, self.subjects.len());
        let dtype = ds.dtype().map_err(self.h5err(format!("reading the type of {location}")))?;
        let desc = dtype.to_descriptor().map_err(self.h5err(format!("reading the type of {location}")))?;
        let pixel_type = pixel_type_of(&desc);
        if pixel_type.is_none() && !is_string(&desc) {
            return Err(ReadError::Layout {
                path: self.path.clone(),
                location,
                message: format!("unsupported element type {desc}"),
            });
        }
        let native = cfg!(target_endian = "little") && dtype.byte_order() == ByteOrder::LittleEndian;
        let raw = match (pixel_type, ds.layout(), ds.offset()) {
            (Some(p), Layout::Contiguous, Some(offset)) if native && ds.filters().is_empty() => {
                Some(RawLocation { offset, element_size: p.size_bytes() })
            }
            _ => None,
        };
        let shape = ds.shape();
        let chunks = match (pixel_type, ds.layout(), ds.chunk()) {
            (Some(p), Layout::Chunked, Some(chunk)) if native && ds.filters().is_empty() => {
                ChunkIndex::new(&shape, &chunk, p.size_bytes()).map(Arc::new)
            }
            _ => None,
        };
        let l = EntryLayout { shape, pixel_type, raw, chunks };
        self.layouts.lock().unwrap_or_else(|e| e.into_inner()).insert(key, l.clone());
        Ok(l)
    }

    fn mapped(&self) -> Result<&memmap2::Mmap> {
        let m = self.map.get_or_init(|| {
            let f = std::fs::File::open(&self.path).map_err(|e| e.to_string())?;
            // SAFETY: the map is read-only and private to this `Dataset`; the documented contract is that the
            // file is not modified while the dataset is open (as for HDF5 itself).
            unsafe { memmap2::Mmap::map(&f) }.map_err(|e| e.to_string())
        });
        m.as_ref()
            .map_err(|e| ReadError::Io { path: self.path.clone(), source: std::io::Error::other(e.clone()) })
    }

    /// The bytes of a contiguous, unfiltered, little-endian array (zero-copy), or `None` if the array is chunked,
    /// compressed or a string array. Element type and shape: [`Dataset::dtype`], [`Dataset::shape`]. The slice
    /// need not be aligned for the element type.
    pub fn raw_bytes(&self, category: &str, subject: usize) -> Result<Option<&[u8]>> {
        let l = self.layout(category, subject)?;
        let Some(raw) = l.raw else { return Ok(None) };
        let len = l.shape.iter().product::<usize>() * raw.element_size;
        let map = self.mapped()?;
        let start = raw.offset as usize;
        map.get(start..start + len).map(Some).ok_or_else(|| ReadError::Layout {
            path: self.path.clone(),
            location: loc::data_entry(category, subject, self.subjects.len()),
            message: format!(
                "data at byte {start}+{len} lies past the end of the file ({} bytes)",
                map.len()
            ),
        })
    }

    /// The layout of a numeric entry whose elements are `T` (else an error naming the `what` that was asked
    /// for), and `index` resolved against its shape.
    fn typed_selection<T: Element>(
        &self,
        category: &str,
        subject: usize,
        index: &IndexExpression,
        what: &str,
    ) -> Result<(EntryLayout, Resolved)> {
        let l = self.layout(category, subject)?;
        let location = || loc::data_entry(category, subject, self.subjects.len());
        if l.pixel_type != Some(T::PIXEL_TYPE) {
            return Err(ReadError::Buffer {
                path: self.path.clone(),
                location: location(),
                message: format!(
                    "{what} of {} for data of {}",
                    T::PIXEL_TYPE,
                    l.pixel_type.map_or("strings".to_string(), |p| p.to_string())
                ),
            });
        }
        let resolved = index.resolve(&l.shape).map_err(|source| ReadError::Index {
            path: self.path.clone(),
            location: location(),
            source,
        })?;
        Ok((l, resolved))
    }

    /// A zero-copy view of part of a subject's array (or all of it with [`IndexExpression::whole`]), straight
    /// from the memory-mapped file: no copy, no allocation, the pages are read when the view is. Axes indexed by
    /// a single position are dropped, as in [`Dataset::read`]. Chunked arrays without filters give a view when the
    /// selection lies in one chunk (a patch of the grid the chunks were created for). `None` when the array is
    /// compressed or not native-endian, a chunked selection spans several chunks or touches one never written, or
    /// the bytes are not aligned for `T`; then use [`Dataset::read`] or [`Dataset::read_into`]. `T` must be the
    /// category's element type.
    pub fn view<T: Element>(
        &self,
        category: &str,
        subject: usize,
        index: &IndexExpression,
    ) -> Result<Option<ArrayViewD<'_, T>>> {
        let (l, mut resolved) = self.typed_selection::<T>(category, subject, index, "view")?;
        let location = || loc::data_entry(category, subject, self.subjects.len());
        // The bytes and shape of the array, or of the one chunk that holds the selection (then the selection is
        // made relative to it).
        let (bytes, shape) = match (self.raw_bytes(category, subject)?, &l.chunks) {
            (Some(bytes), _) => (bytes, &l.shape[..]),
            (None, Some(chunks)) if resolved.iter().all(|(r, _)| !r.is_empty()) => {
                let map = self.mapped()?;
                let ranges: Vec<_> = resolved.iter().map(|(r, _)| r.clone()).collect();
                let mut handle = None;
                let lookup = |offset: &[u64]| self.chunk_lookup(&mut handle, category, subject, offset);
                match chunks.single(map.len(), &ranges, lookup)? {
                    Ok(Some((span, local))) => {
                        for ((r, _), local) in resolved.iter_mut().zip(local) {
                            *r = local;
                        }
                        (&map[span], chunks.chunk_shape())
                    }
                    // Several chunks, or one never written: no view (`read` supplies the fill value).
                    Ok(None) | Err(ChunkMiss::Absent) => return Ok(None),
                    Err(ChunkMiss::Corrupt(message)) => {
                        return Err(ReadError::Layout {
                            path: self.path.clone(),
                            location: location(),
                            message,
                        })
                    }
                }
            }
            _ => return Ok(None),
        };
        // SAFETY: `Element` is sealed to the primitive integer and float types, for which every bit pattern is a
        // valid value; `align_to` puts only whole, aligned elements in the middle slice.
        let (head, values, tail) = unsafe { bytes.align_to::<T>() };
        if !head.is_empty() || !tail.is_empty() {
            return Ok(None);
        }
        let mut view = ArrayViewD::from_shape(IxDyn(shape), values).map_err(|e| ReadError::Buffer {
            path: self.path.clone(),
            location: location(),
            message: e.to_string(),
        })?;
        view.slice_each_axis_inplace(|ax| ndarray::Slice::from(resolved[ax.axis.index()].0.clone()));
        for (axis, (_, keep)) in resolved.iter().enumerate().rev() {
            if !keep {
                view.index_axis_inplace(ndarray::Axis(axis), 0);
            }
        }
        Ok(Some(view))
    }

    /// Reads part of a subject's array (or all of it with [`IndexExpression::whole`]): a hyperslab read, the
    /// rest of the file is not touched. Axes indexed by a single position are dropped, as in numpy/pymia.
    pub fn read(&self, category: &str, subject: usize, index: &IndexExpression) -> Result<ImageData> {
        let l = self.layout(category, subject)?;
        let Some(p) = l.pixel_type else {
            return Err(ReadError::Buffer {
                path: self.path.clone(),
                location: loc::data_entry(category, subject, self.subjects.len()),
                message: "string entries are read with read_strings".into(),
            });
        };
        macro_rules! typed {
            ($t:ty) => {{
                let out_shape = self.out_shape(category, subject, &l, index)?;
                let n: usize = out_shape.iter().product();
                // Every element is read into: a recycled buffer, or fresh pages that a helper thread maps in while
                // this one copies.
                let mut buf =
                    mia_core::PrefaultedVec::<$t>::for_overwrite(n).ok_or_else(|| ReadError::Buffer {
                        path: self.path.clone(),
                        location: loc::data_entry(category, subject, self.subjects.len()),
                        message: format!("cannot allocate {n} elements"),
                    })?;
                self.read_into(category, subject, index, buf.as_mut_slice())?;
                let a = ArrayD::from_shape_vec(IxDyn(&out_shape), buf.into_vec()).map_err(|e| {
                    ReadError::Buffer {
                        path: self.path.clone(),
                        location: loc::data_entry(category, subject, self.subjects.len()),
                        message: e.to_string(),
                    }
                })?;
                <$t as IntoImageData>::wrap(a)
            }};
        }
        Ok(match p {
            PixelType::U8 => typed!(u8),
            PixelType::I8 => typed!(i8),
            PixelType::U16 => typed!(u16),
            PixelType::I16 => typed!(i16),
            PixelType::U32 => typed!(u32),
            PixelType::I32 => typed!(i32),
            PixelType::U64 => typed!(u64),
            PixelType::I64 => typed!(i64),
            PixelType::F32 => typed!(f32),
            PixelType::F64 => typed!(f64),
        })
    }

    fn out_shape(
        &self,
        category: &str,
        subject: usize,
        l: &EntryLayout,
        index: &IndexExpression,
    ) -> Result<Vec<usize>> {
        index.output_shape(&l.shape).map_err(|source| ReadError::Index {
            path: self.path.clone(),
            location: loc::data_entry(category, subject, self.subjects.len()),
            source,
        })
    }

    /// Shape of what [`Dataset::read`] returns for this index (to size a buffer for [`Dataset::read_into`]).
    pub fn selection_shape(
        &self,
        category: &str,
        subject: usize,
        index: &IndexExpression,
    ) -> Result<Vec<usize>> {
        let l = self.layout(category, subject)?;
        self.out_shape(category, subject, &l, index)
    }

    /// Reads a selection into a caller-owned buffer (reused across samples: no allocation on the fast path).
    /// `T` must be the category's element type and `out.len()` the selection's element count (see
    /// [`Dataset::selection_shape`]); returns the selection's shape. Contiguous unfiltered arrays are copied from
    /// the memory-mapped file without HDF5, and so are chunked unfiltered ones, chunk by chunk (a selection that is
    /// one chunk, such as a patch of a grid the chunks were created for, is one copy); compressed arrays, and
    /// selections that touch a chunk never written, go through an HDF5 hyperslab read.
    pub fn read_into<T: Element + H5Type>(
        &self,
        category: &str,
        subject: usize,
        index: &IndexExpression,
        out: &mut [T],
    ) -> Result<Vec<usize>> {
        let (l, resolved) = self.typed_selection::<T>(category, subject, index, "buffer")?;
        let location = || loc::data_entry(category, subject, self.subjects.len());
        let out_shape: Vec<usize> = resolved.iter().filter(|(_, keep)| *keep).map(|(r, _)| r.len()).collect();
        let n: usize = resolved.iter().map(|(r, _)| r.len()).product();
        if out.len() != n {
            return Err(ReadError::Buffer {
                path: self.path.clone(),
                location: location(),
                message: format!("buffer holds {} elements, the selection {index} has {n}", out.len()),
            });
        }
        if n == 0 {
            return Ok(out_shape);
        }
        if let Some(src) = self.raw_bytes(category, subject)? {
            let ranges: Vec<_> = resolved.into_iter().map(|(r, _)| r).collect();
            copy_selection(src, &l.shape, &ranges, T::PIXEL_TYPE.size_bytes(), as_bytes_mut(out));
            return Ok(out_shape);
        }
        if let Some(chunks) = &l.chunks {
            let ranges: Vec<_> = resolved.iter().map(|(r, _)| r.clone()).collect();
            let map = self.mapped()?;
            let mut handle = None;
            let lookup = |offset: &[u64]| self.chunk_lookup(&mut handle, category, subject, offset);
            match chunks.copy(map, &ranges, as_bytes_mut(out), lookup)? {
                Ok(()) => return Ok(out_shape),
                // HDF5 supplies the fill value of chunks never written.
                Err(ChunkMiss::Absent) => {}
                Err(ChunkMiss::Corrupt(message)) => {
                    return Err(ReadError::Layout { path: self.path.clone(), location: location(), message })
                }
            }
        }
        let ds = self.open_data(category, subject)?;
        let slices: Vec<SliceOrIndex> = resolved.iter().map(|(r, _)| SliceOrIndex::from(r.clone())).collect();
        let sel = Selection::from(Hyperslab::from(slices));
        let a: ArrayD<T> =
            ds.read_slice(sel).map_err(self.h5err(format!("reading {}{index}", location())))?;
        for (o, v) in out.iter_mut().zip(a.iter()) {
            *o = *v;
        }
        Ok(out_shape)
    }

    /// Where the chunk of a subject's array whose first element is at `offset` lies ([`chunk_address`]); `handle`
    /// holds the HDF5 dataset, opened for the first chunk asked.
    fn chunk_lookup(
        &self,
        handle: &mut Option<hdf5::Dataset>,
        category: &str,
        subject: usize,
        offset: &[u64],
    ) -> Result<Option<(u64, u64)>> {
        let ds = match handle {
            Some(ds) => ds,
            None => handle.insert(self.open_data(category, subject)?),
        };
        chunk_address(ds, offset).map_err(self.h5err(format!(
            "locating the chunk at {offset:?} of {}",
            loc::data_entry(category, subject, self.subjects.len())
        )))
    }

    /// The strings of a subject's string entry (e.g. pymia's `gender`), in C order.
    pub fn read_strings(&self, category: &str, subject: usize) -> Result<Vec<String>> {
        let ds = self.open_data(category, subject)?;
        let location = loc::data_entry(category, subject, self.subjects.len());
        let desc =
            ds.dtype().and_then(|d| d.to_descriptor()).map_err(self.h5err(format!("reading {location}")))?;
        if !is_string(&desc) {
            return Err(ReadError::Buffer {
                path: self.path.clone(),
                location,
                message: format!("not a string entry ({desc}); use read"),
            });
        }
        read_strings(&ds).map_err(self.h5err(format!("reading {location}")))
    }

    /// SHA-256 hex digests of a subject's raw files in a category (mia files created with hashing).
    pub fn file_hashes(&self, category: &str, subject: usize) -> Result<Option<Vec<String>>> {
        self.check_category(category)?;
        self.check_subject(subject)?;
        let location = loc::sha256(category);
        let Ok(ds) = self.file.dataset(&location) else { return Ok(None) };
        let all = read_strings(&ds).map_err(self.h5err(format!("reading {location}")))?;
        let e = ds.shape().get(1).copied().unwrap_or(0);
        Ok(all.get(subject * e..(subject + 1) * e).map(<[String]>::to_vec))
    }
}

/// The file address and stored size of the chunk of `ds` whose first element is at `offset`, or `None` if that
/// chunk was never written.
fn chunk_address(ds: &hdf5::Dataset, offset: &[u64]) -> hdf5::Result<Option<(u64, u64)>> {
    use hdf5_sys::h5::HADDR_UNDEF;
    let (mut mask, mut address, mut size) = (0, 0, 0);
    // SAFETY: `offset` holds one coordinate per axis of the dataset (the caller builds it from the array's rank),
    // the out-pointers are valid locals, and the call runs under the HDF5 library lock.
    let status = hdf5::sync::sync(|| unsafe {
        hdf5_sys::h5d::H5Dget_chunk_info_by_coord(
            ds.id(),
            offset.as_ptr(),
            &mut mask,
            &mut address,
            &mut size,
        )
    });
    if status < 0 {
        return Err(hdf5::Error::from(format!(
            "H5Dget_chunk_info_by_coord failed for the chunk at {offset:?}"
        )));
    }
    Ok((address != HADDR_UNDEF).then_some((address, size)))
}
