//! B-spline elastic deformation (NiftyNet/pymia style).

use mia_core::{dispatch_image_data, Element, IntoImageData};
use ndarray::{ArrayD, Axis, IxDyn};
use rand::RngCore;
use rand_distr::{Distribution, StandardNormal};

use super::applies;
use crate::transform::Transform;
use crate::{ExtractError, Result, Sample};

/// How an entry is resampled by [`RandomElasticDeformation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// Nearest neighbour (labels).
    Nearest,
    /// Multilinear (images).
    Linear,
}

/// Random elastic deformation with a cubic B-spline displacement field (pymia's `RandomElasticDeformation`).
///
/// As in pymia/NiftyNet (SimpleITK `BSplineTransformInitializer` with a mesh of `num_control_points` per axis):
/// the control grid of a cubic B-spline transform covers the image extent (voxel corners `-0.5 .. size - 0.5`,
/// unit spacing) with `num_control_points` mesh cells per axis, i.e. `num_control_points + 3` control points per
/// axis; every control point gets a displacement drawn from `N(0, sigma²)` per axis. The output voxel at `x` takes
/// the input value at `x + d(x)`, interpolated per entry (default `images` linear, `labels` nearest); points outside
/// the image get `fill_value`. Data must be channel-last with `spatial_rank` spatial axes (`(y, x, c)` for the
/// default rank 2); every channel gets the same deformation.
///
/// Difference to pymia: pymia resamples images with SimpleITK's cubic B-spline interpolator; mia uses multilinear
/// interpolation (no overshoot, values stay in the input range).
#[derive(Debug, Clone)]
pub struct RandomElasticDeformation {
    num_control_points: usize,
    sigma: f64,
    spatial_rank: usize,
    fill_value: f64,
    p: f64,
    entries: Vec<(String, Interpolation)>,
}

impl Default for RandomElasticDeformation {
    fn default() -> Self {
        RandomElasticDeformation {
            num_control_points: 4,
            sigma: 5.0,
            spatial_rank: 2,
            fill_value: 0.0,
            p: 0.5,
            entries: vec![
                ("images".into(), Interpolation::Linear),
                ("labels".into(), Interpolation::Nearest),
            ],
        }
    }
}

impl RandomElasticDeformation {
    /// pymia's defaults: 4 control points, sigma 5, spatial rank 2, fill 0, p 0.5, images linear, labels nearest.
    pub fn new() -> Self {
        Self::default()
    }
    /// Mesh cells per axis (≥ 2).
    pub fn num_control_points(mut self, n: usize) -> Self {
        self.num_control_points = n;
        self
    }
    /// Standard deviation of the control point displacements in voxels (≥ 1).
    pub fn sigma(mut self, sigma: f64) -> Self {
        self.sigma = sigma;
        self
    }
    /// Number of spatial axes (2 or 3).
    pub fn spatial_rank(mut self, rank: usize) -> Self {
        self.spatial_rank = rank;
        self
    }
    /// Value of points mapped from outside the image.
    pub fn fill_value(mut self, v: f64) -> Self {
        self.fill_value = v;
        self
    }
    /// Probability of applying.
    pub fn p(mut self, p: f64) -> Self {
        self.p = p;
        self
    }
    /// The entries and their interpolation.
    pub fn entries(mut self, entries: &[(&str, Interpolation)]) -> Self {
        self.entries = entries.iter().map(|(e, i)| (e.to_string(), *i)).collect();
        self
    }

    /// The displacement field for a spatial shape: one array per axis (array order), each of that shape.
    pub fn displacement_field(&self, shape: &[usize], rng: &mut dyn RngCore) -> Vec<ArrayD<f64>> {
        let ncp = self.num_control_points;
        let grid = vec![ncp + 3; shape.len()];
        let weights: Vec<Vec<(usize, [f64; 4])>> = shape.iter().map(|&n| axis_weights(n, ncp)).collect();
        (0..shape.len())
            .map(|_| {
                let params = ArrayD::from_shape_simple_fn(IxDyn(&grid), || {
                    let z: f64 = StandardNormal.sample(&mut *rng);
                    z * self.sigma
                });
                contract(params, &weights)
            })
            .collect()
    }
}

