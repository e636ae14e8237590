//! Step `data`: pymia's data-loading benchmark (paper Fig. 5) on the very files `pymia_data_bench.py --keep`
//! left in `$BENCH_WORK/data_bench`: the HDF5 dataset pymia's `Traverser` wrote, pymia's metadata datasets
//! pointing at compressed and uncompressed `.mha` files, and the raw files. Compared with
//! `pymia_data_speed.json`.
//!
//! * loading: one sample = `DataSource::get(i)`, timed per call; headline = median over passes of the per-pass
//!   mean, over the same samples pymia times (all for HDF5 and `full`; 64 evenly spaced (quick 4) for the
//!   metadata storages' patch and slice samples). The metadata storages run twice: with mia's default volume
//!   cache (a subject's files decoded once for all its samples) and without a cache (every sample re-reads
//!   both files, as pymia's `FilesystemDataExtractor` does).
//! * creation: `create_dataset` from the same `.mha` files (pymia: `Traverser` + default callbacks).
//! * assembly: slices in batches of 16 → channel 0 as the "prediction" → `SubjectAssembler` → volume, per
//!   subject; with extraction and with the batches preloaded; each volume dropped (a fresh buffer per subject, as
//!   pymia) or handed back with `SubjectAssembler::recycle`.
//!
//! `.npy` storage is not timed: mia does not read `.npy` files.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use mia_assemble::{AssemblerConfig, SubjectAssembler, SubjectSpec, PREDICTION};
use mia_dataset::{create_dataset, CreateOptions, Dataset, FileLoader, Progress, SubjectFiles};
use mia_extract::{DataExtractor, DataSource, FilesystemDataExtractor, VolumeCache};
use mia_index::{EmptyIndexing, IndexExpression, IndexingStrategy, PatchWiseIndexing, SliceIndexing};
use ndarray::{s, Array4, Axis};

use crate::timing::{mean, median, row, thread_settings, wanted, with_threads, Rows};
use crate::Options;

const FILE: &str = "pymia_data_speed.json";
/// A batch of slices (B, y, x, 1) and the (subject, expression) of each.
type Batch = (Array4<f32>, Vec<(usize, IndexExpression)>);

const STRATEGIES: [&str; 3] = ["full", "patch", "slice"];

fn strategy(name: &str) -> Box<dyn IndexingStrategy> {
    match name {
        "full" => Box::new(EmptyIndexing),
        "patch" => Box::new(PatchWiseIndexing::new(&[84, 84, 84])),
        _ => Box::new(SliceIndexing::new(0)),
    }
}

/// `pymia_data_bench.choose_samples`: every sample, or `cap` evenly spaced ones.
fn choose_samples(n: usize, cap: usize) -> Vec<usize> {
    if cap == 0 || n <= cap {
        return (0..n).collect();
    }
    let mut v: Vec<usize> =
        (0..cap).map(|k| (k as f64 * (n - 1) as f64 / (cap - 1) as f64).round() as usize).collect();
    v.dedup();
    v
}

/// Mean seconds per sample of each pass (after one untimed warm-up sample). With `recycle`, each sample's arrays
/// are handed back for reuse (`Sample::recycle`, timed with the sample) instead of being dropped.
fn per_sample(ds: &DataSource, samples: &[usize], passes: usize, recycle: bool) -> anyhow::Result<Vec<f64>> {
    std::hint::black_box(ds.get(samples[0])?);
    let mut pass_means = Vec::with_capacity(passes);
    for _ in 0..passes {
        let mut times = Vec::with_capacity(samples.len());
        for &i in samples {
            let t = Instant::now();
            let sample = std::hint::black_box(ds.get(i)?);
            if recycle {
                sample.recycle();
            } else {
                drop(sample);
            }
            times.push(t.elapsed().as_secs_f64());
        }
        pass_means.push(mean(&times));
    }
    Ok(pass_means)
}

