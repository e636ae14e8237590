//! How overlapping samples are combined: weights per sample position.

/// Per-voxel weights of a sample when overlapping samples are averaged.
///
/// Windows are separable: the weight of a voxel is the product of 1-D windows along the sample's ranged axes
/// (patch and slab axes). Axes indexed by a single position and whole axes get weight 1, and the channel axes
/// share their voxel's weight.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Weighting {
    /// Every voxel of every sample counts the same: overlaps are plain means.
    #[default]
    Uniform,
    /// nnU-Net's importance map: a Gaussian centred on the sample, `sigma = sigma_fraction * size` per axis
    /// (nnU-Net uses 1/8), so predictions near a patch's border, which saw less context, count less.
    Gaussian {
        /// Standard deviation as a fraction of the sample's size along each axis.
        sigma_fraction: f64,
    },
    /// A Hann (raised cosine) window sampled at the voxel centres, `sin²(π (i + ½) / n)`, which is never zero,
    /// so the border voxels of the volume stay covered.
    Hann,
}

impl Weighting {
    /// nnU-Net's Gaussian importance map (`sigma = size / 8`).
    pub const NNUNET_GAUSSIAN: Weighting = Weighting::Gaussian { sigma_fraction: 0.125 };

    /// The 1-D window of length `n`, normalised to a maximum of 1; every value is positive.
    pub fn window(&self, n: usize) -> Vec<f64> {
        // Keeps the product over a few axes far from f32 underflow.
        const FLOOR: f64 = 1e-8;
        match *self {
            Weighting::Uniform => vec![1.0; n],
            Weighting::Gaussian { sigma_fraction } => {
                let sigma = (sigma_fraction * n as f64).max(f64::MIN_POSITIVE);
                let centre = (n as f64 - 1.0) / 2.0;
                let w: Vec<f64> =
                    (0..n).map(|i| (-0.5 * ((i as f64 - centre) / sigma).powi(2)).exp().max(FLOOR)).collect();
                normalise(w)
            }
            Weighting::Hann => {
                let w: Vec<f64> = (0..n)
                    .map(|i| (std::f64::consts::PI * (i as f64 + 0.5) / n as f64).sin().powi(2).max(FLOOR))
                    .collect();
                normalise(w)
            }
        }
    }
}

fn normalise(w: Vec<f64>) -> Vec<f64> {
    let max = w.iter().copied().fold(f64::MIN_POSITIVE, f64::max);
    w.into_iter().map(|v| v / max).collect()
}

/// How samples are written into the subject's buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Combine {
    /// Overlapping samples are averaged with these weights (a running weighted mean, so identical values are
    /// reproduced exactly).
    Average(Weighting),
    /// A later sample overwrites an earlier one where they overlap (pymia's behaviour; order dependent).
    LastWriteWins,
}

impl Default for Combine {
    fn default() -> Self {
        Combine::Average(Weighting::Uniform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(Weighting::Uniform.window(3), vec![1.0; 3]);
        let g = Weighting::NNUNET_GAUSSIAN.window(8);
        assert!(g.iter().all(|&v| v > 0.0 && v <= 1.0));
        assert_eq!(g[3], g[4]);
        assert!((g[3] - 1.0).abs() < 1e-12 && g[0] < 5e-3);
        let h = Weighting::Hann.window(4);
        assert!((h[0] - h[3]).abs() < 1e-12 && h[0] > 0.0 && (h[1] - 1.0).abs() < 1e-12);
        assert_eq!(Weighting::Hann.window(1), vec![1.0]);
        assert!(Weighting::Gaussian { sigma_fraction: 1e-9 }.window(5).iter().all(|&v| v > 0.0));
    }
}
