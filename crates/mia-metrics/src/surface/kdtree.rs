//! Exact nearest-point distances between two lattice point sets, with a kd-tree (kiddo's `ImmutableKdTree`).
//!
//! Points are integer lattice coordinates; the tree holds them in physical units (index × spacing). The tree finds
//! the nearest target, and the distance is then recomputed from the integer offsets as
//! `sqrt(((Δ0·s0)² + (Δ1·s1)²) + (Δ2·s2)²)`, the exact operation order of scipy's `distance_transform_edt` with
//! `sampling=`, so the values equal the exact Euclidean distance transform that pymia and DeepMind read off.
//!
//! Most surface points lie within a few voxels of the other surface. Before the tree, a query therefore searches
//! the targets row by row ([`RowGrid`]). Every row along the last axis that holds a target keeps, for each position,
//! the steps to its nearest target as a byte, so a row costs one load: a query visits the rows of a small disc
//! around its own in increasing distance until no closer row remains, and, when its nearest target lies beyond the
//! disc, blocks of rows in increasing distance of their nearest row, each bounded from below by the steps of its
//! OR-ed rows, the promising ones opened row by row. That is exact and answers every query whose nearest target lies
//! within the block tables (the whole extent of all but very large target sets); only the others go to the tree.
//!
//! Queries come in lattice order, and each is hinted by a query answered just before it (the previous one, or for
//! the first query of a surface crossing the nearest one of the previous row). The hint's nearest target, a real
//! target, bounds the search from above: the search stops at it, and a bound beyond the disc sends the query to the
//! blocks at once.
//!
//! When a sample of the queries shows that many lie far from the targets (the rows searched grow with the square of
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
    /// Built on the first query that the row search cannot answer.
    tree: OnceLock<Tree>,
    points: &'a [[u32; 3]],
    spacing: [f64; 3],
    local: Option<RowGrid>,
    /// Lattice points in the bounding box of the targets alone (a lower bound of the transform's box).
    target_box: usize,
}

/// Rows of the disc that a query searches row by row before it goes to the blocks.
const MAX_DISC_ROWS: usize = 128;

/// Rows per block side: blocks of `BLOCK × BLOCK` rows (axes 0 and 1). Blocks of 3 × 3 rows took 3 % fewer
/// instructions than 4 × 4 on `large_256` HDRFDST95 and as many on `brain_multilabel` (stop 19).
const BLOCK: usize = 3;

/// About this many blocks of rows in each search table: the tables reach as far as 4096 blocks of 4 × 4 rows did
/// (about 144 rows at unit spacing); queries whose nearest target lies farther go to the tree.
const MAX_BLOCK_OFFSETS: usize = 65536 / (BLOCK * BLOCK);

/// The largest step a byte of [`Along`] holds; a saturated byte means "this many or more" and the row's bitmap is
/// scanned instead.
const SATURATED: u8 = u8::MAX;

/// The targets as rows along the last axis, and blocks of `BLOCK × BLOCK` rows OR-ed together.
///
/// The squared distance from `q` to its nearest target is `min over rows (Δ0, Δ1) of ((Δ0·s0)² + (Δ1·s1)²) +
/// (Δ2·s2)²`, where `Δ2` is the step along the row from `q`'s position to the row's nearest target. Every row and
/// block that holds a target keeps those steps for every position as bytes ([`Along`]), so a row costs one load.
///
/// A query first visits the rows of a small disc around its own in increasing distance `p` ([`disc_table`]), and
/// stops at the first row with `p` at least the best candidate: most queries lie within a voxel or two of the other
/// set and are answered by a handful of rows. A query not answered inside the disc visits blocks of rows in
/// increasing distance of their nearest row until that alone reaches the best candidate; a block's OR-ed row gives a
/// lower bound for all its rows (nearest row distance plus nearest step of any row), so only blocks that can beat
/// the best candidate are opened row by row. A target at distance `d` costs about `π·d²/BLOCK²` block visits plus a few
/// opened blocks, with no bound on the distance along the rows.
struct RowGrid {
    /// Extent of the targets (one past the largest coordinate per axis).
    dims: [usize; 3],
    /// Extent in blocks along axes 0 and 1.
    block_dims: [usize; 2],
    /// Words per row (the last axis padded to a multiple of 64 bits).
    words: usize,
    bits: Vec<u64>,
    /// Steps along the rows (their table padded by the disc's reach, so that a disc never leaves it), and along the
    /// OR of each block's rows (padded by the block tables' reach; a saturated block is opened, not scanned).
    rows_along: Along,
    blocks_along: Along,
    /// The disc's rows ([`disc_table`]) in increasing distance: their offsets `(Δ0, Δ1)`, their squared distances
    /// `p`, their steps in `rows_along`'s padded table (three arrays, read in step), and the largest distance up to
    /// which the disc is complete.
    disc_offsets: Vec<(i32, i32)>,
    disc_p: Vec<f64>,
    disc_step: Vec<isize>,
    disc_complete_sq: f64,
    /// `step_sq[s] = (s · s2)²`: the last axis' share of a candidate `s` steps along a row; for a saturated byte a
    /// lower bound (`(255 · s2)²`, or 0 when the steps are not stored). `block_sq` likewise for the blocks' rows.
    step_sq: [f64; 256],
    block_sq: [f64; 256],
    /// Block offsets by the query's position inside its block ([`block_tables`]).
    tables: Arc<BlockTables>,
    /// Whether the tables hold every block offset within the extent (so a query inside it never needs the tree).
    covers_extent: bool,
    spacing: [f64; 3],
}

