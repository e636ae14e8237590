//! Distance metrics (HDRFDST, AVGDIST, SURFDICE, SURFOVLP): thin wrappers over the surface-distance
//! engine in [`crate::surface`], whose results the [`EvaluationContext`] caches once per (subject, label).

use std::sync::OnceLock;

use crate::categorical::reason;
use crate::error::{MetricError, Result, SpecError};
use crate::spec::Params;
use crate::surface::{SurfaceConfig, SurfaceDistances, VoxelDistances};
use crate::value::{MetricKind, MetricValue, ParamValue};
use crate::{EvaluationContext, Metric};

/// Surface and voxel distances of one context, computed on first use.
#[derive(Debug, Default)]
pub(crate) struct DistanceCache {
    pub(crate) config: SurfaceConfig,
    surface: OnceLock<Result<SurfaceDistances>>,
    voxels: OnceLock<Result<VoxelDistances>>,
}

impl DistanceCache {
    pub(crate) fn new(config: SurfaceConfig) -> Self {
        Self { config, ..Self::default() }
    }

    fn surface(&self, ctx: &EvaluationContext<'_>, column: &str) -> Result<&SurfaceDistances> {
        let (p, r) = ctx.masks(column)?;
        self.surface
            .get_or_init(|| {
                SurfaceDistances::compute(p, r, ctx.spacing(), &self.config)
                    .map_err(|e| MetricError::Surface(e.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn voxels(&self, ctx: &EvaluationContext<'_>, column: &str) -> Result<&VoxelDistances> {
        let (p, r) = ctx.masks(column)?;
        self.voxels
            .get_or_init(|| {
                VoxelDistances::compute(p, r, ctx.spacing()).map_err(|e| MetricError::Surface(e.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// `v` with the emptiness reason of the masks when not finite.
fn with_reason(ctx: &EvaluationContext<'_>, column: &str, v: f64) -> Result<MetricValue> {
    if v.is_finite() {
        // No reason needed: the confusion matrix (a pass over both masks) is not counted for it.
        return Ok(MetricValue::float(v));
    }
    Ok(MetricValue::float_or(v, reason(ctx.confusion_matrix(column)?)))
}

fn surface_value(
    ctx: &EvaluationContext<'_>,
    column: &str,
    f: impl FnOnce(&SurfaceDistances) -> f64,
) -> Result<MetricValue> {
    let v = f(ctx.distances.surface(ctx, column)?);
    with_reason(ctx, column, v)
}

/// HDRFDST, Hausdorff distance at a percentile (pymia/DeepMind definition, mm): per direction the
/// surfel-area-weighted `percentile` of the distances from one surface to the other, then the maximum of
/// both directions. `percentile = 100` is the Hausdorff distance, 95 the HD95.
/// Empty reference or prediction → +inf.
#[derive(Debug, Clone, PartialEq)]
pub struct HausdorffDistance {
    column: String,
    percentile: f64,
}

impl HausdorffDistance {
    /// Hausdorff distance at `percentile` in (0, 100] (pymia default 100), column `HDRFDST`.
    pub fn new(percentile: f64) -> Self {
        Self { column: "HDRFDST".to_string(), percentile }
    }

    /// Use another column name.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = column.into();
        self
    }
}

/// AVGDIST, average Hausdorff distance as SimpleITK's `HausdorffDistanceImageFilter` (mm): the mean of
/// the two directed averages, each the mean over *all* foreground voxels of one mask of the Euclidean
/// distance (voxel centres, physical units, 0 inside) to the other mask. Empty mask → +inf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AverageDistance {
    column: String,
}

impl AverageDistance {
    /// AVGDIST with its default column.
    pub fn new() -> Self {
        Self { column: "AVGDIST".to_string() }
    }

    /// Use another column name.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = column.into();
        self
    }
}

impl Default for AverageDistance {
    fn default() -> Self {
        Self::new()
    }
}

/// SURFDICE, surface Dice at a tolerance (mm; Nikolov et al. 2018): the area of both surfaces within
/// `tolerance` of the other surface over the total area. Both empty → −inf; one empty → 0.0.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceDiceOverlap {
    column: String,
    tolerance: f64,
}

impl SurfaceDiceOverlap {
    /// Surface Dice at `tolerance` mm (pymia default 1), column `SURFDICE`.
    pub fn new(tolerance: f64) -> Self {
        Self { column: "SURFDICE".to_string(), tolerance }
    }

    /// Use another column name.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = column.into();
        self
    }
}

/// SURFOVLP, surface overlap at a tolerance (mm): the fraction of one surface's area within `tolerance`
/// of the other; prediction→reference by default. The measured surface empty → −inf.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceOverlap {
    column: String,
    tolerance: f64,
    prediction_to_reference: bool,
}

impl SurfaceOverlap {
    /// Surface overlap (pymia defaults: tolerance 1.0, prediction_to_reference true), column `SURFOVLP`.
    pub fn new(tolerance: f64, prediction_to_reference: bool) -> Self {
        Self { column: "SURFOVLP".to_string(), tolerance, prediction_to_reference }
    }

    /// Use another column name.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = column.into();
        self
    }
}

macro_rules! unit_distance_metric {
    ($(#[$doc:meta])* $name:ident, $abbr:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            column: String,
        }

        impl $name {
            /// The metric with its default column.
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
    };
}

unit_distance_metric!(
    /// ASSD (beyond pymia), average symmetric surface distance (mm; Heimann et al. 2009): the surfel-area
    /// weighted mean over both surfaces' distances to the other surface, pooled. Empty mask → +inf.
    AverageSymmetricSurfaceDistance, "ASSD"
);
unit_distance_metric!(
    /// MASD (beyond pymia), mean average surface distance (mm; Beneš & Zitová 2015): the mean of the two
    /// directed area-weighted average surface distances. Empty mask → +inf.
    MeanAverageSurfaceDistance, "MASD"
);
unit_distance_metric!(
    /// BAVGDIST (beyond pymia), balanced average Hausdorff distance (mm; Aydin et al. 2021): both directed
    /// sums of voxel distances divided by the number of *reference* voxels, halved. Empty mask → +inf.
    BalancedAverageDistance, "BAVGDIST"
);

/// HDDIR (beyond pymia), directed Hausdorff distance at a percentile (mm): the surfel-area-weighted
/// percentile of one direction only (prediction → reference by default). Empty mask → +inf.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectedHausdorffDistance {
    column: String,
    percentile: f64,
    prediction_to_reference: bool,
}

impl DirectedHausdorffDistance {
    /// Directed Hausdorff distance at `percentile` in the given direction, column `HDDIR`.
    pub fn new(percentile: f64, prediction_to_reference: bool) -> Self {
        Self { column: "HDDIR".to_string(), percentile, prediction_to_reference }
    }

    /// Use another column name.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = column.into();
        self
    }
}

macro_rules! distance_metric_impl {
    ($t:ty, $abbr:literal, |$s:ident| $params:expr, |$m:ident, $ctx:ident| $compute:expr) => {
        impl Metric for $t {
            fn column(&self) -> &str {
                &self.column
            }
            fn abbreviation(&self) -> &str {
                $abbr
            }
            fn parameters(&self) -> Vec<(&'static str, ParamValue)> {
                let $s = self;
                $params
            }
            fn kind(&self) -> MetricKind {
                MetricKind::Categorical
            }
            fn compute(&self, $ctx: &EvaluationContext<'_>) -> Result<MetricValue> {
                let $m = self;
                $compute
            }
        }
    };
}

distance_metric_impl!(
    HausdorffDistance,
    "HDRFDST",
    |s| vec![("percentile", ParamValue::Float(s.percentile))],
    |m, ctx| surface_value(ctx, &m.column, |d| d.hausdorff(m.percentile))
);
distance_metric_impl!(AverageDistance, "AVGDIST", |_s| Vec::new(), |m, ctx| {
    // The voxel counts come with the distances (an empty mask costs no search), so the confusion matrix is only
    // counted for the reason of an empty mask.
    let d = ctx.distances.voxels(ctx, &m.column)?;
    if d.reference_voxels() == 0 || d.prediction_voxels() == 0 {
        return Ok(MetricValue::not_computable(f64::INFINITY, reason(ctx.confusion_matrix(&m.column)?)));
    }
    with_reason(ctx, &m.column, d.average_hausdorff())
});
distance_metric_impl!(
    SurfaceDiceOverlap,
    "SURFDICE",
    |s| vec![("tolerance", ParamValue::Float(s.tolerance))],
    |m, ctx| surface_value(ctx, &m.column, |d| d.surface_dice(m.tolerance))
);
distance_metric_impl!(
    SurfaceOverlap,
    "SURFOVLP",
    |s| vec![
        ("tolerance", ParamValue::Float(s.tolerance)),
        ("prediction_to_reference", ParamValue::Bool(s.prediction_to_reference))
    ],
    |m, ctx| surface_value(ctx, &m.column, |d| d.surface_overlap(m.tolerance, m.prediction_to_reference))
);
distance_metric_impl!(AverageSymmetricSurfaceDistance, "ASSD", |_s| Vec::new(), |m, ctx| surface_value(
    ctx,
    &m.column,
    |d| d.assd()
));
distance_metric_impl!(MeanAverageSurfaceDistance, "MASD", |_s| Vec::new(), |m, ctx| surface_value(
    ctx,
    &m.column,
    |d| d.masd()
));
distance_metric_impl!(BalancedAverageDistance, "BAVGDIST", |_s| Vec::new(), |m, ctx| {
    let d = ctx.distances.voxels(ctx, &m.column)?;
    if d.reference_voxels() == 0 || d.prediction_voxels() == 0 {
        return Ok(MetricValue::not_computable(f64::INFINITY, reason(ctx.confusion_matrix(&m.column)?)));
    }
    with_reason(ctx, &m.column, d.balanced_average_hausdorff())
});
distance_metric_impl!(
    DirectedHausdorffDistance,
    "HDDIR",
    |s| vec![
        ("percentile", ParamValue::Float(s.percentile)),
        ("prediction_to_reference", ParamValue::Bool(s.prediction_to_reference))
    ],
    |m, ctx| surface_value(ctx, &m.column, |d| d
        .directed_percentile(m.prediction_to_reference, m.percentile))
);

/// Constructors for the spec parser.
pub(crate) fn construct(
    abbreviation: &str,
    column: String,
    p: &mut Params<'_>,
) -> Result<Option<Box<dyn Metric>>, SpecError> {
    let non_negative = |v: f64| v.is_finite() && v >= 0.0;
    Ok(Some(match abbreviation {
        "HDRFDST" => {
            let percentile =
                p.float("percentile", 100.0, |v| v > 0.0 && v <= 100.0, "must be in (0, 100]")?;
            p.finish(&["percentile"])?;
            Box::new(HausdorffDistance::new(percentile).with_column(column))
        }
        "AVGDIST" => {
            p.finish(&[])?;
            Box::new(AverageDistance::new().with_column(column))
        }
        "SURFDICE" => {
            let tolerance = p.float("tolerance", 1.0, non_negative, "must be finite and >= 0")?;
            p.finish(&["tolerance"])?;
            Box::new(SurfaceDiceOverlap::new(tolerance).with_column(column))
        }
        "SURFOVLP" => {
            let tolerance = p.float("tolerance", 1.0, non_negative, "must be finite and >= 0")?;
            let direction = p.bool("prediction_to_reference", true)?;
            p.finish(&["tolerance", "prediction_to_reference"])?;
            Box::new(SurfaceOverlap::new(tolerance, direction).with_column(column))
        }
        "ASSD" => {
            p.finish(&[])?;
            Box::new(AverageSymmetricSurfaceDistance::new().with_column(column))
        }
        "MASD" => {
            p.finish(&[])?;
            Box::new(MeanAverageSurfaceDistance::new().with_column(column))
        }
        "BAVGDIST" => {
            p.finish(&[])?;
            Box::new(BalancedAverageDistance::new().with_column(column))
        }
        "HDDIR" => {
            let percentile =
                p.float("percentile", 100.0, |v| v > 0.0 && v <= 100.0, "must be in (0, 100]")?;
            let direction = p.bool("prediction_to_reference", true)?;
            p.finish(&["percentile", "prediction_to_reference"])?;
            Box::new(DirectedHausdorffDistance::new(percentile, direction).with_column(column))
        }
        _ => return Ok(None),
    }))
}
