//! NRRD reading (`.nrrd` attached or `.nhdr` + detached data), with geometry as SimpleITK's NrrdImageIO reports it.
//!
//! * Encodings `raw`, `gzip` and `ascii`/`text`; every scalar type but `block`; `endian`; `line skip`,
//!   `byte skip` (also `-1`); `data file` naming one file or `LIST`.
//! * Axes whose kind is not a domain kind (`domain`, `space`, `time`, unknown) hold the pixel components
//!   (`vector`, `list`, `RGB-color`, `3-vector`, ...): the image gets that many components; at most one such axis.
//! * Geometry: spacing is the length of each domain axis's space direction, the direction columns are the unit
//!   directions, origin is `space origin`. `right-anterior-superior` spaces are turned into LPS as ITK does
//!   (negating x and y); `left-anterior-superior` by negating y (ITK 5.3 negates x there, which contradicts the
//!   space's definition). Without space directions: `spacings`, identity direction and the origin from
//!   `axis mins` with teem's centring rule (cell-centred: `min + spacing / 2`), or zero.
//! * Sizes are checked against the data present before anything of the declared size is allocated.

mod header;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use mia_core::{Image, ImageData, ImageProperties, PixelType};
use ndarray::{ArrayD, IxDyn};

use crate::{IoError, Result};
use header::{parse, DataFiles, Encoding, NrrdHeader, MAX_HEADER_BYTES};

/// Reads a NRRD image (`.nrrd` attached or `.nhdr` detached header).
pub fn read_nrrd(path: &Path) -> Result<Image> {
    let file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let mut reader = BufReader::new(file);
    let (text, header_len) = read_header_text(path, &mut reader)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let header = parse(path, &text, dir)?;
    let layout = Layout::of(path, &header)?;
    let bytes_needed = layout.count.checked_mul(header.pixel_type.size_bytes()).ok_or_else(|| {
        IoError::header(path, "sizes", format!("{:?} values overflow the address space", header.sizes))
    })?;
    let data = match &header.data {
        DataFiles::Attached => read_data(path, &header, header_len, bytes_needed, layout.count)?,
        DataFiles::Detached(files) => {
            // Every file of a LIST holds an equal share of the data (teem's default: one slice each).
            if bytes_needed % files.len() != 0 || layout.count % files.len() != 0 {
                return Err(IoError::header(
                    path,
                    "data file",
                    format!("{} files cannot hold equal parts of {:?} values", files.len(), header.sizes),
                ));
            }
            let (part_bytes, part_count) = (bytes_needed / files.len(), layout.count / files.len());
            let mut all = Vec::new();
            for file in files {
                let part = read_data(file, &header, 0, part_bytes, part_count)?;
                if part.len() < part_bytes {
                    return Err(short_data(file, &header, part_bytes, part.len()));
                }
                all.extend_from_slice(&part);
            }
            all
        }
    };
    let data_path = match &header.data {
        DataFiles::Detached(files) => files[0].as_path(),
        DataFiles::Attached => path,
    };
    if data.len() < bytes_needed {
        return Err(short_data(data_path, &header, bytes_needed, data.len()));
    }
    let values = decode_values(header.pixel_type, &data[..bytes_needed], header.big_endian);
    layout.into_image(path, values)
}

fn short_data(path: &Path, header: &NrrdHeader, needed: usize, have: usize) -> IoError {
    IoError::data(
        path,
        format!(
            "the header declares {:?} {} values ({needed} bytes here), the data hold {have} bytes",
            header.sizes, header.pixel_type
        ),
    )
}