/// Cubic B-spline kernel.
fn bspline3(t: f64) -> f64 {
    let t = t.abs();
    if t < 1.0 {
        (4.0 - 6.0 * t * t + 3.0 * t * t * t) / 6.0
    } else if t < 2.0 {
        (2.0 - t).powi(3) / 6.0
    } else {
        0.0
    }
}

/// Per voxel of an axis of `n` voxels: the first of the 4 supporting control points and their weights, for a
/// mesh of `ncp` cells over `-0.5 .. n - 0.5` (ITK's BSplineTransformInitializer geometry).
fn axis_weights(n: usize, ncp: usize) -> Vec<(usize, [f64; 4])> {
    let spacing = n as f64 / ncp as f64;
    let origin = -0.5 - spacing;
    (0..n)
        .map(|i| {
            let u = (i as f64 - origin) / spacing;
            let start = (u.floor() as isize - 1).clamp(0, ncp as isize - 1) as usize;
            let mut w = [0.0; 4];
            for (k, wk) in w.iter_mut().enumerate() {
                *wk = bspline3(u - (start + k) as f64);
            }
            (start, w)
        })
        .collect()
}

/// Evaluates the B-spline on the voxel grid, one axis at a time.
fn contract(mut a: ArrayD<f64>, weights: &[Vec<(usize, [f64; 4])>]) -> ArrayD<f64> {
    for (axis, w) in weights.iter().enumerate() {
        let mut shape = a.shape().to_vec();
        shape[axis] = w.len();
        let mut out = ArrayD::<f64>::zeros(IxDyn(&shape));
        for (i, (start, ws)) in w.iter().enumerate() {
            let mut dst = out.index_axis_mut(Axis(axis), i);
            for (k, &wk) in ws.iter().enumerate() {
                dst.scaled_add(wk, &a.index_axis(Axis(axis), start + k));
            }
        }
        a = out;
    }
    a
}

fn resample<T: Element>(a: &ArrayD<T>, field: &[ArrayD<f64>], interp: Interpolation, fill: f64) -> ArrayD<T> {
    let rank = field.len();
    let shape = a.shape().to_vec();
    let spatial = &shape[..rank];
    let channels = shape[rank];
    let round = !T::PIXEL_TYPE.is_float();
    let store = |v: f64| T::from_f64(if round { v.round() } else { v });
    let mut out = ArrayD::from_elem(IxDyn(&shape), store(fill));
    let src = a.as_standard_layout();
    let data = src.as_slice().expect("standard layout");
    let std_strides: Vec<usize> = {
        let mut s = vec![0; shape.len()];
        let mut acc = 1;
        for d in (0..shape.len()).rev() {
            s[d] = acc;
            acc *= shape[d];
        }
        s
    };
    let n_vox: usize = spatial.iter().product();
    let out_slice = out.as_slice_mut().expect("fresh array");
    let mut pos = vec![0.0f64; rank];
    let mut idx = vec![0usize; rank];
    for v in 0..n_vox {
        let mut rem = v;
        for d in (0..rank).rev() {
            idx[d] = rem % spatial[d];
            rem /= spatial[d];
        }
        let flat_field: usize = v;
        let mut inside = true;
        for d in 0..rank {
            let f = field[d].as_slice().expect("standard layout")[flat_field];
            pos[d] = idx[d] as f64 + f;
            if !(pos[d] >= -0.5 && pos[d] < spatial[d] as f64 - 0.5) {
                inside = false;
            }
        }
        if !inside {
            continue;
        }
        let base_out = v * channels;
        match interp {
            Interpolation::Nearest => {
                let mut off = 0;
                for d in 0..rank {
                    let i = (pos[d].round() as isize).clamp(0, spatial[d] as isize - 1) as usize;
                    off += i * std_strides[d];
                }
                out_slice[base_out..base_out + channels].copy_from_slice(&data[off..off + channels]);
            }
            Interpolation::Linear => {
                let mut lo = vec![0usize; rank];
                let mut hi = vec![0usize; rank];
                let mut fr = vec![0.0; rank];
                for d in 0..rank {
                    let p = pos[d].clamp(0.0, (spatial[d] - 1) as f64);
                    let f = p.floor();
                    lo[d] = f as usize;
                    hi[d] = (lo[d] + 1).min(spatial[d] - 1);
                    fr[d] = p - f;
                }
                for c in 0..channels {
                    let mut acc = 0.0;
                    for corner in 0..(1usize << rank) {
                        let mut w = 1.0;
                        let mut off = c;
                        for d in 0..rank {
                            let up = corner >> d & 1 == 1;
                            w *= if up { fr[d] } else { 1.0 - fr[d] };
                            off += if up { hi[d] } else { lo[d] } * std_strides[d];
                        }
                        if w != 0.0 {
                            acc += w * data[off].to_f64();
                        }
                    }
                    out_slice[base_out + c] = store(acc);
                }
            }
        }
    }
    out
}

