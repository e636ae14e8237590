use std::f64::consts::PI;

use mia_core::{Image, Result};
use ndarray::{Array3, ArrayD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Label values and names, as in pymia's example data (0 is background).
pub const LABEL_NAMES: [(u8, &str); 5] =
    [(1, "WHITEMATTER"), (2, "GREYMATTER"), (3, "HIPPOCAMPUS"), (4, "AMYGDALA"), (5, "THALAMUS")];

/// Generator of synthetic brain MR subjects.
#[derive(Debug, Clone)]
pub struct BrainPhantom {
    /// Array shape `(z, y, x)`.
    pub shape: [usize; 3],
    /// Spacing in ITK order `(x, y, z)`, mm.
    pub spacing: [f64; 3],
    /// Standard deviation of the Rician-like noise, relative to white-matter intensity.
    pub noise: f64,
}

/// One generated subject: arrays in numpy order `(z, y, x)`, geometry in ITK order.
#[derive(Debug, Clone)]
pub struct PhantomSubject {
    /// Subject id (`Subject_<n>`).
    pub id: String,
    /// T1-weighted intensities.
    pub t1: ArrayD<f32>,
    /// T2-weighted intensities.
    pub t2: ArrayD<f32>,
    /// Labels 0..=5 (see [`LABEL_NAMES`]).
    pub labels: ArrayD<u8>,
    /// Brain mask (1 inside the brain).
    pub mask: ArrayD<u8>,
    /// Spacing in ITK order.
    pub spacing: [f64; 3],
    /// Origin in ITK order (centres the head at the world origin, as an MNI-like frame).
    pub origin: [f64; 3],
    /// Age in years.
    pub age: u32,
    /// Grade point average.
    pub gpa: f64,
    /// `"F"` or `"M"`.
    pub gender: &'static str,
}

impl PhantomSubject {
    /// Wraps an array of this subject into an [`Image`] with its geometry.
    pub fn image<T: mia_core::IntoImageData>(&self, array: &ArrayD<T>) -> Result<Image> {
        Image::from_array_with_geometry(array.clone(), self.spacing.to_vec(), self.origin.to_vec(), None)
    }
}

impl Default for BrainPhantom {
    fn default() -> Self {
        // Half the resolution of pymia's example (181 x 217 x 181 at 1 mm): fast, still brain-like.
        BrainPhantom { shape: [90, 108, 90], spacing: [2.0, 2.0, 2.0], noise: 0.06 }
    }
}

impl BrainPhantom {
    /// A small phantom (24 x 28 x 24 at 6 mm) for unit tests.
    pub fn small() -> Self {
        BrainPhantom { shape: [24, 28, 24], spacing: [7.5, 7.5, 7.5], noise: 0.03 }
    }

    /// Generates subject `n` (1-based); the same `n` always gives the same subject.
    pub fn generate(&self, n: u64) -> PhantomSubject {
        let mut rng = ChaCha8Rng::seed_from_u64(0x6d69_6100 + n);
        let [nz, ny, nx] = self.shape;
        let [sx, sy, sz] = self.spacing;
        // Physical half-axes of the brain (mm), varied per subject.
        let scale = 1.0 + rng.gen_range(-0.06..0.06);
        let brain = [66.0 * scale, 82.0 * scale, 58.0 * scale]; // x (left-right), y (ant-post), z (inf-sup)
        let shift = [rng.gen_range(-3.0..3.0), rng.gen_range(-3.0..3.0), rng.gen_range(-2.0..2.0)];
        let tilt: f64 = rng.gen_range(-0.08..0.08);
        // Cortical folding: a sum of spherical harmonics-like waves with random phases.
        let waves: Vec<(f64, f64, f64, f64)> = (0..6)
            .map(|_| {
                (
                    rng.gen_range(4.0..9.0),
                    rng.gen_range(3.0..7.0),
                    rng.gen_range(0.0..2.0 * PI),
                    rng.gen_range(0.5..1.0),
                )
            })
            .collect();
        let cortex = 0.16 + rng.gen_range(-0.02..0.02); // cortical thickness relative to radius
        let vent = 0.16 + rng.gen_range(-0.03..0.05);
        let centre = [(nx as f64 - 1.0) / 2.0, (ny as f64 - 1.0) / 2.0, (nz as f64 - 1.0) / 2.0];
        let origin = [-centre[0] * sx, -centre[1] * sy, -centre[2] * sz];

        let mut labels = Array3::<u8>::zeros((nz, ny, nx));
        let mut mask = Array3::<u8>::zeros((nz, ny, nx));
        let mut head = Array3::<u8>::zeros((nz, ny, nx));
        let mut csf = Array3::<u8>::zeros((nz, ny, nx));
        for z in 0..nz {
            for y in 0..ny {
                for x in 0..nx {
                    // Physical position relative to the brain centre, with a small rotation about z.
                    let px = (x as f64 - centre[0]) * sx - shift[0];
                    let py0 = (y as f64 - centre[1]) * sy - shift[1];
                    let pz0 = (z as f64 - centre[2]) * sz - shift[2];
                    let (py, pz) = (py0 * tilt.cos() - pz0 * tilt.sin(), py0 * tilt.sin() + pz0 * tilt.cos());
                    let (u, v, w) = (px / brain[0], py / brain[1], pz / brain[2]);
                    let r = (u * u + v * v + w * w).sqrt();
                    if r < 1.18 {
                        head[[z, y, x]] = 1;
                    }
                    let theta = w.atan2((u * u + v * v).sqrt());
                    let phi = v.atan2(u);
                    let fold: f64 = waves
                        .iter()
                        .map(|&(a, b, ph, amp)| amp * (a * theta + ph).sin() * (b * phi + 0.5 * ph).cos())
                        .sum::<f64>()
                        / 6.0;
                    let outer = 1.0 + 0.035 * fold;
                    if r >= outer {
                        continue;
                    }
                    mask[[z, y, x]] = 1;
                    let inner = outer - cortex * (1.0 + 0.9 * fold);
                    let mut label = if r < inner { 1 } else { 2 };
                    // Lateral ventricles: two elongated CSF-filled ellipsoids (background label).
                    for side in [-1.0, 1.0] {
                        let (a, b, c) =
                            ((u - side * 0.13) / 0.09, (v + 0.05) / (0.30 + vent), (w - 0.12) / 0.14);
                        if a * a + b * b + c * c < 1.0 {
                            label = 0;
                            csf[[z, y, x]] = 1;
                        }
                    }
                    for side in [-1.0, 1.0] {
                        // Thalamus: medial, just below the ventricles.
                        let (a, b, c) = ((u - side * 0.11) / 0.10, (v - 0.02) / 0.16, (w + 0.06) / 0.11);
                        if a * a + b * b + c * c < 1.0 {
                            label = 5;
                        }
                        // Hippocampus: elongated, inferior-lateral, posterior.
                        let (a, b, c) = ((u - side * 0.40) / 0.065, (v - 0.18) / 0.22, (w + 0.36) / 0.07);
                        if a * a + b * b + c * c < 1.0 {
                            label = 3;
                        }
                        // Amygdala: anterior to the hippocampus.
                        let (a, b, c) = ((u - side * 0.38) / 0.08, (v + 0.12) / 0.08, (w + 0.38) / 0.08);
                        if a * a + b * b + c * c < 1.0 {
                            label = 4;
                        }
                    }
                    labels[[z, y, x]] = label;
                }
            }
        }

        // Intensities per tissue: (T1, T2) relative to white matter in T1.
        let tissue = |label: u8, csf: bool, head: bool| -> (f64, f64) {
            match (label, csf, head) {
                (1, _, _) => (1.0, 0.45),
                (2, _, _) => (0.62, 0.75),
                (3, _, _) | (4, _, _) => (0.66, 0.72),
                (5, _, _) => (0.85, 0.55),
                (_, true, _) => (0.18, 1.0),
                (_, false, true) => (0.35, 0.4), // extra-cerebral tissue
                _ => (0.0, 0.0),
            }
        };
        let noise = Normal::new(0.0, self.noise).expect("finite noise");
        let mut t1 = Array3::<f32>::zeros((nz, ny, nx));
        let mut t2 = Array3::<f32>::zeros((nz, ny, nx));
        let bias = [rng.gen_range(-0.1..0.1), rng.gen_range(-0.1..0.1), rng.gen_range(-0.1..0.1)];
        for ((z, y, x), l) in labels.indexed_iter() {
            let inside_brain = mask[[z, y, x]] == 1;
            let (a, b) = tissue(*l, csf[[z, y, x]] == 1 || (inside_brain && *l == 0), head[[z, y, x]] == 1);
            let (fx, fy, fz) =
                (x as f64 / nx as f64 - 0.5, y as f64 / ny as f64 - 0.5, z as f64 / nz as f64 - 0.5);
            let field = 1.0 + bias[0] * fx + bias[1] * fy + bias[2] * fz;
            let n1: f64 = noise.sample(&mut rng);
            let n2: f64 = noise.sample(&mut rng);
            t1[[z, y, x]] = (1000.0 * (a * field + n1)).abs() as f32;
            t2[[z, y, x]] = (1000.0 * (b * field + n2)).abs() as f32;
        }

        let gender = if rng.gen_bool(0.5) { "F" } else { "M" };
        PhantomSubject {
            id: format!("Subject_{n}"),
            t1: t1.into_dyn(),
            t2: t2.into_dyn(),
            labels: labels.into_dyn(),
            mask: mask.into_dyn(),
            spacing: self.spacing,
            origin,
            age: rng.gen_range(22..36),
            gpa: (rng.gen_range(1.0..4.0f64) * 100.0).round() / 100.0,
            gender,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_anatomical() {
        let p = BrainPhantom::small();
        let a = p.generate(2);
        let b = p.generate(2);
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.t1, b.t1);
        let c = p.generate(3);
        assert_ne!(a.labels, c.labels);
        let count = |l: u8| a.labels.iter().filter(|&&v| v == l).count();
        // White matter and grey matter dominate, small structures exist.
        assert!(count(1) > count(5) && count(2) > count(5));
        for (l, _) in LABEL_NAMES {
            assert!(count(l) > 0, "label {l} missing");
        }
        // Labels lie inside the mask.
        assert!(a.labels.iter().zip(a.mask.iter()).all(|(&l, &m)| l == 0 || m == 1));
    }

    #[test]
    fn default_phantom_has_every_structure() {
        let s = BrainPhantom::default().generate(1);
        for (l, name) in LABEL_NAMES {
            let n = s.labels.iter().filter(|&&v| v == l).count();
            assert!(n > 50, "{name}: only {n} voxels");
        }
        let img = s.image(&s.t1).unwrap();
        assert_eq!(img.properties().size(), &[90, 108, 90]);
    }
}