pub(crate) fn run(o: &Options, rows: &mut Rows) -> anyhow::Result<()> {
    let dir = o.bench_work.join("data_bench");
    let h5 = dir.join("dataset.h5");
    if !h5.is_file() {
        bail!("{} is missing: run `../shared/bench/run.sh data --keep` first", h5.display());
    }
    // pymia's defaults: 5 passes over HDF5 samples, 3 over metadata samples, 64 metadata samples per pass.
    let (passes_h5, passes_meta, cap) = if o.quick { (1, 1, 4) } else { (5, 3, 64) };
    with_threads(1, || {
        for st in STRATEGIES {
            if !wanted(&format!("data sample hdf5 {st}")) {
                continue;
            }
            let ds = DataSource::from_parts(std::sync::Arc::new(Dataset::open(&h5)?), strategy(st))?
                .with_extractor(DataExtractor::new(&["images"]));
            let samples: Vec<usize> = (0..ds.len()).collect();
            // Whole volumes also with the samples handed back (`Sample::recycle`): no fresh pages per sample.
            for recycle in if st == "full" { &[false, true][..] } else { &[false][..] } {
                let t = per_sample(&ds, &samples, passes_h5, *recycle)?;
                rows.push(row(
                    &format!("data sample hdf5 {st}{}", if *recycle { " (samples recycled)" } else { "" }),
                    "pymia",
                    1,
                    &t,
                    FILE,
                    &["loading", "hdf5", st, "per_sample_s"],
                ));
            }
        }
        read_into_and_memcpy(&h5, passes_h5, rows)?;
        if wanted("data sample hdf5 patch read_into") {
            patch_chunks(&dir, passes_h5, rows)?;
        }
        if wanted("loader") {
            loader_throughput(&h5, rows)?;
        }
        for sto in ["mha_gz", "mha"] {
            let meta = dir.join(format!("meta_{sto}.h5"));
            for st in STRATEGIES {
                for cached in [true, false] {
                    if !wanted(&format!("data sample {sto} {st}")) {
                        continue;
                    }
                    let mut extractor = FilesystemDataExtractor::mia_io(&["images"]);
                    if !cached {
                        extractor = extractor.cache(VolumeCache::new(0));
                    }
                    let ds =
                        DataSource::from_parts(std::sync::Arc::new(Dataset::open(&meta)?), strategy(st))?
                            .with_extractor(extractor);
                    let samples = choose_samples(ds.len(), if st == "full" { 0 } else { cap });
                    for recycle in if st == "full" && cached { &[false, true][..] } else { &[false][..] } {
                        let t = per_sample(&ds, &samples, passes_meta, *recycle)?;
                        rows.push(row(
                            &format!(
                                "data sample {sto} {st} ({}{})",
                                if cached { "volume cache" } else { "no cache" },
                                if *recycle { ", samples recycled" } else { "" }
                            ),
                            "pymia",
                            1,
                            &t,
                            FILE,
                            &["loading", sto, st, "per_sample_s"],
                        ));
                    }
                }
            }
        }
        if wanted("assemble") {
            assembly(o, &h5, rows)?;
        }
        Ok(())
    })?;
    if wanted("create") {
        creation(o, &dir, rows)?;
    }
    Ok(())
}

