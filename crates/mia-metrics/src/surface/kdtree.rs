//! Exact nearest-point distances between two lattice point sets, with a kd-tree (kiddo's `ImmutableKdTree`).
//!
//! Points are integer lattice coordinates; the tree holds them in physical units (index × spacing). The tree finds
//! the nearest target, and the distance is then recomputed from the integer offsets as
//! `sqrt(((Δ0·s0)² + (Δ1·s1)²) + (Δ2·s2)²)`, the exact operation order of scipy's `distance_transform_edt` with
//! `sampling=`, so the values equal the exact Euclidean distance transform that pymia and DeepMind read off.
//!
//! Most surface points lie within a few voxels of the other surface. Before the tree, a query therefore probes a
//! bitmap of the targets at the lattice offsets of a small ball in increasing distance ([`LocalGrid`]: the first hit
//! is exact), and then searches the targets row by row ([`RowGrid`]): blocks of rows along the last axis in
//! increasing distance of their nearest row, each bounded from below by the nearest set bit of its OR-ed rows, the
//! promising ones opened row by row, the nearest set bit of a row by a leading/trailing-zero count, until no closer
//! row remains. That is exact and answers every query whose nearest target lies within the block tables (the whole
//! extent of all but very large target sets); only the others go to the tree.
//!
//! Queries come in lattice order, and each is hinted by a query answered just before it (the previous one, or for
//! the first query of a surface crossing the nearest one of the previous row). The hint's distance bounds the
//! search from below (triangle inequality), and its nearest target, a real target, from above: the probe stops
//! there, and the row search starts from it.
//!
//! When a sample of the queries shows that many lie far from the targets (the probed shell grows with the square of
//! the distance), a distance transform of the targets over the box of both sets answers them instead, at a fixed
//! cost per lattice point and with the same values bit for bit ([`super::edt`]).
//!
//! kiddo's mutable `KdTree` panics when more than a bucket's worth of points share one coordinate (common on a
//! lattice); the immutable tree, built once from a slice, does not. `SquaredEuclidean` yields squared distances.

use kiddo::immutable::float::kdtree::ImmutableKdTree;
use kiddo::SquaredEuclidean;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

/// Queries per rayon task: large enough to amortise scheduling, small enough to balance two cores.
const MIN_QUERIES_PER_TASK: usize = 2048;

type Tree = ImmutableKdTree<f64, u32, 3, 32>;

/// Nearest-point search over a fixed set of lattice points.
pub(crate) struct LatticeTree<'a> {
    /// Built on the first query that neither the probe nor the row search can answer.
    tree: OnceLock<Tree>,
    points: &'a [[u32; 3]],
    spacing: [f64; 3],
    local: Option<(LocalGrid, RowGrid)>,
    /// Lattice points in the bounding box of the targets alone (a lower bound of the transform's box).
    target_box: usize,
}

/// Buckets of the table that finds the first offset beyond a distance.
const BUCKETS: usize = 1024;

/// Most lattice offsets probed before a query goes to the row search.
const MAX_LOCAL_OFFSETS: usize = 2048;

/// A bitmap of the target points and the lattice offsets to probe, sorted by distance.
///
/// The bitmap covers the targets' extent plus a margin of the largest offset below it and twice that above it, so
/// any query up to one margin past the extent probes with one add and one bit test per offset (no bounds checks);
/// queries farther out cannot hit any offset.
struct LocalGrid {
    /// Extent of the targets (one past the largest coordinate per axis).
    dims: [usize; 3],
    /// Margin per axis (the largest |offset| component).
    pad: [usize; 3],
    /// Strides of the padded bitmap, in bits.
    strides: [usize; 3],
    bits: Vec<u64>,
    /// Offsets sorted by distance: their lengths and their steps in the padded bitmap.
    distances: Vec<f64>,
    steps: Vec<isize>,
    offsets: Vec<[i32; 3]>,
    /// The smallest and largest step.
    step_range: (isize, isize),
    /// The offsets' squared lengths (before the square root).
    squares: Vec<f64>,
    /// `bucket_start[b]`: the first offset whose squared length is at least `b / bucket_scale`.
    bucket_start: Vec<usize>,
    bucket_scale: f64,
}

