//! HDF5 locations of a pymia dataset (pymia's `pymia.data.definition`) and mia's own additions.

/// Subject ids, `(N,)` variable-length UTF-8 strings.
pub const LOC_SUBJECTS: &str = "meta/subjects";
/// File root, a scalar variable-length UTF-8 string.
pub const LOC_FILES_ROOT: &str = "meta/files/file_root";
/// Group of the per-category shape tables.
pub const LOC_SHAPES_GROUP: &str = "meta/shapes";
/// Group of the image properties.
pub const LOC_IMGPROP_GROUP: &str = "meta/image_props";
/// Image sizes in ITK order, `(N, dim)` uint16.
pub const LOC_IMGPROP_SHAPE: &str = "meta/image_props/shapes";
/// Image origins in ITK order, `(N, dim)` float64.
pub const LOC_IMGPROP_ORIGIN: &str = "meta/image_props/origins";
/// Image directions, row-major, `(N, dim²)` float64.
pub const LOC_IMGPROP_DIRECTION: &str = "meta/image_props/directions";
/// Image spacings in ITK order, `(N, dim)` float64 (singular name, as pymia).
pub const LOC_IMGPROP_SPACING: &str = "meta/image_props/spacing";
/// mia's group (pymia never reads it): attributes `version`, `options`, `categories`, `dtypes`, `meta_only`
/// and the `sha256/<category>_sha256` tables.
pub const LOC_MIA: &str = "mia";

/// `data/<category>`.
pub fn data_group(category: &str) -> String {
    format!("data/{category}")
}

/// `data/<category>/<subject index string>`.
pub fn data_entry(category: &str, subject: usize, count: usize) -> String {
    format!("data/{category}/{}", subject_index_to_str(subject, count))
}

/// `meta/shapes/<category>_shapes`.
pub fn shapes(category: &str) -> String {
    format!("meta/shapes/{category}_shapes")
}

/// `meta/names/<category>_names`.
pub fn names(category: &str) -> String {
    format!("meta/names/{category}_names")
}

/// `meta/files/<category>_files`.
pub fn files(category: &str) -> String {
    format!("meta/files/{category}_files")
}

/// `mia/sha256/<category>_sha256`.
pub fn sha256(category: &str) -> String {
    format!("mia/sha256/{category}_sha256")
}

/// pymia's `subject_index_to_str(i, n)`: `i` zero-padded to the width of `n` written in decimal
/// (`n = 3` → `"0"`, `n = 10` → `"00"`..`"09"`, `n = 100` → `"000"`..).
pub fn subject_index_to_str(index: usize, count: usize) -> String {
    let width = count.to_string().len();
    format!("{index:0width$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_strings_match_pymia() {
        assert_eq!(subject_index_to_str(2, 3), "2");
        assert_eq!(subject_index_to_str(0, 10), "00");
        assert_eq!(subject_index_to_str(9, 10), "09");
        assert_eq!(subject_index_to_str(7, 100), "007");
        assert_eq!(subject_index_to_str(0, 0), "0");
        assert_eq!(data_entry("images", 3, 12), "data/images/03");
    }
}