/// A query's walk through the disc: the best squared distance so far, the disc row and steps that gave it, and the
/// next row to visit.
struct DiscSearch {
    best_sq: f64,
    found: Option<(usize, usize)>,
    next: usize,
}

/// Why a walk through the disc ([`RowGrid::disc_pass`]) or the blocks ([`RowGrid::block_pass`]) stopped.
enum PassEnd {
    /// No closer row or block remains.
    Certain,
    /// The table is used up.
    Exhausted,
    /// This entry's lower bound beats the best: the caller looks at it (scans a saturated row, opens a block) and
    /// goes on after it.
    Visit(usize),
}

/// The last axis' share `(steps · s2)²` of a row's candidate from its byte `s`, for a query `beyond` positions past
/// the end of the rows (then `PAST`): `table[s]` for a query within the rows; a saturated byte's share is the
/// table's lower bound either way. The flag is a const parameter so that the common case reads one table entry.
#[derive(Clone, Copy)]
struct Share<'t> {
    table: &'t [f64; 256],
    beyond: usize,
    s2: f64,
}

impl Share<'_> {
    #[inline(always)]
    fn of<const PAST: bool>(self, s: u8) -> f64 {
        if !PAST || s == SATURATED {
            self.table[usize::from(s)]
        } else {
            let t = (usize::from(s) + self.beyond) as f64 * self.s2;
            t * t
        }
    }
}

/// For every position of every non-empty row, the steps to the row's nearest set bit, saturated at [`SATURATED`].
///
/// Rows are indexed `(i0 + pad0) · (n1 + 3·pad1) + (i1 + pad1)` in a table of `n0 + 3·pad0` by `n1 + 3·pad1` rows:
/// a margin of one pad before and two after, all empty. Empty rows share one saturated row at `empty`, so that a
/// search reads every row the same way and tells an empty one only when its saturated bytes could matter.
struct Along {
    /// Per padded row: where its bytes start in `steps` (`empty` for an empty row).
    start: Vec<u32>,
    empty: u32,
    /// Whether the rows' steps are stored (else every non-empty row reads as saturated, and is scanned).
    stored: bool,
    steps: Vec<u8>,
    pad: [usize; 2],
    /// Rows per plane of the padded table.
    stride: usize,
}

impl Along {
    /// The steps of `rows` (`n0 × n1` rows of `words` 64-bit words each, `len ≥ 1` positions). Past `limit` bytes every
    /// non-empty row shares one saturated row instead (its bitmap is then scanned).
    fn new(rows: &[u64], n: [usize; 2], words: usize, len: usize, pad: [usize; 2], limit: usize) -> Along {
        let stride = n[1] + 3 * pad[1];
        let filled = |r: &[u64]| r.iter().any(|&w| w != 0);
        let count = rows.chunks_exact(words).filter(|r| filled(r)).count();
        let stored = count * len <= limit && (count + 1) * len < u32::MAX as usize;
        // Stored rows are overwritten whole; the shared rows (all non-empty rows when not stored, and the empty
        // rows') are saturated.
        let shared = if stored { count } else { 1 };
        // `OVERRUN` bytes past the empty row: the writes of a row's steps may run that far past its end.
        let mut steps = vec![SATURATED; (shared + 1) * len + OVERRUN];
        let empty = (shared * len) as u32;
        let mut start = vec![empty; (n[0] + 3 * pad[0]) * stride];
        let mut next = 0;
        for (i, row) in rows.chunks_exact(words).enumerate() {
            if !filled(row) {
                continue;
            }
            let (i0, i1) = (i / n[1], i % n[1]);
            let at = if stored {
                fill_steps(row, &mut steps[next..next + len + OVERRUN], len);
                next += len;
                next - len
            } else {
                0
            };
            start[(i0 + pad[0]) * stride + i1 + pad[1]] = at as u32;
        }
        // The last stored row's writes may have run into the empty row.
        steps[empty as usize..].fill(SATURATED);
        Along { start, empty, stored, steps, pad, stride }
    }

    /// `(s · s2)²` for every byte `s`; for a saturated one a lower bound of what it stands for (`(255 · s2)²`, or 0
    /// when the steps are not stored).
    fn step_squares(&self, s2: f64) -> [f64; 256] {
        std::array::from_fn(|s| {
            let t = s as f64 * s2;
            if s == usize::from(SATURATED) && !self.stored {
                0.0
            } else {
                t * t
            }
        })
    }

    /// The index of row `(i0, i1)` in the padded table.
    #[inline]
    fn index(&self, i0: usize, i1: usize) -> usize {
        (i0 + self.pad[0]) * self.stride + i1 + self.pad[1]
    }
}

/// How far past its end the steps of a row may be written ([`fill_steps`] writes blocks of this many bytes).
const OVERRUN: usize = 32;

