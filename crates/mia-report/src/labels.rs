//! Labels to evaluate: a name and one value or a group of values (the union: pymia's tuple labels), and the
//! one-pass construction of every label's binary mask from a label image.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use mia_core::{dispatch_image_data, Element, ImageData, PixelType};
use mia_metrics::ConfusionMatrix;
use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

/// One label: the name in the results and the label values whose union forms its mask.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSpec {
    /// Name in the results (pymia's label description, e.g. `WHITEMATTER`).
    pub name: String,
    /// Label values merged into the mask (one value for a plain label).
    pub values: Vec<i64>,
}

impl LabelSpec {
    /// A label of one value.
    pub fn new(name: impl Into<String>, value: i64) -> Self {
        LabelSpec { name: name.into(), values: vec![value] }
    }

    /// The union of several values (pymia's tuple label, e.g. hippocampus + amygdala).
    pub fn union(name: impl Into<String>, values: Vec<i64>) -> Self {
        LabelSpec { name: name.into(), values }
    }

    /// Parses a list `1=WHITEMATTER,2=GREYMATTER,3+4=HIPPO_AMYG`; an entry without `=NAME` is named after its
    /// values (`2+3` → `2+3`).
    ///
    /// ```
    /// use mia_report::LabelSpec;
    /// let labels = LabelSpec::parse_list("1=WHITEMATTER,3+4=HIPPO_AMYG,5").unwrap();
    /// assert_eq!(labels[1], LabelSpec::union("HIPPO_AMYG", vec![3, 4]));
    /// assert_eq!(labels[2], LabelSpec::new("5", 5));
    /// ```
    pub fn parse_list(list: &str) -> Result<Vec<LabelSpec>, LabelError> {
        let labels: Vec<LabelSpec> = list.split(',').map(str::parse).collect::<Result<_, _>>()?;
        for (i, l) in labels.iter().enumerate() {
            if labels[..i].iter().any(|o| o.name == l.name) {
                return Err(LabelError::DuplicateName { name: l.name.clone() });
            }
        }
        Ok(labels)
    }
}

impl fmt::Display for LabelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<String> = self.values.iter().map(i64::to_string).collect();
        write!(f, "{}={}", values.join("+"), self.name)
    }
}

impl FromStr for LabelSpec {
    type Err = LabelError;

    fn from_str(entry: &str) -> Result<Self, Self::Err> {
        let entry = entry.trim();
        let (values_text, name) = match entry.split_once('=') {
            Some((v, n)) => (v.trim(), n.trim().to_owned()),
            None => (entry, entry.to_owned()),
        };
        let bad = |reason: &str| LabelError::Syntax { entry: entry.to_owned(), reason: reason.to_owned() };
        if name.is_empty() {
            return Err(bad("the label name is empty"));
        }
        let values = values_text
            .split('+')
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| bad(&format!("'{v}' is not an integer label value")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LabelSpec { name, values })
    }
}

/// A label list that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LabelError {
    /// An entry is not `VALUE[+VALUE...][=NAME]`.
    #[error(
        "label '{entry}': {reason} (expected VALUE[+VALUE...][=NAME], e.g. 1=WHITEMATTER or 3+4=HIPPO_AMYG)"
    )]
    Syntax {
        /// The entry.
        entry: String,
        /// What is wrong.
        reason: String,
    },
    /// Two labels have the same name.
    #[error("label name '{name}' is used twice")]
    DuplicateName {
        /// The name.
        name: String,
    },
    /// The label image has a pixel type that cannot hold labels (floats with fractions, vector images).
    #[error("a {which} label image must hold integer labels: {reason}")]
    NotALabelImage {
        /// `prediction` or `reference`.
        which: &'static str,
        /// Why not.
        reason: String,
    },
}

/// Builds the binary mask of every label from a label image (in numpy order).
///
/// Float images are accepted when every voxel holds an integer value. One validating pass over the voxels, then
/// one table lookup pass per label (labels in parallel on the current rayon pool).
pub fn label_masks(
    image: &ImageData,
    labels: &[LabelSpec],
    which: &'static str,
) -> Result<Vec<ArrayD<bool>>, LabelError> {
    label_masks_reusing(image, labels, which, &MaskBuffers::default())
}

