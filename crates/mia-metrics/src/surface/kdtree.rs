//! Exact nearest-point distances between two lattice point sets, with a kd-tree (kiddo's `ImmutableKdTree`).
//!
//! Points are integer lattice coordinates; the tree holds them in physical units (index × spacing). The tree finds
//! the nearest target, and the distance is then recomputed from the integer offsets as
//! `sqrt(((Δ0·s0)² + (Δ1·s1)²) + (Δ2·s2)²)`, the exact operation order of scipy's `distance_transform_edt` with
//! `sampling=`, so the values equal the exact Euclidean distance transform that pymia and DeepMind read off.
//!
//! Most surface points lie within a voxel or two of the other surface. Before the tree, a query therefore probes a
//! bitmap of the target lattice at the offsets of its 26-neighbourhood ball, in increasing distance order: the first
//! hit is the exact nearest distance (every closer lattice offset was probed before it); only queries without a
//! target that close go to the tree.
//!
//! kiddo's mutable `KdTree` panics when more than a bucket's worth of points share one coordinate (common on a
//! lattice); the immutable tree, built once from a slice, does not. `SquaredEuclidean` yields squared distances.

use kiddo::immutable::float::kdtree::ImmutableKdTree;
use kiddo::SquaredEuclidean;
use std::sync::OnceLock;

use rayon::prelude::*;

/// Queries per rayon task: large enough to amortise scheduling, small enough to balance two cores.
const MIN_QUERIES_PER_TASK: usize = 2048;

type Tree = ImmutableKdTree<f64, u32, 3, 32>;

/// Nearest-point search over a fixed set of lattice points.
pub(crate) struct LatticeTree<'a> {
    /// Built on the first query that the local probe cannot answer.
    tree: OnceLock<Tree>,
    points: &'a [[u32; 3]],
    spacing: [f64; 3],
    local: Option<LocalGrid>,
}

/// Most lattice offsets probed before a query goes to the tree.
const MAX_LOCAL_OFFSETS: usize = 1024;

/// A bitmap of the target points and the lattice offsets to probe, sorted by distance.
struct LocalGrid {
    dims: [usize; 3],
    bits: Vec<u64>,
    offsets: Vec<([i64; 3], f64)>,
}

impl LocalGrid {
    fn new(points: &[[u32; 3]], spacing: [f64; 3]) -> LocalGrid {
        let mut dims = [0usize; 3];
        for p in points {
            for a in 0..3 {
                dims[a] = dims[a].max(p[a] as usize + 1);
            }
        }
        let mut bits = vec![0u64; (dims[0] * dims[1] * dims[2]).div_ceil(64)];
        for p in points {
            let x = (p[0] as usize * dims[1] + p[1] as usize) * dims[2] + p[2] as usize;
            bits[x / 64] |= 1 << (x % 64);
        }
        // Every lattice offset within a ball of about MAX_LOCAL_OFFSETS lattice points (at least the
        // 26-neighbourhood), sorted by distance. A probe costs a bit test, a tree query about as much as a thousand.
        let neighbourhood =
            ((spacing[0] * spacing[0] + spacing[1] * spacing[1]) + spacing[2] * spacing[2]).sqrt();
        let volume = spacing[0] * spacing[1] * spacing[2];
        let ball = (MAX_LOCAL_OFFSETS as f64 * 3.0 / (4.0 * std::f64::consts::PI) * volume).cbrt();
        let radius = neighbourhood.max(ball);
        let reach = spacing.map(|s| (radius / s).floor() as i64);
        let mut offsets = Vec::new();
        for a in -reach[0]..=reach[0] {
            for b in -reach[1]..=reach[1] {
                for c in -reach[2]..=reach[2] {
                    let d = offset_distance([a, b, c], spacing);
                    if d <= radius {
                        offsets.push(([a, b, c], d));
                    }
                }
            }
        }
        offsets.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
        if offsets.len() > MAX_LOCAL_OFFSETS {
            // Keep a prefix that is complete up to its largest distance.
            let cut = offsets[MAX_LOCAL_OFFSETS].1;
            offsets.retain(|o| o.1 < cut);
        }
        LocalGrid { dims, bits, offsets }
    }

    /// The exact nearest distance if a target lies within the probed offsets. No target is closer than `lower`
    /// (a bound from a neighbouring query), so the offsets below it are skipped.
    fn nearest(&self, q: &[u32; 3], lower: f64) -> Option<f64> {
        let [d0, d1, d2] = self.dims;
        let first = if lower > 0.0 { self.offsets.partition_point(|o| o.1 < lower) } else { 0 };
        for (o, d) in &self.offsets[first..] {
            let a = i64::from(q[0]) + o[0];
            let b = i64::from(q[1]) + o[1];
            let c = i64::from(q[2]) + o[2];
            if a < 0 || b < 0 || c < 0 || a as usize >= d0 || b as usize >= d1 || c as usize >= d2 {
                continue;
            }
            let x = (a as usize * d1 + b as usize) * d2 + c as usize;
            if self.bits[x / 64] >> (x % 64) & 1 == 1 {
                return Some(*d);
            }
        }
        None
    }

