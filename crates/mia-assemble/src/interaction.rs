//! Hooks between a network's output and the region it is written to (pymia's `assemble_interaction_fn`).

use std::ops::Range;

use mia_index::IndexExpression;

/// The part of a sample's data to write, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// One range per data axis (channel axes included) selecting the part of the data to write.
    pub crop: Vec<Range<usize>>,
    /// The expression the cropped data is written to.
    pub expression: IndexExpression,
}

/// Maps a sample's data shape and expression to the region written (e.g. crops a padded network output).
///
/// `data_shape` is the shape of the sample's data (region axes, then channel axes), `expression` the sample's
/// index expression and `subject_shape` the subject's spatial shape. Closures
/// `Fn(&str, &[usize], &IndexExpression, &[usize]) -> Result<Region, String>` implement the trait.
pub trait AssembleInteraction: Send + Sync {
    /// The region to write for a sample of `key`; an `Err` message becomes
    /// [`AssembleError::Interaction`](crate::AssembleError::Interaction).
    fn region(
        &self,
        key: &str,
        data_shape: &[usize],
        expression: &IndexExpression,
        subject_shape: &[usize],
    ) -> Result<Region, String>;
}

impl<F> AssembleInteraction for F
where
    F: Fn(&str, &[usize], &IndexExpression, &[usize]) -> Result<Region, String> + Send + Sync,
{
    fn region(
        &self,
        key: &str,
        data_shape: &[usize],
        expression: &IndexExpression,
        subject_shape: &[usize],
    ) -> Result<Region, String> {
        self(key, data_shape, expression, subject_shape)
    }
}

/// Crops data that is larger than the expression's region back to it, keeping the centre (padded inputs with
/// "same" convolutions: context padding at extraction, e.g. mia-extract's `PadDataExtractor`). An odd excess
/// leaves the extra voxel at the end, like numpy `a[(d - t) // 2 : (d - t) // 2 + t]`. Channel axes are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CentreCrop;

/// Crops data that is larger than the expression's region, keeping the start (samples padded at their far end
/// up to a fixed patch size, e.g. the clipped border patches of `Border::Clip`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeadingCrop;

fn crop(
    data_shape: &[usize],
    expression: &IndexExpression,
    subject_shape: &[usize],
    centred: bool,
) -> Result<Region, String> {
    let target = expression.output_shape(subject_shape).map_err(|e| e.to_string())?;
    if data_shape.len() < target.len() {
        return Err(format!("data of shape {data_shape:?} has fewer axes than the region {target:?}"));
    }
    let mut ranges = Vec::with_capacity(data_shape.len());
    for (a, &d) in data_shape.iter().enumerate() {
        match target.get(a) {
            Some(&t) if d < t => {
                return Err(format!(
                    "data of shape {data_shape:?} is smaller than the region {target:?} on axis {a}"
                ))
            }
            Some(&t) => {
                let start = if centred { (d - t) / 2 } else { 0 };
                ranges.push(start..start + t);
            }
            None => ranges.push(0..d),
        }
    }
    Ok(Region { crop: ranges, expression: expression.clone() })
}

impl AssembleInteraction for CentreCrop {
    fn region(
        &self,
        _: &str,
        data_shape: &[usize],
        e: &IndexExpression,
        shape: &[usize],
    ) -> Result<Region, String> {
        crop(data_shape, e, shape, true)
    }
}

impl AssembleInteraction for LeadingCrop {
    fn region(
        &self,
        _: &str,
        data_shape: &[usize],
        e: &IndexExpression,
        shape: &[usize],
    ) -> Result<Region, String> {
        crop(data_shape, e, shape, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops() {
        let e = IndexExpression::patch(&[0, 4], &[4, 4]);
        let r = CentreCrop.region("k", &[8, 7, 2], &e, &[6, 8]).unwrap();
        assert_eq!(r.crop, vec![2..6, 1..5, 0..2]);
        let r = LeadingCrop.region("k", &[8, 7, 2], &e, &[6, 8]).unwrap();
        assert_eq!(r.crop, vec![0..4, 0..4, 0..2]);
        assert!(CentreCrop.region("k", &[3, 7], &e, &[6, 8]).is_err());
    }
}