/// Ramps of steps: `UP[i] = min(i, 255)` and `DOWN[i] = 255 − i` (then zeros), each a block longer than a byte's
/// reach so that a ramp is copied in whole blocks.
const UP: [u8; 256 + OVERRUN] = {
    let mut r = [SATURATED; 256 + OVERRUN];
    let mut i = 0;
    while i < 256 {
        r[i] = i as u8;
        i += 1;
    }
    r
};
const DOWN: [u8; 256 + OVERRUN] = {
    let mut r = [0u8; 256 + OVERRUN];
    let mut i = 0;
    while i < 256 {
        r[i] = 255 - i as u8;
        i += 1;
    }
    r
};

/// `TENT[g][i] = min(i, g − i)` for `i ≤ g`: the steps between two set bits `g < OVERRUN` apart (then zeros).
const TENT: [[u8; OVERRUN]; OVERRUN] = {
    let mut t = [[0u8; OVERRUN]; OVERRUN];
    let mut g = 0;
    while g < OVERRUN {
        let mut i = 0;
        while i <= g {
            t[g][i] = if i < g - i { i } else { g - i } as u8;
            i += 1;
        }
        g += 1;
    }
    t
};

/// Copies the first `n` bytes of `src` to `out[at..]` in blocks of [`OVERRUN`] bytes: what follows in `src` may land
/// in up to `OVERRUN − 1` bytes past `at + n` (both slices hold the whole blocks).
#[inline(always)]
fn copy_blocks(out: &mut [u8], at: usize, src: &[u8], n: usize) {
    let mut i = 0;
    while i < n {
        out[at + i..at + i + OVERRUN].copy_from_slice(&src[i..i + OVERRUN]);
        i += OVERRUN;
    }
}

/// Writes `out[at + i] = min(i, 255)` for `i < n` (and may write past, see [`copy_blocks`]).
fn ramp_up(out: &mut [u8], at: usize, n: usize) {
    copy_blocks(out, at, &UP, n.min(256));
    if n > 256 {
        out[at + 256..at + n].fill(SATURATED);
    }
}

/// Writes `out[at + i] = min(n − 1 − i, 255)` for `i < n` (and may write past, see [`copy_blocks`]).
fn ramp_down(out: &mut [u8], at: usize, n: usize) {
    if n > 256 {
        out[at..at + n - 256].fill(SATURATED);
        copy_blocks(out, at + n - 256, &DOWN, 256);
    } else {
        copy_blocks(out, at, &DOWN[256 - n..], n);
    }
}

/// `out[x]` for `x < len`: the steps from `x` to the nearest set bit of `row`, saturated at [`SATURATED`] (`row` is
/// not empty; its bits past `len` are not set). `out` holds [`OVERRUN`] bytes more, which it may overwrite.
fn fill_steps(row: &[u64], out: &mut [u8], len: usize) {
    debug_assert!(out.len() >= len + OVERRUN);
    // Each stretch between two set bits is written from its first bit on, in whole blocks: what a block writes
    // past the stretch, the next stretch overwrites.
    let mut prev: Option<usize> = None;
    for (w, &word) in row.iter().enumerate() {
        let mut word = word;
        while word != 0 {
            let p = w * 64 + word.trailing_zeros() as usize;
            word &= word - 1;
            match prev {
                None => ramp_down(out, 0, p + 1),
                // Neighbouring bits (runs of targets along the row are common): one block.
                Some(a) if p - a < OVERRUN => out[a..a + OVERRUN].copy_from_slice(&TENT[p - a]),
                Some(a) => {
                    // Up from a to the middle, down to p after it (the nearer one on a tie).
                    let mid = a + (p - a) / 2;
                    ramp_up(out, a, mid + 1 - a);
                    ramp_down(out, mid + 1, p - mid);
                }
            }
            prev = Some(p);
        }
    }
    if let Some(a) = prev {
        ramp_up(out, a, len - a);
    }
}

impl RowGrid {
    fn new(points: &[[u32; 3]], dims: [usize; 3], spacing: [f64; 3]) -> RowGrid {
        // A surface has a few targets per row: its steps take a few dozen bytes per target. A scattered set could
        // take a row per point; past the limit, rows are scanned bit by bit instead.
        RowGrid::with_limit(points, dims, spacing, (64 * points.len()).max(1 << 24))
    }

    /// [`RowGrid::new`], with at most `limit` bytes of steps per table.
    fn with_limit(points: &[[u32; 3]], dims: [usize; 3], spacing: [f64; 3], limit: usize) -> RowGrid {
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
        let disc = cached(&DISC_TABLES, spacing, || disc_table(spacing));
        let reach = disc.rows.iter().fold([0, 0], |r, &(d0, d1, _)| {
            [r[0].max(d0.unsigned_abs() as usize), r[1].max(d1.unsigned_abs() as usize)]
        });
        // The margin holds a disc and a block past the extent.
        let pad = reach.map(|r| r.max(BLOCK));
        let rows_along = Along::new(&bits, [dims[0], dims[1]], words, dims[2], pad, limit);
        let tables = cached(&BLOCK_TABLES, spacing, || block_tables(spacing));
        // The blocks' margin holds the tables' reach past the grid, so that a block walk needs no bounds checks.
        let blocks_along = Along::new(&blocks, block_dims, words, dims[2], tables.reach, limit);
        let stride = rows_along.stride as isize;
        let disc_offsets = disc.rows.iter().map(|&(d0, d1, _)| (d0, d1)).collect();
        let disc_p = disc.rows.iter().map(|&(_, _, p)| p).collect();
        let disc_step = disc.rows.iter().map(|&(d0, d1, _)| d0 as isize * stride + d1 as isize).collect();
        let step_sq = rows_along.step_squares(spacing[2]);
        let block_sq = blocks_along.step_squares(spacing[2]);
        let extent = [0, 1].map(|a| dims[a].saturating_sub(1) as f64 * spacing[a]);
        // Every block offset within the extent is in the tables: a query inside the extent never needs the tree.
        let covers_extent = extent[0] * extent[0] + extent[1] * extent[1] < tables.complete_sq;
        RowGrid {
            dims,
            block_dims,
            words,
            bits,
            rows_along,
            blocks_along,
            disc_offsets,
            disc_p,
            disc_step,
            disc_complete_sq: disc.complete_sq,
            step_sq,
            block_sq,
            tables,
            covers_extent,
            spacing,
        }
    }

