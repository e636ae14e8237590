//! What a loader returns for one file and how a category's entries are stacked (channels last).

use std::path::Path;

use mia_core::{ImageData, ImageProperties, PixelType};
use ndarray::{ArrayD, Axis, IxDyn};

/// The values of one entry or of a stacked category: numbers of one pixel type, or strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// A numeric array (images, labels, numeric record fields).
    Numeric(ImageData),
    /// A string array (e.g. pymia's `gender`).
    Text(ArrayD<String>),
}

impl Values {
    /// The array shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            Values::Numeric(d) => d.shape(),
            Values::Text(a) => a.shape(),
        }
    }

    /// The pixel type; `None` for strings.
    pub fn pixel_type(&self) -> Option<PixelType> {
        match self {
            Values::Numeric(d) => Some(d.pixel_type()),
            Values::Text(_) => None,
        }
    }

    /// The dtype name recorded by mia (`u8`..`f64`, `str`).
    pub fn dtype_name(&self) -> &'static str {
        self.pixel_type().map_or("str", PixelType::name)
    }

    /// A one-element value from a record field: an integer (`i64`), a float (`f64`) or a string, as pymia's
    /// example loader stores `np.asarray([int])`, `np.asarray([float])` and `np.array(str)` (0-d).
    pub fn from_record_field(text: &str) -> Values {
        let t = text.trim();
        if let Ok(i) = t.parse::<i64>() {
            Values::Numeric(ImageData::I64(ArrayD::from_elem(IxDyn(&[1]), i)))
        } else if let Some(f) = parse_float(t) {
            Values::Numeric(ImageData::F64(ArrayD::from_elem(IxDyn(&[1]), f)))
        } else {
            Values::Text(ArrayD::from_elem(IxDyn(&[]), t.to_string()))
        }
    }
}

fn parse_float(t: &str) -> Option<f64> {
    // Rust accepts "inf"/"nan" like Python's float(); reject words that merely parse (e.g. "infinity" is fine too).
    t.parse::<f64>().ok()
}

/// What a [`crate::Load`] returns for one file: values and, for images, their geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The values (an image array in numpy order, or a record field).
    pub values: Values,
    /// Image geometry (ITK order); `None` for non-image entries.
    pub properties: Option<ImageProperties>,
}

/// numpy's result type for stacking arrays of different pixel types (`np.stack` promotion).
pub fn promote(a: PixelType, b: PixelType) -> PixelType {
    use PixelType::*;
    if a == b {
        return a;
    }
    let bits = |p: PixelType| p.size_bytes() * 8;
    match (a.is_float(), b.is_float()) {
        (true, true) => F64,
        (true, false) | (false, true) => {
            let (f, i) = if a.is_float() { (a, b) } else { (b, a) };
            // float32 holds ints up to 16 bits exactly; numpy promotes larger ones to float64
            if f == F32 && bits(i) <= 16 {
                F32
            } else {
                F64
            }
        }
        (false, false) => {
            let (sa, sb) = (a.is_signed(), b.is_signed());
            if sa == sb {
                return if bits(a) >= bits(b) { a } else { b };
            }
            let (s, u) = if sa { (a, b) } else { (b, a) };
            if bits(s) > bits(u) {
                s
            } else {
                match bits(u) {
                    8 => I16,
                    16 => I32,
                    32 => I64,
                    _ => F64,
                }
            }
        }
    }
}

