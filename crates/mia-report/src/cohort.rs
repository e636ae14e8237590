//! Whole cohorts: prediction/reference pairs matched by file name or listed in a CSV file, evaluated in parallel;
//! a subject that fails is recorded and never loses the others' results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use mia_core::Image;
use rayon::prelude::*;

use crate::evaluator::Evaluator;
use crate::results::Results;

/// One subject: its id and the two files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// Subject id.
    pub subject: String,
    /// Reference (ground truth) image file.
    pub reference: PathBuf,
    /// Prediction image file.
    pub prediction: PathBuf,
}

/// Errors of cohort set-up (listing directories, reading a pairs file).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CohortError {
    /// A directory or file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The pairs file is not `subject,reference,prediction` CSV.
    #[error("{path}, line {line}: {reason}")]
    PairsFile {
        /// The pairs file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// Two files give the same subject id.
    #[error("subject id '{subject}' occurs twice ({first} and {second})")]
    DuplicateSubject {
        /// The id.
        subject: String,
        /// First file.
        first: PathBuf,
        /// Second file.
        second: PathBuf,
    },
    /// The thread pool could not be built.
    #[error("cannot start {threads} threads: {message}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The cause.
        message: String,
    },
}

/// The subject id of an image file: its name without the extension (two for `.nii.gz`-style compressed files).
///
/// ```
/// use mia_report::subject_id;
/// assert_eq!(subject_id("data/Subject_1_PRED_eroded.mha".as_ref()), "Subject_1_PRED_eroded");
/// assert_eq!(subject_id("case.01.nii.gz".as_ref()), "case.01");
/// ```
pub fn subject_id(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let strip = |s: &str| {
        s.rsplit_once('.')
            .filter(|(stem, _)| !stem.is_empty())
            .map_or(s.to_owned(), |(stem, _)| stem.to_owned())
    };
    let lower = name.to_ascii_lowercase();
    if [".gz", ".bz2", ".xz", ".zst"].iter().any(|e| lower.ends_with(e)) {
        strip(&strip(&name))
    } else {
        strip(&name)
    }
}

/// Subjects found in only one directory: `(subject, message)`.
pub type Unmatched = Vec<(String, String)>;

/// Pairs of files with the same subject id in two directories (sorted by subject), and the ids found in only one
/// of them (to be reported as failures).
pub fn pairs_from_dirs(
    reference_dir: &Path,
    prediction_dir: &Path,
) -> Result<(Vec<Pair>, Unmatched), CohortError> {
    let refs = list_images(reference_dir)?;
    let preds = list_images(prediction_dir)?;
    let mut pairs = Vec::new();
    let mut unmatched = Vec::new();
    for (subject, prediction) in &preds {
        match refs.get(subject) {
            Some(reference) => pairs.push(Pair {
                subject: subject.clone(),
                reference: reference.clone(),
                prediction: prediction.clone(),
            }),
            None => unmatched.push((
                subject.clone(),
                format!("no reference for {} in {}", prediction.display(), reference_dir.display()),
            )),
        }
    }
    for (subject, reference) in &refs {
        if !preds.contains_key(subject) {
            unmatched.push((
                subject.clone(),
                format!("no prediction for {} in {}", reference.display(), prediction_dir.display()),
            ));
        }
    }
    unmatched.sort();
    Ok((pairs, unmatched))
}

fn list_images(dir: &Path) -> Result<BTreeMap<String, PathBuf>, CohortError> {
    let io = |source| CohortError::Io { path: dir.to_owned(), source };
    let mut out: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !path.is_file() || hidden {
            continue;
        }
        let subject = subject_id(&path);
        if let Some(first) = out.get(&subject) {
            let (first, second) = if first < &path { (first.clone(), path) } else { (path, first.clone()) };
            return Err(CohortError::DuplicateSubject { subject, first, second });
        }
        out.insert(subject, path);
    }
    Ok(out)
}

/// Reads a pairs file: CSV with the header `subject,reference,prediction` (columns in any order); relative paths
/// are relative to the file's directory. Subjects keep the file's order.
pub fn pairs_from_csv(path: &Path) -> Result<Vec<Pair>, CohortError> {
    let bad = |line: u64, reason: String| CohortError::PairsFile { path: path.to_owned(), line, reason };
    let mut reader =
        csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).map_err(|e| bad(1, e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h.eq_ignore_ascii_case(name)).ok_or_else(|| {
            bad(1, format!("no '{name}' column (the header must be subject,reference,prediction)"))
        })
    };
    let (s, r, p) = (column("subject")?, column("reference")?, column("prediction")?);
    let base = path.parent().unwrap_or(Path::new(""));
    let mut pairs: Vec<Pair> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize, name: &str| match record.get(i) {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(bad(line, format!("empty {name}"))),
        };
        let subject = field(s, "subject")?;
        let reference = base.join(field(r, "reference")?);
        let prediction = base.join(field(p, "prediction")?);
        if let Some(first) = pairs.iter().find(|q| q.subject == subject) {
            return Err(CohortError::DuplicateSubject {
                subject,
                first: first.prediction.clone(),
                second: prediction,
            });
        }
        pairs.push(Pair { subject, reference, prediction });
    }
    Ok(pairs)
}

