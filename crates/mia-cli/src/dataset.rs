//! `mia dataset`: create and info.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mia_dataset::{
    create_dataset, Chunking, CreateOptions, Dataset, FileLoader, IntensityNormalization, Progress,
    StoragePolicy, SubjectsConfig, Transform,
};
use serde_json::{json, Value};

/// Arguments of `mia dataset`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create a pymia-compatible HDF5 dataset from a subject description (TOML/JSON).
    Create(CreateArgs),
    /// Show a dataset's subjects, categories, shapes, dtypes, storage and image properties.
    Info(InfoArgs),
}

/// `--chunks`: `auto`, `none`, or a chunk shape `Z,Y,X[,C]` (e.g. `84,84,84` for 84³ patches of a grid that
/// starts at 0: each such patch is then one chunk, read with one copy).
#[derive(Debug, Clone, PartialEq, Eq)]
enum ChunksArg {
    /// Chunk shapes chosen for slice and patch reads.
    Auto,
    /// Contiguous storage, as pymia (default without --compression).
    None,
    /// This chunk shape (axes past it are whole).
    Shape(Vec<usize>),
}

fn parse_chunks(s: &str) -> Result<ChunksArg, String> {
    match s {
        "auto" => Ok(ChunksArg::Auto),
        "none" => Ok(ChunksArg::None),
        _ => {
            let shape = s
                .split(',')
                .map(|v| v.trim().parse::<usize>().ok().filter(|&n| n > 0))
                .collect::<Option<Vec<usize>>>()
                .ok_or_else(|| {
                    format!(
                        "expected auto, none or a chunk shape like 84,84,84 (positive integers), got {s:?}"
                    )
                })?;
            Ok(ChunksArg::Shape(shape))
        }
    }
}

#[derive(Debug, clap::Args)]
struct CreateArgs {
    /// The subject description (.toml or .json; format in the mia-dataset docs).
    #[arg(long)]
    config: PathBuf,
    /// The dataset file to write (.h5).
    #[arg(long)]
    out: PathBuf,
    /// Metadata only: subject ids, names, files, shapes, image properties; no pixel data.
    #[arg(long)]
    meta_only: bool,
    /// Chunking of the data arrays: auto, none, or a shape Z,Y,X[,C] such as 84,84,84 (default: none, or auto
    /// with --compression).
    #[arg(long, value_parser = parse_chunks, value_name = "auto|none|Z,Y,X")]
    chunks: Option<ChunksArg>,
    /// Deflate level 0-9 (with byte shuffle); implies --chunks auto.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=9))]
    compression: Option<u8>,
    /// Overwrite an existing output file.
    #[arg(long)]
    force: bool,
    /// Do not record the SHA-256 of the raw files.
    #[arg(long)]
    no_hashes: bool,
    /// Store `subject_<i>` instead of the subject ids.
    #[arg(long)]
    anonymize: bool,
    /// Z-score normalise these categories per channel (pymia's IntensityNormalization), e.g. images.
    #[arg(long, value_name = "CATEGORY")]
    normalize: Vec<String>,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, clap::Args)]
struct InfoArgs {
    /// The dataset file (written by mia or pymia).
    path: PathBuf,
    /// Machine-readable output: {"subjects", "categories": {name: {names, dtype, shapes}}, "image_properties"}.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Create(a) => create(a),
        Command::Info(a) => info(a),
    }
}

