//! MetaImage (`.mha` with inline data, `.mhd` + `.raw`/`.zraw`), read and written as ITK's `MetaImageIO` does.
//!
//! Read: every `ElementType` (`MET_UCHAR` … `MET_DOUBLE`; `MET_LONG`/`MET_ULONG` are 32-bit as in MetaIO),
//! `ElementNumberOfChannels`, `TransformMatrix`/`Rotation`/`Orientation` (column-major: the file lists the
//! direction matrix column by column), `Offset`/`Position`/`Origin`, `ElementSpacing` (or `ElementSize`),
//! `BinaryDataByteOrderMSB`/`ElementByteOrderMSB`, `CompressedData` (zlib or gzip stream), `HeaderSize`
//! (including `-1`: data at the end of the file) and `ElementDataFile = LOCAL` or a file name.
//! Write: the header fields in ITK's order, little endian, optionally zlib-compressed.

mod header;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use mia_core::{Image, ImageProperties};

use header::{element_type_name, MAX_HEADER_BYTES};
pub use header::{parse_header, DataFile, MetaHeader};

use crate::fsutil::{lower_name, skip, write_atomic, GZIP_MAGIC};
use crate::raw::{byte_len, encode_data, read_data, ByteOrder, MAX_DEFLATE_RATIO};
use crate::MappedImage;
use crate::{IoError, Result};

/// A MetaImage's parsed header and where its voxel data lie.
struct Located {
    header: MetaHeader,
    /// The file holding the voxels (the header file itself for `ElementDataFile = LOCAL`) and its length.
    data_path: PathBuf,
    data_len: u64,
    /// Where the header ends in the data file (0 for a separate data file), and the `HeaderSize` bytes to skip
    /// from there to the voxels.
    base: u64,
    skip: u64,
    /// Array shape in numpy order.
    shape: Vec<usize>,
    order: ByteOrder,
}

impl Located {
    fn properties(&self, path: &Path) -> Result<ImageProperties> {
        let h = &self.header;
        ImageProperties::new(
            h.dim_size.clone(),
            h.spacing.clone(),
            h.origin.clone(),
            Some(h.direction()),
            h.channels,
            h.element_type,
        )
        .map_err(|e| IoError::image(path, e))
    }
}

/// Parses the header of `path` and finds its voxel data (checking that the companion data file opens).
fn locate(path: &Path) -> Result<Located> {
    let mut file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let file_len = file.metadata().map_err(|e| IoError::io(path, e))?.len();
    let mut head = Vec::new();
    (&mut file).take(MAX_HEADER_BYTES as u64).read_to_end(&mut head).map_err(|e| IoError::io(path, e))?;
    let h = parse_header(path, &head)?;
    drop(head);

    let mut shape: Vec<usize> = h.dim_size.iter().rev().copied().collect();
    if h.channels > 1 {
        shape.push(h.channels);
    }
    let count = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d as u64));
    let count =
        count.ok_or_else(|| IoError::header(path, "DimSize", format!("{:?} overflows", h.dim_size)))?;
    let nbytes = byte_len(path, count, h.element_type)?;
    let order = if h.msb { ByteOrder::Big } else { ByteOrder::Little };

    let (data_path, start, len) = match &h.data_file {
        DataFile::Local => (path.to_path_buf(), h.header_len as u64, file_len),
        DataFile::File(name) => {
            let data_path = path.parent().unwrap_or(Path::new("")).join(name);
            let f = File::open(&data_path).map_err(|source| IoError::Companion {
                path: path.to_path_buf(),
                companion: data_path.clone(),
                source,
            })?;
            let len = f.metadata().map_err(|e| IoError::io(&data_path, e))?.len();
            (data_path, 0, len)
        }
    };
    let skip_bytes = match h.header_size {
        Some(-1) if h.compressed => {
            return Err(IoError::header(
                path,
                "HeaderSize",
                "-1 (data at end of file) cannot be used with compressed data",
            ))
        }
        Some(-1) => len.checked_sub(start + nbytes).ok_or_else(|| {
            IoError::data(
                &data_path,
                format!("{} bytes present, {nbytes} declared", len.saturating_sub(start)),
            )
        })?,
        Some(n) => n as u64,
        None => 0,
    };
    Ok(Located { header: h, data_path, data_len: len, base: start, skip: skip_bytes, shape, order })
}

/// Reads a MetaImage (`.mha` or `.mhd`).
pub fn read_metaimage(path: &Path) -> Result<Image> {
    let at = locate(path)?;
    let mut file = File::open(&at.data_path).map_err(|e| IoError::io(&at.data_path, e))?;
    file.seek(SeekFrom::Start(at.base)).map_err(|e| IoError::io(&at.data_path, e))?;
    let mut reader: Box<dyn Read> = Box::new(BufReader::with_capacity(1 << 16, file));
    skip(&at.data_path, reader.as_mut(), at.skip, "HeaderSize bytes")?;
    let remaining = at.data_len.saturating_sub(at.base + at.skip);
    let h = &at.header;
    let data = if h.compressed {
        let compressed_len = h.compressed_size.map_or(remaining, |c| c.min(remaining));
        let mut limited = reader.take(compressed_len);
        let mut magic = [0u8; 2];
        let buffered = {
            let mut b = BufReader::with_capacity(1 << 16, &mut limited);
            use std::io::BufRead;
            let head = b.fill_buf().map_err(|e| IoError::io(&at.data_path, e))?;
            if head.len() >= 2 {
                magic.copy_from_slice(&head[..2]);
            }
            b
        };
        let bound = compressed_len.saturating_mul(MAX_DEFLATE_RATIO).saturating_add(1 << 16);
        let mut decoder: Box<dyn Read + '_> = if magic == GZIP_MAGIC {
            Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
        } else {
            Box::new(flate2::bufread::ZlibDecoder::new(buffered))
        };
        read_data(&at.data_path, decoder.as_mut(), h.element_type, at.order, &at.shape, Some(bound))?
    } else {
        read_data(&at.data_path, reader.as_mut(), h.element_type, at.order, &at.shape, Some(remaining))?
    };
    Image::new(data, at.properties(path)?).map_err(|e| IoError::image(path, e))
}

