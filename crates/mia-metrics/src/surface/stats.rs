//! Metrics computed from the two sorted directed distance lists.
//!
//! Sums follow numpy's summation order ([`super::sums`]), so values agree with pymia to the last bits wherever the
//! inputs do.

use rayon::slice::ParallelSliceMut;

use super::sums::numpy_sum;
use super::SurfaceDistances;

/// The distances of one mask's surface elements to the other surface, sorted ascending by (distance, weight), with
/// the elements' weights (surfel areas, contour lengths, or 1 for boundary voxels).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirectedDistances {
    distances: Vec<f64>,
    weights: Vec<f64>,
    total_weight: f64,
}

impl DirectedDistances {
    /// Sorts the (distance, weight) pairs like pymia (`sorted(zip(distances, areas))`).
    pub(crate) fn from_unsorted(distances: Vec<f64>, weights: Vec<f64>) -> DirectedDistances {
        // Distances and weights are non-negative (or +inf), where the order of the IEEE bits is the numeric order:
        // one u128 key per pair orders them like the pair.
        debug_assert!(distances.iter().chain(&weights).all(|v| v.is_sign_positive() && !v.is_nan()));
        debug_assert_eq!(distances.len(), weights.len());
        let (distances, weights) = match count_pairs(&distances, &weights) {
            Some(counted) => expand(counted, distances.len()),
            None => sort_pairs(&distances, &weights),
        };
        let total_weight = numpy_sum(&weights);
        DirectedDistances { distances, weights, total_weight }
    }

    /// Sorted distances (physical units; +inf where the other mask is empty).
    pub fn distances(&self) -> &[f64] {
        &self.distances
    }

    /// Weights of the elements, in the order of [`distances`](Self::distances).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Number of surface elements.
    pub fn len(&self) -> usize {
        self.distances.len()
    }

    /// Whether the mask has no surface (it is empty).
    pub fn is_empty(&self) -> bool {
        self.distances.is_empty()
    }

    /// Total weight (surface area, contour length, or boundary-voxel count), as `np.sum`.
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    /// Weighted percentile, DeepMind/pymia's estimator: `cum = cumsum(w) / sum(w)`,
    /// `idx = searchsorted(cum, p / 100)` (left), `d[min(idx, n − 1)]` — a lower quantile without interpolation.
    /// +inf when there is no element.
    pub fn percentile(&self, percentile: f64) -> f64 {
        let Some(&last) = self.distances.last() else {
            return f64::INFINITY;
        };
        let target = percentile / 100.0;
        let mut cumulative = 0.0;
        for (&d, &w) in self.distances.iter().zip(&self.weights) {
            cumulative += w;
            if cumulative / self.total_weight >= target {
                return d;
            }
        }
        last
    }

    /// Total weight of the elements within `tolerance` (inclusive: `d ≤ τ`), as pymia's
    /// `np.sum(areas[distances <= tolerance])`.
    pub fn weight_within(&self, tolerance: f64) -> f64 {
        let n = self.distances.partition_point(|&d| d <= tolerance);
        numpy_sum(&self.weights[..n])
    }

    /// Σ distance·weight (DeepMind's numerator of the average surface distance; +inf if a distance is infinite).
    pub fn weighted_distance_sum(&self) -> f64 {
        let products: Vec<f64> = self.distances.iter().zip(&self.weights).map(|(d, w)| d * w).collect();
        numpy_sum(&products)
    }

    /// Weighted mean distance, DeepMind's directed average surface distance `Σ d·w / Σ w` (+inf when empty).
    pub fn mean(&self) -> f64 {
        if self.is_empty() {
            return f64::INFINITY;
        }
        self.weighted_distance_sum() / self.total_weight
    }
}

/// Most distinct (distance, weight) pairs counted in a table before [`DirectedDistances::from_unsorted`] sorts
/// the pairs themselves instead.
const MAX_DISTINCT_PAIRS: usize = 1 << 15;

/// The pair's sort key: the bits of the distance, then those of the weight (both non-negative).
fn key(d: f64, w: f64) -> u128 {
    u128::from(d.to_bits()) << 64 | u128::from(w.to_bits())
}

/// The (distance, weight) pair of a [`key`].
fn unkey(k: u128) -> (f64, f64) {
    (f64::from_bits((k >> 64) as u64), f64::from_bits(k as u64))
}