/// Reads up to the blank line ending the header (or the end of a detached header). Returns the header text and
/// the offset of the first data byte.
fn read_header_text(path: &Path, reader: &mut BufReader<File>) -> Result<(String, u64)> {
    let mut text = String::new();
    let mut offset = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader
            .by_ref()
            .take((MAX_HEADER_BYTES + 1) as u64)
            .read_until(b'\n', &mut line)
            .map_err(|e| IoError::io(path, e))?;
        if n == 0 {
            break;
        }
        offset += n as u64;
        let s = String::from_utf8_lossy(&line);
        if offset == n as u64 && !s.starts_with("NRRD") {
            return Err(IoError::header(path, "magic", "not a NRRD file (no NRRD000X magic line)"));
        }
        text.push_str(&s);
        if s.trim().is_empty() {
            break;
        }
        if text.len() > MAX_HEADER_BYTES {
            return Err(IoError::header(path, "header", format!("longer than {MAX_HEADER_BYTES} bytes")));
        }
    }
    Ok((text, offset))
}

/// Reads `bytes_needed` bytes of voxel data (or fewer if the data end early) from `path` starting at `offset`,
/// applying line skip, byte skip and the encoding.
fn read_data(
    path: &Path,
    header: &NrrdHeader,
    offset: u64,
    bytes_needed: usize,
    count: usize,
) -> Result<Vec<u8>> {
    let mut file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let file_len = file.metadata().map_err(|e| IoError::io(path, e))?.len();
    file.seek(SeekFrom::Start(offset)).map_err(|e| IoError::io(path, e))?;
    let mut reader = BufReader::new(file);
    let mut position = offset;
    for _ in 0..header.line_skip {
        let mut skipped = Vec::new();
        position += reader.read_until(b'\n', &mut skipped).map_err(|e| IoError::io(path, e))? as u64;
    }
    let short = |have: u64| short_data(path, header, bytes_needed, have as usize);
    match header.encoding {
        Encoding::Raw => {
            let start = if header.byte_skip == -1 {
                file_len.checked_sub(bytes_needed as u64).ok_or_else(|| short(file_len))?
            } else {
                position + header.byte_skip as u64
            };
            let available = file_len.saturating_sub(start);
            if available < bytes_needed as u64 {
                return Err(short(available));
            }
            reader.seek(SeekFrom::Start(start)).map_err(|e| IoError::io(path, e))?;
            let mut data = Vec::new();
            data.try_reserve_exact(bytes_needed)
                .map_err(|e| IoError::data(path, format!("cannot allocate {bytes_needed} bytes: {e}")))?;
            reader.take(bytes_needed as u64).read_to_end(&mut data).map_err(|e| IoError::io(path, e))?;
            Ok(data)
        }
        Encoding::Gzip => {
            if header.byte_skip == -1 {
                return Err(IoError::header(path, "byte skip", "-1 is only allowed with raw encoding"));
            }
            let mut decoder = flate2::bufread::MultiGzDecoder::new(reader);
            std::io::copy(&mut decoder.by_ref().take(header.byte_skip as u64), &mut std::io::sink())
                .map_err(|e| IoError::data(path, format!("gzip stream: {e}")))?;
            // Grows with the data actually decompressed: a lying header cannot make us allocate its claim.
            let mut data = Vec::new();
            decoder
                .by_ref()
                .take(bytes_needed as u64)
                .read_to_end(&mut data)
                .map_err(|e| IoError::data(path, format!("gzip stream: {e}")))?;
            // Read on to the end of the stream so that a truncated or corrupt trailer (CRC, length) is noticed.
            if data.len() == bytes_needed {
                std::io::copy(&mut decoder, &mut std::io::sink())
                    .map_err(|e| IoError::data(path, format!("gzip stream after the voxel data: {e}")))?;
            }
            Ok(data)
        }
        Encoding::Ascii => {
            let mut text = String::new();
            reader.read_to_string(&mut text).map_err(|e| IoError::data(path, format!("ascii data: {e}")))?;
            let mut data = Vec::new();
            for token in
                text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).take(count)
            {
                let v: f64 = token.parse().map_err(|e| {
                    IoError::data(path, format!("ascii value {token:?} is not a number: {e}"))
                })?;
                push_native(&mut data, header.pixel_type, v, header.big_endian);
            }
            Ok(data)
        }
    }
}

