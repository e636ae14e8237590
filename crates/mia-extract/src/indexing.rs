//! Placeholder until `mia_index::IndexingStrategy` lands: the same object-safe signature.

use mia_index::IndexExpression;

/// Computes the index expressions of one subject from its array shape (pymia's `IndexingStrategy`).
pub trait IndexingStrategy: Send + Sync {
    /// The expressions for an array of this shape (numpy order, entry axis last).
    fn indices(&self, shape: &[usize]) -> mia_index::Result<Vec<IndexExpression>>;
}
