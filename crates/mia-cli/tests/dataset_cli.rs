//! `mia dataset create` / `mia dataset info` on pymia's example data and on bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn mia() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mia"))
}

fn example_data() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pymia-example");
    assert!(p.is_dir(), "pymia example data missing at {}", p.display());
    p.canonicalize().unwrap()
}

/// Two subjects (labels + mask + demographics; the GT stands in as the only image channel) to keep it quick.
fn config(dir: &Path, extra: &str) -> PathBuf {
    let text = format!(
        r#"root = {root:?}
subjects = "Subject_[12]"
{extra}
[categories.images]
dtype = "f32"
entries = {{ T1 = "{{subject}}/{{subject}}_GT.mha" }}
[categories.labels]
entries = {{ GT = "{{subject}}/{{subject}}_GT.mha" }}
[categories.mask]
dtype = "u8"
entries = {{ MASK = "{{subject}}/{{subject}}_MASK.nii.gz" }}
[categories.numerical]
entries = {{ AGE = "{{subject}}/{{subject}}_demographic.txt", GPA = "{{subject}}/{{subject}}_demographic.txt" }}
[categories.gender]
entries = {{ GENDER = "{{subject}}/{{subject}}_demographic.txt" }}
"#,
        root = example_data().display().to_string()
    );
    let p = dir.join("subjects.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn create_and_info_json() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let out = dir.path().join("data.h5");
    let st = mia()
        .args(["dataset", "create", "--quiet", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let o = mia().args(["dataset", "info", "--json"]).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["subjects"], serde_json::json!(["Subject_1", "Subject_2"]));
    let cats = v["categories"].as_object().unwrap();
    assert_eq!(cats.keys().collect::<Vec<_>>(), ["images", "labels", "mask", "numerical", "gender"]);
    assert_eq!(v["categories"]["images"]["dtype"], "f32");
    assert_eq!(v["categories"]["labels"]["dtype"], "u8");
    assert_eq!(v["categories"]["numerical"]["dtype"], "f64");
    assert_eq!(v["categories"]["numerical"]["names"], serde_json::json!(["AGE", "GPA"]));
    assert_eq!(v["categories"]["gender"]["dtype"], "str");
    assert_eq!(
        v["categories"]["images"]["shapes"],
        serde_json::json!([[181, 217, 181, 1], [181, 217, 181, 1]])
    );
    let p = &v["image_properties"][0];
    assert_eq!(p["size"], serde_json::json!([181, 217, 181]));
    assert_eq!(p["origin"], serde_json::json!([-90.0, 126.0, -72.0]));
    assert_eq!(p["direction"], serde_json::json!([1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]));
    let human = mia().args(["dataset", "info"]).arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("2 subjects") && text.contains("contiguous"), "{text}");

    // existing target without --force: refused, file untouched
    let before = std::fs::read(&out).unwrap();
    let o = mia()
        .args(["dataset", "create", "--quiet", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read(&out).unwrap(), before);

    // compressed, metadata-only
    let packed = dir.path().join("packed.h5");
    let o = mia()
        .args(["dataset", "create", "--quiet", "--compression", "4", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&packed)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::metadata(&packed).unwrap().len() < before.len() as u64 / 4);
    let text =
        String::from_utf8_lossy(&mia().args(["dataset", "info"]).arg(&packed).output().unwrap().stdout)
            .into_owned();
    assert!(text.contains("chunked") && text.contains("deflate"), "{text}");
    // chunks of a given shape (channels whole)
    let grid = dir.path().join("grid.h5");
    let o = mia()
        .args(["dataset", "create", "--quiet", "--chunks", "84,84,84", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&grid)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&mia().args(["dataset", "info"]).arg(&grid).output().unwrap().stdout)
        .into_owned();
    assert!(text.contains("chunked") && text.contains("[84, 84, 84, 1]"), "{text}");
    for bad in ["84,0,84", "84,x", ""] {
        let o = mia()
            .args(["dataset", "create", "--quiet", "--chunks", bad, "--config"])
            .arg(&cfg)
            .arg("--out")
            .arg(dir.path().join("bad.h5"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains("chunk shape"), "{bad:?}: {err}");
    }
    assert!(!dir.path().join("bad.h5").exists());
    let meta = dir.path().join("meta.h5");
    assert!(mia()
        .args(["dataset", "create", "--quiet", "--meta-only", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&meta)
        .status()
        .unwrap()
        .success());
    let o = mia().args(["dataset", "info", "--json"]).arg(&meta).output().unwrap();
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(m["categories"], v["categories"]);
    assert!(std::fs::metadata(&meta).unwrap().len() < 64 * 1024);
}

#[test]
fn bad_input_is_reported_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data.h5");
    // a file that is not an image, in the second subject
    let raw = dir.path().join("raw");
    for s in ["a", "b"] {
        std::fs::create_dir_all(raw.join(s)).unwrap();
    }
    std::fs::copy(example_data().join("Subject_1/Subject_1_GT.mha"), raw.join("a/img.mha")).unwrap();
    std::fs::write(raw.join("b/img.mha"), b"this is not a MetaImage").unwrap();
    let cfg = dir.path().join("s.toml");
    std::fs::write(
        &cfg,
        "root = \"raw\"\nsubjects = \"*\"\n[categories.images]\nentries = { T1 = \"{subject}/img.mha\" }\n",
    )
    .unwrap();
    let o = mia()
        .args(["dataset", "create", "--quiet", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("subject b") && err.contains("img.mha"), "{err}");
    assert!(!out.exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
    // a missing file
    std::fs::remove_file(raw.join("b/img.mha")).unwrap();
    let o = mia()
        .args(["dataset", "create", "--quiet", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("does not exist") && err.contains("subject b"), "{err}");
    // --compression with --chunks none
    let o = mia()
        .args(["dataset", "create", "--chunks", "none", "--compression", "3", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    // info on something that is not a dataset
    let o = mia().args(["dataset", "info"]).arg(&cfg).output().unwrap();
    assert!(!o.status.success());
}