/// Appends `v` in the byte order the decoder will read (so ascii data share the binary path).
fn push_native(out: &mut Vec<u8>, pixel_type: PixelType, v: f64, big: bool) {
    macro_rules! push {
        ($t:ty) => {{
            let x = v as $t;
            out.extend_from_slice(&if big { x.to_be_bytes() } else { x.to_le_bytes() });
        }};
    }
    match pixel_type {
        PixelType::U8 => push!(u8),
        PixelType::I8 => push!(i8),
        PixelType::U16 => push!(u16),
        PixelType::I16 => push!(i16),
        PixelType::U32 => push!(u32),
        PixelType::I32 => push!(i32),
        PixelType::U64 => push!(u64),
        PixelType::I64 => push!(i64),
        PixelType::F32 => push!(f32),
        PixelType::F64 => push!(f64),
    }
}

/// Typed values (1-D, file order) from bytes in the given byte order.
pub(crate) fn decode_values(pixel_type: PixelType, bytes: &[u8], big: bool) -> ImageData {
    macro_rules! decode {
        ($t:ty, $n:expr) => {{
            let v: Vec<$t> = bytes
                .chunks_exact($n)
                .map(|c| {
                    let mut b = [0u8; $n];
                    b.copy_from_slice(c);
                    if big {
                        <$t>::from_be_bytes(b)
                    } else {
                        <$t>::from_le_bytes(b)
                    }
                })
                .collect();
            ImageData::from(
                ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).expect("1-D shape matches its length"),
            )
        }};
    }
    match pixel_type {
        PixelType::U8 => decode!(u8, 1),
        PixelType::I8 => decode!(i8, 1),
        PixelType::U16 => decode!(u16, 2),
        PixelType::I16 => decode!(i16, 2),
        PixelType::U32 => decode!(u32, 4),
        PixelType::I32 => decode!(i32, 4),
        PixelType::U64 => decode!(u64, 8),
        PixelType::I64 => decode!(i64, 8),
        PixelType::F32 => decode!(f32, 4),
        PixelType::F64 => decode!(f64, 8),
    }
}

/// Image layout derived from the header: which axis holds components, and the ITK geometry.
struct Layout {
    count: usize,
    /// Index of the component axis in file order, if any.
    component_axis: Option<usize>,
    properties: ImageProperties,
}

fn is_domain_kind(kind: &str) -> bool {
    matches!(kind.to_ascii_lowercase().as_str(), "domain" | "space" | "time" | "???" | "none")
}

