//! The accurate integer inverse DCT of the IJG libjpeg (`jidctint.c`, `jpeg_idct_islow`), with the 12-bit
//! constants (`CONST_BITS` 13, `PASS1_BITS` 1; 2 for 8-bit samples).
//!
//! It is the IDCT GDCM (and so SimpleITK and ITK) uses for 12-bit JPEG; other conformant decoders (pylibjpeg's
//! libjpeg, for one) may differ by one least significant bit in some samples.
//!
//! Arithmetic is done in `i64`, so corrupt coefficients cannot overflow; for every value a valid stream gives it
//! equals libjpeg's 32-bit arithmetic. The final range limit is a clamp to `[0, 2^precision - 1]` (libjpeg wraps
//! results further than twice the sample range away, which only corrupt data produce).

const CONST_BITS: u32 = 13;

const FIX_0_298631336: i64 = 2446;
const FIX_0_390180644: i64 = 3196;
const FIX_0_541196100: i64 = 4433;
const FIX_0_765366865: i64 = 6270;
const FIX_0_899976223: i64 = 7373;
const FIX_1_175875602: i64 = 9633;
const FIX_1_501321110: i64 = 12299;
const FIX_1_847759065: i64 = 15137;
const FIX_1_961570560: i64 = 16069;
const FIX_2_053119869: i64 = 16819;
const FIX_2_562915447: i64 = 20995;
const FIX_3_072711026: i64 = 25172;

/// Rounded arithmetic right shift (libjpeg's `DESCALE`).
fn descale(x: i64, n: u32) -> i64 {
    (x + (1 << (n - 1))) >> n
}

/// One 1-D pass of the IDCT on eight values `v[0..8]` (natural order); results before descaling.
fn pass(v: [i64; 8]) -> [i64; 8] {
    // Even part.
    let (z2, z3) = (v[2], v[6]);
    let z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 - z3 * FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    let tmp0 = (v[0] + v[4]) << CONST_BITS;
    let tmp1 = (v[0] - v[4]) << CONST_BITS;
    let (tmp10, tmp13) = (tmp0 + tmp3, tmp0 - tmp3);
    let (tmp11, tmp12) = (tmp1 + tmp2, tmp1 - tmp2);

    // Odd part.
    let (t0, t1, t2, t3) = (v[7], v[5], v[3], v[1]);
    let z1 = t0 + t3;
    let z2 = t1 + t2;
    let z3 = t0 + t2;
    let z4 = t1 + t3;
    let z5 = (z3 + z4) * FIX_1_175875602;
    let z1 = -z1 * FIX_0_899976223;
    let z2 = -z2 * FIX_2_562915447;
    let z3 = -z3 * FIX_1_961570560 + z5;
    let z4 = -z4 * FIX_0_390180644 + z5;
    let t0 = t0 * FIX_0_298631336 + z1 + z3;
    let t1 = t1 * FIX_2_053119869 + z2 + z4;
    let t2 = t2 * FIX_3_072711026 + z2 + z3;
    let t3 = t3 * FIX_1_501321110 + z1 + z4;

    [tmp10 + t3, tmp11 + t2, tmp12 + t1, tmp13 + t0, tmp13 - t0, tmp12 - t1, tmp11 - t2, tmp10 - t3]
}

/// Dequantises `coef` (natural order) with `quant` and writes the 8×8 samples (level-shifted, clamped) to `out`,
/// row `r` at `out[r * stride..]`. `out` must hold `7 * stride + 8` values.
pub(super) fn idct_block(coef: &[i16; 64], quant: &[u16; 64], precision: u8, out: &mut [u16], stride: usize) {
    let pass1_bits: u32 = if precision == 8 { 2 } else { 1 };
    let center = 1i64 << (precision - 1);
    let max = (1i64 << precision) - 1;
    let mut ws = [0i64; 64];

    // Pass 1: columns, results scaled up by 2^PASS1_BITS.
    for col in 0..8 {
        let v: [i64; 8] =
            std::array::from_fn(|row| i64::from(coef[row * 8 + col]) * i64::from(quant[row * 8 + col]));
        if v[1..].iter().all(|&x| x == 0) {
            // DC only: the full computation gives the same value.
            for row in 0..8 {
                ws[row * 8 + col] = v[0] << pass1_bits;
            }
            continue;
        }
        for (row, x) in pass(v).into_iter().enumerate() {
            ws[row * 8 + col] = descale(x, CONST_BITS - pass1_bits);
        }
    }

    // Pass 2: rows, removing the pass-1 scale and the factor 8 of the transform.
    let shift = CONST_BITS + pass1_bits + 3;
    for row in 0..8 {
        let v: [i64; 8] = std::array::from_fn(|col| ws[row * 8 + col]);
        let line = &mut out[row * stride..row * stride + 8];
        let results = pass(v);
        for (o, x) in line.iter_mut().zip(results) {
            // `clamp` keeps the value in [0, max], so the cast is exact.
            *o = (descale(x, shift) + center).clamp(0, max) as u16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_only_block_is_flat_and_level_shifted() {
        let mut coef = [0i16; 64];
        coef[0] = 80; // DC 80 * q 2 = 160 → 160 / 8 = 20 above the centre.
        let quant = [2u16; 64];
        let mut out = [0u16; 64];
        idct_block(&coef, &quant, 12, &mut out, 8);
        assert!(out.iter().all(|&v| v == 2048 + 20), "{out:?}");
        idct_block(&coef, &quant, 8, &mut out, 8);
        assert!(out.iter().all(|&v| v == 128 + 20), "{out:?}");
    }

    #[test]
    fn matches_the_floating_point_idct_within_one() {
        // A deterministic pseudo-random block against the textbook definition.
        let mut coef = [0i16; 64];
        let mut seed = 12345u32;
        for c in coef.iter_mut().take(20) {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            *c = ((seed >> 16) % 200) as i16 - 100;
        }
        let quant = [3u16; 64];
        let mut out = [0u16; 64];
        idct_block(&coef, &quant, 12, &mut out, 8);
        for y in 0..8 {
            for x in 0..8 {
                let mut s = 0.0;
                for v in 0..8 {
                    for u in 0..8 {
                        let cu = if u == 0 { std::f64::consts::FRAC_1_SQRT_2 } else { 1.0 };
                        let cv = if v == 0 { std::f64::consts::FRAC_1_SQRT_2 } else { 1.0 };
                        let f = f64::from(coef[v * 8 + u]) * 3.0;
                        s += cu
                            * cv
                            * f
                            * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0).cos()
                            * ((2 * y + 1) as f64 * v as f64 * std::f64::consts::PI / 16.0).cos();
                    }
                }
                let expected = (s / 4.0 + 2048.0).round();
                let got = f64::from(out[y * 8 + x]);
                assert!((got - expected).abs() <= 1.0, "({x}, {y}): {got} vs {expected}");
            }
        }
    }

    #[test]
    fn extreme_coefficients_neither_overflow_nor_leave_the_range() {
        let coef = [i16::MIN; 64];
        let quant = [u16::MAX; 64];
        let mut out = [0u16; 64];
        idct_block(&coef, &quant, 12, &mut out, 8);
        assert!(out.iter().all(|&v| v <= 4095));
    }
}
