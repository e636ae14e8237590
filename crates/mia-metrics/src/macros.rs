//! Boilerplate for metrics without parameters.

/// Define a metric struct with a configurable column, `new()`, `with_column()`, `Default` and the
/// [`Metric`](crate::Metric) impl. `$compute` is a `fn(&Self, &EvaluationContext) -> Result<MetricValue>`.
macro_rules! simple_metric {
    ($(#[$doc:meta])* $name:ident, $abbr:literal, $kind:expr, $compute:expr $(, needs_masks = $needs:literal)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            column: String,
        }

        impl $name {
            /// The abbreviation (default column name).
            pub const ABBREVIATION: &'static str = $abbr;

            /// The metric with its default column name.
            pub fn new() -> Self {
                Self { column: $abbr.to_string() }
            }

            /// Use another column name.
            pub fn with_column(mut self, column: impl Into<String>) -> Self {
                self.column = column.into();
                self
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $crate::Metric for $name {
            fn column(&self) -> &str {
                &self.column
            }
            fn abbreviation(&self) -> &str {
                $abbr
            }
            fn kind(&self) -> $crate::MetricKind {
                $kind
            }
            fn compute(&self, ctx: &$crate::EvaluationContext<'_>) -> $crate::Result<$crate::MetricValue> {
                let f: fn(&Self, &$crate::EvaluationContext<'_>) -> $crate::Result<$crate::MetricValue> = $compute;
                f(self, ctx)
            }
            $(
                fn needs_masks(&self) -> bool {
                    $needs
                }
            )?
        }
    };
}

/// A confusion-matrix metric: `$formula` is a `fn(&ConfusionMatrix) -> MetricValue`.
macro_rules! confusion_metric {
    ($(#[$doc:meta])* $name:ident, $abbr:literal, $formula:path) => {
        $crate::macros::simple_metric!(
            $(#[$doc])* $name,
            $abbr,
            $crate::MetricKind::Categorical,
            |m, ctx| Ok($formula(ctx.confusion_matrix(&m.column)?)),
            needs_masks = false
        );
    };
}

pub(crate) use confusion_metric;
pub(crate) use simple_metric;
