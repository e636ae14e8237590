//! Surface-distance parity with pymia 0.3.4 and DeepMind surface-distance 0.1 on the shared parity cases
//! (`shared/parity`, laid beside the repository clone; see its README).

use std::path::PathBuf;

use mia_metrics::surface::{average_hausdorff_itk, SurfaceConfig, SurfaceDistances, TwoDMode};
use ndarray::{ArrayD, Zip};
use nifti::{IntoNdArray, NiftiObject, ReaderOptions};
use serde_json::Value;

fn parity_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/parity"));
    assert!(
        dir.join("pymia_values.json").is_file(),
        "parity data missing: expected shared/parity beside the repository at {}",
        dir.display()
    );
    dir
}

/// A label image in numpy (z, y, x) order and its spacing in numpy order (pixdim f32 → f64).
fn load(case: &str, which: &str) -> (ArrayD<u8>, Vec<f64>) {
    let path = parity_dir().join("cases").join(case).join(format!("{which}.nii.gz"));
    let obj = ReaderOptions::new().read_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = obj.header().clone();
    let ndim = usize::from(header.dim[0] as u16);
    let data: ArrayD<u8> = obj.into_volume().into_ndarray::<u8>().expect("uint8 volume");
    // nifti gives (x, y, z[, ...]); drop trailing unit axes beyond ndim, then reverse to numpy order.
    assert_eq!(data.ndim(), ndim, "{case}/{which}");
    let data = data.reversed_axes().as_standard_layout().into_owned();
    let spacing = (1..=ndim).rev().map(|i| f64::from(header.pixdim[i])).collect();
    (data, spacing)
}

fn mask(labels: &ArrayD<u8>, label: &str) -> ArrayD<bool> {
    let wanted: Vec<u8> = label.split('+').map(|l| l.parse().expect("label")).collect();
    labels.mapv(|v| wanted.contains(&v))
}

fn value(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("f64"),
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("bad value {s}")),
        other => panic!("unexpected {other}"),
    }
}

fn close(got: f64, want: f64, rtol: f64) -> bool {
    got == want || (got - want).abs() <= rtol * want.abs().max(got.abs()) || (got.is_nan() && want.is_nan())
}

/// The surface metrics of one (case, label) as the JSON files name them.
fn surface_metrics(d: &SurfaceDistances) -> Vec<(&'static str, f64)> {
    vec![
        ("HDRFDST", d.hausdorff(100.0)),
        ("HDRFDST95", d.hausdorff(95.0)),
        ("SURFDICE", d.surface_dice(1.0)),
        ("SURFDICE_2MM", d.surface_dice(2.0)),
        ("SURFOVLP", d.surface_overlap(1.0, true)),
        ("SURFOVLP_R2P", d.surface_overlap(1.0, false)),
        ("SURFOVLP_2MM", d.surface_overlap(2.0, true)),
        ("SURFOVLP_R2P_2MM", d.surface_overlap(2.0, false)),
        ("ASD_REF_TO_PRED", d.average_surface_distance(false)),
        ("ASD_PRED_TO_REF", d.average_surface_distance(true)),
    ]
}

fn check_file(file: &str, config: SurfaceConfig, rtol: f64, with_avgdist: bool) {
    let text = std::fs::read_to_string(parity_dir().join(file)).expect("values file");
    let json: Value = serde_json::from_str(&text).expect("json");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (case, labels) in json.as_object().expect("object") {
        if case.starts_with('_') || case.starts_with("recon") {
            continue;
        }
        let (r, spacing) = load(case, "ref");
        let (p, _) = load(case, "pred");
        for (label, metrics) in labels.as_object().expect("labels") {
            let (rm, pm) = (mask(&r, label), mask(&p, label));
            let d = SurfaceDistances::compute(pm.view(), rm.view(), &spacing, &config).expect("compute");
            let mut got = surface_metrics(&d);
            if with_avgdist {
                let (a, b) = average_hausdorff_itk(pm.view(), rm.view(), &spacing).expect("avgdist");
                got.push(("AVGDIST", 0.5 * (a + b)));
            }
            for (name, g) in got {
                if let Some(w) = metrics.get(name) {
                    checked += 1;
                    let w = value(w);
                    if !close(g, w, rtol) {
                        failures.push(format!("{case}/{label}/{name}: got {g:?}, want {w:?}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} values differ:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 50, "only {checked} values checked");
}

#[test]
fn pymia_values_all_cases() {
    check_file("pymia_values.json", SurfaceConfig::pymia(), 1e-9, true);
}

#[test]
fn deepmind_values_true_2d_contours() {
    check_file("deepmind_values.json", SurfaceConfig::default().with_two_d(TwoDMode::Contour), 1e-6, false);
}

#[test]
fn both_views_of_the_same_data_agree() {
    // A Fortran-order (non-standard layout) view gives the same result as the C-order copy.
    let (r, spacing) = load("sphere_aniso", "ref");
    let (p, _) = load("sphere_aniso", "pred");
    let (rm, pm) = (mask(&r, "1"), mask(&p, "1"));
    let rf = rm.t().as_standard_layout().into_owned();
    let pf = pm.t().as_standard_layout().into_owned();
    let (rv, pv) = (rf.t(), pf.t());
    assert!(!rv.is_standard_layout());
    assert!(Zip::from(&rv).and(&rm).all(|a, b| a == b));
    let c = SurfaceConfig::default();
    let a = SurfaceDistances::compute(pm.view(), rm.view(), &spacing, &c).unwrap();
    let b = SurfaceDistances::compute(pv, rv, &spacing, &c).unwrap();
    assert_eq!(a, b);
}