/// The distinct (distance, weight) pairs with their counts, ascending, or `None` when there are more than
/// [`MAX_DISTINCT_PAIRS`].
///
/// Lattice distances take few values (square roots of a few hundred sums of squared offsets) and surface
/// weights fewer (one area per neighbour code), so counting the pairs in an open-addressing table and sorting the
/// distinct ones is a pass over the pairs instead of a sort of them (on pymia's brain case, 1.7–191 k pairs and
/// 41–420 distinct ones per direction). Equal pairs are equal values, so the expansion equals the sorted pairs
/// exactly.
fn count_pairs(distances: &[f64], weights: &[f64]) -> Option<Vec<(u128, usize)>> {
    // A NaN distance never occurs (debug-asserted above); its bits mark an empty slot.
    const EMPTY: u128 = u128::MAX;
    /// The slot of `k` in a table of `2^bits` slots: its home slot, then linear probing.
    fn slot_of(slots: &[(u128, usize)], bits: u32, k: u128) -> usize {
        let hash = ((k as u64) ^ ((k >> 64) as u64).rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut i = (hash >> (64 - bits)) as usize;
        while slots[i].0 != k && slots[i].0 != EMPTY {
            i = (i + 1) & (slots.len() - 1);
        }
        i
    }
    let mut bits = 12u32;
    let mut slots = vec![(EMPTY, 0usize); 1 << bits];
    let mut used = 0usize;
    // Runs of equal pairs are common (neighbouring surface points): the last slot is tried first.
    let mut last = (EMPTY, 0usize);
    for (&d, &w) in distances.iter().zip(weights) {
        let k = key(d, w);
        let i = if k == last.0 { last.1 } else { slot_of(&slots, bits, k) };
        if slots[i].0 == EMPTY {
            slots[i].0 = k;
            used += 1;
        }
        slots[i].1 += 1;
        last = (k, i);
        if 2 * used > slots.len() {
            if used > MAX_DISTINCT_PAIRS {
                return None;
            }
            bits += 1;
            let old = std::mem::replace(&mut slots, vec![(EMPTY, 0usize); 1 << bits]);
            for (k, c) in old.into_iter().filter(|s| s.0 != EMPTY) {
                let i = slot_of(&slots, bits, k);
                slots[i] = (k, c);
            }
            last = (EMPTY, 0);
        }
    }
    let mut distinct: Vec<(u128, usize)> = slots.into_iter().filter(|s| s.0 != EMPTY).collect();
    distinct.sort_unstable_by_key(|s| s.0);
    Some(distinct)
}

/// The sorted distances and weights from the counted distinct pairs.
fn expand(counted: Vec<(u128, usize)>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut distances = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for (k, count) in counted {
        let (d, w) = unkey(k);
        distances.extend(std::iter::repeat_n(d, count));
        weights.extend(std::iter::repeat_n(w, count));
    }
    (distances, weights)
}

/// The pairs sorted by a (parallel) sort of their keys.
fn sort_pairs(distances: &[f64], weights: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut keys: Vec<u128> = distances.iter().zip(weights).map(|(&d, &w)| key(d, w)).collect();
    keys.par_sort_unstable();
    keys.into_iter().map(unkey).unzip()
}

impl SurfaceDistances {
    /// Hausdorff distance at a percentile, pymia's `HausdorffDistance(percentile)` (`HDRFDST`, `HDRFDST95`):
    /// the maximum of the two directed [weighted percentiles](super::DirectedDistances::percentile).
    ///
    /// +inf when the reference or the prediction is empty (pymia warns "empty reference/prediction mask").
    pub fn hausdorff(&self, percentile: f64) -> f64 {
        if self.is_empty_reference() || self.is_empty_prediction() {
            return f64::INFINITY;
        }
        self.reference_to_prediction
            .percentile(percentile)
            .max(self.prediction_to_reference.percentile(percentile))
    }

    /// Directed Hausdorff distance at a percentile (beyond pymia): the weighted percentile of one direction only,
    /// prediction → reference if `prediction_to_reference`. +inf if either mask is empty.
    pub fn directed_percentile(&self, prediction_to_reference: bool, percentile: f64) -> f64 {
        if self.is_empty_reference() || self.is_empty_prediction() {
            return f64::INFINITY;
        }
        self.directed(prediction_to_reference).percentile(percentile)
    }

    /// Surface overlap at a tolerance (mm), pymia's `SurfaceOverlap` (`SURFOVLP`): the fraction of the
    /// prediction's (if `prediction_to_reference`, else the reference's) surface within `tolerance` (`d ≤ τ`) of the
    /// other surface.
    ///
    /// Edge values as pymia: −inf when the used side is empty or has zero total area; 0 when only the other side is
    /// empty.
    pub fn surface_overlap(&self, tolerance: f64, prediction_to_reference: bool) -> f64 {
        let side = self.directed(prediction_to_reference);
        if side.is_empty() || side.total_weight() <= 0.0 {
            return f64::NEG_INFINITY;
        }
        side.weight_within(tolerance) / side.total_weight()
    }

    /// Surface Dice at a tolerance (mm), pymia's `SurfaceDiceOverlap` (`SURFDICE`, Nikolov et al. 2018):
    /// `(Σ w_ref[d ≤ τ] + Σ w_pred[d ≤ τ]) / (Σ w_ref + Σ w_pred)`.
    ///
    /// −inf when both masks are empty, 0 when exactly one is. With
    /// [`SurfaceElements::BoundaryVoxels`](super::SurfaceElements::BoundaryVoxels) this is the NSD by boundary-voxel
    /// counts (MONAI's default, MetricsReloaded).
    pub fn surface_dice(&self, tolerance: f64) -> f64 {
        if self.is_both_empty() {
            return f64::NEG_INFINITY;
        }
        let r = &self.reference_to_prediction;
        let p = &self.prediction_to_reference;
        (r.weight_within(tolerance) + p.weight_within(tolerance)) / (r.total_weight() + p.total_weight())
    }

    /// Directed average surface distance (DeepMind's `compute_average_surface_distance`, one direction):
    /// `Σ d·w / Σ w` over the elements of the prediction (if `prediction_to_reference`) or the reference.
    /// +inf if either mask is empty.
    pub fn average_surface_distance(&self, prediction_to_reference: bool) -> f64 {
        if self.is_empty_reference() || self.is_empty_prediction() {
            return f64::INFINITY;
        }
        self.directed(prediction_to_reference).mean()
    }

    /// Average symmetric surface distance, ASSD (Heimann et al. 2009; Yeghiazaryan & Voiculescu 2018): the pooled
    /// weighted mean of both directions, `(Σ d_rp·w_r + Σ d_pr·w_p) / (Σ w_r + Σ w_p)`. +inf if either mask is empty.
    pub fn average_symmetric_surface_distance(&self) -> f64 {
        if self.is_empty_reference() || self.is_empty_prediction() {
            return f64::INFINITY;
        }
        let r = &self.reference_to_prediction;
        let p = &self.prediction_to_reference;
        (r.weighted_distance_sum() + p.weighted_distance_sum()) / (r.total_weight() + p.total_weight())
    }

    /// Short name of [`average_symmetric_surface_distance`](Self::average_symmetric_surface_distance).
    pub fn assd(&self) -> f64 {
        self.average_symmetric_surface_distance()
    }

    /// Mean average surface distance, MASD (Beneš & Zitová 2015): the mean of the two directed average surface
    /// distances. +inf if either mask is empty.
    pub fn mean_average_surface_distance(&self) -> f64 {
        0.5 * (self.average_surface_distance(false) + self.average_surface_distance(true))
    }

    /// Short name of [`mean_average_surface_distance`](Self::mean_average_surface_distance).
    pub fn masd(&self) -> f64 {
        self.mean_average_surface_distance()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_pymias_searchsorted() {
        let d = DirectedDistances::from_unsorted(vec![3.0, 1.0, 2.0, 0.0], vec![1.0, 1.0, 1.0, 1.0]);
        assert_eq!(d.distances(), &[0.0, 1.0, 2.0, 3.0]);
        // cum = [.25, .5, .75, 1]
        assert_eq!(d.percentile(50.0), 1.0);
        assert_eq!(d.percentile(50.1), 2.0);
        assert_eq!(d.percentile(100.0), 3.0);
        assert_eq!(d.percentile(0.0), 0.0);
        assert_eq!(d.percentile(150.0), 3.0);
        assert_eq!(DirectedDistances::default().percentile(95.0), f64::INFINITY);
    }

    #[test]
    fn counted_pairs_equal_the_sorted_pairs() {
        // Few distinct pairs (counted) and all distinct ones (more than the table takes: sorted), with runs.
        let mut next = super::super::kdtree::tests::lcg(5);
        for (distinct, counted) in [(3u64, true), (40, true), (3000, true), (1 << 20, false)] {
            let n = 70_000;
            let d: Vec<f64> =
                (0..n).map(|i| f64::from(next(distinct) / 2) * 0.37 + f64::from(i % 2)).collect();
            let w: Vec<f64> = (0..n).map(|_| f64::from(next(7) + 1) * 0.1).collect();
            let mut want: Vec<(f64, f64)> = d.iter().copied().zip(w.iter().copied()).collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            let got = DirectedDistances::from_unsorted(d.clone(), w.clone());
            let got: Vec<(f64, f64)> =
                got.distances().iter().copied().zip(got.weights().iter().copied()).collect();
            assert_eq!(got, want, "{distinct} distinct");
            assert_eq!(count_pairs(&d, &w).is_some(), counted, "{distinct} distinct");
        }
        assert!(count_pairs(&(0..40_000).map(f64::from).collect::<Vec<_>>(), &[1.0; 40_000]).is_none());
        assert_eq!(count_pairs(&[], &[]), Some(vec![]));
    }

    #[test]
    fn ties_sort_by_weight() {
        let d = DirectedDistances::from_unsorted(vec![1.0, 1.0, 0.5], vec![0.3, 0.1, 2.0]);
        assert_eq!(d.weights(), &[2.0, 0.1, 0.3]);
        assert_eq!(d.weight_within(0.5), 2.0);
        assert_eq!(d.weight_within(1.0), 2.4);
        assert_eq!(d.weight_within(0.1), 0.0);
    }
}