/// mia's fastest HDF5 form, `Dataset::read_into` a buffer reused across samples (no allocation, no page faults),
/// and the floor under it: a `memcpy` of the sample's bytes into a reused buffer. The goal for the HDF5
/// cells is within 1.25× of that copy; both rows are divided by pymia's `DataExtractor` time for context.
fn read_into_and_memcpy(h5: &Path, passes: usize, rows: &mut Rows) -> anyhow::Result<()> {
    let dataset = Dataset::open(h5)?;
    for st in STRATEGIES {
        if !wanted(&format!("data sample hdf5 {st} read_into")) {
            continue;
        }
        let (samples, len) = grid_samples(&dataset, st)?;
        let mut buffer = vec![0f32; len];
        let t = time_read_into(&dataset, &samples, &mut buffer, passes)?;
        rows.push(row(
            &format!("data sample hdf5 {st} read_into (reused buffer)"),
            "pymia",
            1,
            &t,
            FILE,
            &["loading", "hdf5", st, "per_sample_s"],
        ));
        // Beyond the copy limit: a zero-copy view of the sample in the memory-mapped file (what is timed is
        // getting the view; its pages are read when the consumer reads them).
        if let Some(t) = time_views(&dataset, &samples, passes)? {
            rows.push(row(
                &format!("data sample hdf5 {st} zero-copy view (memory map)"),
                "pymia",
                1,
                &t,
                FILE,
                &["loading", "hdf5", st, "per_sample_s"],
            ));
        }
        // The copy floor: the same number of bytes into the reused buffer, from successive places of a source
        // larger than the caches (64 MiB and at least two samples), as the dataset's samples come from memory.
        let source = vec![1f32; (len * 2).max(16 << 20)];
        let windows = source.len() / len;
        let t = timed_passes(passes, samples.len(), || {
            for k in 0..samples.len() {
                let offset = (k % windows) * len;
                buffer.copy_from_slice(&source[offset..offset + len]);
                std::hint::black_box(&buffer);
            }
            Ok(())
        })?;
        rows.push(row(
            &format!("memcpy of a {st} sample's bytes (reused buffer; the floor)"),
            "pymia",
            1,
            &t,
            FILE,
            &["loading", "hdf5", st, "per_sample_s"],
        ));
    }
    Ok(())
}

/// `read_into` of the 84³ patches from a dataset that mia creates from the same `.mha` files with chunks of
/// 84³ voxels × both channels (`mia dataset create --chunks 84,84,84`): pymia's patch grid starts at 0, so every
/// patch is one chunk, one contiguous copy from the memory-mapped file. Created before the timing, removed after.
fn patch_chunks(dir: &Path, passes: usize, rows: &mut Rows) -> anyhow::Result<()> {
    use mia_dataset::{Chunking, StoragePolicy};
    let subjects = raw_subjects(&dir.join("raw_mha"))?;
    let scratch = tempfile::tempdir_in(dir)?;
    let target = scratch.path().join("patch_chunks.h5");
    let options = CreateOptions {
        hashes: false,
        progress: Progress::Quiet,
        storage: StoragePolicy { chunking: Chunking::Shape(vec![84, 84, 84]), deflate: None, shuffle: false },
        ..Default::default()
    };
    create_dataset(&subjects, &target, &FileLoader::new(), &[], &options)?;
    let dataset = Dataset::open(&target)?;
    let (samples, len) = grid_samples(&dataset, "patch")?;
    let t = time_read_into(&dataset, &samples, &mut vec![0f32; len], passes)?;
    rows.push(row(
        "data sample hdf5 patch read_into (reused buffer; mia dataset chunked 84³, a patch per chunk)",
        "pymia",
        1,
        &t,
        FILE,
        &["loading", "hdf5", "patch", "per_sample_s"],
    ));
    // Zero-copy views: every patch of the grid lies in one chunk.
    let t =
        time_views(&dataset, &samples, passes)?.context("a patch of the grid is one chunk: it has a view")?;
    rows.push(row(
        "data sample hdf5 patch zero-copy view (mia dataset chunked 84³, memory map)",
        "pymia",
        1,
        &t,
        FILE,
        &["loading", "hdf5", "patch", "per_sample_s"],
    ));
    // The same patches as samples (`DataSource::get`, a fresh array each), as the headline rows time them.
    let ds = DataSource::from_parts(std::sync::Arc::new(dataset), strategy("patch"))?
        .with_extractor(DataExtractor::new(&["images"]));
    let all: Vec<usize> = (0..ds.len()).collect();
    let t = per_sample(&ds, &all, passes, false)?;
    rows.push(row(
        "data sample hdf5 patch (mia dataset chunked 84³, a patch per chunk)",
        "pymia",
        1,
        &t,
        FILE,
        &["loading", "hdf5", "patch", "per_sample_s"],
    ));
    Ok(())
}

/// Every (subject, index expression) of strategy `st` over the dataset's images, and a sample's element count.
fn grid_samples(dataset: &Dataset, st: &str) -> anyhow::Result<(Vec<(usize, IndexExpression)>, usize)> {
    let expressions = strategy(st).indices(&dataset.shape("images", 0)?)?;
    let len = dataset.selection_shape("images", 0, &expressions[0])?.iter().product();
    let samples =
        (0..dataset.subjects().len()).flat_map(|s| expressions.iter().map(move |e| (s, e.clone()))).collect();
    Ok((samples, len))
}

