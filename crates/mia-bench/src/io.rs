//! Step `io`: reading (and writing) the files `io_bench.py` wrote with SimpleITK, compared with
//! `io_speed.json` `volumes.<v>.formats.<fmt>.{read_to_numpy,write}.median_s`, except the `.nii.gz` reads: they
//! are compared with `io_nii_gz_isolated.json` `volumes.<v>.read_to_numpy.median_s`, SimpleITK reading each
//! `.nii.gz` alone in a folder (`scripts/bench/sitk_nii_gz_isolated.py`). Next to the `.nii` of the same name,
//! as io_bench.py leaves them, SimpleITK (niftilib) reads the uncompressed `.nii` instead.
//!
//! mia's `read_image` returns the voxels in a contiguous (z, y, x) ndarray, so it is compared with SimpleITK's
//! `ReadImage` + `GetArrayFromImage`. Writes go to a temporary folder next to nothing of the peer's.

use std::path::Path;

use anyhow::{bail, Context};
use mia_io::metaimage::{write_metaimage_with, MetaImageWriteOptions};

use crate::timing::{row, time_runs, wanted, Rows};
use crate::Options;

const FILE: &str = "io_speed.json";
/// SimpleITK reading each `.nii.gz` alone in a folder (see [`run`]).
const ISOLATED_FILE: &str = "io_nii_gz_isolated.json";
const VOLUMES: [&str; 2] = ["ct_int16_256", "mr_float32_181x217x181"];
/// (format key, file suffix)
const FORMATS: [(&str, &str); 4] =
    [("nii", ".nii"), ("nii_gz", ".nii.gz"), ("mha", ".mha"), ("mha_compressed", ".compressed.mha")];

pub(crate) fn run(o: &Options, rows: &mut Rows) -> anyhow::Result<()> {
    let dir = o.bench_work.join("io");
    let (warmup, runs) = if o.quick { (1, 3) } else { (1, 10) };
    let scratch = tempfile::tempdir()?;
    for volume in VOLUMES {
        let mut first: Option<mia_core::Image> = None;
        for (key, suffix) in FORMATS {
            let path = dir.join(format!("{volume}{suffix}"));
            if !path.is_file() {
                eprintln!(
                    "warning: {} is missing (run ../shared/bench/run.sh io first); skipped",
                    path.display()
                );
                continue;
            }
            let (read_name, write_name) =
                (format!("io read {volume} {key}"), format!("io write {volume} {key}"));
            if !wanted(&read_name) && !wanted(&write_name) {
                continue;
            }
            let image = mia_io::read_image(&path).with_context(|| format!("reading {}", path.display()))?;
            // Every format of a volume must decode to the same voxels and geometry.
            match &first {
                None => first = Some(image.clone()),
                Some(f) => check_same(f, &image, &path)?,
            }
            if wanted(&read_name) {
                let t = time_runs(warmup, runs, || {
                    std::hint::black_box(mia_io::read_image(&path)?);
                    Ok(())
                })?;
                // SimpleITK reads the uncompressed `.nii` sibling when asked for a `.nii.gz` (niftilib looks for
                // it first): its `.nii.gz` reads are timed on the file alone by scripts/bench/sitk_nii_gz_isolated.py.
                let reference: (&str, Vec<&str>) = if key == "nii_gz" {
                    (ISOLATED_FILE, vec!["volumes", volume, "read_to_numpy", "median_s"])
                } else {
                    (FILE, vec!["volumes", volume, "formats", key, "read_to_numpy", "median_s"])
                };
                rows.push(row(&read_name, "SimpleITK", 1, &t, reference.0, &reference.1));
            }
            if !wanted(&write_name) {
                continue;
            }
            let out = scratch.path().join(format!("out{suffix}"));
            let t = time_runs(0, runs, || {
                write(&out, &image, key == "mha_compressed")?;
                Ok(())
            })?;
            rows.push(row(
                &write_name,
                "SimpleITK",
                1,
                &t,
                FILE,
                &["volumes", volume, "formats", key, "write", "median_s"],
            ));
        }
    }
    Ok(())
}

fn write(path: &Path, image: &mia_core::Image, compress: bool) -> anyhow::Result<()> {
    if compress {
        // SimpleITK's useCompression=True: zlib at its default level.
        write_metaimage_with(path, image, MetaImageWriteOptions { compress: true, compression_level: 6 })?;
    } else {
        mia_io::write_image(path, image)?;
    }
    Ok(())
}

fn check_same(a: &mia_core::Image, b: &mia_core::Image, path: &Path) -> anyhow::Result<()> {
    if a.data() != b.data() {
        bail!("{} decodes to other voxels than the first format of the volume", path.display());
    }
    let (pa, pb) = (a.properties(), b.properties());
    if pa.check_same_geometry(pb, mia_core::GeometryTolerance::default()).is_err() {
        bail!("{} has another geometry than the first format: {pa:?} vs {pb:?}", path.display());
    }
    Ok(())
}