impl Layout {
    fn of(path: &Path, h: &NrrdHeader) -> Result<Layout> {
        let count = h.sizes.iter().try_fold(1usize, |acc, &s| acc.checked_mul(s)).ok_or_else(|| {
            IoError::header(path, "sizes", format!("{:?} values overflow the address space", h.sizes))
        })?;
        let range: Vec<usize> = (0..h.sizes.len()).filter(|&i| !is_domain_kind(&h.kinds[i])).collect();
        if range.len() > 1 {
            return Err(IoError::unsupported(
                path,
                format!(
                    "{} non-spatial axes (kinds {:?}); one component axis is supported",
                    range.len(),
                    h.kinds
                ),
            ));
        }
        let component_axis = range.first().copied();
        let domain: Vec<usize> = (0..h.sizes.len()).filter(|i| Some(*i) != component_axis).collect();
        if domain.is_empty() {
            return Err(IoError::header(path, "kinds", format!("no spatial axis in {:?}", h.kinds)));
        }
        let dim = domain.len();
        let size: Vec<usize> = domain.iter().map(|&i| h.sizes[i]).collect();
        let components = component_axis.map_or(1, |i| h.sizes[i]);

        let (mut spacing, mut direction, mut origin) = (vec![1.0; dim], identity(dim), vec![0.0; dim]);
        if let Some(dirs) = &h.space_directions {
            let space_dim = h.space_dimension.unwrap_or(dim);
            if space_dim != dim {
                return Err(IoError::unsupported(
                    path,
                    format!("{dim} spatial axes in a space of dimension {space_dim}"),
                ));
            }
            for (col, &axis) in domain.iter().enumerate() {
                let Some(v) = &dirs[axis] else {
                    return Err(IoError::header(
                        path,
                        "space directions",
                        format!("spatial axis {axis} has direction `none`"),
                    ));
                };
                let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                if v.len() != dim || norm == 0.0 {
                    return Err(IoError::header(
                        path,
                        "space directions",
                        format!("axis {axis}: {v:?} is not a non-zero {dim}-vector"),
                    ));
                }
                spacing[col] = norm;
                for (row, x) in v.iter().enumerate() {
                    direction[row * dim + col] = x / norm;
                }
            }
        } else if let Some(sp) = &h.spacings {
            for (col, &axis) in domain.iter().enumerate() {
                let s = sp[axis].abs();
                spacing[col] = if s.is_finite() && s > 0.0 { s } else { 1.0 };
            }
        }
        if let Some(o) = &h.space_origin {
            if o.len() != dim {
                return Err(IoError::header(path, "space origin", format!("{o:?} for {dim} spatial axes")));
            }
            origin.clone_from(o);
        } else if let Some(mins) = &h.axis_mins {
            // teem's nrrdOriginCalculate: the first sample sits half a spacing inside a cell-centred axis.
            for (col, &axis) in domain.iter().enumerate() {
                let node = h.centers.as_ref().is_some_and(|c| c[axis] == "node");
                if mins[axis].is_finite() {
                    origin[col] = mins[axis] + if node { 0.0 } else { spacing[col] / 2.0 };
                }
            }
        }
        // RAS and LAS spaces turned into LPS. (ITK 5.3's NrrdImageIO negates x, not y, for LAS; mia follows the
        // definition of the space: LAS differs from LPS in the y axis only.)
        let flip: &[usize] = match h.space.as_deref() {
            Some("right-anterior-superior" | "ras") => &[0, 1],
            Some("left-anterior-superior" | "las") => &[1],
            _ => &[],
        };
        for &row in flip.iter().filter(|&&r| r < dim) {
            origin[row] = -origin[row];
            for col in 0..dim {
                direction[row * dim + col] = -direction[row * dim + col];
            }
        }
        let properties =
            ImageProperties::new(size, spacing, origin, Some(direction), components, h.pixel_type)
                .map_err(|source| IoError::Image { path: path.to_path_buf(), source })?;
        Ok(Layout { count, component_axis, properties })
    }

    /// Shapes file-order values (axis 0 fastest) into the array `(…, y, x[, c])`.
    fn into_image(self, path: &Path, values: ImageData) -> Result<Image> {
        let image_err = |source| IoError::Image { path: path.to_path_buf(), source };
        let shape = self.properties.array_shape();
        let data = match self.component_axis {
            None | Some(0) => values.into_shape(&shape).map_err(image_err)?,
            Some(axis) => {
                // File order reversed gives numpy order; move the component axis last.
                let file_shape: Vec<usize> = {
                    let mut s: Vec<usize> = self.properties.size().to_vec();
                    s.insert(axis, self.properties.components());
                    s.into_iter().rev().collect()
                };
                let n = file_shape.len();
                let comp = n - 1 - axis;
                let mut order: Vec<usize> = (0..n).filter(|&i| i != comp).collect();
                order.push(comp);
                let reshaped = values.into_shape(&file_shape).map_err(image_err)?;
                mia_core::dispatch_image_data!(reshaped, a => {
                    let permuted = a.permuted_axes(IxDyn(&order)).as_standard_layout().into_owned();
                    ImageData::from(permuted)
                })
            }
        };
        Image::new(data, self.properties).map_err(image_err)
    }
}

fn identity(dim: usize) -> Vec<f64> {
    (0..dim * dim).map(|i| if i % (dim + 1) == 0 { 1.0 } else { 0.0 }).collect()
}