/// Stacks entries along a new last axis (pymia's `default_concat`, `np.stack(data, axis=-1)`): a single entry
/// still gets a trailing axis of length 1. Numeric entries of different pixel types are promoted as numpy does;
/// all entries must share one shape and be all numeric or all strings. Errors name the files.
pub fn stack(entries: Vec<(Loaded, &Path)>) -> Result<Values, String> {
    let Some((first, first_path)) = entries.first() else { return Err("no entries".into()) };
    let shape = first.values.shape().to_vec();
    let first_path = first_path.to_path_buf();
    for (l, p) in &entries {
        if l.values.shape() != shape.as_slice() {
            return Err(format!(
                "shape {:?} of {} differs from shape {shape:?} of {}",
                l.values.shape(),
                p.display(),
                first_path.display()
            ));
        }
        if l.values.pixel_type().is_some() != first.values.pixel_type().is_some() {
            return Err(format!(
                "{} holds {} but {} holds {} (numbers and strings cannot share a category)",
                p.display(),
                l.values.dtype_name(),
                first_path.display(),
                first.values.dtype_name()
            ));
        }
    }
    let axis = Axis(shape.len());
    if first.values.pixel_type().is_none() {
        let arrays: Vec<ArrayD<String>> = entries
            .into_iter()
            .map(|(l, _)| match l.values {
                Values::Text(a) => a,
                Values::Numeric(_) => unreachable!("checked above"),
            })
            .collect();
        let views: Vec<_> = arrays.iter().map(|a| a.view()).collect();
        return ndarray::stack(axis, &views).map(Values::Text).map_err(|e| e.to_string());
    }
    let target =
        entries.iter().filter_map(|(l, _)| l.values.pixel_type()).reduce(promote).unwrap_or(PixelType::F64);
    let data: Vec<ImageData> = entries
        .into_iter()
        .map(|(l, _)| match l.values {
            Values::Numeric(d) if d.pixel_type() == target => d,
            Values::Numeric(d) => d.cast(target),
            Values::Text(_) => unreachable!("checked above"),
        })
        .collect();
    macro_rules! stack_as {
        ($v:ident) => {{
            let views: Vec<_> = data
                .iter()
                .map(|d| match d {
                    ImageData::$v(a) => a.view(),
                    _ => unreachable!("cast above"),
                })
                .collect();
            mia_core::stack_last(&views)
                .map(ImageData::$v)
                .ok_or_else(|| format!("cannot stack along {axis:?}"))?
        }};
    }
    let out = match target {
        PixelType::U8 => stack_as!(U8),
        PixelType::I8 => stack_as!(I8),
        PixelType::U16 => stack_as!(U16),
        PixelType::I16 => stack_as!(I16),
        PixelType::U32 => stack_as!(U32),
        PixelType::I32 => stack_as!(I32),
        PixelType::U64 => stack_as!(U64),
        PixelType::I64 => stack_as!(I64),
        PixelType::F32 => stack_as!(F32),
        PixelType::F64 => stack_as!(F64),
    };
    // The decoded files go back to the buffer pool: the next subject's files decode into them.
    for d in data {
        d.recycle();
    }
    Ok(Values::Numeric(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn loaded(v: Values) -> Loaded {
        Loaded { values: v, properties: None }
    }

    #[test]
    fn record_fields_stack_like_pymia() {
        let p = PathBuf::from("demo.txt");
        let num = stack(vec![
            (loaded(Values::from_record_field("29")), p.as_path()),
            (loaded(Values::from_record_field("2.25")), p.as_path()),
        ])
        .unwrap();
        assert_eq!(num.shape(), &[1, 2]);
        assert_eq!(num.pixel_type(), Some(PixelType::F64));
        let ints = stack(vec![(loaded(Values::from_record_field("30")), p.as_path())]).unwrap();
        assert_eq!((ints.shape(), ints.pixel_type()), (&[1usize, 1][..], Some(PixelType::I64)));
        let s = stack(vec![(loaded(Values::from_record_field(" F ")), p.as_path())]).unwrap();
        assert_eq!(s, Values::Text(ArrayD::from_shape_vec(IxDyn(&[1]), vec!["F".to_string()]).unwrap()));
    }

    #[test]
    fn promotion_follows_numpy() {
        use PixelType::*;
        assert_eq!(promote(U8, F32), F32);
        assert_eq!(promote(I32, F32), F64);
        assert_eq!(promote(U8, I8), I16);
        assert_eq!(promote(U64, I64), F64);
        assert_eq!(promote(I64, F64), F64);
        assert_eq!(promote(U16, U8), U16);
    }

    #[test]
    fn mismatched_shapes_name_both_files() {
        let a = Values::Numeric(ImageData::U8(ArrayD::zeros(IxDyn(&[2, 3]))));
        let b = Values::Numeric(ImageData::U8(ArrayD::zeros(IxDyn(&[3, 2]))));
        let e = stack(vec![(loaded(a), Path::new("a.mha")), (loaded(b), Path::new("b.mha"))]).unwrap_err();
        assert!(e.contains("a.mha") && e.contains("b.mha"), "{e}");
    }
}