impl Transform for RandomElasticDeformation {
    fn apply(&self, sample: &mut Sample, rng: &mut dyn RngCore) -> Result<()> {
        if self.num_control_points < 2 || self.sigma < 1.0 || !(1..=3).contains(&self.spatial_rank) {
            return Err(ExtractError::params(
                "RandomElasticDeformation",
                format!(
                    "num_control_points {} (≥ 2), sigma {} (≥ 1), spatial_rank {} (1..=3)",
                    self.num_control_points, self.sigma, self.spatial_rank
                ),
            ));
        }
        if !applies(self.p, rng) {
            return Ok(());
        }
        let Some((first, _)) = self.entries.first() else { return Ok(()) };
        let shape = sample.data(first)?.shape().to_vec();
        let rank = self.spatial_rank;
        for (e, _) in &self.entries {
            let s = sample.data(e)?.shape();
            if s.len() != rank + 1 || s[..rank] != shape[..rank.min(shape.len())] {
                return Err(ExtractError::shape(
                    "RandomElasticDeformation",
                    e,
                    s,
                    format!("expected {rank} spatial axes plus a channel axis, spatially equal to '{first}' {shape:?}"),
                ));
            }
        }
        let field = self.displacement_field(&shape[..rank], rng);
        for (e, interp) in &self.entries {
            let d = sample.data_mut(e)?;
            *d = dispatch_image_data!(&*d, a => IntoImageData::wrap(resample(a, &field, *interp, self.fill_value)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_partition_unity_and_stay_in_grid() {
        for (n, ncp) in [(10, 4), (181, 4), (3, 2), (84, 7)] {
            for (start, w) in axis_weights(n, ncp) {
                assert!(start + 3 < ncp + 3);
                assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn constant_field_shifts_like_a_translation() {
        // Every control point displaced by +1 along axis 1: output(y, x) = input(y, x + 1).
        let a = ArrayD::from_shape_fn(IxDyn(&[4, 5, 1]), |i| (i[0] * 10 + i[1]) as f32);
        let field = vec![ArrayD::zeros(IxDyn(&[4, 5])), ArrayD::from_elem(IxDyn(&[4, 5]), 1.0)];
        let w = axis_weights(5, 4);
        let c = contract(ArrayD::from_elem(IxDyn(&[7, 7]), 1.0), &[axis_weights(4, 4), w]);
        assert!(c.iter().all(|v| (v - 1.0).abs() < 1e-12));
        let out = resample(&a, &field, Interpolation::Linear, -1.0);
        assert_eq!(out[[2, 1, 0]], 22.0);
        assert_eq!(out[[2, 4, 0]], -1.0);
        let out = resample(&a, &field, Interpolation::Nearest, -1.0);
        assert_eq!(out[[3, 0, 0]], 31.0);
    }
}
