//! The MetaImage text header: `Key = Value` lines ending with `ElementDataFile`.

use std::path::Path;

use mia_core::PixelType;

use crate::{IoError, Result};

/// Most dimensions accepted in `NDims` (MetaIO's limit is 10).
const MAX_DIMS: usize = 10;
/// Longest header read: the header must end within this many bytes.
pub(crate) const MAX_HEADER_BYTES: usize = 1 << 20;

/// Where the voxel data of a MetaImage lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataFile {
    /// `ElementDataFile = LOCAL`: right after the header, in the same file.
    Local,
    /// A file name relative to the header's directory.
    File(String),
}

/// A parsed MetaImage header (fields as MetaIO names them).
#[derive(Debug, Clone, PartialEq)]
pub struct MetaHeader {
    /// `NDims`.
    pub ndims: usize,
    /// `DimSize`, ITK order.
    pub dim_size: Vec<usize>,
    /// `ElementType` as a pixel type.
    pub element_type: PixelType,
    /// `ElementNumberOfChannels` (1 if absent).
    pub channels: usize,
    /// `ElementSpacing` (or `ElementSize`), 1 if absent.
    pub spacing: Vec<f64>,
    /// `Offset` / `Position` / `Origin`, 0 if absent.
    pub origin: Vec<f64>,
    /// `TransformMatrix` / `Rotation` / `Orientation` as written (column `i` of the direction matrix is
    /// `values[i * ndims .. (i + 1) * ndims]`); identity if absent.
    pub transform: Vec<f64>,
    /// `BinaryDataByteOrderMSB` / `ElementByteOrderMSB`.
    pub msb: bool,
    /// `CompressedData`.
    pub compressed: bool,
    /// `CompressedDataSize`, if given.
    pub compressed_size: Option<u64>,
    /// `HeaderSize` of a detached data file (`-1`: the data is at the end of the file).
    pub header_size: Option<i64>,
    /// `ElementDataFile`.
    pub data_file: DataFile,
    /// Length of the header in bytes (where `LOCAL` data starts).
    pub header_len: usize,
}

impl MetaHeader {
    /// The direction matrix, row-major (`direction[row * ndims + col]`).
    pub fn direction(&self) -> Vec<f64> {
        let n = self.ndims;
        let mut d = vec![0.0; n * n];
        for col in 0..n {
            for row in 0..n {
                d[row * n + col] = self.transform[col * n + row];
            }
        }
        d
    }
}

/// The `ElementType` name of a pixel type, as ITK writes it.
pub(crate) fn element_type_name(t: PixelType) -> &'static str {
    match t {
        PixelType::U8 => "MET_UCHAR",
        PixelType::I8 => "MET_CHAR",
        PixelType::U16 => "MET_USHORT",
        PixelType::I16 => "MET_SHORT",
        PixelType::U32 => "MET_UINT",
        PixelType::I32 => "MET_INT",
        PixelType::U64 => "MET_ULONG_LONG",
        PixelType::I64 => "MET_LONG_LONG",
        PixelType::F32 => "MET_FLOAT",
        PixelType::F64 => "MET_DOUBLE",
    }
}

fn element_type_of(path: &Path, name: &str) -> Result<PixelType> {
    Ok(match name {
        "MET_UCHAR" => PixelType::U8,
        "MET_CHAR" => PixelType::I8,
        "MET_USHORT" => PixelType::U16,
        "MET_SHORT" => PixelType::I16,
        // MetaIO's MET_LONG / MET_ULONG are 4 bytes wide.
        "MET_UINT" | "MET_ULONG" => PixelType::U32,
        "MET_INT" | "MET_LONG" => PixelType::I32,
        "MET_ULONG_LONG" => PixelType::U64,
        "MET_LONG_LONG" => PixelType::I64,
        "MET_FLOAT" => PixelType::F32,
        "MET_DOUBLE" => PixelType::F64,
        other => {
            let known =
                other.strip_suffix("_ARRAY").map(|base| element_type_of(path, base).is_ok()).unwrap_or(false);
            let hint = if known { " (array element types: use ElementNumberOfChannels)" } else { "" };
            return Err(IoError::header(
                path,
                "ElementType",
                format!("unknown or unsupported element type '{other}'{hint}"),
            ));
        }
    })
}

