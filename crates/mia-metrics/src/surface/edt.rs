//! Exact distances to a lattice point set from a separable distance transform, read at the query points.
//!
//! The search of [`super::kdtree`] costs about the area of a sphere of radius `d` for a query whose nearest target is
//! `d` voxels away: cheap when most queries lie within a voxel or two of the other set, dear when a prediction
//! misses a structure by many voxels (an eroded or shifted segmentation, a thin structure lost). A distance
//! transform costs a fixed amount per lattice point of the box of both sets instead, whatever the distances; the
//! caller picks the cheaper one.
//!
//! The transform is separable (Felzenszwalb & Huttenlocher, "Distance transforms of sampled functions", Theory of
//! Computing 8, 2012), in the axis order 0, 1, 2 as in scipy's `distance_transform_edt`:
//! 1. along axis 0: the steps from every lattice point to the nearest target of its column, by one sweep over the
//!    planes in each direction;
//! 2. along axis 1, plane by plane: the lower envelope of the parabolas `(Δ0(y')·s0)² + ((y − y')·s1)²` of each
//!    column;
//! 3. along axis 2, at the query points only: from the query outwards along its row until `(t·s2)²` alone reaches
//!    the best value.
//!
//! Every value is computed as `((Δ0·s0)² + (Δ1·s1)²) + (Δ2·s2)²` for the offset of a real target, the operation
//! order of the search and of scipy with `sampling=`. Rounding is monotone, so the minimum of the partial sums plus
//! the next term is the minimum of the full sums. Step 2 picks each point's parabola by comparing computed
//! intersections; near a tie rounding may shift a boundary by one point, so each point within a step of a boundary
//! also evaluates the parabola on the other side and keeps the least value: the results equal the search's bit for bit
//! (the tests compare them with a brute force, bit for bit, on random sets and spacings).
//!
//! Memory: two bytes per lattice point of the box (the caller keeps the box below 2^26 points), plus one plane of
//! `f64` per thread.

use rayon::prelude::*;

/// Marks a column without targets in pass 1.
const FAR: u16 = u16::MAX;

/// The box of lattice points the transform covers: the smallest corner and the extent of the box holding every
/// target and query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Box3 {
    lo: [u32; 3],
    dims: [usize; 3],
}

impl Box3 {
    /// The box of `targets` and `queries`, if the transform can cover it (its extent along axis 0 fits pass 1's
    /// counters; `None` too when both sets are empty).
    pub(crate) fn of(targets: &[[u32; 3]], queries: &[[u32; 3]]) -> Option<Box3> {
        let mut points = targets.iter().chain(queries);
        let first = *points.next()?;
        let (lo, hi) = points.fold((first, first), |(lo, hi), p| {
            ([0, 1, 2].map(|a| lo[a].min(p[a])), [0, 1, 2].map(|a| hi[a].max(p[a])))
        });
        let dims = [0, 1, 2].map(|a| (hi[a] - lo[a]) as usize + 1);
        (dims[0] < usize::from(FAR)).then_some(Box3 { lo, dims })
    }

    /// Number of lattice points.
    pub(crate) fn len(&self) -> usize {
        self.dims.iter().product()
    }
}