    /// The largest probed distance: a query whose nearest target is farther goes to the tree.
    fn reach(&self) -> f64 {
        self.offsets.last().map_or(0.0, |o| o.1)
    }
}

/// Exact length of a lattice offset, in scipy's operation order.
fn offset_distance(o: [i64; 3], spacing: [f64; 3]) -> f64 {
    let d = |axis: usize| o[axis] as f64 * spacing[axis];
    let (d0, d1, d2) = (d(0), d(1), d(2));
    ((d0 * d0 + d1 * d1) + d2 * d2).sqrt()
}

impl<'a> LatticeTree<'a> {
    /// Builds the tree over `points` (lattice coordinates) for the given spacing.
    pub(crate) fn new(points: &'a [[u32; 3]], spacing: [f64; 3]) -> LatticeTree<'a> {
        let local = (!points.is_empty()).then(|| LocalGrid::new(points, spacing));
        LatticeTree { tree: OnceLock::new(), points, spacing, local }
    }

    /// Exact distance from `query` to the nearest point of the tree (+inf if the tree is empty).
    #[cfg(test)]
    pub(crate) fn nearest_distance(&self, query: &[u32; 3]) -> f64 {
        self.nearest_after(query, None)
    }

    /// [`Self::nearest_distance`] with the result of a nearby query as a hint: by the triangle inequality no target
    /// is closer than `d_prev − |query − prev|`, which skips the near probes (or all of them) for far queries.
    fn nearest_after(&self, query: &[u32; 3], previous: Option<(&[u32; 3], f64)>) -> f64 {
        let Some(local) = &self.local else {
            return f64::INFINITY;
        };
        let lower = previous.map_or(0.0, |(p, d)| {
            let bound = d - lattice_distance(query, p, self.spacing);
            // Margin for rounding: the bound only skips probes, it never decides a distance.
            bound - 1e-9 * (1.0 + d)
        });
        if lower <= local.reach() {
            if let Some(d) = local.nearest(query, lower) {
                return d;
            }
        }
        let tree = self.tree.get_or_init(|| {
            let physical: Vec<[f64; 3]> = self.points.iter().map(|p| physical(p, self.spacing)).collect();
            Tree::new_from_slice(&physical)
        });
        let found = tree.nearest_one::<SquaredEuclidean>(&physical(query, self.spacing));
        let target = &self.points[found.item as usize];
        lattice_distance(query, target, self.spacing)
    }

    /// Distances of a run of queries (in lattice order, so neighbours follow each other), each hinted by the one
    /// before it; `known_zero` flags queries on the target set (distance 0, no search).
    pub(crate) fn nearest_run<'q>(
        &'q self,
        queries: &'q [[u32; 3]],
        known_zero: Option<&'q [bool]>,
    ) -> impl Iterator<Item = f64> + 'q {
        let mut previous: Option<(&[u32; 3], f64)> = None;
        queries.iter().enumerate().map(move |(i, q)| {
            let zero = known_zero.is_some_and(|z| z[i]);
            let d = if zero { 0.0 } else { self.nearest_after(q, previous) };
            previous = Some((q, d));
            d
        })
    }

    /// Distances from every query to its nearest tree point, in query order, in parallel on the current rayon pool.
    /// Queries flagged in `known_zero` lie on the target set themselves (distance 0, no search).
    pub(crate) fn nearest_distances(&self, queries: &[[u32; 3]], known_zero: &[bool]) -> Vec<f64> {
        debug_assert_eq!(queries.len(), known_zero.len());
        queries
            .par_chunks(MIN_QUERIES_PER_TASK)
            .zip(known_zero.par_chunks(MIN_QUERIES_PER_TASK))
            .flat_map_iter(|(q, z)| self.nearest_run(q, Some(z)).collect::<Vec<f64>>())
            .collect()
    }
}

/// Physical coordinates of a lattice point.
fn physical(p: &[u32; 3], spacing: [f64; 3]) -> [f64; 3] {
    [f64::from(p[0]) * spacing[0], f64::from(p[1]) * spacing[1], f64::from(p[2]) * spacing[2]]
}