    /// The bitmap of row `r`.
    fn row(&self, r: usize) -> &[u64] {
        &self.bits[r * self.words..(r + 1) * self.words]
    }

    /// The target `steps` along row `(z, y)` from `x`: the nearer of the two positions (the smaller on a tie). The
    /// row's steps, just read by the search, tell whether the smaller one is a target (its step is 0), without the
    /// bitmap; saturated steps leave it to the bitmap.
    fn target_at(&self, z: usize, y: usize, x: usize, steps: usize) -> [u32; 3] {
        let rows = &self.rows_along;
        let start = rows.start[rows.index(z, y)] as usize;
        let below = x.checked_sub(steps).filter(|&b| b < self.dims[2]);
        let x = match below {
            Some(b) if rows.steps[start + b] == 0 => b,
            Some(b) if rows.steps[start + b] == SATURATED => {
                let row = &self.bits[(z * self.dims[1] + y) * self.words..][..self.words];
                if row[b / 64] >> (b % 64) & 1 == 1 {
                    b
                } else {
                    x + steps
                }
            }
            _ => x + steps,
        };
        [z as u32, y as u32, x as u32]
    }

    /// The disc's rows for a query at `(qz, qy, qx)` inside the padded table (`at = min(qx, len − 1)`), against the
    /// best squared distance so far: the best one then, the disc row (index) and steps of the target that gave it
    /// if one beat `best_sq`, and whether the answer is certain (a row at least as far as the best was reached).
    #[inline]
    fn disc_nearest(
        &self,
        qz: usize,
        qy: usize,
        qx: usize,
        at: usize,
        best_sq: f64,
    ) -> (f64, Option<(usize, usize)>, bool) {
        let rows = &self.rows_along;
        let s2 = self.spacing[2];
        let base = rows.index(qz, qy);
        // Past the end of the rows, every step is `qx − at` more (rare: the query lies beyond the targets).
        let beyond = qx - at;
        let mut search = DiscSearch { best_sq, found: None, next: 0 };
        let share = Share { table: &self.step_sq, beyond, s2 };
        loop {
            let stop = if beyond == 0 {
                self.disc_pass::<false>(&mut search, base, at, share)
            } else {
                self.disc_pass::<true>(&mut search, base, at, share)
            };
            match stop {
                PassEnd::Certain => return (search.best_sq, search.found, true),
                PassEnd::Exhausted => return (search.best_sq, search.found, false),
                PassEnd::Visit(k) => {
                    // The row's steps are saturated (or not stored) and their lower bound beats the best: scan it,
                    // unless it is empty.
                    if rows.start[base.wrapping_add_signed(self.disc_step[k])] != rows.empty {
                        let steps = self.scan_disc_row(qz, qy, qx, k);
                        let t = steps as i64 as f64 * s2;
                        let exact = self.disc_p[k] + t * t;
                        if exact < search.best_sq {
                            search.best_sq = exact;
                            search.found = Some((k, steps));
                        }
                    }
                    search.next = k + 1;
                }
            }
        }
    }

    /// Visits the disc's rows from `search.next` on in increasing distance, with one load per row (`share`: the last
    /// axis' part of a row's candidate). Stops when the next row lies at
    /// least as far as the best candidate (certain), at the end of the disc, or at a saturated row whose bound beats
    /// the best (the caller scans it and goes on after it). `base` is the query's row in `rows_along`'s padded table,
    /// for a query with `qz < n0 + pad0` and `qy < n1 + pad1`; `at = min(qx, len − 1)`. Kept out of line: inlined into
    /// the query loop, its loop lost its registers to the caller's.
    #[inline(never)]
    fn disc_pass<const PAST: bool>(
        &self,
        search: &mut DiscSearch,
        base: usize,
        at: usize,
        share: Share<'_>,
    ) -> PassEnd {
        let rows = &self.rows_along;
        let (start, steps) = (&rows.start[..], &rows.steps[..]);
        // SAFETY (both loads): `qz < n0 + pad0` and `|Δ0| ≤ pad0` put the row inside the padded table's `n0 +
        // 3·pad0` planes, and likewise along axis 1 (the caller checks the query, `RowGrid::new` the reach); every
        // row's `len` bytes (a stored row's, or a shared saturated one's) start at its entry, and `at < len`.
        let byte = |step: isize| unsafe {
            let first = *start.get_unchecked(base.wrapping_add_signed(step));
            *steps.get_unchecked(first as usize + at)
        };
        // Only the best's distance and row live through the loop; its steps are read again after it.
        let mut best_sq = search.best_sq;
        let mut best_k = usize::MAX;
        let mut stop = PassEnd::Exhausted;
        let next = search.next;
        for (i, (&p, &step)) in self.disc_p[next..].iter().zip(&self.disc_step[next..]).enumerate() {
            if p >= best_sq {
                // Every row that could hold a closer target was visited.
                stop = PassEnd::Certain;
                break;
            }
            let s = byte(step);
            let candidate = p + share.of::<PAST>(s);
            if candidate < best_sq {
                if s == SATURATED {
                    stop = PassEnd::Visit(next + i);
                    break;
                }
                best_sq = candidate;
                best_k = next + i;
            }
        }
        if best_k != usize::MAX {
            search.found = Some((best_k, usize::from(byte(self.disc_step[best_k])) + share.beyond));
        }
        search.best_sq = best_sq;
        stop
    }

