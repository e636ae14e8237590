//! `mia image`: info and convert.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mia_core::Image;

/// Arguments of `mia image`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print size, pixel type, geometry and value range of an image (file or DICOM series directory).
    Info {
        /// The image file or DICOM directory.
        path: PathBuf,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Convert an image to another format (chosen by the output extension), keeping its geometry.
    Convert {
        /// The input image (any readable format, or a DICOM directory).
        input: PathBuf,
        /// The output file: .nii, .nii.gz, .hdr, .mha, .mhd, .png, .tif, .jpg.
        output: PathBuf,
        /// zlib-compress MetaImage output (`CompressedData = True`).
        #[arg(long)]
        compress: bool,
    },
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Info { path, json } => {
            let image = mia_io::read_image(&path).with_context(|| format!("reading {}", path.display()))?;
            let info = info_json(&image);
            if json {
                println!("{}", serde_json::to_string(&info)?);
            } else {
                print!("{}", info_table(&path, &info));
            }
        }
        Command::Convert { input, output, compress } => {
            let image = mia_io::read_image(&input).with_context(|| format!("reading {}", input.display()))?;
            let name = output.to_string_lossy().to_ascii_lowercase();
            let written = if compress && (name.ends_with(".mha") || name.ends_with(".mhd")) {
                let options =
                    mia_io::metaimage::MetaImageWriteOptions { compress: true, ..Default::default() };
                mia_io::metaimage::write_metaimage_with(&output, &image, options)
            } else {
                mia_io::write_image(&output, &image)
            };
            written.with_context(|| format!("writing {}", output.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The JSON object of `mia image info --json`.
fn info_json(image: &Image) -> serde_json::Value {
    let p = image.properties();
    let (min, max, sum) = image.data().min_max_sum();
    let number =
        |v: f64| serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number);
    serde_json::json!({
        "size": p.size(),
        "components": p.components(),
        "pixel_type": p.pixel_type().name(),
        "spacing": p.spacing(),
        "origin": p.origin(),
        "direction": p.direction(),
        "min": number(min),
        "max": number(max),
        "sum": number(sum),
    })
}

/// The readable table of `mia image info`.
fn info_table(path: &std::path::Path, info: &serde_json::Value) -> String {
    let join = |v: &serde_json::Value| {
        v.as_array()
            .map(|a| a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" x "))
            .unwrap_or_default()
    };
    let list = |v: &serde_json::Value| {
        v.as_array()
            .map(|a| a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let dim = info["size"].as_array().map_or(0, Vec::len);
    let direction: Vec<String> = info["direction"]
        .as_array()
        .map(|d| {
            d.chunks(dim.max(1))
                .map(|row| row.iter().map(|x| format!("{x:>10}")).collect::<String>())
                .collect()
        })
        .unwrap_or_default();
    let mut out = String::new();
    out.push_str(&format!("file        {}\n", path.display()));
    out.push_str(&format!("size        {}\n", join(&info["size"])));
    out.push_str(&format!("components  {}\n", info["components"]));
    out.push_str(&format!("pixel type  {}\n", info["pixel_type"].as_str().unwrap_or("")));
    out.push_str(&format!("spacing     {}\n", list(&info["spacing"])));
    out.push_str(&format!("origin      {}\n", list(&info["origin"])));
    for (i, row) in direction.iter().enumerate() {
        out.push_str(&format!("{:<12}{}\n", if i == 0 { "direction" } else { "" }, row));
    }
    out.push_str(&format!("min         {}\n", info["min"]));
    out.push_str(&format!("max         {}\n", info["max"]));
    out.push_str(&format!("sum         {}\n", info["sum"]));
    out
}