/// Mask buffers of earlier evaluations, handed back for the masks of the next one ([`label_masks_reusing`]): a
/// fresh mask of a large volume costs a page fault per 4 KiB page (the kernel zeroes each one) on top of the pass
/// that fills it.
#[derive(Debug, Default)]
pub(crate) struct MaskBuffers {
    spare: std::sync::Mutex<Vec<Vec<bool>>>,
}

impl MaskBuffers {
    /// Buffers under this size are left to the allocator, which reuses small blocks anyway.
    const MIN_LEN: usize = 1 << 20;

    /// A spare buffer of exactly `len` values (old contents), if one was handed back.
    fn take(&self, len: usize) -> Option<Vec<bool>> {
        if len < Self::MIN_LEN {
            return None;
        }
        let mut spare = self.spare.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let i = spare.iter().rposition(|b| b.len() == len)?;
        Some(spare.swap_remove(i))
    }

    /// Keeps the buffers of `masks` for the next masks, at most `keep` buffers in all (the newest).
    pub(crate) fn give_back(&self, masks: impl IntoIterator<Item = ArrayD<bool>>, keep: usize) {
        let mut spare = self.spare.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for m in masks {
            let (v, _) = m.into_raw_vec_and_offset();
            if v.len() >= Self::MIN_LEN {
                spare.push(v);
            }
        }
        let excess = spare.len().saturating_sub(keep);
        spare.drain(..excess);
    }
}

/// [`label_masks`] into buffers from `buffers` where it has some of the right size (8- and 16-bit label images).
pub(crate) fn label_masks_reusing(
    image: &ImageData,
    labels: &[LabelSpec],
    which: &'static str,
    buffers: &MaskBuffers,
) -> Result<Vec<ArrayD<bool>>, LabelError> {
    // Label images of 8- and 16-bit integers (nearly all of them): one lookup table per label, indexed by value.
    match image {
        ImageData::U8(a) => Ok(masks_by_table(a, labels, usize::from, |v| v as u8, 1 << 8, 0, buffers)),
        ImageData::I8(a) => Ok(masks_by_table(
            a,
            labels,
            |v| (i16::from(v) + 128) as usize,
            |v| v as i8,
            1 << 8,
            -128,
            buffers,
        )),
        ImageData::U16(a) => Ok(masks_by_table(a, labels, usize::from, |v| v as u16, 1 << 16, 0, buffers)),
        ImageData::I16(a) => Ok(masks_by_table(
            a,
            labels,
            |v| (i32::from(v) + 32_768) as usize,
            |v| v as i16,
            1 << 16,
            -32_768,
            buffers,
        )),
        _ => dispatch_image_data!(image, a => masks_of(a, labels, which)),
    }
}

/// The confusion matrix of every label from one pass over two label images of 8- or 16-bit integers (the same
/// type and shape): each value maps to the set of labels holding it, and a joint histogram of those sets gives
/// every label's counts without building masks. `None` for other pixel types, differing types or shapes, more
/// than 64 labels or more than 256 distinct label sets; the caller then builds masks.
pub fn label_confusions(
    prediction: &ImageData,
    reference: &ImageData,
    labels: &[LabelSpec],
) -> Option<Vec<ConfusionMatrix>> {
    if prediction.shape() != reference.shape() || labels.len() > 64 {
        return None;
    }
    match (prediction, reference) {
        (ImageData::U8(p), ImageData::U8(r)) => confusions_by_table(p, r, labels, usize::from, 1 << 8, 0),
        (ImageData::I8(p), ImageData::I8(r)) => {
            confusions_by_table(p, r, labels, |v| (i16::from(v) + 128) as usize, 1 << 8, -128)
        }
        (ImageData::U16(p), ImageData::U16(r)) => confusions_by_table(p, r, labels, usize::from, 1 << 16, 0),
        (ImageData::I16(p), ImageData::I16(r)) => {
            confusions_by_table(p, r, labels, |v| (i32::from(v) + 32_768) as usize, 1 << 16, -32_768)
        }
        _ => None,
    }
}

