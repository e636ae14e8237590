//! [`SubjectsConfig`]: the subject description file (TOML or JSON) and the directory collector.
//!
//! The format is documented in the crate root.

use std::path::{Path, PathBuf};

use mia_core::PixelType;
use serde_json::{Map, Value};

use crate::subject::{validate_subjects, SubjectFiles};
use crate::SubjectError;

/// A parsed subject description: the subjects with their files, plus per-category casts for the loader.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectsConfig {
    /// The data root (absolute).
    pub root: PathBuf,
    /// Subjects in order.
    pub subjects: Vec<SubjectFiles>,
    /// `(category, pixel type)` casts requested with `dtype = "..."`.
    pub casts: Vec<(String, PixelType)>,
}

fn cfg_err(path: &Path, message: impl Into<String>) -> SubjectError {
    SubjectError::Config { path: path.to_path_buf(), message: message.into() }
}

/// Whether `name` matches a pattern with `*` (any run), `?` (one character) and `[abc]` / `[a-z]` / `[!abc]`
/// (one character of / not of a set).
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n)
}

fn match_from(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|k| match_from(&p[1..], &n[k..])),
        Some('?') => !n.is_empty() && match_from(&p[1..], &n[1..]),
        Some('[') => {
            let Some(close) = p.iter().skip(2).position(|&c| c == ']').map(|i| i + 2) else {
                return n.first() == Some(&'[') && match_from(&p[1..], &n[1..]);
            };
            let Some(&c) = n.first() else { return false };
            let (negate, set) = match p[1] {
                '!' | '^' => (true, &p[2..close]),
                _ => (false, &p[1..close]),
            };
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            hit != negate && match_from(&p[close + 1..], &n[1..])
        }
        Some(&c) => n.first() == Some(&c) && match_from(&p[1..], &n[1..]),
    }
}

/// Every path under `root` matching a `/`-separated pattern (wildcards within components), sorted.
pub fn glob(root: &Path, pattern: &str) -> Result<Vec<PathBuf>, SubjectError> {
    let mut current = vec![root.to_path_buf()];
    for comp in pattern.split('/').filter(|c| !c.is_empty() && *c != ".") {
        let mut next = Vec::new();
        for dir in &current {
            if !comp.contains(['*', '?', '[']) {
                let p = dir.join(comp);
                if p.exists() {
                    next.push(p);
                }
                continue;
            }
            if !dir.is_dir() {
                continue;
            }
            let rd =
                std::fs::read_dir(dir).map_err(|source| SubjectError::Io { path: dir.clone(), source })?;
            for e in rd {
                let e = e.map_err(|source| SubjectError::Io { path: dir.clone(), source })?;
                if wildcard_match(comp, &e.file_name().to_string_lossy()) {
                    next.push(e.path());
                }
            }
        }
        next.sort();
        current = next;
    }
    Ok(current)
}

struct CategorySpec {
    name: String,
    dtype: Option<PixelType>,
    entries: Vec<(String, Option<String>)>,
}

impl SubjectsConfig {
    /// Reads a description file (`.toml`, or `.json`); relative roots are relative to the file's directory.
    pub fn load(path: &Path) -> Result<SubjectsConfig, SubjectError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| SubjectError::Io { path: path.into(), source })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            Self::from_json_str(&text, &base, path)
        } else {
            Self::from_toml_str(&text, &base, path)
        }
    }

    /// Parses TOML text; `base` resolves a relative `root`; `origin` names the source in errors.
    pub fn from_toml_str(text: &str, base: &Path, origin: &Path) -> Result<SubjectsConfig, SubjectError> {
        let v: toml::Value = toml::from_str(text).map_err(|e| cfg_err(origin, e.to_string()))?;
        let v = serde_json::to_value(v).map_err(|e| cfg_err(origin, e.to_string()))?;
        Self::from_value(&v, base, origin)
    }

    /// Parses JSON text (same structure as the TOML form).
    pub fn from_json_str(text: &str, base: &Path, origin: &Path) -> Result<SubjectsConfig, SubjectError> {
        let v: Value = serde_json::from_str(text).map_err(|e| cfg_err(origin, e.to_string()))?;
        Self::from_value(&v, base, origin)
    }

    fn from_value(v: &Value, base: &Path, origin: &Path) -> Result<SubjectsConfig, SubjectError> {
        let err = |m: String| cfg_err(origin, m);
        let top = v.as_object().ok_or_else(|| err("the description must be a table/object".into()))?;
        for k in top.keys() {
            if !["root", "subjects", "subject", "categories"].contains(&k.as_str()) {
                return Err(err(format!("unknown key {k:?} (expected root, subjects, subject, categories)")));
            }
        }
        let root_rel = match top.get("root") {
            Some(Value::String(s)) => PathBuf::from(s),
            None => PathBuf::new(),
            Some(_) => return Err(err("root must be a string".into())),
        };
        let root = base.join(root_rel);
        let root = std::fs::canonicalize(&root).map_err(|e| err(format!("root {}: {e}", root.display())))?;
        let cats = top
            .get("categories")
            .and_then(Value::as_object)
            .ok_or_else(|| err("missing [categories]".into()))?;
        let specs = parse_categories(cats).map_err(err)?;
        let subjects = match (top.get("subjects"), top.get("subject")) {
            (Some(Value::String(pattern)), None) => collect_by_pattern(&root, pattern, &specs, origin)?,
            (None, Some(Value::Array(list))) => explicit_subjects(&root, list, &specs, origin)?,
            (Some(_), Some(_)) => {
                return Err(err("give either subjects = \"pattern\" or [[subject]] lists, not both".into()))
            }
            _ => return Err(err("missing subjects = \"pattern\" or [[subject]] list".into())),
        };
        validate_subjects(&subjects, true)?;
        let casts = specs.iter().filter_map(|c| c.dtype.map(|d| (c.name.clone(), d))).collect();
        Ok(SubjectsConfig { root, subjects, casts })
    }
}

