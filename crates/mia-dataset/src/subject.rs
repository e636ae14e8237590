//! [`SubjectFiles`]: which files make up a subject, grouped by category.

use std::path::{Component, Path, PathBuf};

use crate::SubjectError;

/// One category of a subject: its entries (channels) in order, each an id and a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Category {
    /// Category name (`images`, `labels`, `mask`, `numerical`, ...).
    pub name: String,
    /// `(entry id, file)` in channel order.
    pub entries: Vec<(String, PathBuf)>,
}

/// A subject and its files, grouped by category (pymia's `SubjectFile`).
///
/// Categories and entries are ordered: the order of the entries is the channel order of the stored array.
/// Entry ids are unique across all categories of a subject.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SubjectFiles {
    /// The subject id.
    pub subject: String,
    /// Categories in order.
    pub categories: Vec<Category>,
}

impl SubjectFiles {
    /// An empty subject.
    pub fn new(subject: impl Into<String>) -> Self {
        SubjectFiles { subject: subject.into(), categories: Vec::new() }
    }

    /// Adds an entry to a category (created at the end if new); fails on a duplicate entry id.
    pub fn add(
        &mut self,
        category: impl Into<String>,
        entry: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Result<&mut Self, SubjectError> {
        let (category, entry) = (category.into(), entry.into());
        if let Some(first) = self.categories.iter().find(|c| c.entries.iter().any(|(id, _)| *id == entry)) {
            return Err(SubjectError::DuplicateEntry {
                subject: self.subject.clone(),
                id: entry,
                first: first.name.clone(),
                second: category,
            });
        }
        match self.categories.iter_mut().find(|c| c.name == category) {
            Some(c) => c.entries.push((entry, path.into())),
            None => self.categories.push(Category { name: category, entries: vec![(entry, path.into())] }),
        }
        Ok(self)
    }

    /// Builder form of [`SubjectFiles::add`].
    pub fn with(
        mut self,
        category: impl Into<String>,
        entry: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Result<Self, SubjectError> {
        self.add(category, entry, path)?;
        Ok(self)
    }

    /// A category by name.
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }

    /// Every file of the subject, in category and entry order.
    pub fn all_files(&self) -> impl Iterator<Item = &Path> {
        self.categories.iter().flat_map(|c| c.entries.iter().map(|(_, p)| p.as_path()))
    }

    fn entry_ids(c: &Category) -> Vec<&str> {
        c.entries.iter().map(|(id, _)| id.as_str()).collect()
    }
}

/// Checks a list of subjects: at least one; unique subject ids; unique entry ids within each subject; the same
/// categories and entry ids in the same order in every subject (errors name the subject); optionally that
/// every file exists.
pub fn validate_subjects(subjects: &[SubjectFiles], check_files: bool) -> Result<(), SubjectError> {
    let first = subjects.first().ok_or_else(|| SubjectError::Empty("no subjects".into()))?;
    if first.categories.is_empty() {
        return Err(SubjectError::Empty(format!("subject {} has no files", first.subject)));
    }
    let mut seen = std::collections::HashSet::new();
    for s in subjects {
        if !seen.insert(s.subject.as_str()) {
            return Err(SubjectError::DuplicateSubject { subject: s.subject.clone() });
        }
        let mut ids = std::collections::HashMap::new();
        for c in &s.categories {
            if c.entries.is_empty() {
                return Err(SubjectError::Empty(format!(
                    "subject {}: category {} has no entries",
                    s.subject, c.name
                )));
            }
            for (id, _) in &c.entries {
                if let Some(prev) = ids.insert(id.as_str(), c.name.as_str()) {
                    return Err(SubjectError::DuplicateEntry {
                        subject: s.subject.clone(),
                        id: id.clone(),
                        first: prev.to_string(),
                        second: c.name.clone(),
                    });
                }
            }
        }
        let names = |x: &SubjectFiles| x.categories.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if names(s) != names(first) {
            return Err(SubjectError::Inconsistent {
                subject: s.subject.clone(),
                message: format!("categories {:?}", names(s)),
                first: first.subject.clone(),
                expected: format!("{:?}", names(first)),
            });
        }
        for (c, f) in s.categories.iter().zip(&first.categories) {
            let (a, b) = (SubjectFiles::entry_ids(c), SubjectFiles::entry_ids(f));
            if a != b {
                return Err(SubjectError::Inconsistent {
                    subject: s.subject.clone(),
                    message: format!("inconsistent {} identifiers {a:?}", c.name),
                    first: first.subject.clone(),
                    expected: format!("{b:?}"),
                });
            }
        }
        if check_files {
            for c in &s.categories {
                for (id, p) in &c.entries {
                    if !p.is_file() {
                        return Err(SubjectError::MissingFile {
                            subject: s.subject.clone(),
                            category: c.name.clone(),
                            entry: id.clone(),
                            path: p.clone(),
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

/// pymia's file root: the common path of all files (its directory if that is a single file).
pub fn common_root(subjects: &[SubjectFiles]) -> PathBuf {
    let mut common: Option<Vec<Component<'_>>> = None;
    let mut single_file = true;
    let mut first_file: Option<&Path> = None;
    for p in subjects.iter().flat_map(SubjectFiles::all_files) {
        match first_file {
            None => first_file = Some(p),
            Some(f) if f != p => single_file = false,
            _ => {}
        }
        let comps: Vec<Component<'_>> = p.components().collect();
        common = Some(match common {
            None => comps,
            Some(c) => c.iter().zip(&comps).take_while(|(a, b)| a == b).map(|(a, _)| *a).collect(),
        });
    }
    let root: PathBuf = common.unwrap_or_default().iter().collect();
    if single_file {
        root.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        root
    }
}

/// A file's path relative to `root`, `/`-separated (on every OS).
pub fn relative_slash_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(id: &str, entries: &[(&str, &str, &str)]) -> SubjectFiles {
        let mut s = SubjectFiles::new(id);
        for (c, e, p) in entries {
            s.add(*c, *e, *p).unwrap();
        }
        s
    }

    #[test]
    fn duplicate_entries_and_subjects_are_rejected() {
        let mut s = subject("S1", &[("images", "T1", "/a/t1.mha")]);
        assert!(matches!(s.add("labels", "T1", "/a/gt.mha"), Err(SubjectError::DuplicateEntry { .. })));
        let s2 = s.clone();
        let e = validate_subjects(&[s, s2], false).unwrap_err();
        assert!(e.to_string().contains("duplicate subject id \"S1\""), "{e}");
    }

    #[test]
    fn inconsistent_entries_name_the_subject() {
        let a = subject("S1", &[("images", "T1", "/a/1"), ("images", "T2", "/a/2")]);
        let b = subject("S2", &[("images", "T2", "/b/2"), ("images", "T1", "/b/1")]);
        let e = validate_subjects(&[a.clone(), b], false).unwrap_err().to_string();
        assert!(e.contains("subject S2") && e.contains("inconsistent images identifiers"), "{e}");
        let c = subject("S3", &[("labels", "T1", "/c/1")]);
        let e = validate_subjects(&[a, c], false).unwrap_err().to_string();
        assert!(e.contains("subject S3") && e.contains("categories"), "{e}");
    }

    #[test]
    fn root_and_relative_paths_follow_pymia() {
        let a = subject("S1", &[("images", "T1", "/d/raw/S1/t1.mha"), ("labels", "GT", "/d/raw/S1/gt.mha")]);
        let b = subject("S2", &[("images", "T1", "/d/raw/S2/t1.mha"), ("labels", "GT", "/d/raw/S2/gt.mha")]);
        let root = common_root(&[a.clone(), b]);
        assert_eq!(root, PathBuf::from("/d/raw"));
        assert_eq!(relative_slash_path(Path::new("/d/raw/S1/t1.mha"), &root), "S1/t1.mha");
        let single = subject("S1", &[("images", "T1", "/d/raw/S1/t1.mha")]);
        assert_eq!(common_root(&[single]), PathBuf::from("/d/raw/S1"));
        assert_eq!(common_root(&[a]), PathBuf::from("/d/raw/S1"));
    }
}