/// Reads an image file (e.g. `mia_io::read_image`), boxed errors.
pub type ImageReader = dyn Fn(&Path) -> Result<Image, Box<dyn std::error::Error + Send + Sync>> + Sync;

/// Options of [`evaluate_cohort`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CohortOptions {
    /// Threads (`None`: rayon's default, one per core).
    pub threads: Option<usize>,
}

/// Evaluates every pair in parallel: results in the pairs' order (so statistics do not depend on scheduling);
/// failing subjects (unreadable file, geometry mismatch, ...) are recorded in [`Results::failures`] with their
/// error chain, the others' results are kept. `progress` is called once per finished subject with
/// `(finished, total, subject, ok)`.
pub fn evaluate_cohort(
    evaluator: &Evaluator,
    pairs: &[Pair],
    read: &ImageReader,
    options: CohortOptions,
    progress: &(dyn Fn(usize, usize, &str, bool) + Sync),
) -> Result<Results, CohortError> {
    let done = AtomicUsize::new(0);
    let one = |pair: &Pair| {
        let outcome = evaluate_pair(evaluator, pair, read);
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(n, pairs.len(), &pair.subject, outcome.is_ok());
        outcome
    };
    let outcomes: Vec<Result<Vec<crate::EvaluationResult>, String>> = match options.threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| CohortError::ThreadPool { threads, message: e.to_string() })?
            .install(|| pairs.par_iter().map(one).collect()),
        None => pairs.par_iter().map(one).collect(),
    };
    let mut results = Results::new();
    for (pair, outcome) in pairs.iter().zip(outcomes) {
        match outcome {
            Ok(records) => results.extend(records),
            Err(message) => results.push_failure(&pair.subject, message),
        }
    }
    Ok(results)
}

fn evaluate_pair(
    evaluator: &Evaluator,
    pair: &Pair,
    read: &ImageReader,
) -> Result<Vec<crate::EvaluationResult>, String> {
    let load =
        |path: &Path| read(path).map_err(|e| format!("cannot read {}: {}", path.display(), chain(&*e)));
    let reference = load(&pair.reference)?;
    let prediction = load(&pair.prediction)?;
    evaluator.evaluate(&prediction, &reference, &pair.subject).map_err(|e| chain(&e))
}

/// An error with its causes, `: `-separated.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_ids() {
        assert_eq!(subject_id(Path::new("a/b/sub-01.nii.gz")), "sub-01");
        assert_eq!(subject_id(Path::new("sub-01.nii")), "sub-01");
        assert_eq!(subject_id(Path::new("sub-01.MHA")), "sub-01");
        assert_eq!(subject_id(Path::new("noext")), "noext");
        assert_eq!(subject_id(Path::new(".hidden")), ".hidden");
    }

    #[test]
    fn pairs_by_name_and_csv() {
        let dir = tempfile::tempdir().unwrap();
        let (r, p) = (dir.path().join("ref"), dir.path().join("pred"));
        std::fs::create_dir_all(&r).unwrap();
        std::fs::create_dir_all(&p).unwrap();
        for f in ["a.nii.gz", "b.mha", "c.nii"] {
            std::fs::write(r.join(f), b"").unwrap();
        }
        for f in ["a.nii.gz", "b.nii.gz", "d.mha"] {
            std::fs::write(p.join(f), b"").unwrap();
        }
        let (pairs, unmatched) = pairs_from_dirs(&r, &p).unwrap();
        assert_eq!(pairs.iter().map(|p| p.subject.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(pairs[1].reference, r.join("b.mha"));
        assert_eq!(unmatched.iter().map(|u| u.0.as_str()).collect::<Vec<_>>(), ["c", "d"]);
        assert!(unmatched[0].1.contains("no prediction"));
        std::fs::write(p.join("a.mha"), b"").unwrap();
        assert!(matches!(pairs_from_dirs(&r, &p), Err(CohortError::DuplicateSubject { .. })));

        let csv = dir.path().join("pairs.csv");
        std::fs::write(
            &csv,
            "subject,prediction,reference\nz,pred/a.nii.gz,/abs/ref.mha\ny, pred/b.nii.gz ,ref/b.mha\n",
        )
        .unwrap();
        let pairs = pairs_from_csv(&csv).unwrap();
        assert_eq!(pairs[0].subject, "z");
        assert_eq!(pairs[0].reference, PathBuf::from("/abs/ref.mha"));
        assert_eq!(pairs[1].prediction, dir.path().join("pred/b.nii.gz"));
        std::fs::write(&csv, "subject,reference\nz,a\n").unwrap();
        let e = pairs_from_csv(&csv).unwrap_err().to_string();
        assert!(e.contains("prediction"), "{e}");
        std::fs::write(&csv, "subject,reference,prediction\nz,a,b\nz,c,d\n").unwrap();
        assert!(matches!(pairs_from_csv(&csv), Err(CohortError::DuplicateSubject { .. })));
    }
}