fn parse_categories(cats: &Map<String, Value>) -> Result<Vec<CategorySpec>, String> {
    let mut specs = Vec::new();
    for (name, c) in cats {
        let c = c.as_object().ok_or_else(|| format!("categories.{name} must be a table"))?;
        let mut dtype = None;
        let mut entries = Vec::new();
        for (k, v) in c {
            match (k.as_str(), v) {
                ("dtype", Value::String(s)) => {
                    dtype = Some(
                        s.parse::<PixelType>()
                            .map_err(|_| format!("categories.{name}.dtype {s:?} is not u8..f64"))?,
                    )
                }
                ("entries", Value::Object(m)) => {
                    for (id, p) in m {
                        let p = p
                            .as_str()
                            .ok_or_else(|| format!("categories.{name}.entries.{id} must be a path"))?;
                        entries.push((id.clone(), Some(p.to_string())));
                    }
                }
                ("entries", Value::Array(a)) => {
                    for id in a {
                        let id =
                            id.as_str().ok_or_else(|| format!("categories.{name}.entries must list ids"))?;
                        entries.push((id.to_string(), None));
                    }
                }
                _ => {
                    return Err(format!("categories.{name}: unexpected key {k:?} (expected dtype, entries)"))
                }
            }
        }
        if entries.is_empty() {
            return Err(format!("categories.{name} has no entries"));
        }
        specs.push(CategorySpec { name: name.clone(), dtype, entries });
    }
    if specs.is_empty() {
        return Err("no categories".into());
    }
    Ok(specs)
}

fn resolve(
    root: &Path,
    pattern: &str,
    subject: &str,
    entry: &str,
    origin: &Path,
) -> Result<PathBuf, SubjectError> {
    let rel = pattern.replace("{subject}", subject);
    if !rel.contains(['*', '?', '[']) {
        return Ok(root.join(rel));
    }
    let hits = glob(root, &rel)?;
    match hits.len() {
        1 => Ok(hits.into_iter().next().unwrap_or_default()),
        n => Err(cfg_err(
            origin,
            format!("subject {subject}: entry {entry}: pattern {rel:?} matches {n} files under {} (needs exactly 1)", root.display()),
        )),
    }
}

fn collect_by_pattern(
    root: &Path,
    pattern: &str,
    specs: &[CategorySpec],
    origin: &Path,
) -> Result<Vec<SubjectFiles>, SubjectError> {
    let dirs: Vec<PathBuf> = glob(root, pattern)?.into_iter().filter(|p| p.is_dir()).collect();
    if dirs.is_empty() {
        return Err(cfg_err(origin, format!("no directory under {} matches {pattern:?}", root.display())));
    }
    let mut subjects = Vec::new();
    for d in dirs {
        let id = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut s = SubjectFiles::new(&id);
        for c in specs {
            for (entry, p) in &c.entries {
                let p = p.as_deref().ok_or_else(|| {
                    cfg_err(origin, format!("categories.{}.entries.{entry} needs a path pattern", c.name))
                })?;
                s.add(&c.name, entry, resolve(root, p, &id, entry, origin)?)?;
            }
        }
        subjects.push(s);
    }
    Ok(subjects)
}