/// The voxels in logical (C) order: the array's own slice, or a copy of a non-standard layout.
fn flat<T: Copy>(image: &ArrayD<T>) -> Cow<'_, [T]> {
    match image.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(image.iter().copied().collect()),
    }
}

/// The lookup-table index of label value `v` for a table whose index 0 is the value `offset` (`None` below it).
fn table_slot(v: i64, offset: i64) -> Option<usize> {
    v.checked_sub(offset).and_then(|d| usize::try_from(d).ok())
}

fn confusions_by_table<T: Copy + Sync + PartialEq>(
    prediction: &ArrayD<T>,
    reference: &ArrayD<T>,
    labels: &[LabelSpec],
    index: impl Fn(T) -> usize + Sync,
    size: usize,
    offset: i64,
) -> Option<Vec<ConfusionMatrix>> {
    // The set of labels of every value (bit i: label i), and a small id per distinct set (id 0: no label).
    let mut sets = vec![0u64; size];
    for (i, l) in labels.iter().enumerate() {
        for &v in &l.values {
            if let Some(slot) = table_slot(v, offset).and_then(|k| sets.get_mut(k)) {
                *slot |= 1 << i;
            }
        }
    }
    let mut distinct: Vec<u64> = vec![0];
    let mut ids = vec![0u8; size];
    for (id, &set) in ids.iter_mut().zip(&sets) {
        let k = match distinct.iter().position(|&d| d == set) {
            Some(k) => k,
            None => {
                distinct.push(set);
                distinct.len() - 1
            }
        };
        *id = u8::try_from(k).ok()?;
    }
    let k = distinct.len();
    let (p, r) = (flat(prediction), flat(reference));
    // Joint histogram of (prediction set, reference set), in parallel blocks.
    let histogram = p
        .par_chunks(1 << 18)
        .zip(r.par_chunks(1 << 18))
        .fold(
            || vec![0u64; k * k],
            |mut h, (pa, ra)| {
                // Blocks of 64 voxels that are uniform in both images (the background, label interiors) count at
                // once; the others go voxel by voxel into four sub-histograms, one per voxel of a group of four, so
                // that runs of equal voxels increment four counters in turn instead of waiting on one.
                let bin = |a: T, b: T| usize::from(ids[index(a)]) * k + usize::from(ids[index(b)]);
                let uniform = |block: &[T]| block.iter().fold(true, |all, &v| all & (v == block[0]));
                let mut sub = vec![0u32; 4 * k * k];
                let (blocks, rest) = pa.split_at(pa.len() / 64 * 64);
                for (pb, rb) in blocks.chunks_exact(64).zip(ra.chunks_exact(64)) {
                    if uniform(pb) && uniform(rb) {
                        sub[bin(pb[0], rb[0])] += 64;
                        continue;
                    }
                    for (pq, rq) in pb.chunks_exact(4).zip(rb.chunks_exact(4)) {
                        sub[bin(pq[0], rq[0])] += 1;
                        sub[k * k + bin(pq[1], rq[1])] += 1;
                        sub[2 * k * k + bin(pq[2], rq[2])] += 1;
                        sub[3 * k * k + bin(pq[3], rq[3])] += 1;
                    }
                }
                for (&a, &b) in rest.iter().zip(&ra[blocks.len()..]) {
                    sub[bin(a, b)] += 1;
                }
                for part in sub.chunks_exact(k * k) {
                    for (x, &y) in h.iter_mut().zip(part) {
                        *x += u64::from(y);
                    }
                }
                h
            },
        )
        .reduce(
            || vec![0u64; k * k],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    Some(
        (0..labels.len())
            .map(|l| {
                let mut cm = ConfusionMatrix::default();
                for (a, &sa) in distinct.iter().enumerate() {
                    for (b, &sb) in distinct.iter().enumerate() {
                        let count = histogram[a * k + b];
                        match (sa >> l & 1 == 1, sb >> l & 1 == 1) {
                            (true, true) => cm.tp += count,
                            (true, false) => cm.fp += count,
                            (false, true) => cm.fn_ += count,
                            (false, false) => cm.tn += count,
                        }
                    }
                }
                cm
            })
            .collect(),
    )
}

/// Masks of a small-integer image: `index(v)` maps a value to `0..size`, where index 0 is the value `offset`;
/// `value` is its inverse (from `offset + index`).
fn masks_by_table<T: Copy + Sync + PartialOrd>(
    image: &ArrayD<T>,
    labels: &[LabelSpec],
    index: impl Fn(T) -> usize + Sync,
    value: impl Fn(i64) -> T + Sync,
    size: usize,
    offset: i64,
    buffers: &MaskBuffers,
) -> Vec<ArrayD<bool>> {
    let shape = image.shape().to_vec();
    let values = flat(image);
    labels
        .par_iter()
        .map(|l| {
            let mut table = vec![false; size];
            for &v in &l.values {
                if let Some(slot) = table_slot(v, offset).and_then(|k| table.get_mut(k)) {
                    *slot = true;
                }
            }
            // Written once, into a buffer of an earlier evaluation or collected into fresh memory (no zeroing
            // first).
            let spare = buffers.take(values.len());
            let mask: Vec<bool> = match contiguous_slots(&table) {
                // One value or a run of values (nearly every label): a range comparison in the pixel type, which
                // vectorises.
                Some((lo, span)) => {
                    let (first, last) = (value(lo as i64 + offset), value((lo + span) as i64 + offset));
                    fill_mask(spare, &values, |v| v >= first && v <= last)
                }
                None => fill_mask(spare, &values, |v| table[index(v)]),
            };
            ArrayD::from_shape_vec(IxDyn(&shape), mask).expect("one value per voxel in logical order")
        })
        .collect()
}

/// `member(v)` for every voxel value, written into `spare` (a buffer of the same length) or collected into fresh
/// memory.
fn fill_mask<T: Copy>(spare: Option<Vec<bool>>, values: &[T], member: impl Fn(T) -> bool) -> Vec<bool> {
    match spare {
        Some(mut mask) => {
            mask.iter_mut().zip(values).for_each(|(m, &v)| *m = member(v));
            mask
        }
        None => values.iter().map(|&v| member(v)).collect(),
    }
}

/// The slots of a membership table as `(first, last − first)` when they form one run (`None` when there are none
/// or gaps).
fn contiguous_slots(table: &[bool]) -> Option<(usize, usize)> {
    let first = table.iter().position(|&t| t)?;
    let last = table.iter().rposition(|&t| t)?;
    table[first..=last].iter().all(|&t| t).then_some((first, last - first))
}

fn masks_of<T: Element>(
    image: &ArrayD<T>,
    labels: &[LabelSpec],
    which: &'static str,
) -> Result<Vec<ArrayD<bool>>, LabelError> {
    let shape = image.shape().to_vec();
    let values = flat(image);
    // Validation: every voxel an integer (only floats can fail).
    if matches!(T::PIXEL_TYPE, PixelType::F32 | PixelType::F64) {
        if let Some(bad) = values.iter().map(|v| v.to_f64()).find(|f| f.fract() != 0.0 || !f.is_finite()) {
            return Err(LabelError::NotALabelImage { which, reason: format!("it contains the value {bad}") });
        }
    }
    // Membership per label: a dense table over the range of the label's values, or a scan of its values when
    // they are far apart.
    let masks: Vec<Vec<bool>> = labels
        .par_iter()
        .map(|l| {
            let lo = l.values.iter().copied().min().unwrap_or(0);
            let hi = l.values.iter().copied().max().unwrap_or(-1);
            if lo <= hi && hi - lo < 65_536 {
                let mut table = vec![false; (hi - lo + 1) as usize];
                for &v in &l.values {
                    table[(v - lo) as usize] = true;
                }
                let (lo_f, hi_f) = (lo as f64, hi as f64);
                values
                    .iter()
                    .map(|&v| {
                        let f = v.to_f64();
                        f >= lo_f && f <= hi_f && table[(f - lo_f) as usize]
                    })
                    .collect()
            } else {
                values.iter().map(|&v| l.values.contains(&(v.to_f64() as i64))).collect()
            }
        })
        .collect();
    Ok(masks
        .into_iter()
        .map(|m| ArrayD::from_shape_vec(IxDyn(&shape), m).expect("one value per voxel in logical order"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let l = LabelSpec::parse_list("1=WHITEMATTER, 2 = GREYMATTER,3+4=HIPPO_AMYG").unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[1], LabelSpec::new("GREYMATTER", 2));
        assert_eq!(l[2].to_string(), "3+4=HIPPO_AMYG");
        assert!(matches!(LabelSpec::parse_list("a=X"), Err(LabelError::Syntax { .. })));
        assert!(matches!(LabelSpec::parse_list("1="), Err(LabelError::Syntax { .. })));
        assert!(matches!(LabelSpec::parse_list("1=A,2=A"), Err(LabelError::DuplicateName { .. })));
    }

    #[test]
    fn masks_in_one_pass() {
        let img = ImageData::U8(ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![0, 1, 2, 3, 4, 200]).unwrap());
        let labels = LabelSpec::parse_list("1=A,3+4=B,200=C,7=D").unwrap();
        let m = label_masks(&img, &labels, "prediction").unwrap();
        assert_eq!(m[0].iter().filter(|&&b| b).count(), 1);
        assert_eq!(m[1].as_slice().unwrap(), &[false, false, false, true, true, false]);
        assert!(m[2][[1, 2]]);
        assert!(!m[3].iter().any(|&b| b));
        // sparse values go through the linear scan
        let far = LabelSpec::parse_list("1=A,1000000=B").unwrap();
        let m = label_masks(&img, &far, "prediction").unwrap();
        assert!(m[0][[0, 1]]);
        // non-contiguous (transposed) input keeps logical order
        let t = ImageData::U8(
            ArrayD::from_shape_vec(IxDyn(&[3, 2]), vec![0, 3, 1, 4, 2, 200]).unwrap().reversed_axes(),
        );
        assert_eq!(label_masks(&t, &labels, "prediction").unwrap()[1].as_slice().unwrap(), m_b());
        let f = ImageData::F32(ArrayD::from_shape_vec(IxDyn(&[2]), vec![1.0, 1.5]).unwrap());
        assert!(matches!(label_masks(&f, &labels, "reference"), Err(LabelError::NotALabelImage { .. })));
    }
    #[test]
    fn joint_histogram_confusions_equal_mask_counts() {
        let labels = LabelSpec::parse_list("1=A,2=B,2+3=BC,7=ABSENT,-5=NEG").unwrap();
        let n = 5000usize;
        let mut state = 3u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % 5
        };
        let noisy_p: Vec<i64> = (0..n).map(|_| next() as i64).collect();
        let noisy_r: Vec<i64> = (0..n).map(|_| next() as i64).collect();
        // Runs of one value (up to 209 voxels), so that blocks of 64 are uniform in both images, in one, or in
        // neither.
        let mut runs = |n: usize| -> Vec<i64> {
            let mut v = Vec::with_capacity(n);
            while v.len() < n {
                let (value, len) = (next() as i64, 1 + (next() * next() * 13) as usize);
                v.extend(std::iter::repeat_n(value, len.min(n - v.len())));
            }
            v
        };
        let (runs_p, runs_r) = (runs(n), runs(n));
        let shape = IxDyn(&[10, 20, 25]);
        let as_u8 = |v: &[i64]| {
            ImageData::U8(
                ArrayD::from_shape_vec(shape.clone(), v.iter().map(|&x| x as u8).collect()).unwrap(),
            )
        };
        let as_i16 = |v: &[i64]| {
            ImageData::I16(
                ArrayD::from_shape_vec(
                    shape.clone(),
                    v.iter().map(|&x| if x == 4 { -5 } else { x as i16 }).collect(),
                )
                .unwrap(),
            )
        };
        let (p, r) = (&noisy_p, &noisy_r);
        for (pi, ri) in [
            (as_u8(p), as_u8(r)),
            (as_i16(p), as_i16(r)),
            (as_u8(&runs_p), as_u8(&runs_r)),
            (as_i16(&runs_p), as_i16(&runs_r)),
            (as_u8(&runs_p), as_u8(&noisy_r)),
        ] {
            let fast = label_confusions(&pi, &ri, &labels).expect("small integers");
            let pm = label_masks(&pi, &labels, "prediction").unwrap();
            let rm = label_masks(&ri, &labels, "reference").unwrap();
            for (k, cm) in fast.iter().enumerate() {
                assert_eq!(*cm, ConfusionMatrix::from_masks(pm[k].view(), rm[k].view()), "label {k}");
            }
        }
        // Other pixel types, or differing types: the caller builds masks.
        let f = ImageData::F32(ArrayD::zeros(shape.clone()));
        assert!(label_confusions(&f, &f, &labels).is_none());
        assert!(label_confusions(&as_u8(p), &as_i16(r), &labels).is_none());
    }

    #[test]
    fn reused_mask_buffers_are_overwritten_whole() {
        // 2^20 voxels: large enough to be kept (`MaskBuffers::MIN_LEN`).
        let shape = IxDyn(&[64, 128, 128]);
        let n = 64 * 128 * 128;
        let labels = LabelSpec::parse_list("1=A,2+3=B,5+9=C").unwrap();
        let image = |seed: usize| {
            ImageData::U8(ArrayD::from_shape_fn(shape.clone(), |ix| {
                ((ix[0] * 7 + ix[1] * 3 + ix[2] + seed) % 11) as u8
            }))
        };
        let buffers = MaskBuffers::default();
        // Spare buffers full of `true`: every voxel must be written.
        buffers.give_back((0..3).map(|_| ArrayD::from_elem(shape.clone(), true)), 6);
        for seed in [0, 5] {
            let img = image(seed);
            let reused = label_masks_reusing(&img, &labels, "prediction", &buffers).unwrap();
            assert_eq!(reused, label_masks(&img, &labels, "prediction").unwrap(), "seed {seed}");
            buffers.give_back(reused, 2);
            assert_eq!(buffers.spare.lock().unwrap().len(), 2);
        }
        // Buffers of another size, and small ones, are not used or kept.
        assert!(buffers.take(n - 1).is_none());
        buffers.give_back([ArrayD::from_elem(IxDyn(&[10]), true)], 4);
        assert_eq!(buffers.spare.lock().unwrap().len(), 2);
        assert_eq!(buffers.take(n).map(|b| b.len()), Some(n));
    }

    #[test]
    fn table_and_generic_paths_agree() {
        let labels = LabelSpec::parse_list("-3=NEG,1=ONE,2+300=MIXED,70000=FAR").unwrap();
        let values = [-3i64, 0, 1, 2, 300, -32768, 32767, 70000, 5, -3];
        let i16s =
            ImageData::I16(ArrayD::from_shape_vec(IxDyn(&[10]), values.map(|v| v as i16).to_vec()).unwrap());
        let i64s = ImageData::I64(ArrayD::from_shape_vec(IxDyn(&[10]), values.to_vec()).unwrap());
        let a = label_masks(&i16s, &labels, "prediction").unwrap();
        let b = label_masks(&i64s, &labels, "prediction").unwrap();
        // 70000 does not fit in i16 (it wraps to 4464): only the i64 image has it.
        assert_eq!(a[..3], b[..3]);
        assert_eq!(a[0].iter().filter(|&&m| m).count(), 2);
        assert_eq!(a[2].iter().filter(|&&m| m).count(), 2);
        assert_eq!(a[3].iter().filter(|&&m| m).count(), 0);
        assert_eq!(b[3].iter().filter(|&&m| m).count(), 1);
        // A run of values (the range comparison) and a run with a gap (the table).
        let runs = LabelSpec::parse_list("0+1+2=RUN,-3+-1=GAP").unwrap();
        let a = label_masks(&i16s, &runs, "prediction").unwrap();
        let b = label_masks(&i64s, &runs, "prediction").unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].iter().filter(|&&m| m).count(), 3);
        assert_eq!(a[1].iter().filter(|&&m| m).count(), 2);
    }

    fn m_b() -> &'static [bool] {
        &[false, false, false, true, true, false]
    }
}
