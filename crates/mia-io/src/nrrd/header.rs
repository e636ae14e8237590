//! Parsing NRRD headers (`NRRD000X` magic, `field: value` lines, `key:=value` pairs, comments).

use std::path::{Path, PathBuf};

use mia_core::PixelType;

use crate::{IoError, Result};

/// Largest header accepted (fields, comments and key/value pairs together).
pub(crate) const MAX_HEADER_BYTES: usize = 1 << 20;

/// Data encodings mia reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Raw,
    Gzip,
    Ascii,
}

/// Where the voxel data lives.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DataFiles {
    /// After the blank line that ends the header.
    Attached,
    /// One or more detached files (concatenated in order), relative to the header's directory.
    Detached(Vec<PathBuf>),
}

/// The fields of a NRRD header that decide the voxel layout and geometry.
#[derive(Debug, Clone)]
pub(crate) struct NrrdHeader {
    pub(crate) pixel_type: PixelType,
    pub(crate) sizes: Vec<usize>,
    pub(crate) encoding: Encoding,
    pub(crate) big_endian: bool,
    pub(crate) kinds: Vec<String>,
    pub(crate) space: Option<String>,
    pub(crate) space_dimension: Option<usize>,
    /// One entry per axis: `None` for `none` (a non-spatial axis).
    pub(crate) space_directions: Option<Vec<Option<Vec<f64>>>>,
    pub(crate) space_origin: Option<Vec<f64>>,
    pub(crate) spacings: Option<Vec<f64>>,
    pub(crate) axis_mins: Option<Vec<f64>>,
    /// Per-axis centering (`cell`, `node`, `???`); teem's default is `cell`.
    pub(crate) centers: Option<Vec<String>>,
    pub(crate) line_skip: usize,
    /// `-1` means: the data are the last bytes of the file.
    pub(crate) byte_skip: i64,
    pub(crate) data: DataFiles,
}