impl LocalGrid {
    fn new(points: &[[u32; 3]], dims: [usize; 3], spacing: [f64; 3]) -> LocalGrid {
        let offsets = cached(&PROBE_TABLES, spacing, || probe_table(spacing));
        let mut pad = [0usize; 3];
        for (o, _) in offsets.iter() {
            for a in 0..3 {
                pad[a] = pad[a].max(o[a].unsigned_abs() as usize);
            }
        }
        let padded = [0, 1, 2].map(|a| dims[a] + 3 * pad[a]);
        let strides = [padded[1] * padded[2], padded[2], 1];
        let mut bits = vec![0u64; (padded[0] * padded[1] * padded[2]).div_ceil(64)];
        for p in points {
            let x = (0..3).map(|a| (p[a] as usize + pad[a]) * strides[a]).sum::<usize>();
            bits[x / 64] |= 1 << (x % 64);
        }
        let steps: Vec<isize> = offsets
            .iter()
            .map(|(o, _)| (0..3).map(|a| o[a] as isize * strides[a] as isize).sum::<isize>())
            .collect();
        let distances: Vec<f64> = offsets.iter().map(|o| o.1).collect();
        let step_range = steps.iter().fold((0, 0), |(lo, hi): (isize, isize), &s| (lo.min(s), hi.max(s)));
        let squares: Vec<f64> = offsets.iter().map(|(o, _)| offset_distance_sq(*o, spacing)).collect();
        let reach_sq = squares.last().map_or(0.0, |&d| d);
        let bucket_scale = if reach_sq > 0.0 { BUCKETS as f64 / reach_sq } else { 0.0 };
        let bucket_start =
            (0..=BUCKETS).map(|b| squares.partition_point(|&d| d < b as f64 / bucket_scale)).collect();
        let offsets = offsets.iter().map(|(o, _)| o.map(|c| c as i32)).collect();
        LocalGrid {
            dims,
            pad,
            strides,
            bits,
            distances,
            steps,
            offsets,
            step_range,
            squares,
            bucket_start,
            bucket_scale,
        }
    }

    /// The index of the first offset whose squared length is at least `x_sq` (the offsets' count if none is).
    fn first_at_least(&self, x_sq: f64) -> usize {
        if x_sq <= 0.0 {
            return 0;
        }
        let bucket = (x_sq * self.bucket_scale) as usize;
        let Some(&start) = self.bucket_start.get(bucket) else {
            return self.squares.len();
        };
        start + self.squares[start..].iter().take_while(|&&d| d < x_sq).count()
    }

    /// The nearest target closer than `√upper_sq` if one lies within the probed offsets: its distance and offset
    /// index. No target is closer than `√lower_sq` (a bound from a neighbouring query), so the offsets below it are
    /// skipped.
    fn nearest(&self, q: &[u32; 3], lower_sq: f64, upper_sq: f64) -> Option<(f64, usize)> {
        if (0..3).any(|a| q[a] as usize >= self.dims[a] + self.pad[a]) {
            // Every target differs from q by more than any offset along that axis.
            return None;
        }
        let first = self.first_at_least(lower_sq);
        let end = self.first_at_least(upper_sq);
        let base = (0..3).map(|a| (q[a] as usize + self.pad[a]) * self.strides[a]).sum::<usize>();
        let bits = self.bits.as_slice();
        let steps = &self.steps[first..end.max(first)];
        // Every probed bit lies inside the bitmap: checked once here instead of once per probe.
        let (lowest, highest) = (base as isize + self.step_range.0, base as isize + self.step_range.1);
        let found = if lowest < 0 || highest as usize / 64 >= bits.len() {
            steps.iter().position(|&step| {
                let x = base.wrapping_add_signed(step);
                bits.get(x / 64).is_some_and(|w| w >> (x % 64) & 1 == 1)
            })
        } else {
            let test = |step: isize| -> u64 {
                let x = base.wrapping_add_signed(step);
                // SAFETY: `lowest <= x <= highest`, and both lie inside the bitmap (checked above).
                unsafe { *bits.get_unchecked(x / 64) >> (x % 64) & 1 }
            };
            // Eight probes at a time with one branch; the first hit in table order is the nearest.
            let mut chunks = steps.chunks_exact(8);
            let mut found = None;
            for (c, chunk) in chunks.by_ref().enumerate() {
                let hits = chunk.iter().enumerate().fold(0u64, |m, (i, &step)| m | test(step) << i);
                if hits != 0 {
                    found = Some(c * 8 + hits.trailing_zeros() as usize);
                    break;
                }
            }
            found.or_else(|| {
                let done = steps.len() - chunks.remainder().len();
                chunks.remainder().iter().position(|&step| test(step) == 1).map(|i| done + i)
            })
        };
        found.map(|i| (self.distances[first + i], first + i))
    }

    /// The target at offset `k` from `q`.
    fn target(&self, q: &[u32; 3], k: usize) -> [u32; 3] {
        let o = self.offsets[k];
        [0, 1, 2].map(|a| q[a].wrapping_add_signed(o[a]))
    }

    /// The largest probed squared distance: a query whose nearest target is farther goes to the row search.
    fn reach_sq(&self) -> f64 {
        self.squares.last().map_or(0.0, |&d| d)
    }
}

/// About this many blocks of rows in each search table; queries whose nearest target lies farther go to the tree.
const MAX_BLOCK_OFFSETS: usize = 4096;

