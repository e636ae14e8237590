//! Writes the demo cohort to disk in the layout of pymia's example data, plus its subject description.

use std::path::{Path, PathBuf};

use anyhow::Context;
use mia_testkit::BrainPhantom;

/// The subject description of the generated cohort (format: `mia_dataset::SubjectsConfig`).
const SUBJECTS_TOML: &str = r#"# Subject description of the mia demo cohort (see `mia dataset create --help`).
root = "."
subjects = "Subject_*"

[categories.images]
dtype = "f32"
entries = { T1 = "{subject}/{subject}_T1.mha", T2 = "{subject}/{subject}_T2.mha" }

[categories.labels]
dtype = "u8"
entries = { GT = "{subject}/{subject}_GT.mha" }

[categories.mask]
dtype = "u8"
entries = { MASK = "{subject}/{subject}_MASK.nii.gz" }

[categories.numerical]
entries = { AGE = "{subject}/{subject}_demographic.txt", GPA = "{subject}/{subject}_demographic.txt" }

[categories.gender]
entries = { GENDER = "{subject}/{subject}_demographic.txt" }
"#;

/// Generates `n` subjects under `dir` (`Subject_k/Subject_k_{T1,T2,GT}.mha`, `_MASK.nii.gz`,
/// `_demographic.txt`) and returns the path of `dir/subjects.toml`.
pub(crate) fn write_cohort(dir: &Path, n: u64) -> anyhow::Result<PathBuf> {
    let phantom = BrainPhantom::default();
    // Subjects are independent: generate and write them on all cores.
    let results: Vec<anyhow::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..=n)
            .map(|k| {
                let phantom = &phantom;
                scope.spawn(move || write_subject(dir, phantom, k))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("generator thread panicked"))))
            .collect()
    });
    for r in results {
        r?;
    }
    let config = dir.join("subjects.toml");
    std::fs::write(&config, SUBJECTS_TOML).with_context(|| format!("writing {}", config.display()))?;
    Ok(config)
}

fn write_subject(dir: &Path, phantom: &BrainPhantom, k: u64) -> anyhow::Result<()> {
    let s = phantom.generate(k);
    let sdir = dir.join(&s.id);
    std::fs::create_dir_all(&sdir).with_context(|| format!("creating {}", sdir.display()))?;
    let file = |suffix: &str| sdir.join(format!("{}_{suffix}", s.id));
    mia_io::write_image(file("T1.mha"), &s.image(&s.t1)?)?;
    mia_io::write_image(file("T2.mha"), &s.image(&s.t2)?)?;
    mia_io::write_image(file("GT.mha"), &s.image(&s.labels)?)?;
    mia_io::write_image(file("MASK.nii.gz"), &s.image(&s.mask)?)?;
    let demo = format!("Age: {}\nGPA: {}\nGender: {}\n", s.age, s.gpa, s.gender);
    std::fs::write(file("demographic.txt"), demo)
        .with_context(|| format!("writing {}", file("demographic.txt").display()))?;
    Ok(())
}