/// Exact Euclidean distance between two lattice points, in scipy's operation order.
pub(crate) fn lattice_distance(a: &[u32; 3], b: &[u32; 3], spacing: [f64; 3]) -> f64 {
    offset_distance([0, 1, 2].map(|x| i64::from(a[x]) - i64::from(b[x])), spacing)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic generator of numbers below `m`.
    fn lcg(mut state: u64) -> impl FnMut(u64) -> u32 {
        move |m| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) % m) as u32
        }
    }

    fn brute_force(q: &[u32; 3], points: &[[u32; 3]], spacing: [f64; 3]) -> f64 {
        points.iter().map(|p| lattice_distance(q, p, spacing)).fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn many_collinear_points_do_not_break_the_tree() {
        // 100 points on one line share two coordinates: kiddo's mutable tree would panic here.
        let points: Vec<[u32; 3]> = (0..100).map(|i| [3, 7, i]).collect();
        let tree = LatticeTree::new(&points, [1.0, 1.0, 1.0]);
        for q in [[0, 0, 0], [3, 7, 50], [10, 2, 120], [3, 8, 99]] {
            assert_eq!(tree.nearest_distance(&q), brute_force(&q, &points, [1.0, 1.0, 1.0]));
        }
        // A plane of identical z and many duplicates of x.
        let plane: Vec<[u32; 3]> = (0..40).flat_map(|i| (0..40).map(move |j| [5, i, j % 3])).collect();
        let tree = LatticeTree::new(&plane, [2.0, 0.5, 1.5]);
        for q in [[0, 0, 0], [5, 20, 1], [9, 45, 7]] {
            assert_eq!(tree.nearest_distance(&q), brute_force(&q, &plane, [2.0, 0.5, 1.5]));
        }
    }

    #[test]
    fn local_probe_agrees_with_the_tree() {
        let mut next = lcg(99);
        let points: Vec<[u32; 3]> = (0..400).map(|_| [next(12), next(12), next(12)]).collect();
        for spacing in [[1.0, 1.0, 1.0], [2.5, 0.8, 0.5], [10.0, 0.1, 1.0]] {
            let tree = LatticeTree::new(&points, spacing);
            let grid = tree.local.as_ref().expect("grid");
            assert!(grid.offsets.len() <= MAX_LOCAL_OFFSETS);
            let mut local_hits = 0;
            for _ in 0..300 {
                let q = [next(14), next(14), next(14)];
                let want = brute_force(&q, &points, spacing);
                assert_eq!(tree.nearest_distance(&q), want);
                if let Some(d) = grid.nearest(&q, 0.0) {
                    local_hits += 1;
                    assert_eq!(d, want);
                }
            }
            assert!(local_hits > 0);
        }
    }

    #[test]
    fn empty_tree_gives_infinity() {
        let tree = LatticeTree::new(&[], [1.0, 1.0, 1.0]);
        assert_eq!(tree.nearest_distance(&[1, 2, 3]), f64::INFINITY);
        assert_eq!(tree.nearest_distances(&[[0, 0, 0]], &[false]), vec![f64::INFINITY]);
    }

    #[test]
    fn hinted_runs_match_brute_force() {
        // Sparse targets (many queries farther than the probe reach) and dense runs of lattice-ordered queries, so
        // that the bound from the previous query skips probes, falls back to the tree, and must stay exact.
        let mut next = lcg(7);
        let points: Vec<[u32; 3]> = (0..60).map(|_| [next(40), next(40), next(40)]).collect();
        let mut queries: Vec<[u32; 3]> = Vec::new();
        for a in (0..40).step_by(7) {
            for b in (0..40).step_by(3) {
                for c in 0..40 {
                    queries.push([a, b, c]);
                }
            }
        }
        let zero = vec![false; queries.len()];
        for spacing in [[1.0, 1.0, 1.0], [3.0, 0.7, 0.45], [0.2, 2.5, 1.0]] {
            let tree = LatticeTree::new(&points, spacing);
            let got = tree.nearest_distances(&queries, &zero);
            for (q, d) in queries.iter().zip(&got) {
                assert_eq!(*d, brute_force(q, &points, spacing), "{q:?} {spacing:?}");
            }
        }
    }

    #[test]
    fn known_zero_skips_the_search() {
        let tree = LatticeTree::new(&[[9, 9, 9]], [1.0, 1.0, 1.0]);
        let d = tree.nearest_distances(&[[9, 9, 9], [0, 9, 9], [9, 9, 9]], &[false, false, true]);
        assert_eq!(d, vec![0.0, 9.0, 0.0]);
    }

    #[test]
    fn anisotropic_distances_match_brute_force() {
        let mut state = 12345u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) % 20) as u32
        };
        let points: Vec<[u32; 3]> = (0..300).map(|_| [next(), next(), next()]).collect();
        let spacing = [2.5, 0.8, 0.5];
        let tree = LatticeTree::new(&points, spacing);
        for _ in 0..200 {
            let q = [next(), next(), next()];
            assert_eq!(tree.nearest_distance(&q), brute_force(&q, &points, spacing));
        }
    }
}