/// Seconds per sample of each of `passes` passes of `pass` (after one untimed pass).
fn timed_passes(
    passes: usize,
    samples: usize,
    mut pass: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Vec<f64>> {
    pass()?;
    (0..passes)
        .map(|_| {
            let t = Instant::now();
            pass()?;
            Ok(t.elapsed().as_secs_f64() / samples as f64)
        })
        .collect()
}

/// `Dataset::read_into` of every sample into one reused buffer, per pass.
fn time_read_into(
    dataset: &Dataset,
    samples: &[(usize, IndexExpression)],
    buffer: &mut [f32],
    passes: usize,
) -> anyhow::Result<Vec<f64>> {
    timed_passes(passes, samples.len(), || {
        for (s, e) in samples {
            dataset.read_into("images", *s, e, buffer)?;
            std::hint::black_box(&buffer);
        }
        Ok(())
    })
}

/// Getting a zero-copy view of every sample (its pages are read when the consumer reads them), per pass; `None`
/// when the first sample has no view (chunked across samples, compressed, or unaligned).
fn time_views(
    dataset: &Dataset,
    samples: &[(usize, IndexExpression)],
    passes: usize,
) -> anyhow::Result<Option<Vec<f64>>> {
    let (s0, e0) = &samples[0];
    if dataset.view::<f32>("images", *s0, e0)?.is_none() {
        return Ok(None);
    }
    timed_passes(passes, samples.len(), || {
        for (s, e) in samples {
            std::hint::black_box(dataset.view::<f32>("images", *s, e)?.map(|v| v.len()));
        }
        Ok(())
    })
    .map(Some)
}

/// Loader throughput: every slice of every subject, batches of 32, on every core (one worker per core).
fn loader_throughput(h5: &Path, rows: &mut Rows) -> anyhow::Result<()> {
    use mia_extract::{Loader, LoaderConfig};
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let ds = std::sync::Arc::new(
        DataSource::new(Dataset::open(h5)?, SliceIndexing::new(0))?
            .with_extractor(DataExtractor::new(&["images"])),
    );
    let n = ds.len();
    let config = LoaderConfig { batch_size: 32, workers, prefetch: 4, ..Default::default() };
    for stacked in [false, true] {
        // Stacked: one (32, 181, 217, 2) array per batch, collated by the workers (as PyTorch's DataLoader
        // collates in its worker processes for pymia).
        let collate = if stacked { vec!["images".to_string()] } else { Vec::new() };
        let loader = Loader::new(ds.clone(), LoaderConfig { collate, ..config.clone() })?;
        let mut epoch = |e: u64| -> anyhow::Result<f64> {
            let t = Instant::now();
            for batch in loader.epoch(e) {
                let batch = batch?;
                if stacked {
                    std::hint::black_box(&batch.stacked["images"]);
                } else {
                    std::hint::black_box(&batch.samples);
                }
            }
            Ok(t.elapsed().as_secs_f64() / n as f64)
        };
        epoch(0)?;
        let t: Vec<f64> = (1..=3).map(&mut epoch).collect::<anyhow::Result<_>>()?;
        let what = if stacked { "stacked into one array by the workers" } else { "as samples" };
        eprintln!(
            "  (loader: {:.0} slices/s with {workers} workers, batches of 32 {what})",
            1.0 / median(&t)
        );
        rows.push(row(
            &format!("loader: seconds per slice, {workers} workers, batches of 32 {what}"),
            "pymia",
            workers,
            &t,
            FILE,
            &["loading", "hdf5", "slice", "per_sample_s"],
        ));
    }
    Ok(())
}

/// The subjects of `raw_<storage>/Subject_XX/Subject_XX_{T1,T2}.mha`, as pymia's `SubjectFile`s.
fn raw_subjects(dir: &Path) -> anyhow::Result<Vec<SubjectFiles>> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids.iter()
        .map(|id| {
            let f = |n: &str| -> PathBuf { dir.join(id).join(format!("{id}_{n}.mha")) };
            Ok(SubjectFiles::new(id).with("images", "T1", f("T1"))?.with("images", "T2", f("T2"))?)
        })
        .collect()
}