/// Rows per block side: blocks of `BLOCK × BLOCK` rows (axes 0 and 1).
const BLOCK: usize = 4;

/// The targets as a bitmap of rows along the last axis, and blocks of `BLOCK × BLOCK` rows OR-ed together.
///
/// The squared distance from `q` to its nearest target is `min over rows (Δ0, Δ1) of ((Δ0·s0)² + (Δ1·s1)²) +
/// (Δ2·s2)²`, where `Δ2` is the distance along the row from `q`'s position to the row's nearest set bit, which
/// leading/trailing-zero counts find in a word or two. The search visits blocks of rows in increasing distance of
/// their nearest row and stops once that alone reaches the best candidate. A block's OR-ed row gives a lower bound
/// for all its rows (nearest row distance plus nearest bit of any row), so only blocks that can beat the best
/// candidate are opened row by row. A target at distance `d` costs about `π·d²/16` block visits plus a few opened
/// blocks, with no bound on the distance along the rows.
struct RowGrid {
    /// Extent of the targets (one past the largest coordinate per axis).
    dims: [usize; 3],
    /// Extent in blocks along axes 0 and 1.
    block_dims: [usize; 2],
    /// Words per row (the last axis padded to a multiple of 64 bits).
    words: usize,
    bits: Vec<u64>,
    /// The OR of each block's rows.
    blocks: Vec<u64>,
    /// Block offsets by the query's position inside its block ([`block_tables`]).
    tables: Arc<BlockTables>,
    /// Whether the tables hold every block offset within the extent (so a query inside it never needs the tree).
    covers_extent: bool,
    spacing: [f64; 3],
}

impl RowGrid {
    fn new(points: &[[u32; 3]], dims: [usize; 3], spacing: [f64; 3]) -> RowGrid {
        let words = dims[2].div_ceil(64);
        let block_dims = [dims[0].div_ceil(BLOCK), dims[1].div_ceil(BLOCK)];
        let mut bits = vec![0u64; dims[0] * dims[1] * words];
        let mut blocks = vec![0u64; block_dims[0] * block_dims[1] * words];
        for p in points {
            let (z, y, x) = (p[0] as usize, p[1] as usize, p[2] as usize);
            let bit = 1 << (x % 64);
            bits[(z * dims[1] + y) * words + x / 64] |= bit;
            blocks[((z / BLOCK) * block_dims[1] + y / BLOCK) * words + x / 64] |= bit;
        }
        let tables = cached(&BLOCK_TABLES, spacing, || block_tables(spacing));
        let extent = [0, 1].map(|a| dims[a].saturating_sub(1) as f64 * spacing[a]);
        // Every block offset within the extent is in the tables: a query inside the extent never needs the tree.
        let covers_extent = extent[0] * extent[0] + extent[1] * extent[1] < tables.complete_sq;
        RowGrid { dims, block_dims, words, bits, blocks, tables, covers_extent, spacing }
    }

    /// The exact nearest target and its squared distance, unless it lies beyond the tables (then `None`: ask the
    /// tree). `best` is a target known from a neighbouring query with its squared distance (or +inf): it bounds
    /// the search from the start and is the answer when no row holds a closer one.
    fn nearest(&self, q: &[u32; 3], best: (f64, [u32; 3])) -> Option<(f64, [u32; 3])> {
        let [s0, s1, s2] = self.spacing;
        let (mut best_sq, mut best_at) = best;
        let (qz, qy, qx) = (q[0] as usize, q[1] as usize, q[2] as usize);
        let table = &self.tables.by_position[(qz % BLOCK) * BLOCK + qy % BLOCK];
        let (bz, by) = ((qz / BLOCK) as i64, (qy / BLOCK) as i64);
        for &(b0, b1, p_min) in table.iter() {
            if p_min >= best_sq {
                // Every block that could hold a closer row was visited; the rest (in the table or beyond it) are
                // farther.
                return Some((best_sq, best_at));
            }
            let (z0, y0) = (bz + i64::from(b0), by + i64::from(b1));
            if z0 < 0 || y0 < 0 || z0 as usize >= self.block_dims[0] || y0 as usize >= self.block_dims[1] {
                continue;
            }
            let start = (z0 as usize * self.block_dims[1] + y0 as usize) * self.words;
            let Some(x) = nearest_in_row(&self.blocks[start..start + self.words], qx) else {
                continue;
            };
            let t = x.abs_diff(qx) as f64 * s2;
            if p_min + t * t >= best_sq {
                continue;
            }
            // Open the block: its rows, each with its exact row distance.
            let (z0, y0) = (z0 as usize * BLOCK, y0 as usize * BLOCK);
            for z in z0..(z0 + BLOCK).min(self.dims[0]) {
                let a = (z as f64 - qz as f64) * s0;
                for y in y0..(y0 + BLOCK).min(self.dims[1]) {
                    let b = (y as f64 - qy as f64) * s1;
                    let p = a * a + b * b;
                    if p >= best_sq {
                        continue;
                    }
                    let start = (z * self.dims[1] + y) * self.words;
                    if let Some(x) = nearest_in_row(&self.bits[start..start + self.words], qx) {
                        let t = x.abs_diff(qx) as f64 * s2;
                        let candidate = p + t * t;
                        if candidate < best_sq {
                            best_sq = candidate;
                            best_at = [z as u32, y as u32, x as u32];
                        }
                    }
                }
            }
        }
        // The whole table was visited: exact if no block beyond it can be closer.
        let inside = qz < self.dims[0] && qy < self.dims[1];
        (best_sq.is_finite() && (best_sq <= self.tables.complete_sq || (self.covers_extent && inside)))
            .then_some((best_sq, best_at))
    }
}

