//! What the assembler expects of a subject: its shape, properties and samples.

use std::collections::HashMap;

use mia_core::ImageProperties;
use mia_index::{IndexExpression, IndexingStrategy};

use crate::{AssembleError, Result};

/// A subject to assemble: its spatial array shape, optional image properties and the samples to expect.
///
/// The shape is the *spatial* array shape in numpy order (`(z, y, x)`); each sample's data is the region its
/// expression selects plus trailing channel axes, which may differ from the input's (a network maps 2 input
/// channels to 5 class scores). Expressions computed on the full input shape `(z, y, x, c)` work unchanged as
/// long as they do not index the channel axis.
///
/// The subject is finished when every expected sample has arrived for every key: either a number of samples
/// ([`expect_count`](Self::expect_count)) or the exact expressions ([`expect`](Self::expect), which also rejects
/// samples that are not in the list).
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectSpec {
    pub(crate) shape: Vec<usize>,
    pub(crate) properties: Option<ImageProperties>,
    pub(crate) expected: Expected,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expected {
    Unknown,
    Count(usize),
    Expressions(Vec<IndexExpression>),
}

impl SubjectSpec {
    /// A subject with this spatial array shape (numpy order); no expectation on the samples yet (finish it
    /// explicitly with `finish`).
    pub fn new(shape: &[usize]) -> Self {
        SubjectSpec { shape: shape.to_vec(), properties: None, expected: Expected::Unknown }
    }

    /// A subject shaped like these image properties (array shape = size reversed; the properties are returned
    /// with the assembled volume).
    pub fn from_properties(properties: ImageProperties) -> Self {
        let shape: Vec<usize> = properties.size().iter().rev().copied().collect();
        SubjectSpec { shape, properties: Some(properties), expected: Expected::Unknown }
    }

    /// Attaches image properties (their spatial shape must match; checked at registration).
    pub fn properties(mut self, properties: ImageProperties) -> Self {
        self.properties = Some(properties);
        self
    }

    /// Expect this many samples per key.
    pub fn expect_count(mut self, count: usize) -> Self {
        self.expected = Expected::Count(count);
        self
    }

    /// Expect exactly these expressions (in any order; duplicates expected as often as listed).
    pub fn expect(mut self, expressions: Vec<IndexExpression>) -> Self {
        self.expected = Expected::Expressions(expressions);
        self
    }

    /// Expect the expressions a strategy produces for `input_shape` (the shape the strategy saw at extraction,
    /// usually the spatial shape plus the input channel axis).
    pub fn expect_strategy(
        self,
        strategy: &dyn IndexingStrategy,
        input_shape: &[usize],
    ) -> mia_index::Result<Self> {
        Ok(self.expect(strategy.indices(input_shape)?))
    }

    /// The spatial array shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The expected number of samples per key, if known.
    pub fn expected_count(&self) -> Option<usize> {
        match &self.expected {
            Expected::Unknown => None,
            Expected::Count(n) => Some(*n),
            Expected::Expressions(e) => Some(e.len()),
        }
    }

    pub(crate) fn validate(&self, subject: usize) -> Result<()> {
        if let Some(p) = &self.properties {
            let from_props: Vec<usize> = p.size().iter().rev().copied().collect();
            if from_props != self.shape {
                return Err(AssembleError::InvalidSpec {
                    subject,
                    message: format!(
                        "shape {:?} differs from the properties' array shape {from_props:?}",
                        self.shape
                    ),
                });
            }
        }
        if let Expected::Expressions(list) = &self.expected {
            for e in list {
                e.resolve(&self.shape).map_err(|source| AssembleError::Index {
                    subject,
                    key: String::new(),
                    source,
                })?;
            }
        }
        Ok(())
    }
}

/// Tracks which samples of one (subject, key) arrived.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    received: usize,
    remaining: Option<HashMap<IndexExpression, usize>>,
    expected: Option<usize>,
}

impl Progress {
    pub(crate) fn new(expected: &Expected) -> Self {
        match expected {
            Expected::Unknown => Progress { received: 0, remaining: None, expected: None },
            Expected::Count(n) => Progress { received: 0, remaining: None, expected: Some(*n) },
            Expected::Expressions(list) => {
                let mut m = HashMap::with_capacity(list.len());
                for e in list {
                    *m.entry(e.clone()).or_insert(0) += 1;
                }
                Progress { received: 0, remaining: Some(m), expected: Some(list.len()) }
            }
        }
    }

    /// Checks that the expression is expected (without recording it).
    pub(crate) fn check(&self, expression: &IndexExpression) -> bool {
        match &self.remaining {
            None => self.expected.is_none_or(|n| self.received < n),
            Some(m) => m.get(expression).is_some_and(|&n| n > 0),
        }
    }

    pub(crate) fn record(&mut self, expression: &IndexExpression) {
        self.received += 1;
        if let Some(n) = self.remaining.as_mut().and_then(|m| m.get_mut(expression)) {
            *n -= 1;
        }
    }

    pub(crate) fn received(&self) -> usize {
        self.received
    }

    pub(crate) fn expected(&self) -> Option<usize> {
        self.expected
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.expected.is_some_and(|n| self.received >= n)
    }
}
