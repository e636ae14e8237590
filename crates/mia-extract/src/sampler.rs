//! Weighted and label-balanced random patch sampling (TorchIO's `WeightedSampler` / `LabelSampler` semantics).

use mia_index::IndexExpression;
use ndarray::{ArrayD, Axis, IxDyn};
use rand::{Rng, RngCore};

use crate::{ExtractError, Result, Source};

/// Draws patch positions for a subject.
pub trait PatchSampler: Send + Sync {
    /// `count` patches of `subject`, as index expressions over the leading (spatial) axes.
    fn sample(
        &self,
        source: &dyn Source,
        subject: usize,
        count: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<IndexExpression>>;
}

/// Draws `per_subject` patches from each of `subjects` (all if `None`): `(subject_index, expression)` pairs to give
/// to [`crate::DataSource::set_indices`] each epoch.
pub fn sample_patches(
    source: &dyn Source,
    sampler: &dyn PatchSampler,
    subjects: Option<&[usize]>,
    per_subject: usize,
    rng: &mut dyn RngCore,
) -> Result<Vec<(usize, IndexExpression)>> {
    let all: Vec<usize> = match subjects {
        Some(s) => s.to_vec(),
        None => (0..source.subjects()?.len()).collect(),
    };
    let mut out = Vec::with_capacity(all.len() * per_subject);
    for s in all {
        out.extend(sampler.sample(source, s, per_subject, rng)?.into_iter().map(|e| (s, e)));
    }
    Ok(out)
}

/// Zeroes the weights of centres whose patch would leave the volume. The centre of a patch of size `p` starting at
/// `s` is `s + p / 2` (TorchIO's convention), so valid centres are `p / 2 ..= n - p + p / 2`.
fn crop_to_valid_centres(w: &mut ArrayD<f64>, patch: &[usize], op: &'static str) -> Result<()> {
    let shape = w.shape().to_vec();
    if patch.len() != shape.len() || patch.iter().zip(&shape).any(|(&p, &n)| p == 0 || p > n) {
        return Err(ExtractError::params(op, format!("patch {patch:?} does not fit the volume {shape:?}")));
    }
    for (axis, (&p, &n)) in patch.iter().zip(&shape).enumerate() {
        let (lo, hi) = (p / 2, n - p + p / 2);
        for (i, mut lane) in w.axis_iter_mut(Axis(axis)).enumerate() {
            if i < lo || i > hi {
                lane.fill(0.0);
            }
        }
    }
    Ok(())
}

/// Draws `count` centres proportionally to `w` (only strictly positive weights can be drawn).
fn draw(
    w: &ArrayD<f64>,
    patch: &[usize],
    count: usize,
    rng: &mut dyn RngCore,
    op: &'static str,
) -> Result<Vec<IndexExpression>> {
    let mut cum = Vec::with_capacity(w.len());
    let mut total = 0.0;
    for &v in w.iter() {
        if v < 0.0 || !v.is_finite() {
            return Err(ExtractError::params(op, format!("probability map holds {v}")));
        }
        total += v;
        cum.push(total);
    }
    if total <= 0.0 {
        return Err(ExtractError::NotComputable {
            operation: op,
            entry: "probability map".into(),
            message: format!("no voxel with positive probability where a patch {patch:?} fits"),
        });
    }
    let shape = w.shape();
    (0..count)
        .map(|_| {
            let u = rng.gen::<f64>() * total;
            let flat = cum.partition_point(|&c| c <= u).min(cum.len() - 1);
            let mut rem = flat;
            let mut centre = vec![0; shape.len()];
            for d in (0..shape.len()).rev() {
                centre[d] = rem % shape[d];
                rem /= shape[d];
            }
            let starts: Vec<usize> = centre.iter().zip(patch).map(|(&c, &p)| c - p / 2).collect();
            Ok(IndexExpression::patch(&starts, patch))
        })
        .collect()
}

/// Reads channel `channel` of a category as an `f64` spatial map (`z, y, x` for a `(z, y, x, c)` array).
fn read_map(
    source: &dyn Source,
    category: &str,
    channel: usize,
    subject: usize,
    spatial: usize,
) -> Result<ArrayD<f64>> {
    let data = source.read(category, subject, &IndexExpression::whole())?.to_f64();
    if data.ndim() == spatial {
        return Ok(data);
    }
    if data.ndim() != spatial + 1 || channel >= data.shape()[spatial] {
        return Err(ExtractError::shape(
            "sampler",
            category,
            data.shape(),
            format!("no channel {channel} after {spatial} spatial axes"),
        ));
    }
    Ok(data
        .index_axis(Axis(spatial), channel)
        .to_owned()
        .into_shape_with_order(IxDyn(&data.shape()[..spatial]))
        .expect("same length"))
}

/// Samples patch centres with probability proportional to a stored map (TorchIO's `WeightedSampler`).
///
/// Centres whose patch would not fit are excluded before normalising, so every returned patch lies inside the
/// volume and the distribution over the valid centres is exactly proportional to the map (TorchIO #459); a voxel
/// of probability 0 is never drawn (TorchIO #510); a map without positive valid voxel is a typed error.
#[derive(Debug, Clone)]
pub struct WeightedSampler {
    patch: Vec<usize>,
    category: String,
    channel: usize,
}

impl WeightedSampler {
    /// Patches of `patch` (spatial sizes), weighted by channel 0 of `category`.
    pub fn new(patch: &[usize], category: &str) -> Self {
        WeightedSampler { patch: patch.to_vec(), category: category.to_string(), channel: 0 }
    }
    /// The channel of the category holding the map.
    pub fn channel(mut self, channel: usize) -> Self {
        self.channel = channel;
        self
    }
}

impl PatchSampler for WeightedSampler {
    fn sample(
        &self,
        source: &dyn Source,
        subject: usize,
        count: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<IndexExpression>> {
        let mut w = read_map(source, &self.category, self.channel, subject, self.patch.len())?;
        crop_to_valid_centres(&mut w, &self.patch, "WeightedSampler")?;
        draw(&w, &self.patch, count, rng, "WeightedSampler")
    }
}

/// Samples patch centres so that each label value is the centre with a given probability (TorchIO's
/// `LabelSampler`).
///
/// With `label_probabilities` `[(label, p), ...]`, each listed label is chosen with probability proportional to
/// `p` among the labels present at valid centres, then a centre of that label is chosen uniformly. Without, every
/// non-zero voxel is an equally likely centre. Border handling as [`WeightedSampler`].
#[derive(Debug, Clone)]
pub struct LabelSampler {
    patch: Vec<usize>,
    category: String,
    channel: usize,
    label_probabilities: Option<Vec<(f64, f64)>>,
}

impl LabelSampler {
    /// Patches of `patch` centred on foreground of channel 0 of `category` (e.g. `labels`).
    pub fn new(patch: &[usize], category: &str) -> Self {
        LabelSampler {
            patch: patch.to_vec(),
            category: category.to_string(),
            channel: 0,
            label_probabilities: None,
        }
    }
    /// The channel of the category holding the label map.
    pub fn channel(mut self, channel: usize) -> Self {
        self.channel = channel;
        self
    }
    /// Probability of each label value being at the centre.
    pub fn label_probabilities(mut self, p: &[(f64, f64)]) -> Self {
        self.label_probabilities = Some(p.to_vec());
        self
    }
}

impl PatchSampler for LabelSampler {
    fn sample(
        &self,
        source: &dyn Source,
        subject: usize,
        count: usize,
        rng: &mut dyn RngCore,
    ) -> Result<Vec<IndexExpression>> {
        let labels = read_map(source, &self.category, self.channel, subject, self.patch.len())?;
        let mut valid = ArrayD::from_elem(labels.raw_dim(), 1.0);
        crop_to_valid_centres(&mut valid, &self.patch, "LabelSampler")?;
        let w = match &self.label_probabilities {
            None => {
                ndarray::Zip::from(&labels).and(&valid).map_collect(|&l, &v| if l != 0.0 { v } else { 0.0 })
            }
            Some(probs) => {
                let mut w = ArrayD::<f64>::zeros(labels.raw_dim());
                for &(label, p) in probs {
                    if p < 0.0 || !p.is_finite() {
                        return Err(ExtractError::params(
                            "LabelSampler",
                            format!("probability {p} for label {label}"),
                        ));
                    }
                    let count = ndarray::Zip::from(&labels)
                        .and(&valid)
                        .fold(0usize, |n, &l, &v| n + usize::from(l == label && v > 0.0));
                    if count == 0 || p == 0.0 {
                        continue;
                    }
                    let each = p / count as f64;
                    ndarray::Zip::from(&mut w).and(&labels).and(&valid).for_each(|w, &l, &v| {
                        if l == label && v > 0.0 {
                            *w = each;
                        }
                    });
                }
                w
            }
        };
        draw(&w, &self.patch, count, rng, "LabelSampler")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemorySource;
    use mia_core::ImageData;
    use rand::SeedableRng;

    fn source(labels: ArrayD<u8>) -> MemorySource {
        MemorySource::new(vec!["A".into()])
            .with_category("labels", None, vec![ImageData::U8(labels)])
            .unwrap()
    }

    #[test]
    fn label_sampler_stays_inside_and_balances() {
        // Label 1 only in a corner where no 4x4 patch can be centred, label 2 in the middle.
        let mut l = ArrayD::<u8>::zeros(IxDyn(&[10, 10, 1]));
        l[[0, 0, 0]] = 1;
        l[[5, 5, 0]] = 2;
        l[[4, 6, 0]] = 2;
        let src = source(l);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let s = LabelSampler::new(&[4, 4], "labels").label_probabilities(&[(1.0, 0.5), (2.0, 0.5)]);
        let patches = s.sample(&src, 0, 200, &mut rng).unwrap();
        for p in &patches {
            assert!(p.output_shape(&[10, 10, 1]).is_ok(), "{p} leaves the volume");
        }
        // Only label-2 centres are valid, both drawn.
        let starts: std::collections::BTreeSet<String> = patches.iter().map(|p| p.to_string()).collect();
        assert_eq!(starts.len(), 2);
        let only_corner = LabelSampler::new(&[4, 4], "labels").label_probabilities(&[(1.0, 1.0)]);
        assert!(matches!(only_corner.sample(&src, 0, 1, &mut rng), Err(ExtractError::NotComputable { .. })));
        assert!(LabelSampler::new(&[11, 4], "labels").sample(&src, 0, 1, &mut rng).is_err());
    }

    #[test]
    fn weighted_sampler_follows_weights() {
        let mut w = ArrayD::<u8>::zeros(IxDyn(&[1, 8, 1]));
        w[[0, 3, 0]] = 1;
        w[[0, 4, 0]] = 3;
        let src = source(w);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let patches = WeightedSampler::new(&[1, 2], "labels").sample(&src, 0, 4000, &mut rng).unwrap();
        let at4 = patches.iter().filter(|p| p.to_string() == "[0:1, 3:5]").count();
        let at3 = patches.iter().filter(|p| p.to_string() == "[0:1, 2:4]").count();
        assert_eq!(at3 + at4, 4000);
        assert!((at4 as f64 / 4000.0 - 0.75).abs() < 0.03);
    }
}