    /// Visits `table`'s blocks (offsets from the query's block, whose entry in `blocks_along`'s padded table is
    /// `base`) in increasing distance of their nearest row, with one load per block: the block's OR-ed row gives a
    /// lower bound for all its rows (`share` from `block_sq`).
    /// Stops when the next block lies at least as far as `best_sq` (certain), at the end of the table, or at a block
    /// whose lower bound beats `best_sq` (the caller opens it and goes on after it).
    #[inline(never)]
    fn block_pass<const PAST: bool>(
        &self,
        table: &[(i32, i32, f64)],
        base: usize,
        at: usize,
        best_sq: f64,
        share: Share<'_>,
    ) -> PassEnd {
        let blocks = &self.blocks_along;
        let (start, steps, stride) = (&blocks.start[..], &blocks.steps[..], blocks.stride as isize);
        for (i, &(b0, b1, p_min)) in table.iter().enumerate() {
            if p_min >= best_sq {
                // Every block that could hold a closer row was visited; the rest (in the table or beyond it) are
                // farther.
                return PassEnd::Certain;
            }
            // SAFETY: the caller puts the query's block inside the grid plus one pad, and the pad is the tables'
            // reach, so the block lies in the padded table; its `len` bytes (stored, or a shared saturated row)
            // start at its entry, and `at < len`.
            let s = unsafe {
                let first =
                    *start.get_unchecked(base.wrapping_add_signed(b0 as isize * stride + b1 as isize));
                *steps.get_unchecked(first as usize + at)
            };
            if p_min + share.of::<PAST>(s) < best_sq {
                return PassEnd::Visit(i);
            }
        }
        PassEnd::Exhausted
    }

    /// Opens the block at `(z0, y0)` (block coordinates, inside the grid) for query `q`: its rows, each with its exact
    /// row distance, except those of the disc already visited (`p ≤ skip_sq`). `share` from `step_sq`.
    #[inline(never)]
    fn open_block<const PAST: bool>(
        &self,
        q: &[u32; 3],
        (z0, y0): (usize, usize),
        at: usize,
        skip_sq: f64,
        best: &mut (f64, [u32; 3]),
        share: Share<'_>,
    ) {
        let [s0, s1, s2] = self.spacing;
        let (qz, qy, qx) = (q[0] as usize, q[1] as usize, q[2] as usize);
        let rows = &self.rows_along;
        let (start, steps) = (&rows.start[..], &rows.steps[..]);
        // Rows past the extent lie in the padded table's margin (at least a block wide), all empty.
        let (z0, y0) = (z0 * BLOCK, y0 * BLOCK);
        let squares: [f64; BLOCK] = std::array::from_fn(|j| {
            let c = ((y0 + j) as f64 - qy as f64) * s1;
            c * c
        });
        let mut best_sq = best.0;
        let mut best_row = None;
        for z in z0..z0 + BLOCK {
            let a = (z as f64 - qz as f64) * s0;
            let a = a * a;
            let first = rows.index(z, y0);
            for (j, &c) in squares.iter().enumerate() {
                let p = a + c;
                if p >= best_sq || p <= skip_sq {
                    continue;
                }
                // SAFETY: the block lies inside the grid, its rows inside the grid plus one block, which the padded
                // table holds (its pad is at least a block); every row's `len` bytes start at its entry, `at < len`.
                let (row_start, s) = unsafe {
                    let row_start = *start.get_unchecked(first + j);
                    (row_start, *steps.get_unchecked(row_start as usize + at))
                };
                let candidate = p + share.of::<PAST>(s);
                if candidate >= best_sq {
                    continue;
                }
                let mut found = usize::from(s) + (qx - at);
                if s == SATURATED {
                    if row_start == rows.empty {
                        continue;
                    }
                    found = self.scan_row(z, y0 + j, qx);
                    let t = found as f64 * s2;
                    if p + t * t >= best_sq {
                        continue;
                    }
                    best_sq = p + t * t;
                } else {
                    best_sq = candidate;
                }
                best_row = Some((z, y0 + j, found));
            }
        }
        if let Some((z, y, found)) = best_row {
            *best = (best_sq, self.target_at(z, y, qx, found));
        }
    }