/// Distances from every query to the nearest target (`+inf` without targets), in query order. `known_zero` flags
/// queries that lie on the target set (distance 0). Parallel over planes on the current rayon pool.
///
/// `bounds` is [`Box3::of`] these sets.
pub(crate) fn distances(
    targets: &[[u32; 3]],
    queries: &[[u32; 3]],
    known_zero: Option<&[bool]>,
    spacing: [f64; 3],
    bounds: Box3,
) -> Vec<f64> {
    let mut out = vec![f64::INFINITY; queries.len()];
    if queries.is_empty() || targets.is_empty() {
        return out;
    }
    debug_assert_eq!(Box3::of(targets, queries), Some(bounds));
    let Box3 { lo, dims } = bounds;
    let along_0 = nearest_along_axis_0(targets, lo, dims);
    // Queries grouped by plane (they come in lattice order in practice; otherwise sort an index).
    let mut order: Vec<usize> = (0..queries.len()).collect();
    if !queries.windows(2).all(|w| w[0] <= w[1]) {
        order.sort_unstable_by_key(|&i| queries[i]);
    }
    let mut planes: Vec<&[usize]> = Vec::new();
    let mut rest = order.as_slice();
    while let Some(&first) = rest.first() {
        let z = queries[first][0];
        let n = rest.partition_point(|&i| queries[i][0] == z);
        let (plane, tail) = rest.split_at(n);
        planes.push(plane);
        rest = tail;
    }
    let plane_len = dims[1] * dims[2];
    let found: Vec<Vec<f64>> = planes
        .par_iter()
        .map_init(
            || Plane::new(dims),
            |plane, indices| {
                let z = (queries[indices[0]][0] - lo[0]) as usize;
                plane.transform(&along_0[z * plane_len..(z + 1) * plane_len], spacing);
                indices
                    .iter()
                    .map(|&i| {
                        if known_zero.is_some_and(|zero| zero[i]) {
                            return 0.0;
                        }
                        let q = queries[i];
                        let (y, x) = ((q[1] - lo[1]) as usize, (q[2] - lo[2]) as usize);
                        plane.along_row(y, x, spacing[2]).sqrt()
                    })
                    .collect()
            },
        )
        .collect();
    for (indices, values) in planes.iter().zip(found) {
        for (&i, d) in indices.iter().zip(values) {
            out[i] = d;
        }
    }
    out
}

/// For every lattice point of the box, the steps along axis 0 to the nearest target of its column ([`FAR`] where
/// the column has none).
fn nearest_along_axis_0(targets: &[[u32; 3]], lo: [u32; 3], dims: [usize; 3]) -> Vec<u16> {
    let plane = dims[1] * dims[2];
    let mut near = vec![FAR; dims[0] * plane];
    for p in targets {
        let [z, y, x] = [0, 1, 2].map(|a| (p[a] - lo[a]) as usize);
        near[(z * dims[1] + y) * dims[2] + x] = 0;
    }
    // `FAR` stays `FAR`: the extent is below it, so no real count reaches it.
    for z in 1..dims[0] {
        let (before, rest) = near.split_at_mut(z * plane);
        for (n, &p) in rest[..plane].iter_mut().zip(&before[(z - 1) * plane..]) {
            *n = (*n).min(p.saturating_add(1));
        }
    }
    for z in (0..dims[0].saturating_sub(1)).rev() {
        let (head, after) = near.split_at_mut((z + 1) * plane);
        for (n, &p) in head[z * plane..].iter_mut().zip(&after[..plane]) {
            *n = (*n).min(p.saturating_add(1));
        }
    }
    near
}

/// One plane of pass 2: its pass-1 values by column, its pass-2 values by row, and the scratch of two envelopes.
struct Plane {
    dims: [usize; 3],
    /// Pass-1 squared distances, column-major (the envelopes read columns).
    columns: Vec<f64>,
    /// Pass-2 values, row-major (pass 3 reads rows).
    rows: Vec<f64>,
    hulls: [Hull; 2],
}

impl Plane {
    fn new(dims: [usize; 3]) -> Plane {
        Plane {
            dims,
            columns: vec![0.0; dims[1] * dims[2]],
            rows: vec![0.0; dims[1] * dims[2]],
            hulls: [Hull::new(dims[1]), Hull::new(dims[1])],
        }
    }

    /// Pass 2 over one plane of pass-1 steps (row-major).
    fn transform(&mut self, near: &[u16], spacing: [f64; 3]) {
        let (n1, n2) = (self.dims[1], self.dims[2]);
        // Pass-1 squared distances, transposed to columns.
        for (y, row) in near.chunks_exact(n2).enumerate() {
            for (x, &steps) in row.iter().enumerate() {
                let d = f64::from(steps) * spacing[0];
                self.columns[x * n1 + y] = if steps == FAR { f64::INFINITY } else { d * d };
            }
        }
        let s1 = spacing[1];
        let [first, second] = &mut self.hulls;
        let mut pairs = self.columns.chunks_exact(2 * n1);
        for (p, pair) in pairs.by_ref().enumerate() {
            let (a, b) = pair.split_at(n1);
            build_pair((a, first), (b, second), s1);
            first.fill(a, s1, &mut self.rows[2 * p..], n2);
            second.fill(b, s1, &mut self.rows[2 * p + 1..], n2);
        }
        let rest = pairs.remainder();
        if !rest.is_empty() {
            build(rest, first, s1);
            first.fill(rest, s1, &mut self.rows[n2 - 1..], n2);
        }
    }