/// Parses the header text (everything before the data). `dir` resolves detached data file names.
pub(crate) fn parse(path: &Path, text: &str, dir: &Path) -> Result<NrrdHeader> {
    let err = |field: &str, message: String| IoError::header(path, field, message);
    let mut lines = text.lines();
    let magic = lines.next().unwrap_or("");
    if !magic.starts_with("NRRD000") {
        return Err(err("magic", format!("expected NRRD000X, found {:?}", truncate(magic))));
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut list_files: Option<Vec<PathBuf>> = None;
    for line in lines.by_ref() {
        if let Some(files) = list_files.as_mut() {
            // After `data file: LIST`, every remaining line names one data file.
            if !line.trim().is_empty() {
                files.push(dir.join(line.trim()));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            break;
        }
        if is_key_value(line) {
            continue;
        }
        let Some((key, value)) = line.split_once(": ") else {
            return Err(err("line", format!("not a `field: value` line: {:?}", truncate(line))));
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().to_string();
        if (key == "data file" || key == "datafile") && value.split_whitespace().next() == Some("LIST") {
            list_files = Some(Vec::new());
        }
        fields.push((key, value));
    }
    let get = |names: &[&str]| {
        fields.iter().rev().find(|(k, _)| names.contains(&k.as_str())).map(|(_, v)| v.as_str())
    };

    let type_name = get(&["type"]).ok_or_else(|| err("type", "missing".into()))?;
    let pixel_type = parse_type(type_name).ok_or_else(|| {
        IoError::unsupported(
            path,
            format!("NRRD type {type_name:?} (block or unknown types are not supported)"),
        )
    })?;
    let dimension: usize = get(&["dimension"])
        .ok_or_else(|| err("dimension", "missing".into()))?
        .parse()
        .map_err(|e| err("dimension", format!("not an integer: {e}")))?;
    if !(1..=16).contains(&dimension) {
        return Err(err("dimension", format!("{dimension} (1 to 16 supported)")));
    }
    let sizes: Vec<usize> = words(get(&["sizes"]).ok_or_else(|| err("sizes", "missing".into()))?)
        .map(|w| w.parse::<usize>().map_err(|e| err("sizes", format!("{w:?}: {e}"))))
        .collect::<Result<_>>()?;
    if sizes.len() != dimension || sizes.contains(&0) {
        return Err(err("sizes", format!("{sizes:?} for dimension {dimension}")));
    }
    let encoding = match get(&["encoding"]).ok_or_else(|| err("encoding", "missing".into()))? {
        "raw" => Encoding::Raw,
        "gzip" | "gz" => Encoding::Gzip,
        "ascii" | "text" | "txt" => Encoding::Ascii,
        other => return Err(IoError::unsupported(path, format!("NRRD encoding {other:?}"))),
    };
    let big_endian = match get(&["endian"]) {
        Some("big") => true,
        Some("little") | None => false,
        Some(other) => return Err(err("endian", format!("expected little or big, got {other:?}"))),
    };
    if get(&["endian"]).is_none() && pixel_type.size_bytes() > 1 && encoding != Encoding::Ascii {
        return Err(err("endian", format!("missing, but {} values span several bytes", pixel_type.name())));
    }
    let per_axis = |names: &[&str]| get(names).map(|v| words(v).map(str::to_string).collect::<Vec<_>>());
    let kinds = per_axis(&["kinds"]).unwrap_or_else(|| vec!["domain".to_string(); dimension]);
    if kinds.len() != dimension {
        return Err(err("kinds", format!("{} entries for dimension {dimension}", kinds.len())));
    }
    let space_dimension = match (get(&["space dimension"]), get(&["space"])) {
        (Some(v), _) => Some(v.parse().map_err(|e| err("space dimension", format!("{v:?}: {e}")))?),
        (None, Some(space)) => Some(
            space_dimension_of(space)
                .ok_or_else(|| IoError::unsupported(path, format!("NRRD space {space:?}")))?,
        ),
        (None, None) => None,
    };
    let space_directions = match get(&["space directions"]) {
        None => None,
        Some(v) => {
            let dirs = parse_vectors(v).map_err(|m| err("space directions", m))?;
            if dirs.len() != dimension {
                return Err(err(
                    "space directions",
                    format!("{} entries for dimension {dimension}", dirs.len()),
                ));
            }
            Some(dirs)
        }
    };
    let space_origin = match get(&["space origin"]) {
        None => None,
        Some(v) => {
            let mut o = parse_vectors(v).map_err(|m| err("space origin", m))?;
            match o.pop() {
                Some(Some(origin)) if o.is_empty() => Some(origin),
                _ => return Err(err("space origin", format!("expected one vector, got {v:?}"))),
            }
        }
    };
    let numbers = |names: &[&str], field: &str| -> Result<Option<Vec<f64>>> {
        let Some(v) = get(names) else { return Ok(None) };
        let values: Vec<f64> = words(v).map(|w| w.parse::<f64>().unwrap_or(f64::NAN)).collect();
        if values.len() != dimension {
            return Err(err(field, format!("{} entries for dimension {dimension}", values.len())));
        }
        Ok(Some(values))
    };
    let spacings = numbers(&["spacings"], "spacings")?;
    let axis_mins = numbers(&["axis mins", "axismins"], "axis mins")?;
    let centers = per_axis(&["centers", "centerings"]);
    if centers.as_ref().is_some_and(|c| c.len() != dimension) {
        return Err(err("centers", format!("{:?} for dimension {dimension}", centers.unwrap_or_default())));
    }
    let line_skip = match get(&["line skip", "lineskip"]) {
        None => 0,
        Some(v) => v.parse().map_err(|e| err("line skip", format!("{v:?}: {e}")))?,
    };
    let byte_skip = match get(&["byte skip", "byteskip"]) {
        None => 0,
        Some(v) => v.parse().map_err(|e| err("byte skip", format!("{v:?}: {e}")))?,
    };
    if byte_skip < -1 {
        return Err(err("byte skip", format!("{byte_skip} (must be -1 or more)")));
    }
    let data = match (get(&["data file", "datafile"]), list_files) {
        (_, Some(files)) if files.is_empty() => return Err(err("data file", "LIST names no files".into())),
        (_, Some(files)) => DataFiles::Detached(files),
        (None, None) => DataFiles::Attached,
        (Some(name), None) => {
            if name.contains('%') || name.split_whitespace().count() > 1 {
                return Err(IoError::unsupported(path, format!("NRRD data file pattern {name:?}")));
            }
            DataFiles::Detached(vec![dir.join(name)])
        }
    };
    Ok(NrrdHeader {
        pixel_type,
        sizes,
        encoding,
        big_endian,
        kinds,
        space: get(&["space"]).map(str::to_ascii_lowercase),
        space_dimension,
        space_directions,
        space_origin,
        spacings,
        axis_mins,
        centers,
        line_skip,
        byte_skip,
        data,
    })
}

/// A `key:=value` pair (its `:=` comes before any `: `).
fn is_key_value(line: &str) -> bool {
    match (line.find(":="), line.find(": ")) {
        (Some(kv), Some(field)) => kv < field,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split_whitespace()
}

fn parse_type(name: &str) -> Option<PixelType> {
    Some(match name.to_ascii_lowercase().as_str() {
        "signed char" | "int8" | "int8_t" => PixelType::I8,
        "uchar" | "unsigned char" | "uint8" | "uint8_t" => PixelType::U8,
        "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => PixelType::I16,
        "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => PixelType::U16,
        "int" | "signed int" | "int32" | "int32_t" => PixelType::I32,
        "uint" | "unsigned int" | "uint32" | "uint32_t" => PixelType::U32,
        "longlong"
        | "long long"
        | "long long int"
        | "signed long long"
        | "signed long long int"
        | "int64"
        | "int64_t" => PixelType::I64,
        "ulonglong" | "unsigned long long" | "unsigned long long int" | "uint64" | "uint64_t" => {
            PixelType::U64
        }
        "float" => PixelType::F32,
        "double" => PixelType::F64,
        _ => return None,
    })
}

/// Dimension of a named NRRD space (time-varying spaces are not images of fixed geometry here).
fn space_dimension_of(space: &str) -> Option<usize> {
    match space.to_ascii_lowercase().as_str() {
        "right-anterior-superior"
        | "ras"
        | "left-anterior-superior"
        | "las"
        | "left-posterior-superior"
        | "lps"
        | "scanner-xyz"
        | "3d-right-handed"
        | "3d-left-handed" => Some(3),
        _ => None,
    }
}

/// Parses `(a,b,c) none (d,e,f)` into vectors (`None` for `none`).
fn parse_vectors(s: &str) -> std::result::Result<Vec<Option<Vec<f64>>>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("none") {
            out.push(None);
            rest = after.trim_start();
            continue;
        }
        let Some(inner) = rest.strip_prefix('(') else {
            return Err(format!("expected `(` or `none` at {:?}", truncate(rest)));
        };
        let Some(end) = inner.find(')') else { return Err(format!("unclosed vector in {s:?}")) };
        let values = inner[..end]
            .split(',')
            .map(|v| v.trim().parse::<f64>().map_err(|e| format!("{v:?} in {s:?}: {e}")))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(format!("non-finite value in {s:?}"));
        }
        out.push(Some(values));
        rest = inner[end + 1..].trim_start();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "NRRD0004\n# comment\ntype: short\ndimension: 3\nspace: left-posterior-superior\n\
        sizes: 4 3 2\nspace directions: (0.5,0,0) (0,1,0) (0,0,2)\nkinds: domain domain domain\nendian: big\n\
        encoding: gzip\nspace origin: (1,2,3)\nmy key:=my: value\n";

    #[test]
    fn parses_fields() {
        let h = parse(Path::new("x.nrrd"), HEADER, Path::new("/d")).unwrap();
        assert_eq!(h.pixel_type, PixelType::I16);
        assert_eq!(h.sizes, vec![4, 3, 2]);
        assert_eq!(h.encoding, Encoding::Gzip);
        assert!(h.big_endian);
        assert_eq!(h.space_dimension, Some(3));
        assert_eq!(h.space_origin, Some(vec![1.0, 2.0, 3.0]));
        assert_eq!(h.space_directions.unwrap()[2], Some(vec![0.0, 0.0, 2.0]));
        assert_eq!(h.data, DataFiles::Attached);
    }

    #[test]
    fn detached_list_and_none_directions() {
        let text = "NRRD0005\ntype: float\ndimension: 3\nsizes: 3 4 5\nspace dimension: 2\n\
            space directions: none (1,0) (0,1)\nkinds: vector domain domain\nendian: little\nencoding: raw\n\
            data file: LIST\na.raw\nb.raw\n";
        let h = parse(Path::new("x.nhdr"), text, Path::new("/d")).unwrap();
        assert_eq!(h.data, DataFiles::Detached(vec![PathBuf::from("/d/a.raw"), PathBuf::from("/d/b.raw")]));
        assert_eq!(h.space_directions.unwrap()[0], None);
    }

    #[test]
    fn rejects_bad_headers() {
        let bad = [
            ("P5\n", "magic"),
            ("NRRD0004\ndimension: 3\nsizes: 1 2 3\nencoding: raw\n", "type"),
            ("NRRD0004\ntype: short\ndimension: 2\nsizes: 1 2 3\nencoding: raw\nendian: little\n", "sizes"),
            ("NRRD0004\ntype: short\ndimension: 1\nsizes: 4\nencoding: raw\n", "endian"),
            ("NRRD0004\ntype: short\ndimension: 1\nsizes: 4\nencoding: raw\nendian: little\nspace origin: (1,x)\n", "space origin"),
            ("NRRD0004\ntype: uchar\ndimension: 2\nsizes: 1 2\nencoding: raw\nspace directions: (1,0)\n", "space directions"),
        ];
        for (text, field) in bad {
            match parse(Path::new("x.nrrd"), text, Path::new("/")) {
                Err(IoError::Header { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(
            parse(
                Path::new("x.nrrd"),
                "NRRD0004\ntype: block\ndimension: 1\nsizes: 4\nencoding: raw\n",
                Path::new("/")
            ),
            Err(IoError::Unsupported { .. })
        ));
    }

    proptest::proptest! {
        /// Any header text parses or fails with an error; never a panic.
        #[test]
        fn never_panics(lines in proptest::collection::vec(
            proptest::prop_oneof![
                "(type|dimension|sizes|encoding|endian|kinds|space|space dimension|space directions|space origin|\
                 spacings|axis mins|centers|line skip|byte skip|data file): [ -~]{0,40}",
                "[ -~]{0,40}",
                "space directions: (\\(-?[0-9.e]{1,5}(,-?[0-9.e]{1,5}){0,3}\\) ?|none ){0,4}",
            ],
            0..12,
        )) {
            let text = format!("NRRD0004\n{}\n", lines.join("\n"));
            let _ = parse(Path::new("fuzz.nrrd"), &text, Path::new("/"));
        }
    }
}