fn creation(o: &Options, dir: &Path, rows: &mut Rows) -> anyhow::Result<()> {
    let repeats = if o.quick { 1 } else { 3 };
    let scratch = tempfile::tempdir_in(dir)?;
    let target = scratch.path().join("mia.h5");
    for (what, sto, meta_only, path) in [
        ("hdf5 dataset", "mha", false, vec!["creation", "hdf5_dataset_s"]),
        ("metadata dataset", "mha_gz", true, vec!["creation", "meta_dataset_s", "mha_gz"]),
        ("metadata dataset", "mha", true, vec!["creation", "meta_dataset_s", "mha"]),
    ] {
        let subjects = raw_subjects(&dir.join(format!("raw_{sto}")))?;
        let settings =
            [true, false].into_iter().flat_map(|h| thread_settings().into_iter().map(move |t| (h, t)));
        for (hashes, threads) in settings {
            let options = CreateOptions {
                meta_only,
                hashes,
                force: true,
                progress: Progress::Quiet,
                ..Default::default()
            };
            // mia decodes a subject's files and hashes them in parallel on the rayon pool. The dataset of the
            // run before is removed first, outside the timing, as pymia's `create_hdf5` removes its own: replacing
            // it would time the kernel freeing 455 MB (0.14–0.48 s here) inside the rename.
            let t = with_threads(threads, || {
                let mut runs = Vec::with_capacity(repeats);
                for _ in 0..repeats {
                    if target.exists() {
                        std::fs::remove_file(&target)?;
                    }
                    let start = Instant::now();
                    create_dataset(&subjects, &target, &FileLoader::new(), &[], &options)?;
                    runs.push(start.elapsed().as_secs_f64());
                }
                Ok(runs)
            })?;
            rows.push(row(
                &format!(
                    "create {what} from {sto} ({} subjects{})",
                    subjects.len(),
                    if hashes { ", SHA-256 of files" } else { ", no hashes" }
                ),
                "pymia",
                threads,
                &t,
                FILE,
                &path,
            ));
        }
    }
    Ok(())
}