    /// Pass 3 at `(y, x)`: `min over t of values(y, x + t) + (t·s2)²`, each side outwards until `(t·s2)²` alone
    /// reaches the best value (which only decreases, so the sides can go one after the other).
    fn along_row(&self, y: usize, x: usize, s2: f64) -> f64 {
        let n2 = self.dims[2];
        let row = &self.rows[y * n2..(y + 1) * n2];
        let column = |x: usize| row[x];
        let square = |t: usize| {
            let d = t as f64 * s2;
            d * d
        };
        let mut best = column(x);
        for t in 1..=x {
            let add = square(t);
            if add >= best {
                break;
            }
            let v = column(x - t) + add;
            if v < best {
                best = v;
            }
        }
        for t in 1..n2 - x {
            let add = square(t);
            if add >= best {
                break;
            }
            let v = column(x + t) + add;
            if v < best {
                best = v;
            }
        }
        best
    }
}

/// The lower envelope of the parabolas `g[y'] + ((y − y')·s)²` of one column, for `out[y] = min over y' of …`.
/// Parabola `k` of the envelope: its position `at[k]`, `lifted[k] = g + (at·s)²` (the intersection formula's term),
/// and where it starts to be the lowest, `starts[k]`.
struct Hull {
    at: Vec<usize>,
    lifted: Vec<f64>,
    starts: Vec<f64>,
    /// Index of the last parabola; `None` while the column has no finite value yet.
    last: Option<usize>,
}

impl Hull {
    fn new(n: usize) -> Hull {
        Hull { at: vec![0; n], lifted: vec![0.0; n], starts: vec![0.0; n + 1], last: None }
    }

    /// Adds the parabola of `y` (values in increasing `y`, finite ones only).
    #[inline(always)]
    fn push(&mut self, y: usize, value: f64, s: f64, twice_s_sq: f64) {
        let d = y as f64 * s;
        let lifted_y = value + d * d;
        let Some(mut k) = self.last else {
            self.at[0] = y;
            self.lifted[0] = lifted_y;
            self.starts[0] = f64::NEG_INFINITY;
            self.starts[1] = f64::INFINITY;
            self.last = Some(0);
            return;
        };
        // `starts[0]` is -inf: the loop ends at the first parabola at the latest.
        let mut cross = (lifted_y - self.lifted[k]) / (twice_s_sq * (y - self.at[k]) as f64);
        while cross <= self.starts[k] {
            k -= 1;
            cross = (lifted_y - self.lifted[k]) / (twice_s_sq * (y - self.at[k]) as f64);
        }
        k += 1;
        self.at[k] = y;
        self.lifted[k] = lifted_y;
        self.starts[k] = cross;
        self.starts[k + 1] = f64::INFINITY;
        self.last = Some(k);
    }

    /// `out[y * stride] = min over y' of g[y'] + ((y − y')·s)²` for every `y` of the column (+inf without a finite
    /// value). Within a step of a boundary the parabola beyond it is evaluated too: a boundary shifted by rounding
    /// costs nothing.
    fn fill(&self, g: &[f64], s: f64, out: &mut [f64], stride: usize) {
        let Some(last) = self.last else {
            for y in 0..g.len() {
                out[y * stride] = f64::INFINITY;
            }
            return;
        };
        let value = |y: usize, p: usize| {
            let d = y.abs_diff(p) as f64 * s;
            g[p] + d * d
        };
        let mut k = 0;
        for y in 0..g.len() {
            let position = y as f64;
            while self.starts[k + 1] < position {
                k += 1;
            }
            let mut best = value(y, self.at[k]);
            if k > 0 && position - self.starts[k] < 1.0 {
                best = best.min(value(y, self.at[k - 1]));
            }
            if k < last && self.starts[k + 1] - position < 1.0 {
                best = best.min(value(y, self.at[k + 1]));
            }
            out[y * stride] = best;
        }
    }
}