/// The set bit `i` of `row` nearest to `x` (the smaller on a tie). Rows are a few words long: scanning one whole
/// costs less than bounding the scan by a distance.
fn nearest_in_row(row: &[u64], x: usize) -> Option<usize> {
    let n = row.len() * 64;
    // At or after x.
    let mut after = None;
    let mut w = x / 64;
    if w < row.len() {
        let mut word = row[w] & (u64::MAX << (x % 64));
        while word == 0 && w + 1 < row.len() {
            w += 1;
            word = row[w];
        }
        if word != 0 {
            after = Some(w * 64 + word.trailing_zeros() as usize);
        }
    }
    if after == Some(x) {
        return after;
    }
    // Before x (or the last bits when x lies past the row).
    let Some(from) = x.checked_sub(1).map(|b| b.min(n - 1)) else {
        return after;
    };
    let mut w = from / 64;
    let mut word = row[w] & (u64::MAX >> (63 - from % 64));
    while word == 0 && w > 0 {
        w -= 1;
        word = row[w];
    }
    let before = (word != 0).then(|| w * 64 + 63 - word.leading_zeros() as usize);
    match (after, before) {
        (Some(a), Some(b)) => Some(if b.abs_diff(x) <= a - x { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Every lattice offset within a ball of about MAX_LOCAL_OFFSETS lattice points (at least the 26-neighbourhood),
/// sorted by distance. A probe costs a bit test, a row search about as much as a hundred.
fn probe_table(spacing: [f64; 3]) -> Vec<([i64; 3], f64)> {
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
    offsets.sort_unstable_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
    if offsets.len() > MAX_LOCAL_OFFSETS {
        // Keep a prefix that is complete up to its largest distance.
        let cut = offsets[MAX_LOCAL_OFFSETS].1;
        offsets.retain(|o| o.1 < cut);
    }
    offsets
}

/// Block offsets `(B0, B1, p_min)` for a query at each position `(r0, r1)` inside its block (index `r0·BLOCK + r1`),
/// sorted by `p_min`, the squared distance from the query's row to the nearest row of the block; every table holds
/// all blocks with `p_min ≤ complete_sq`.
struct BlockTables {
    by_position: Vec<Vec<(i32, i32, f64)>>,
    complete_sq: f64,
}

fn block_tables(spacing: [f64; 3]) -> BlockTables {
    let b = BLOCK as i64;
    let complete_sq =
        MAX_BLOCK_OFFSETS as f64 * (BLOCK * BLOCK) as f64 / std::f64::consts::PI * spacing[0] * spacing[1];
    let radius = complete_sq.sqrt();
    let reach = [0, 1].map(|a| (radius / (spacing[a] * BLOCK as f64)).floor() as i64 + 2);
    // Rows between the query's row `r` (inside its block) and the nearest row of the block `k` blocks away.
    let gap = |k: i64, r: i64| -> i64 {
        match k.cmp(&0) {
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => k * b - r,
            std::cmp::Ordering::Less => r - (k * b + b - 1),
        }
    };
    let by_position = (0..b * b)
        .map(|position| {
            let (r0, r1) = (position / b, position % b);
            let mut table = Vec::new();
            for k0 in -reach[0]..=reach[0] {
                for k1 in -reach[1]..=reach[1] {
                    let (a, c) = (gap(k0, r0) as f64 * spacing[0], gap(k1, r1) as f64 * spacing[1]);
                    let p_min = a * a + c * c;
                    if p_min <= complete_sq {
                        table.push((k0 as i32, k1 as i32, p_min));
                    }
                }
            }
            table.sort_unstable_by(|x, y| x.2.total_cmp(&y.2).then((x.0, x.1).cmp(&(y.0, y.1))));
            table
        })
        .collect();
    BlockTables { by_position, complete_sq }
}

/// Search tables depend on the spacing only: each is computed once per spacing and shared (a few per process).
type Cache<T> = Mutex<Vec<([u64; 3], Arc<T>)>>;
static PROBE_TABLES: Cache<Vec<([i64; 3], f64)>> = Mutex::new(Vec::new());
static BLOCK_TABLES: Cache<BlockTables> = Mutex::new(Vec::new());

fn cached<T>(cache: &Cache<T>, spacing: [f64; 3], make: impl FnOnce() -> T) -> Arc<T> {
    const KEEP: usize = 8;
    let key = spacing.map(f64::to_bits);
    // A poisoned lock only means another thread panicked while holding it; the entries are still whole.
    let mut entries = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, table)) = entries.iter().find(|(k, _)| *k == key) {
        return Arc::clone(table);
    }
    let table = Arc::new(make());
    if entries.len() == KEEP {
        entries.remove(0);
    }
    entries.push((key, Arc::clone(&table)));
    table
}

/// One past the largest coordinate of `points` per axis, and the number of lattice points in their bounding box.
fn extent(points: &[[u32; 3]]) -> ([usize; 3], usize) {
    let mut dims = [0usize; 3];
    let mut lo = [usize::MAX; 3];
    for p in points {
        for a in 0..3 {
            dims[a] = dims[a].max(p[a] as usize + 1);
            lo[a] = lo[a].min(p[a] as usize);
        }
    }
    let boxed = if points.is_empty() { 0 } else { (0..3).map(|a| dims[a] - lo[a]).product() };
    (dims, boxed)
}

/// Exact length of a lattice offset, in scipy's operation order.
fn offset_distance(o: [i64; 3], spacing: [f64; 3]) -> f64 {
    offset_distance_sq(o, spacing).sqrt()
}

/// The square of [`offset_distance`] (before its square root).
fn offset_distance_sq(o: [i64; 3], spacing: [f64; 3]) -> f64 {
    let d = |axis: usize| o[axis] as f64 * spacing[axis];
    let (d0, d1, d2) = (d(0), d(1), d(2));
    (d0 * d0 + d1 * d1) + d2 * d2
}

impl<'a> LatticeTree<'a> {
    /// Builds the tree over `points` (lattice coordinates) for the given spacing.
    pub(crate) fn new(points: &'a [[u32; 3]], spacing: [f64; 3]) -> LatticeTree<'a> {
        let (dims, target_box) = extent(points);
        let local = (!points.is_empty())
            .then(|| (LocalGrid::new(points, dims, spacing), RowGrid::new(points, dims, spacing)));
        LatticeTree { tree: OnceLock::new(), points, spacing, local, target_box }
    }

    /// Exact distance from `query` to the nearest point of the tree (+inf if the tree is empty).
    #[cfg(test)]
    pub(crate) fn nearest_distance(&self, query: &[u32; 3]) -> f64 {
        self.nearest_after(query, &[]).distance
    }

    /// The nearest target of `query`, hinted by queries answered before it (nearby ones in practice).
    ///
    /// By the triangle inequality, a hint `h` with nearest target `t_h` at distance `d_h` bounds the distance from
    /// below by `d_h − |query − h|`, and from above by `|query − t_h|`, the exact distance of a real target. The
    /// search then only looks for a target between the two: offsets below the lower bound are skipped, and the
    /// hint's target is the answer if nothing closer turns up.
    fn nearest_after(&self, query: &[u32; 3], hints: &[Found]) -> Found {
        let Some((near, rows)) = &self.local else {
            return Found { point: *query, distance: f64::INFINITY, target: *query };
        };
        let mut lower = 0.0f64;
        let mut best = (f64::INFINITY, *query);
        for h in hints {
            // A margin for rounding: the lower bound only prunes, it never decides a distance. The step to a
            // neighbour along the row needs no square root.
            let step = if h.point[..2] == query[..2] {
                f64::from(h.point[2].abs_diff(query[2])) * self.spacing[2]
            } else {
                lattice_distance(query, &h.point, self.spacing)
            };
            lower = lower.max(h.distance - step - 1e-9 * (1.0 + h.distance));
            let sq = lattice_distance_sq(query, &h.target, self.spacing);
            if sq < best.0 {
                best = (sq, h.target);
            }
        }
        let lower_sq = if lower > 0.0 { lower * lower } else { 0.0 };
        if lower_sq <= near.reach_sq() {
            if let Some((distance, k)) = near.nearest(query, lower_sq, best.0) {
                return Found { point: *query, distance, target: near.target(query, k) };
            }
            if best.0 <= near.reach_sq() {
                // Every offset closer than the hint's target was probed.
                return Found { point: *query, distance: best.0.sqrt(), target: best.1 };
            }
        }
        if let Some((sq, target)) = rows.nearest(query, best) {
            return Found { point: *query, distance: sq.sqrt(), target };
        }
        let tree = self.tree.get_or_init(|| {
            let physical: Vec<[f64; 3]> = self.points.iter().map(|p| physical(p, self.spacing)).collect();
            Tree::new_from_slice(&physical)
        });
        let found = tree.nearest_one::<SquaredEuclidean>(&physical(query, self.spacing));
        let target = self.points[found.item as usize];
        Found { point: *query, distance: lattice_distance(query, &target, self.spacing), target }
    }

    /// Distances of a run of queries in lattice order, appended to `out`. Each query is hinted by the one before it
    /// and, unless that one is its neighbour along the row, by the nearest query of the row before (same plane,
    /// previous row), so that the first query of each surface crossing also starts from a bound. `known_zero`
    /// flags queries on the target set (distance 0, no search).
    pub(crate) fn nearest_run(&self, queries: &[[u32; 3]], known_zero: Option<&[bool]>, out: &mut Vec<f64>) {
        let mut found: Vec<Found> = Vec::with_capacity(queries.len());
        // The queries of the current row start at `row_start`; those of the row before it (when it is the previous
        // row of the same plane) are `above`, and `j` walks them along with the current query.
        let mut row_start = 0;
        let mut above = 0..0;
        let mut j = 0;
        for (i, q) in queries.iter().enumerate() {
            if i > 0 && queries[i - 1][..2] != q[..2] {
                let p = &queries[i - 1];
                above = if p[0] == q[0] && p[1] + 1 == q[1] { row_start..i } else { 0..0 };
                j = above.start;
                row_start = i;
            }
            let f = if known_zero.is_some_and(|z| z[i]) {
                Found { point: *q, distance: 0.0, target: *q }
            } else {
                let mut hints = [Found::NONE; 2];
                let mut n = 0;
                if let Some(prev) = found.last() {
                    hints[0] = *prev;
                    n = 1;
                }
                let adjacent = i > row_start && queries[i - 1][2] + 1 == q[2];
                if !adjacent && !above.is_empty() {
                    while j + 1 < above.end && queries[j + 1][2] <= q[2] {
                        j += 1;
                    }
                    let k = if j + 1 < above.end && queries[j + 1][2] - q[2] < q[2].abs_diff(queries[j][2]) {
                        j + 1
                    } else {
                        j
                    };
                    hints[n] = found[k];
                    n += 1;
                }
                self.nearest_after(q, &hints[..n])
            };
            found.push(f);
            out.push(f.distance);
        }
    }

    /// Whether the distance transform ([`super::edt`]) costs less than the search for these queries.
    ///
    /// The search costs about `45 + 5.7·m` ns per query, `m` the mean squared distance in units of the smallest
    /// spacing (the probed shell grows with the distance's square); the transform about 15 ns per lattice point of
    /// the box of both sets and 10 ns per query (fitted on the pymia example cohort, Zen 4). `m` comes from a
    /// sample: 16 runs of 64 consecutive queries spread over the list, so the choice depends on the data alone.
    /// Returns the transform's box when it does.
    fn transform_pays(&self, queries: &[[u32; 3]]) -> Option<super::edt::Box3> {
        const RUNS: usize = 16;
        const RUN: usize = 64;
        if queries.len() < 16 * RUNS * RUN || self.points.is_empty() {
            return None;
        }
        let unit = self.spacing.iter().copied().fold(f64::INFINITY, f64::min);
        let (mut sum, mut count) = (0.0, 0usize);
        let mut found = Vec::with_capacity(RUN);
        for r in 0..RUNS {
            let start = r * (queries.len() - RUN) / (RUNS - 1);
            found.clear();
            self.nearest_run(&queries[start..start + RUN], None, &mut found);
            for d in found.iter().map(|d| d / unit).filter(|d| d.is_finite()) {
                sum += d * d;
                count += 1;
            }
        }
        let mean_sq = sum / count.max(1) as f64;
        let search = queries.len() as f64 * (45.0 + 5.7 * mean_sq);
        let transform = |points: usize| 15.0 * points as f64 + 10.0 * queries.len() as f64;
        // The box of both sets holds the targets' box: when even that costs more, the box is not computed.
        if transform(self.target_box) >= search {
            return None;
        }
        // The transform holds two bytes per lattice point of the box: at most 128 MiB.
        let bounds = super::edt::Box3::of(self.points, queries).filter(|b| b.len() <= 1 << 26)?;
        (transform(bounds.len()) < search).then_some(bounds)
    }

    /// Distances from every query to its nearest tree point, in query order, in parallel on the current rayon pool.
    /// Queries flagged in `known_zero` lie on the target set themselves (distance 0, no search).
    pub(crate) fn nearest_distances(&self, queries: &[[u32; 3]], known_zero: Option<&[bool]>) -> Vec<f64> {
        debug_assert!(known_zero.is_none_or(|z| z.len() == queries.len()));
        if let Some(bounds) = self.transform_pays(queries) {
            return super::edt::distances(self.points, queries, known_zero, self.spacing, bounds);
        }
        queries
            .par_chunks(MIN_QUERIES_PER_TASK)
            .enumerate()
            .flat_map_iter(|(c, q)| {
                let start = c * MIN_QUERIES_PER_TASK;
                let mut out = Vec::with_capacity(q.len());
                self.nearest_run(q, known_zero.map(|z| &z[start..start + q.len()]), &mut out);
                out
            })
            .collect()
    }
}

/// An answered query: its nearest target and the distance to it.
#[derive(Clone, Copy)]
struct Found {
    point: [u32; 3],
    distance: f64,
    target: [u32; 3],
}

impl Found {
    const NONE: Found = Found { point: [0; 3], distance: f64::INFINITY, target: [0; 3] };
}

/// Physical coordinates of a lattice point.
fn physical(p: &[u32; 3], spacing: [f64; 3]) -> [f64; 3] {
    [f64::from(p[0]) * spacing[0], f64::from(p[1]) * spacing[1], f64::from(p[2]) * spacing[2]]
}

/// Exact Euclidean distance between two lattice points, in scipy's operation order.
pub(crate) fn lattice_distance(a: &[u32; 3], b: &[u32; 3], spacing: [f64; 3]) -> f64 {
    lattice_distance_sq(a, b, spacing).sqrt()
}

/// The square of [`lattice_distance`] (before its square root).
fn lattice_distance_sq(a: &[u32; 3], b: &[u32; 3], spacing: [f64; 3]) -> f64 {
    offset_distance_sq([0, 1, 2].map(|x| i64::from(a[x]) - i64::from(b[x])), spacing)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A deterministic generator of numbers below `m`.
    pub(crate) fn lcg(mut state: u64) -> impl FnMut(u64) -> u32 {
        move |m| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) % m) as u32
        }
    }

    /// The exact distance from `q` to the nearest of `points`, by trying them all.
    pub(crate) fn brute_force(q: &[u32; 3], points: &[[u32; 3]], spacing: [f64; 3]) -> f64 {
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
    fn local_search_agrees_with_the_tree() {
        let mut next = lcg(99);
        let points: Vec<[u32; 3]> = (0..400).map(|_| [next(12), next(12), next(70)]).collect();
        for spacing in [[1.0, 1.0, 1.0], [2.5, 0.8, 0.5], [10.0, 0.1, 1.0], [0.3, 0.4, 7.0]] {
            let tree = LatticeTree::new(&points, spacing);
            let (near, grid) = tree.local.as_ref().expect("grid");
            assert_eq!(grid.tables.by_position.len(), BLOCK * BLOCK);
            assert!(near.steps.len() <= MAX_LOCAL_OFFSETS);
            for _ in 0..300 {
                // Queries inside and outside the targets' extent, also past the end of the rows.
                let q = [next(16), next(16), next(140)];
                let want = brute_force(&q, &points, spacing);
                assert_eq!(tree.nearest_distance(&q), want, "{q:?} {spacing:?}");
                match grid.nearest(&q, (f64::INFINITY, q)) {
                    Some((sq, at)) => {
                        assert_eq!(sq.sqrt(), want);
                        assert_eq!(lattice_distance(&q, &at, spacing), want);
                        assert!(points.contains(&at));
                    }
                    // Only a query outside the extent of axes 0 and 1 may need rows beyond the table.
                    None => assert!(q[0] >= 12 || q[1] >= 12, "{q:?}"),
                }
                if let Some((d, k)) = near.nearest(&q, 0.0, f64::INFINITY) {
                    assert_eq!(d, want);
                    assert!(points.contains(&near.target(&q, k)));
                }
            }
        }
    }

    #[test]
    fn nearest_in_row_finds_the_closest_bit() {
        let mut next = lcg(3);
        for _ in 0..200 {
            let words = 1 + next(4) as usize;
            let mut row = vec![0u64; words];
            for _ in 0..next(6) {
                let i = next(64 * words as u64) as usize;
                row[i / 64] |= 1 << (i % 64);
            }
            let x = next(64 * words as u64 + 80) as usize;
            let want =
                (0..64 * words).filter(|&i| row[i / 64] >> (i % 64) & 1 == 1).map(|i| i.abs_diff(x)).min();
            let got = nearest_in_row(&row, x);
            assert_eq!(got.map(|i| i.abs_diff(x)), want, "{row:?} x={x}");
            assert!(got.is_none_or(|i| row[i / 64] >> (i % 64) & 1 == 1));
        }
    }

    #[test]
    fn targets_beyond_the_table_fall_back_to_the_tree() {
        // An extent larger than the row table: two clusters far apart along axes 0 and 1.
        let mut points: Vec<[u32; 3]> = Vec::new();
        for i in 0..3 {
            points.push([i, 0, 5]);
            points.push([400 + i, 390, 7]);
        }
        let tree = LatticeTree::new(&points, [1.0, 1.0, 1.0]);
        let (_, grid) = tree.local.as_ref().expect("grid");
        assert!(!grid.covers_extent);
        for q in [[200, 200, 6], [0, 1, 5], [399, 380, 0], [5, 300, 3]] {
            assert_eq!(tree.nearest_distance(&q), brute_force(&q, &points, [1.0, 1.0, 1.0]));
        }
        assert!(grid.nearest(&[200, 200, 6], (f64::INFINITY, [0; 3])).is_none());
    }

    #[test]
    fn empty_tree_gives_infinity() {
        let tree = LatticeTree::new(&[], [1.0, 1.0, 1.0]);
        assert_eq!(tree.nearest_distance(&[1, 2, 3]), f64::INFINITY);
        assert_eq!(tree.nearest_distances(&[[0, 0, 0]], Some(&[false])), vec![f64::INFINITY]);
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
            let got = tree.nearest_distances(&queries, Some(&zero));
            for (q, d) in queries.iter().zip(&got) {
                assert_eq!(*d, brute_force(q, &points, spacing), "{q:?} {spacing:?}");
            }
        }
    }

    #[test]
    fn surface_like_runs_match_brute_force() {
        // Two offset sphere shells in lattice order: the queries of a row follow each other, rows follow rows, so
        // both hints (the previous query and the row before) and the hint targets' upper bounds are exercised,
        // with targets from 0 to about 20 voxels away (past the probe's reach, into the row search).
        let shell = |c: [f64; 3], r: f64, n: u32| -> Vec<[u32; 3]> {
            let mut v = Vec::new();
            for a in 0..n {
                for b in 0..n {
                    for x in 0..n {
                        let d =
                            [a, b, x].iter().zip(c).map(|(&i, c)| (f64::from(i) - c).powi(2)).sum::<f64>();
                        if (d.sqrt() - r).abs() < 0.9 {
                            v.push([a, b, x]);
                        }
                    }
                }
            }
            v
        };
        let queries = shell([20.0, 21.0, 22.0], 15.0, 44);
        let mut targets = shell([23.0, 19.0, 24.5], 9.0, 44);
        targets.extend(shell([30.0, 30.0, 8.0], 2.0, 44));
        let zero: Vec<bool> = queries.iter().map(|q| targets.contains(q)).collect();
        for spacing in [[1.0, 1.0, 1.0], [2.0, 0.9, 0.7], [0.5, 1.5, 3.0]] {
            let tree = LatticeTree::new(&targets, spacing);
            let got = tree.nearest_distances(&queries, Some(&zero));
            let mut unhinted = Vec::new();
            tree.nearest_run(&queries, None, &mut unhinted);
            for (i, q) in queries.iter().enumerate() {
                let want = brute_force(q, &targets, spacing);
                assert_eq!(got[i], want, "{q:?} {spacing:?}");
                assert_eq!(unhinted[i], want, "{q:?} {spacing:?}");
            }
        }
    }

    #[test]
    fn known_zero_skips_the_search() {
        let tree = LatticeTree::new(&[[9, 9, 9]], [1.0, 1.0, 1.0]);
        let d = tree.nearest_distances(&[[9, 9, 9], [0, 9, 9], [9, 9, 9]], Some(&[false, false, true]));
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

    /// The faces of the cube `[lo, hi]³`, in lattice order.
    fn cube_faces(lo: u32, hi: u32) -> Vec<[u32; 3]> {
        let mut points = Vec::new();
        for z in lo..=hi {
            for y in lo..=hi {
                for x in lo..=hi {
                    if [z, y, x].iter().any(|&c| c == lo || c == hi) {
                        points.push([z, y, x]);
                    }
                }
            }
        }
        points
    }

    #[test]
    fn far_queries_take_the_distance_transform_with_the_same_values() {
        // A small cube inside a large one: every query lies 20-40 voxels from the targets.
        let targets = cube_faces(28, 36);
        let queries = cube_faces(0, 64);
        for spacing in [[1.0, 1.0, 1.0], [1.2, 0.7, 0.9]] {
            let tree = LatticeTree::new(&targets, spacing);
            assert!(tree.transform_pays(&queries).is_some());
            let got = tree.nearest_distances(&queries, None);
            for (q, d) in queries.iter().zip(&got).step_by(7) {
                assert_eq!(*d, tree.nearest_after(q, &[]).distance, "{q:?}");
                assert_eq!(*d, brute_force(q, &targets, spacing), "{q:?}");
            }
            // The other way round, every query is close to its targets: the search answers.
            let tree = LatticeTree::new(&queries, spacing);
            assert!(tree.transform_pays(&cube_faces(1, 63)).is_none());
        }
    }
}