fn assembly(o: &Options, h5: &Path, rows: &mut Rows) -> anyhow::Result<()> {
    const BATCH: usize = 16;
    let repeats = if o.quick { 1 } else { 3 };
    let dataset = Dataset::open(h5)?;
    let ds = DataSource::new(Dataset::open(h5)?, SliceIndexing::new(0))?
        .with_extractor(DataExtractor::new(&["images"]));
    let n_subjects = dataset.subjects().len();
    let by_subject: Vec<Vec<usize>> = (0..n_subjects)
        .map(|s| ds.indices().iter().enumerate().filter(|(_, (k, _))| *k == s).map(|(i, _)| i).collect())
        .collect();
    let register = |assembler: &mut SubjectAssembler, s: usize| -> anyhow::Result<()> {
        let spec =
            SubjectSpec::from_properties(dataset.image_properties(s)?).expect_count(by_subject[s].len());
        assembler.register(s, spec)?;
        Ok(())
    };
    // One batch: (B, y, x, 2) from the samples, channel 0 as the prediction.
    let batch_of = |idx: &[usize]| -> anyhow::Result<Batch> {
        let first = ds.get(idx[0])?;
        let shape = first.array::<f32>("images")?.shape().to_vec();
        // Every element is written below: no zeroing first (numpy's `np.stack` does not zero either).
        let mut batch = Array4::<f32>::uninit((idx.len(), shape[0], shape[1], 1));
        let mut keys = Vec::with_capacity(idx.len());
        for (b, &i) in idx.iter().enumerate() {
            let sample = if b == 0 { first.clone() } else { ds.get(i)? };
            let v = sample.array::<f32>("images")?.into_dimensionality::<ndarray::Ix3>()?;
            v.index_axis(Axis(2), 0).assign_to(batch.slice_mut(s![b, .., .., 0]));
            keys.push(ds.indices()[i].clone());
        }
        // SAFETY: the loop wrote every (b, y, x, 0) element: `b` runs over the batch, the slice covers y and x.
        Ok((unsafe { batch.assume_init() }, keys))
    };
    // Each subject's volume is dropped (a fresh buffer for the next, as pymia's `np.zeros`) or handed back with
    // `SubjectAssembler::recycle` (the next subject assembles into it). Both are timed, the hand-back included.
    let mut with_extraction = [Vec::new(), Vec::new()];
    let mut assemble_only = [Vec::new(), Vec::new()];
    for _ in 0..repeats {
        for recycle in [false, true] {
            let mut assembler = SubjectAssembler::new(AssemblerConfig::default());
            for (s, idx) in by_subject.iter().enumerate() {
                let t = Instant::now();
                register(&mut assembler, s)?;
                for chunk in idx.chunks(BATCH) {
                    let (batch, keys) = batch_of(chunk)?;
                    let pairs: Vec<(usize, &IndexExpression)> = keys.iter().map(|(k, e)| (*k, e)).collect();
                    assembler.add_batch(PREDICTION, &pairs, batch.view().into_dyn())?;
                }
                let out = assembler.take(s)?;
                let elapsed = t.elapsed();
                if s == 0 || s + 1 == by_subject.len() {
                    check_round_trip(h5, s, &out)?;
                }
                let t = Instant::now();
                if recycle {
                    assembler.recycle(out);
                } else {
                    drop(out);
                }
                with_extraction[usize::from(recycle)].push((elapsed + t.elapsed()).as_secs_f64());
            }
        }
        for recycle in [false, true] {
            let mut assembler = SubjectAssembler::new(AssemblerConfig::default());
            for (s, idx) in by_subject.iter().enumerate() {
                let pre: Vec<_> = idx.chunks(BATCH).map(&batch_of).collect::<anyhow::Result<_>>()?;
                let t = Instant::now();
                register(&mut assembler, s)?;
                for (batch, keys) in &pre {
                    let pairs: Vec<(usize, &IndexExpression)> = keys.iter().map(|(k, e)| (*k, e)).collect();
                    assembler.add_batch(PREDICTION, &pairs, batch.view().into_dyn())?;
                }
                let out = std::hint::black_box(assembler.take(s)?);
                if recycle {
                    assembler.recycle(out);
                } else {
                    drop(out);
                }
                assemble_only[usize::from(recycle)].push(t.elapsed().as_secs_f64());
            }
        }
    }
    for (i, how) in ["", ", volumes recycled"].into_iter().enumerate() {
        rows.push(row(
            &format!("assemble: extract 181 slices + assemble, per subject{how}"),
            "pymia",
            1,
            &with_extraction[i],
            FILE,
            &["assembly", "per_subject_extract_and_assemble", "median_s"],
        ));
        rows.push(row(
            &format!("assemble only (slices preloaded), per subject{how}"),
            "pymia",
            1,
            &assemble_only[i],
            FILE,
            &["assembly", "per_subject_assemble_only", "median_s"],
        ));
        eprintln!(
            "  (assembly medians{how}: {:.4} s / {:.4} s)",
            median(&with_extraction[i]),
            median(&assemble_only[i])
        );
    }
    Ok(())
}

/// The assembled channel-0 volume must equal the stored T1 (pymia checks `round_trip_equal_to_T1`).
fn check_round_trip(h5: &Path, subject: usize, out: &mia_assemble::AssembledSubject) -> anyhow::Result<()> {
    let whole =
        DataSource::new(Dataset::open(h5)?, EmptyIndexing)?.with_extractor(DataExtractor::new(&["images"]));
    // One whole-volume sample per subject, in subject order.
    let sample = whole.get(subject)?;
    let images = sample.array::<f32>("images")?;
    let t1 = images.index_axis(Axis(3), 0);
    let assembled = out
        .prediction()
        .context("no prediction assembled")?
        .data
        .view::<f32>()
        .context("assembled volume is not f32")?;
    if assembled.index_axis(Axis(3), 0) != t1 {
        bail!("assembled volume of subject {subject} differs from its stored T1 channel");
    }
    Ok(())
}