fn parse_bool(path: &Path, key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(IoError::header(path, key, format!("'{value}' is not True or False"))),
    }
}

fn parse_numbers<T: std::str::FromStr>(path: &Path, key: &str, value: &str) -> Result<Vec<T>> {
    value
        .split_whitespace()
        .take(MAX_DIMS * MAX_DIMS + 1)
        .map(|v| v.parse::<T>().map_err(|_| IoError::header(path, key, format!("'{v}' is not a number"))))
        .collect()
}

/// Parses a MetaImage header from the first bytes of a file. The header ends with the `ElementDataFile` line;
/// the bytes after it (for `LOCAL`) are voxel data and are not looked at.
pub fn parse_header(path: &Path, bytes: &[u8]) -> Result<MetaHeader> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut pos = 0usize;
    let mut data_file = None;
    while pos < bytes.len() && pos < MAX_HEADER_BYTES {
        let end = bytes[pos..].iter().position(|&b| b == b'\n').map(|i| pos + i + 1).unwrap_or(bytes.len());
        let line = String::from_utf8_lossy(&bytes[pos..end]);
        pos = end;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(IoError::header(
                path,
                "header",
                format!("line '{}' is not 'Key = Value'", truncate(line)),
            ));
        };
        let (key, value) = (key.trim().to_string(), value.trim().to_string());
        if key.eq_ignore_ascii_case("ElementDataFile") {
            data_file = Some(value);
            break;
        }
        fields.push((key, value));
    }
    let data_file = data_file.ok_or_else(|| {
        IoError::header(path, "ElementDataFile", "missing: the header must end with an ElementDataFile line")
    })?;
    let get = |names: &[&str]| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
            .map(|(_, v)| v.as_str())
    };
    if let Some(t) = get(&["ObjectType"]) {
        if !t.eq_ignore_ascii_case("Image") {
            return Err(IoError::unsupported(path, format!("MetaIO ObjectType '{t}' (only Image is read)")));
        }
    }
    if let Some(b) = get(&["BinaryData"]) {
        if !parse_bool(path, "BinaryData", b)? {
            return Err(IoError::unsupported(path, "ASCII MetaImage data (BinaryData = False)"));
        }
    }
    let ndims: usize = get(&["NDims"])
        .ok_or_else(|| IoError::header(path, "NDims", "missing"))?
        .parse()
        .map_err(|_| IoError::header(path, "NDims", "not a number"))?;
    if !(1..=MAX_DIMS).contains(&ndims) {
        return Err(IoError::header(path, "NDims", format!("{ndims} is not in 1..={MAX_DIMS}")));
    }
    let vector = |names: &[&str], default: f64, len: usize| -> Result<Vec<f64>> {
        match get(names) {
            None => Ok(vec![default; len]),
            Some(v) => {
                let values: Vec<f64> = parse_numbers(path, names[0], v)?;
                if values.len() != len {
                    return Err(IoError::header(
                        path,
                        names[0],
                        format!("{} values for {len} expected", values.len()),
                    ));
                }
                Ok(values)
            }
        }
    };
    let dim_size: Vec<usize> = parse_numbers(
        path,
        "DimSize",
        get(&["DimSize"]).ok_or_else(|| IoError::header(path, "DimSize", "missing"))?,
    )?;
    if dim_size.len() != ndims || dim_size.contains(&0) {
        return Err(IoError::header(path, "DimSize", format!("{dim_size:?} for NDims = {ndims}")));
    }
    let element_type = element_type_of(
        path,
        get(&["ElementType"]).ok_or_else(|| IoError::header(path, "ElementType", "missing"))?,
    )?;
    let channels = match get(&["ElementNumberOfChannels"]) {
        None => 1,
        Some(v) => v.parse::<usize>().ok().filter(|&c| c >= 1).ok_or_else(|| {
            IoError::header(path, "ElementNumberOfChannels", format!("'{v}' is not a positive integer"))
        })?,
    };
    let spacing = if get(&["ElementSpacing"]).is_some() {
        vector(&["ElementSpacing"], 1.0, ndims)?
    } else {
        vector(&["ElementSize"], 1.0, ndims)?
    };
    let origin = vector(&["Offset", "Position", "Origin"], 0.0, ndims)?;
    let mut identity = vec![0.0; ndims * ndims];
    for i in 0..ndims {
        identity[i * ndims + i] = 1.0;
    }
    let transform = match get(&["TransformMatrix", "Rotation", "Orientation"]) {
        None => identity,
        Some(_) => vector(&["TransformMatrix", "Rotation", "Orientation"], 0.0, ndims * ndims)?,
    };
    let msb = match get(&["BinaryDataByteOrderMSB", "ElementByteOrderMSB", "ByteOrderMSB"]) {
        None => false,
        Some(v) => parse_bool(path, "BinaryDataByteOrderMSB", v)?,
    };
    let compressed = match get(&["CompressedData"]) {
        None => false,
        Some(v) => parse_bool(path, "CompressedData", v)?,
    };
    let compressed_size = match get(&["CompressedDataSize"]) {
        None => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| IoError::header(path, "CompressedDataSize", format!("'{v}' is not a size")))?,
        ),
    };
    let header_size = match get(&["HeaderSize"]) {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|&h| h >= -1)
                .ok_or_else(|| IoError::header(path, "HeaderSize", format!("'{v}' is not a size or -1")))?,
        ),
    };
    let data_file = if data_file.eq_ignore_ascii_case("LOCAL") {
        DataFile::Local
    } else if data_file.is_empty() {
        return Err(IoError::header(path, "ElementDataFile", "empty"));
    } else if data_file.to_ascii_uppercase().starts_with("LIST") || data_file.contains('%') {
        return Err(IoError::unsupported(
            path,
            format!("multi-file MetaImage data ('{}')", truncate(&data_file)),
        ));
    } else {
        DataFile::File(data_file)
    };
    Ok(MetaHeader {
        ndims,
        dim_size,
        element_type,
        channels,
        spacing,
        origin,
        transform,
        msb,
        compressed,
        compressed_size,
        header_size,
        data_file,
        header_len: pos,
    })
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_synonyms() {
        let text = b"ObjectType = Image\nNDims = 2\nDimSize = 3 2\nElementType = MET_LONG\n\
            ElementSize = 0.5 2\nPosition = 1 -2\nRotation = 0 1 -1 0\nElementByteOrderMSB = True\n\
            ElementNumberOfChannels = 2\nElementDataFile = LOCAL\n\x01\x02";
        let h = parse_header(Path::new("t.mha"), text).unwrap();
        assert_eq!(h.dim_size, vec![3, 2]);
        assert_eq!(h.element_type, PixelType::I32);
        assert_eq!(h.spacing, vec![0.5, 2.0]);
        assert_eq!(h.origin, vec![1.0, -2.0]);
        assert_eq!(h.direction(), vec![0.0, -1.0, 1.0, 0.0]);
        assert!(h.msb);
        assert_eq!(h.channels, 2);
        assert_eq!(h.data_file, DataFile::Local);
        assert_eq!(h.header_len, text.len() - 2);
    }

    #[test]
    fn names_bad_fields() {
        let cases: [(&[u8], &str); 6] = [
            (b"NDims = 2\nDimSize = 3\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "DimSize"),
            (b"NDims = 2\nDimSize = 3 2\nElementType = MET_FOO\nElementDataFile = LOCAL\n", "ElementType"),
            (b"NDims = 2\nDimSize = 3 2\nElementType = MET_UCHAR\n", "ElementDataFile"),
            (b"NDims = 99\nDimSize = 3 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "NDims"),
            (b"NDims = 2\nDimSize = 3 x\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "DimSize"),
            (
                b"NDims = 2\nDimSize = 3 2\nOffset = 1\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n",
                "Offset",
            ),
        ];
        for (text, field) in cases {
            let e = parse_header(Path::new("bad.mha"), text).unwrap_err();
            assert!(e.to_string().contains(field), "{e} should name {field}");
            assert!(e.to_string().contains("bad.mha"));
        }
    }
}