fn create(a: CreateArgs) -> anyhow::Result<ExitCode> {
    let config =
        SubjectsConfig::load(&a.config).with_context(|| format!("reading {}", a.config.display()))?;
    let chunking = match (a.chunks, a.compression) {
        (Some(ChunksArg::None), Some(_)) => {
            anyhow::bail!("--compression needs chunking (drop --chunks none)")
        }
        (Some(ChunksArg::Auto), _) | (None, Some(_)) => Chunking::Auto,
        (Some(ChunksArg::Shape(shape)), _) => Chunking::Shape(shape),
        (Some(ChunksArg::None), None) | (None, None) => Chunking::None,
    };
    let options = CreateOptions {
        meta_only: a.meta_only,
        storage: StoragePolicy { chunking, deflate: a.compression, shuffle: a.compression.is_some() },
        hashes: !a.no_hashes,
        anonymize: a.anonymize,
        force: a.force,
        progress: if a.quiet { Progress::Quiet } else { Progress::Auto },
        ..CreateOptions::default()
    };
    let mut loader = FileLoader::new();
    for (category, pixel_type) in &config.casts {
        loader = loader.cast(category.clone(), *pixel_type);
    }
    let transforms: Vec<Box<dyn Transform>> = if a.normalize.is_empty() {
        Vec::new()
    } else {
        vec![Box::new(IntensityNormalization::new(a.normalize.clone()))]
    };
    let summary = create_dataset(&config.subjects, &a.out, &loader, &transforms, &options)?;
    if !a.quiet {
        eprintln!(
            "wrote {} ({} subjects, {:.1} MiB)",
            summary.path.display(),
            summary.subjects,
            summary.bytes as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The `--json` document (a stable contract scripts rely on).
fn info_json(ds: &Dataset) -> anyhow::Result<Value> {
    let mut categories = serde_json::Map::new();
    for c in ds.categories() {
        let names = ds.names(c).unwrap_or_default();
        let dtype = match ds.dtype(c)? {
            Some(p) => p.name().to_string(),
            None => "str".to_string(),
        };
        let shapes: Vec<Vec<usize>> =
            (0..ds.subjects().len()).map(|i| ds.shape(c, i)).collect::<Result<_, _>>()?;
        categories.insert(c.clone(), json!({"names": names, "dtype": dtype, "shapes": shapes}));
    }
    let has_props = ds.hdf5_file().link_exists(mia_dataset::layout::LOC_IMGPROP_SHAPE);
    let mut props = Vec::new();
    if has_props {
        for i in 0..ds.subjects().len() {
            let p = ds.image_properties(i)?;
            props.push(json!({"size": p.size(), "spacing": p.spacing(), "origin": p.origin(), "direction": p.direction()}));
        }
    }
    Ok(json!({"subjects": ds.subjects(), "categories": categories, "image_properties": props}))
}

fn info(a: InfoArgs) -> anyhow::Result<ExitCode> {
    let ds = Dataset::open(&a.path)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&info_json(&ds)?)?);
        return Ok(ExitCode::SUCCESS);
    }
    let bytes = std::fs::metadata(&a.path).map(|m| m.len()).unwrap_or(0);
    println!("{}: {:.1} MiB", a.path.display(), bytes as f64 / (1024.0 * 1024.0));
    match ds.mia_version() {
        Some(v) => println!("written by mia {v}"),
        None => println!("written by pymia (no /mia record)"),
    }
    if ds.is_meta_only() {
        println!("metadata-only (no pixel data; extraction loads the files)");
    }
    println!("{} subjects: {}", ds.subjects().len(), ds.subjects().join(", "));
    for c in ds.categories() {
        let names = ds.names(c).map(|n| n.join(", ")).unwrap_or_else(|_| "(no names)".into());
        let dtype = ds.dtype(c)?.map_or("str".to_string(), |p| p.to_string());
        let shapes: Vec<Vec<usize>> =
            (0..ds.subjects().len()).map(|i| ds.shape(c, i)).collect::<Result<_, _>>()?;
        let shape = match shapes.first() {
            Some(s) if shapes.iter().all(|x| x == s) => format!("{s:?}"),
            Some(s) => format!("{s:?} (varies)"),
            None => "-".into(),
        };
        println!("  {c}: [{names}] {dtype} {shape}");
        if !ds.is_meta_only() && !ds.subjects().is_empty() {
            let st = ds.storage(c, 0)?;
            let chunks = st.chunks.map(|c| format!(" chunks {c:?}")).unwrap_or_default();
            let filters = if st.filters.is_empty() {
                String::new()
            } else {
                format!(" filters {}", st.filters.join("+"))
            };
            println!(
                "    storage: {}{chunks}{filters}, subject 0: {} of {} bytes",
                st.layout, st.stored_bytes, st.array_bytes
            );
        }
    }
    if ds.hdf5_file().link_exists(mia_dataset::layout::LOC_IMGPROP_SHAPE) && !ds.subjects().is_empty() {
        let p = ds.image_properties(0)?;
        println!(
            "image properties (subject 0): size {:?} spacing {:?} origin {:?} direction {:?}",
            p.size(),
            p.spacing(),
            p.origin(),
            p.direction()
        );
    }
    if let Ok(root) = ds.file_root() {
        println!("file root: {}", root.display());
    }
    Ok(ExitCode::SUCCESS)
}