/// The envelopes of two columns built in one loop: each step waits on a division and a comparison with the
/// previous one, so two independent columns keep the core busy where one leaves it idle.
fn build_pair(a: (&[f64], &mut Hull), b: (&[f64], &mut Hull), s: f64) {
    let twice_s_sq = 2.0 * s * s;
    let ((ga, ha), (gb, hb)) = (a, b);
    ha.last = None;
    hb.last = None;
    for (y, (&va, &vb)) in ga.iter().zip(gb).enumerate() {
        if va.is_finite() {
            ha.push(y, va, s, twice_s_sq);
        }
        if vb.is_finite() {
            hb.push(y, vb, s, twice_s_sq);
        }
    }
}

/// The envelope of one column.
fn build(g: &[f64], hull: &mut Hull, s: f64) {
    let twice_s_sq = 2.0 * s * s;
    hull.last = None;
    for (y, &v) in g.iter().enumerate() {
        if v.is_finite() {
            hull.push(y, v, s, twice_s_sq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::kdtree::tests::{brute_force, lcg};

    /// Every distance equals the brute-force minimum bit for bit.
    fn check(targets: &[[u32; 3]], queries: &[[u32; 3]], spacing: [f64; 3]) {
        let got = distances(targets, queries, None, spacing, Box3::of(targets, queries).unwrap());
        for (q, d) in queries.iter().zip(&got) {
            assert_eq!(*d, brute_force(q, targets, spacing), "{q:?} {spacing:?}");
        }
    }

    #[test]
    fn equals_brute_force_on_random_sets() {
        let mut next = lcg(7);
        for (n, extent, spacing) in [
            (30, [9, 11, 13], [1.0, 1.0, 1.0]),
            (5, [40, 40, 40], [1.0, 1.0, 1.0]),
            (200, [12, 7, 40], [2.0, 0.5, 1.25]),
            (40, [1, 30, 30], [1.0, 0.75, 1.5]),
            (60, [25, 3, 9], [0.3, 4.0, 1.0]),
            (3, [60, 5, 70], [0.7, 0.9, 0.11]),
            (500, [30, 30, 30], [0.7, 0.3, 0.9]),
            (2000, [20, 40, 20], [1.1, 0.1, 3.3]),
        ] {
            let targets: Vec<[u32; 3]> =
                (0..n).map(|_| [next(extent[0]) + 3, next(extent[1]) + 5, next(extent[2])]).collect();
            let mut queries: Vec<[u32; 3]> = (0..600)
                .map(|_| [next(extent[0] + 30), next(extent[1] + 30), next(extent[2] + 30)])
                .collect();
            check(&targets, &queries, spacing);
            queries.sort_unstable();
            check(&targets, &queries, spacing);
        }
    }

    #[test]
    fn known_zero_and_empty_sets() {
        let targets = [[2, 2, 2]];
        let queries = [[2, 2, 2], [0, 0, 0], [2, 2, 7], [2, 2, 40]];
        let bounds = Box3::of(&targets, &queries).unwrap();
        let got = distances(&targets, &queries, Some(&[true, false, false, false]), [1.0; 3], bounds);
        assert_eq!(got, vec![0.0, 12f64.sqrt(), 5.0, 38.0]);
        let bounds = Box3::of(&[], &queries).unwrap();
        assert!(distances(&[], &queries, None, [1.0; 3], bounds).iter().all(|d| d.is_infinite()));
        let bounds = Box3::of(&targets, &[]).unwrap();
        assert_eq!(distances(&targets, &[], None, [1.0; 3], bounds), Vec::<f64>::new());
        assert_eq!(Box3::of(&targets, &queries).map(|b| b.len()), Some(3 * 3 * 41));
        assert_eq!(Box3::of(&[], &[]), None);
        assert_eq!(Box3::of(&[[0, 0, 0]], &[[70_000, 0, 0]]), None);
    }

    #[test]
    fn a_single_plane_and_a_single_row() {
        let targets = [[0, 0, 3], [0, 0, 9]];
        let queries: Vec<[u32; 3]> = (0..14).map(|x| [0, 0, x]).collect();
        check(&targets, &queries, [1.0, 1.0, 0.5]);
    }
}