    /// The steps from `qx` to the nearest target of disc row `k` of a query, by scanning the row's bitmap.
    fn scan_disc_row(&self, qz: usize, qy: usize, qx: usize, k: usize) -> usize {
        let (d0, d1) = self.disc_offsets[k];
        self.scan_row(qz.wrapping_add_signed(d0 as isize), qy.wrapping_add_signed(d1 as isize), qx)
    }

    /// The steps from `x` to the nearest target of row `(z, y)` (not empty), by scanning its bitmap: for saturated
    /// or unstored steps, rare enough to stay out of the search loops.
    #[cold]
    #[inline(never)]
    fn scan_row(&self, z: usize, y: usize, x: usize) -> usize {
        nearest_in_row(self.row(z * self.dims[1] + y), x).map_or(usize::MAX, |i| i.abs_diff(x))
    }

    /// The exact nearest target and its squared distance, unless it lies beyond the tables (then `None`: ask the
    /// tree). `best` is a target known from a neighbouring query with its squared distance (or +inf): it bounds
    /// the search from the start and is the answer when no row holds a closer one.
    fn nearest(&self, q: &[u32; 3], mut best: (f64, [u32; 3])) -> Option<(f64, [u32; 3])> {
        let s2 = self.spacing[2];
        let (qz, qy, qx) = (q[0] as usize, q[1] as usize, q[2] as usize);
        let rows = &self.rows_along;
        let at = qx.min(self.dims[2] - 1);
        // Past the extent by more than the disc's reach, every row of the disc is empty.
        // The disc answers a query whose bound lies inside it; a farther one goes to the blocks at once (their
        // OR-ed rows prune a block of rows at a time).
        let use_disc = best.0 <= self.disc_complete_sq || best.0.is_infinite();
        let skip_sq = if use_disc { self.disc_complete_sq } else { -1.0 };
        if use_disc && qz < self.dims[0] + rows.pad[0] && qy < self.dims[1] + rows.pad[1] {
            let (best_sq, found, done) = self.disc_nearest(qz, qy, qx, at, best.0);
            if let Some((k, steps)) = found {
                let (d0, d1) = self.disc_offsets[k];
                let (z, y) = (qz.wrapping_add_signed(d0 as isize), qy.wrapping_add_signed(d1 as isize));
                best = (best_sq, self.target_at(z, y, qx, steps));
            }
            if done {
                return Some(best);
            }
        }
        if best.0 <= self.disc_complete_sq {
            return Some(best);
        }
        let blocks = &self.blocks_along;
        let (bz, by) = (qz / BLOCK, qy / BLOCK);
        if bz >= self.block_dims[0] + blocks.pad[0] || by >= self.block_dims[1] + blocks.pad[1] {
            // Farther from the targets than the tables reach: the tree answers.
            return None;
        }
        let table = &self.tables.by_position[(qz % BLOCK) * BLOCK + qy % BLOCK];
        let base = blocks.index(bz, by);
        let beyond = qx - at;
        let (block_share, row_share) =
            (Share { table: &self.block_sq, beyond, s2 }, Share { table: &self.step_sq, beyond, s2 });
        let mut next = 0;
        loop {
            let stop = if beyond == 0 {
                self.block_pass::<false>(&table[next..], base, at, best.0, block_share)
            } else {
                self.block_pass::<true>(&table[next..], base, at, best.0, block_share)
            };
            match stop {
                PassEnd::Certain => return Some(best),
                PassEnd::Exhausted => break,
                PassEnd::Visit(i) => {
                    let k = next + i;
                    let (b0, b1, _) = table[k];
                    let (z0, y0) = (bz.wrapping_add_signed(b0 as isize), by.wrapping_add_signed(b1 as isize));
                    // Blocks past the grid lie in the padded table's margin, all empty.
                    if blocks.start
                        [base.wrapping_add_signed(b0 as isize * blocks.stride as isize + b1 as isize)]
                        != blocks.empty
                    {
                        if beyond == 0 {
                            self.open_block::<false>(q, (z0, y0), at, skip_sq, &mut best, row_share);
                        } else {
                            self.open_block::<true>(q, (z0, y0), at, skip_sq, &mut best, row_share);
                        }
                    }
                    next = k + 1;
                }
            }
        }
        // The whole table was visited: exact if no block beyond it can be closer.
        let inside = qz < self.dims[0] && qy < self.dims[1];
        (best.0.is_finite() && (best.0 <= self.tables.complete_sq || (self.covers_extent && inside)))
            .then_some(best)
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

/// Row offsets `(Δ0, Δ1, p)` around a query's row, sorted by `p = (Δ0·s0)² + (Δ1·s1)²`: about
/// [`MAX_DISC_ROWS`] of them, every offset with `p ≤ complete_sq` (at least the 8-neighbourhood).
struct Disc {
    rows: Vec<(i32, i32, f64)>,
    complete_sq: f64,
}

fn disc_table(spacing: [f64; 3]) -> Disc {
    let p = |a: i64, b: i64| {
        let (a, b) = (a as f64 * spacing[0], b as f64 * spacing[1]);
        a * a + b * b
    };
    let neighbourhood = p(1, 1);
    let area = MAX_DISC_ROWS as f64 / std::f64::consts::PI * spacing[0] * spacing[1];
    let radius_sq = neighbourhood.max(area);
    let reach = [0, 1].map(|a| (radius_sq.sqrt() / spacing[a]).floor() as i64);
    let mut rows = Vec::new();
    for a in -reach[0]..=reach[0] {
        for b in -reach[1]..=reach[1] {
            if p(a, b) <= radius_sq {
                rows.push((a as i32, b as i32, p(a, b)));
            }
        }
    }
    rows.sort_unstable_by(|x, y| x.2.total_cmp(&y.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    if rows.len() > MAX_DISC_ROWS {
        // Keep a prefix that is complete up to its largest distance.
        let cut = rows[MAX_DISC_ROWS].2;
        rows.retain(|r| r.2 < cut);
    }
    let complete_sq = rows.last().map_or(0.0, |r| r.2);
    Disc { rows, complete_sq }
}

/// Block offsets `(B0, B1, p_min)` for a query at each position `(r0, r1)` inside its block (index `r0·BLOCK + r1`),
/// sorted by `p_min`, the squared distance from the query's row to the nearest row of the block; every table holds
/// all blocks with `p_min ≤ complete_sq`.
struct BlockTables {
    by_position: Vec<Vec<(i32, i32, f64)>>,
    complete_sq: f64,
    /// The largest `|B0|` and `|B1|` in the tables.
    reach: [usize; 2],
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
    let by_position: Vec<Vec<(i32, i32, f64)>> = (0..b * b)
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
    let reach = by_position.iter().flatten().fold([0, 0], |r: [usize; 2], &(b0, b1, _)| {
        [r[0].max(b0.unsigned_abs() as usize), r[1].max(b1.unsigned_abs() as usize)]
    });
    BlockTables { by_position, complete_sq, reach }
}

/// Search tables depend on the spacing only: each is computed once per spacing and shared (a few per process).
type Cache<T> = Mutex<Vec<([u64; 3], Arc<T>)>>;
static DISC_TABLES: Cache<Disc> = Mutex::new(Vec::new());
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

/// Squared length of a lattice offset, in scipy's operation order (before the square root).
fn offset_distance_sq(o: [i64; 3], spacing: [f64; 3]) -> f64 {
    let d = |axis: usize| o[axis] as f64 * spacing[axis];
    let (d0, d1, d2) = (d(0), d(1), d(2));
    (d0 * d0 + d1 * d1) + d2 * d2
}

impl<'a> LatticeTree<'a> {
    /// Builds the tree over `points` (lattice coordinates) for the given spacing.
    pub(crate) fn new(points: &'a [[u32; 3]], spacing: [f64; 3]) -> LatticeTree<'a> {
        let (dims, target_box) = extent(points);
        let local = (!points.is_empty()).then(|| RowGrid::new(points, dims, spacing));
        LatticeTree { tree: OnceLock::new(), points, spacing, local, target_box }
    }

    /// Exact distance from `query` to the nearest point of the tree (+inf if the tree is empty).
    #[cfg(test)]
    pub(crate) fn nearest_distance(&self, query: &[u32; 3]) -> f64 {
        self.nearest_after(query, &[]).sq.sqrt()
    }

    /// The nearest target of `query`, hinted by queries answered before it (nearby ones in practice).
    ///
    /// A hint's nearest target is a real target: its exact distance from `query` bounds the search from the start,
    /// and it is the answer if nothing closer turns up.
    fn nearest_after(&self, query: &[u32; 3], hints: &[Found]) -> Found {
        let Some(rows) = &self.local else {
            return Found { sq: f64::INFINITY, target: *query };
        };
        let mut best = (f64::INFINITY, *query);
        for h in hints {
            let sq = lattice_distance_sq(query, &h.target, self.spacing);
            if sq < best.0 {
                best = (sq, h.target);
            }
        }
        if let Some((sq, target)) = rows.nearest(query, best) {
            return Found { sq, target };
        }
        let tree = self.tree.get_or_init(|| {
            let physical: Vec<[f64; 3]> = self.points.iter().map(|p| physical(p, self.spacing)).collect();
            Tree::new_from_slice(&physical)
        });
        let found = tree.nearest_one::<SquaredEuclidean>(&physical(query, self.spacing));
        let target = self.points[found.item as usize];
        Found { sq: lattice_distance_sq(query, &target, self.spacing), target }
    }

    /// Distances of a run of queries in lattice order, appended to `out`. Each query is hinted by the one before it
    /// and, unless that one is its neighbour along the row, by the nearest query of the row before (same plane,
    /// previous row), so that the first query of each surface crossing also starts from a bound. `known_zero`
    /// flags queries on the target set (distance 0, no search).
    pub(crate) fn nearest_run(&self, queries: &[[u32; 3]], known_zero: Option<&[bool]>, out: &mut Vec<f64>) {
        let mut found: Vec<Found> = Vec::with_capacity(queries.len());
        // The queries of the current row start at `row_start`; those of the row before it (when it is the previous
        // row of the same plane) are `above`, and `j` walks them along with the current query.
        let first = out.len();
        let mut row_start = 0;
        let mut prev = None;
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
                Found { sq: 0.0, target: *q }
            } else {
                let mut hints = [Found::NONE; 2];
                let mut n = 0;
                // The previous answer from a register, not read back from `found` (a load right after the store
                // of its parts would wait for them).
                if let Some(prev) = prev {
                    hints[0] = prev;
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
            prev = Some(f);
            out.push(f.sq);
        }
        // The square roots at the end, in one pass that the compiler vectorises (one per query, each waited for,
        // cost more).
        for d in &mut out[first..] {
            *d = d.sqrt();
        }
    }

    /// Whether the distance transform ([`super::edt`]) costs less than the search for these queries.
    ///
    /// The search costs about `45 + 5.7·m` ns per query, `m` the mean squared distance in units of the smallest
    /// spacing (the rows searched grow with the distance's square); the transform about 15 ns per lattice point of
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

/// An answered query: its nearest target and the squared distance to it.
#[derive(Clone, Copy)]
struct Found {
    /// The squared distance.
    sq: f64,
    target: [u32; 3],
}

impl Found {
    const NONE: Found = Found { sq: f64::INFINITY, target: [0; 3] };
}

/// Physical coordinates of a lattice point.
fn physical(p: &[u32; 3], spacing: [f64; 3]) -> [f64; 3] {
    [f64::from(p[0]) * spacing[0], f64::from(p[1]) * spacing[1], f64::from(p[2]) * spacing[2]]
}

/// Exact Euclidean distance between two lattice points, in scipy's operation order.
#[cfg(test)]
pub(crate) fn lattice_distance(a: &[u32; 3], b: &[u32; 3], spacing: [f64; 3]) -> f64 {
    lattice_distance_sq(a, b, spacing).sqrt()
}

/// The squared Euclidean distance between two lattice points, in scipy's operation order (before its square root).
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
            let grid = tree.local.as_ref().expect("grid");
            assert_eq!(grid.tables.by_position.len(), BLOCK * BLOCK);
            assert!(grid.disc_p.len() <= MAX_DISC_ROWS && grid.disc_p.len() >= 9);
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
            }
        }
    }

    #[test]
    fn row_steps_equal_the_nearest_bit() {
        // Rows shorter and longer than a byte's reach, sparse (long saturated stretches) and dense (runs of bits).
        let mut next = lcg(11);
        for _ in 0..300 {
            let len = 1 + next(700) as usize;
            let mut row = vec![0u64; len.div_ceil(64)];
            let bits = if next(2) == 0 { 1 + next(4) } else { 1 + next(len as u64 / 2 + 1) };
            for _ in 0..bits {
                let i = next(len as u64) as usize;
                row[i / 64] |= 1 << (i % 64);
            }
            let mut out = vec![0u8; len + OVERRUN];
            fill_steps(&row, &mut out, len);
            for (x, &s) in out[..len].iter().enumerate() {
                let want = nearest_in_row(&row, x).expect("row has a bit").abs_diff(x);
                assert_eq!(usize::from(s), want.min(255), "len {len} x {x}");
            }
        }
    }

    #[test]
    fn saturated_and_unstored_steps_scan_the_row() {
        // Rows of 600 positions with a target or two each: queries far along the rows read saturated steps. The same
        // grid without stored steps (limit 0) scans every row; both equal brute force, with and without hints.
        let mut next = lcg(21);
        let points: Vec<[u32; 3]> = (0..120).map(|_| [next(20), next(20), next(600)]).collect();
        let mut queries: Vec<[u32; 3]> = (0..400).map(|_| [next(26), next(26), next(900)]).collect();
        queries.sort_unstable();
        for spacing in [[1.0, 1.0, 1.0], [0.7, 2.0, 0.3]] {
            let (dims, _) = extent(&points);
            for limit in [usize::MAX, 0] {
                let grid = RowGrid::with_limit(&points, dims, spacing, limit);
                assert_eq!(
                    grid.rows_along.steps.len(),
                    dims[2] * if limit == 0 { 2 } else { grid_rows(&points) + 1 } + OVERRUN
                );
                for q in &queries {
                    let want = brute_force(q, &points, spacing);
                    if let Some((sq, at)) = grid.nearest(q, (f64::INFINITY, *q)) {
                        assert_eq!(sq.sqrt(), want, "{q:?} {spacing:?} {limit}");
                        assert!(points.contains(&at));
                    }
                }
            }
            let tree = LatticeTree::new(&points, spacing);
            let mut got = Vec::new();
            tree.nearest_run(&queries, None, &mut got);
            for (q, d) in queries.iter().zip(got) {
                assert_eq!(d, brute_force(q, &points, spacing), "{q:?} {spacing:?}");
            }
        }
    }

    /// The number of distinct rows (axes 0 and 1) of `points`.
    fn grid_rows(points: &[[u32; 3]]) -> usize {
        let mut rows: Vec<[u32; 2]> = points.iter().map(|p| [p[0], p[1]]).collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len()
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
        let grid = tree.local.as_ref().expect("grid");
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
        // Sparse targets (many queries farther than the disc's reach) and dense runs of lattice-ordered queries, so
        // that the bound from the previous query sends queries to the blocks, falls back to the tree, and stays exact.
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
        // with targets from 0 to about 20 voxels away (past the disc, into the blocks).
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
                assert_eq!(*d, tree.nearest_after(q, &[]).sq.sqrt(), "{q:?}");
                assert_eq!(*d, brute_force(q, &targets, spacing), "{q:?}");
            }
            // The other way round, every query is close to its targets: the search answers.
            let tree = LatticeTree::new(&queries, spacing);
            assert!(tree.transform_pays(&cube_faces(1, 63)).is_none());
        }
    }
}