/// The voxels of an uncompressed MetaImage in this machine's byte order, memory-mapped where they lie; `None` for
/// compressed data or the other byte order (those need [`read_metaimage`]).
///
/// # Errors
/// As [`read_metaimage`] for the header, a missing data file, or data shorter than the header declares.
pub fn map_metaimage(path: &Path) -> Result<Option<MappedImage>> {
    let at = locate(path)?;
    if at.header.compressed || at.order != ByteOrder::NATIVE {
        return Ok(None);
    }
    MappedImage::open(&at.data_path, at.base + at.skip, at.properties(path)?).map(Some)
}

/// Options for writing MetaImage files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetaImageWriteOptions {
    /// zlib-compress the voxel data (`CompressedData = True`; `.mhd` data goes to `.zraw`).
    pub compress: bool,
    /// zlib level 1-9 when compressing.
    pub compression_level: u32,
}

impl Default for MetaImageWriteOptions {
    fn default() -> Self {
        MetaImageWriteOptions { compress: false, compression_level: 6 }
    }
}

/// Writes a MetaImage uncompressed (`.mha`: inline data, `.mhd`: data in `.raw` next to it).
pub fn write_metaimage(path: &Path, image: &Image) -> Result<()> {
    write_metaimage_with(path, image, MetaImageWriteOptions::default())
}

fn join(values: impl IntoIterator<Item = String>) -> String {
    values.into_iter().collect::<Vec<_>>().join(" ")
}

/// Writes a MetaImage (`.mha` or `.mhd`) atomically.
pub fn write_metaimage_with(path: &Path, image: &Image, options: MetaImageWriteOptions) -> Result<()> {
    let name = lower_name(path);
    let detached = if name.ends_with(".mhd") {
        true
    } else if name.ends_with(".mha") {
        false
    } else {
        return Err(IoError::unsupported(path, "MetaImage files end in .mha or .mhd"));
    };
    let p: &ImageProperties = image.properties();
    let n = p.dimension();
    let raw = encode_data(image.data(), ByteOrder::Little);
    let compressed = if options.compress {
        let mut enc = flate2::write::ZlibEncoder::new(
            Vec::new(),
            flate2::Compression::new(options.compression_level.clamp(1, 9)),
        );
        enc.write_all(&raw).and_then(|_| enc.finish()).map_err(|e| IoError::io(path, e)).map(Some)?
    } else {
        None
    };
    let payload: &[u8] = compressed.as_deref().unwrap_or(&raw);
    let d = p.direction();
    let transform = (0..n).flat_map(|col| (0..n).map(move |row| d[row * n + col]));
    let mut text = String::new();
    text.push_str("ObjectType = Image\n");
    text.push_str(&format!("NDims = {n}\n"));
    text.push_str("BinaryData = True\nBinaryDataByteOrderMSB = False\n");
    text.push_str(&format!("CompressedData = {}\n", if options.compress { "True" } else { "False" }));
    if options.compress {
        text.push_str(&format!("CompressedDataSize = {}\n", payload.len()));
    }
    text.push_str(&format!("TransformMatrix = {}\n", join(transform.map(|v| v.to_string()))));
    text.push_str(&format!("Offset = {}\n", join(p.origin().iter().map(|v| v.to_string()))));
    text.push_str(&format!("CenterOfRotation = {}\n", join((0..n).map(|_| "0".to_string()))));
    text.push_str(&format!("ElementSpacing = {}\n", join(p.spacing().iter().map(|v| v.to_string()))));
    text.push_str(&format!("DimSize = {}\n", join(p.size().iter().map(|v| v.to_string()))));
    if p.components() > 1 {
        text.push_str(&format!("ElementNumberOfChannels = {}\n", p.components()));
    }
    text.push_str(&format!("ElementType = {}\n", element_type_name(p.pixel_type())));
    if detached {
        let stem = path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        let stem = &stem[..stem.len() - 4];
        let data_name = format!("{stem}.{}", if options.compress { "zraw" } else { "raw" });
        let data_path = path.with_file_name(&data_name);
        text.push_str(&format!("ElementDataFile = {data_name}\n"));
        write_atomic(&data_path, |w| w.write_all(payload))?;
        write_atomic(path, |w| w.write_all(text.as_bytes()))
    } else {
        text.push_str("ElementDataFile = LOCAL\n");
        write_atomic(path, |w| {
            w.write_all(text.as_bytes())?;
            w.write_all(payload)
        })
    }
}