fn explicit_subjects(
    root: &Path,
    list: &[Value],
    specs: &[CategorySpec],
    origin: &Path,
) -> Result<Vec<SubjectFiles>, SubjectError> {
    let mut subjects = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let o = v.as_object().ok_or_else(|| cfg_err(origin, format!("subject[{i}] must be a table")))?;
        let id = o
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| cfg_err(origin, format!("subject[{i}] needs id")))?;
        let files = o.get("files").and_then(Value::as_object);
        let mut s = SubjectFiles::new(id);
        for c in specs {
            for (entry, default) in &c.entries {
                let p = files
                    .and_then(|f| f.get(entry))
                    .and_then(Value::as_str)
                    .or(default.as_deref())
                    .ok_or_else(|| {
                        cfg_err(origin, format!("subject {id}: no file for entry {entry} ({})", c.name))
                    })?;
                s.add(&c.name, entry, resolve(root, p, id, entry, origin)?)?;
            }
        }
        subjects.push(s);
    }
    Ok(subjects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("Subject_*", "Subject_12"));
        assert!(wildcard_match("S?_*.nii.gz", "S1_t1.nii.gz"));
        assert!(!wildcard_match("Subject_*", "subject_1"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*b", "acbd"));
        assert!(wildcard_match("Subject_[12]", "Subject_2"));
        assert!(!wildcard_match("Subject_[12]", "Subject_3"));
        assert!(wildcard_match("s[0-9][!x]", "s5y"));
        assert!(!wildcard_match("s[0-9][!x]", "s5x"));
    }

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for s in ["Subject_1", "Subject_2"] {
            std::fs::create_dir_all(d.path().join("raw").join(s)).unwrap();
            for f in ["T1.mha", "GT.mha", "demo.txt"] {
                std::fs::write(d.path().join("raw").join(s).join(format!("{s}_{f}")), "x").unwrap();
            }
        }
        std::fs::write(d.path().join("raw/notes.txt"), "x").unwrap();
        d
    }

    #[test]
    fn pattern_collection_keeps_order() {
        let d = tree();
        let text = r#"
            root = "raw"
            subjects = "Subject_*"
            [categories.labels]
            dtype = "u8"
            entries = { GT = "{subject}/{subject}_GT.mha" }
            [categories.images]
            entries = { T1 = "{subject}/*_T1.mha" }
            [categories.numerical]
            entries = { AGE = "{subject}/{subject}_demo.txt", GPA = "{subject}/{subject}_demo.txt" }
        "#;
        let c = SubjectsConfig::from_toml_str(text, d.path(), Path::new("s.toml")).unwrap();
        assert_eq!(c.subjects.len(), 2);
        let s = &c.subjects[1];
        assert_eq!(s.subject, "Subject_2");
        let names: Vec<_> = s.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["labels", "images", "numerical"]);
        assert_eq!(s.categories[2].entries[1].0, "GPA");
        assert!(s.categories[1].entries[0].1.ends_with("Subject_2/Subject_2_T1.mha"));
        assert_eq!(c.casts, vec![("labels".to_string(), PixelType::U8)]);
    }

    #[test]
    fn explicit_subjects_in_json_and_errors() {
        let d = tree();
        let json = r#"{"root": "raw", "categories": {"images": {"entries": ["T1"]}},
                       "subject": [{"id": "a", "files": {"T1": "Subject_1/Subject_1_T1.mha"}}]}"#;
        let c = SubjectsConfig::from_json_str(json, d.path(), Path::new("s.json")).unwrap();
        assert_eq!(c.subjects[0].subject, "a");
        let missing = r#"{"root": "raw", "categories": {"images": {"entries": ["T1"]}},
                          "subject": [{"id": "a", "files": {"T1": "nope.mha"}}]}"#;
        let e =
            SubjectsConfig::from_json_str(missing, d.path(), Path::new("s.json")).unwrap_err().to_string();
        assert!(e.contains("nope.mha") && e.contains("subject a"), "{e}");
        let bad = "root = \"raw\"\nsubjects = \"Subject_*\"\nextra = 1\n[categories.images]\nentries = { T1 = \"x\" }";
        let e = SubjectsConfig::from_toml_str(bad, d.path(), Path::new("s.toml")).unwrap_err().to_string();
        assert!(e.contains("extra"), "{e}");
        let ambiguous = "root = \"raw\"\nsubjects = \"Subject_*\"\n[categories.images]\nentries = { T1 = \"{subject}/*\" }";
        let e =
            SubjectsConfig::from_toml_str(ambiguous, d.path(), Path::new("s.toml")).unwrap_err().to_string();
        assert!(e.contains("matches 3 files"), "{e}");
    }
}
