//! `mia evaluate` end to end: pymia's values for every parity case (through `compare_values.py`), pymia's example
//! CSVs byte for byte, and the failure contract (exit code, other subjects kept).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Map, Value};

fn shared() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    assert!(dir.is_dir(), "shared data missing at {} (CI lays shared/ beside the clone)", dir.display());
    dir
}

fn mia(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mia")).arg("evaluate").args(args).output().expect("run mia")
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "mia failed ({:?}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The metrics of `pymia_values.json`, as `--metrics` specifications (parameters from its `_meta`).
const SEGMENTATION_METRICS: &str = "DICE,JACRD,SNSVTY,SPCFTY,FALLOUT,FNR,ACURCY,PRCISON,TP,FP,TN,FN,FMEASR,\
FMEASR_B0.5=FMEASR(beta=0.5),FMEASR_B2=FMEASR(beta=2),GCOERR,VOLSMTY,RNDIND,ADJRIND,MUTINF,VARINFO,KAPPA,AUC,ICCORR,\
PROBDST,MAHLNBS,AVGDIST,REFAREA,PREDAREA,REFVOL,PREDVOL,HDRFDST,HDRFDST95=HDRFDST(percentile=95),SURFDICE,\
SURFDICE_2MM=SURFDICE(tolerance=2),SURFOVLP,SURFOVLP_R2P=SURFOVLP(prediction_to_reference=false),\
SURFOVLP_2MM=SURFOVLP(tolerance=2),SURFOVLP_R2P_2MM=SURFOVLP(tolerance=2,prediction_to_reference=false)";
const CONTINUOUS_METRICS: &str = "R2,MAE,MSE,RMSE,NRMSE,PSNR,SSIM";

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn compare(candidate: &Value, reference: &Value, dir: &Path, name: &str, extra: &[&str]) {
    let (c, r) = (dir.join(format!("{name}_candidate.json")), dir.join(format!("{name}_reference.json")));
    std::fs::write(&c, serde_json::to_string(candidate).unwrap()).unwrap();
    std::fs::write(&r, serde_json::to_string(reference).unwrap()).unwrap();
    let script = shared().join("parity/compare_values.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&c)
        .arg("--reference")
        .arg(&r)
        .args(extra)
        .output()
        .expect("python3 is needed (the CI image has it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{name}: compare_values.py found differences:\n{text}");
    eprintln!("{name}: {}", text.lines().last().unwrap_or(""));
}

/// Every parity case through the CLI, compared with pymia's values by `compare_values.py`.
#[test]
fn reproduces_pymia_values_for_every_case() {
    let parity = shared().join("parity");
    let manifest = read_json(&parity.join("cases/manifest.json"));
    let pymia = read_json(&parity.join("pymia_values.json"));
    let tmp = tempfile::tempdir().unwrap();
    let mut candidate = Map::new();
    for (case, info) in manifest["cases"].as_object().unwrap() {
        let dir = parity.join("cases").join(case);
        let json = tmp.path().join(format!("{case}.json"));
        let (r, p) = (dir.join("ref.nii.gz"), dir.join("pred.nii.gz"));
        let mut args = vec![
            "--reference",
            r.to_str().unwrap(),
            "--prediction",
            p.to_str().unwrap(),
            "--subject",
            case,
            "--json",
            json.to_str().unwrap(),
            "--quiet",
        ];
        let labels;
        if info["kind"] == "segmentation" {
            labels = info["labels"].as_object().unwrap().keys().cloned().collect::<Vec<_>>().join(",");
            // pymia treats 2-D masks as one-voxel slabs; mia's default is true 2-D contours (DECISIONS.md #1).
            args.extend(["--labels", &labels, "--metrics", SEGMENTATION_METRICS, "--pymia-2d"]);
        } else {
            args.extend(["--metrics", CONTINUOUS_METRICS]);
        }
        ok(&mia(&args));
        let mut values = read_json(&json)[case.as_str()].as_object().unwrap().clone();
        if let Some(image) = values.get("image").cloned() {
            // mia computes continuous metrics in f64 whatever the input type: compared with pymia's float32
            // computation ("image") at 1e-6 and with its float64 computation ("image_as_float64") at 1e-9.
            values.insert("image_as_float64".into(), image);
        }
        candidate.insert(case.clone(), Value::Object(values));
    }
    let candidate = Value::Object(candidate);
    // Split pymia's values: float32-computed continuous values (label "image") get the float32 tolerance.
    let (mut exact, mut float32) = (Map::new(), Map::new());
    for (case, labels) in pymia.as_object().unwrap() {
        if case.starts_with('_') {
            continue;
        }
        let mut e = labels.as_object().unwrap().clone();
        if let Some(image) = e.remove("image") {
            float32.insert(case.clone(), serde_json::json!({ "image": image }));
        }
        exact.insert(case.clone(), Value::Object(e));
    }
    compare(&candidate, &Value::Object(exact), tmp.path(), "exact", &["--tol", "SSIM=1e-6"]);
    compare(&candidate, &Value::Object(float32), tmp.path(), "float32", &["--rtol", "1e-6"]);
}

/// pymia's evaluation example on its own data: `expected_results.csv` and `expected_results_summary.csv`.
#[test]
fn reproduces_pymia_example_csvs_byte_for_byte() {
    let data = shared().join("data/pymia-example");
    let tmp = tempfile::tempdir().unwrap();
    let pairs = tmp.path().join("pairs.csv");
    let mut text = String::from("subject,reference,prediction\n");
    for k in 1..=4 {
        let d = data.join(format!("Subject_{k}"));
        text.push_str(&format!(
            "Subject_{k},{},{}\n",
            d.join(format!("Subject_{k}_GT.mha")).display(),
            d.join(format!("Subject_{k}_PRED_eroded.mha")).display()
        ));
    }
    std::fs::write(&pairs, text).unwrap();
    let (csv, stats) = (tmp.path().join("results.csv"), tmp.path().join("summary.csv"));
    let out = mia(&[
        "--pairs",
        pairs.to_str().unwrap(),
        "--labels",
        "1=WHITEMATTER,2=GREYMATTER,5=THALAMUS",
        "--metrics",
        "DICE,HDRFDST95=HDRFDST(percentile=95),VOLSMTY",
        "--csv",
        csv.to_str().unwrap(),
        "--stats",
        stats.to_str().unwrap(),
    ]);
    ok(&out);
    assert_eq!(std::fs::read(&csv).unwrap(), std::fs::read(data.join("expected_results.csv")).unwrap());
    assert_eq!(
        std::fs::read(&stats).unwrap(),
        std::fs::read(data.join("expected_results_summary.csv")).unwrap()
    );
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(console.starts_with("SUBJECT    LABEL        DICE   HDRFDST95  VOLSMTY\n"), "{console}");
}

/// A bad subject (missing file, geometry mismatch) fails alone: exit code 1, the others' results written.
#[test]
fn failures_are_reported_and_others_kept() {
    let cases = shared().join("parity/cases");
    let tmp = tempfile::tempdir().unwrap();
    let pairs = tmp.path().join("pairs.csv");
    let case = |c: &str, f: &str| cases.join(c).join(f).display().to_string();
    std::fs::write(
        &pairs,
        format!(
            "subject,reference,prediction\ngood,{},{}\nmissing,{},{}\nmismatch,{},{}\n",
            case("sphere_offset", "ref.nii.gz"),
            case("sphere_offset", "pred.nii.gz"),
            case("sphere_offset", "ref.nii.gz"),
            tmp.path().join("nope.nii.gz").display(),
            case("sphere_offset", "ref.nii.gz"),
            case("sphere_aniso", "pred.nii.gz"),
        ),
    )
    .unwrap();
    let csv = tmp.path().join("out.csv");
    let out = mia(&[
        "--pairs",
        pairs.to_str().unwrap(),
        "--labels",
        "1=FG",
        "--metrics",
        "DICE,TP",
        "--csv",
        csv.to_str().unwrap(),
        "-q",
        "--threads",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 of 3 subjects could not be evaluated"), "{stderr}");
    assert!(stderr.contains("missing: cannot read"), "{stderr}");
    assert!(stderr.contains("mismatch: prediction and reference differ in"), "{stderr}");
    let written = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(written.lines().count(), 2, "{written}");
    assert!(written.contains("good;FG;0.8466941616187653;26278"), "{written}");
}

/// Directory matching, JSON, the HTML report, and the subject id from the file name.
#[test]
fn directories_json_and_report() {
    let cases = shared().join("parity/cases");
    let tmp = tempfile::tempdir().unwrap();
    let (rd, pd) = (tmp.path().join("ref"), tmp.path().join("pred"));
    std::fs::create_dir_all(&rd).unwrap();
    std::fs::create_dir_all(&pd).unwrap();
    for c in ["sphere_offset", "pred_empty", "identical"] {
        std::fs::copy(cases.join(c).join("ref.nii.gz"), rd.join(format!("{c}.nii.gz"))).unwrap();
        std::fs::copy(cases.join(c).join("pred.nii.gz"), pd.join(format!("{c}.nii.gz"))).unwrap();
    }
    let (json, report) = (tmp.path().join("r.json"), tmp.path().join("r.html"));
    let out = mia(&[
        "--reference-dir",
        rd.to_str().unwrap(),
        "--prediction-dir",
        pd.to_str().unwrap(),
        "--labels",
        "1=FG",
        "--metrics",
        "DICE,HDRFDST95=HDRFDST(percentile=95)",
        "--json",
        json.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--statistics",
        "mean,std,median,count_finite",
        "--non-finite",
        "exclude",
    ]);
    ok(&out);
    let v = read_json(&json);
    assert_eq!(v["pred_empty"]["FG"]["HDRFDST95"], "inf");
    assert_eq!(v["identical"]["FG"]["DICE"], 1.0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("MEAN[finite-only]"), "{stdout}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<svg") && html.contains("empty_prediction"), "report lacks plots or reasons");

    // single pair: the subject id defaults to the prediction's name without extensions
    let single = mia(&[
        "--reference",
        rd.join("identical.nii.gz").to_str().unwrap(),
        "--prediction",
        pd.join("identical.nii.gz").to_str().unwrap(),
        "--labels",
        "1",
        "--metrics",
        "DICE",
    ]);
    ok(&single);
    assert!(String::from_utf8_lossy(&single.stdout).contains("identical  1      1.000"));
}

#[test]
fn usage_errors() {
    let out = mia(&["--pairs", "x.csv", "--labels", "1=A,2=A"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("used twice"));
    let out = mia(&["--pairs", "x.csv", "--metrics", "DICE"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("continuous"));
}
