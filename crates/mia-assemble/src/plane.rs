//! 2.5-D assembly: one assembly per plane, merged voxel-wise.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use mia_core::ImageData;
use mia_index::{AxisIndex, IndexExpression};
use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::spec::Expected;
use crate::{
    AssembleElement, AssembleError, AssembleInteraction, Assembled, AssembledSubject, AssemblerConfig,
    Result, SubjectAssembler, SubjectSpec, UncoveredPolicy,
};

/// Combines the values the planes assembled for one voxel (pymia's `merge_fn`).
pub trait PlaneMerge: Send + Sync {
    /// The merged value of one element; `values` holds one value per plane that covered it (at least one).
    fn merge(&self, values: &[f64]) -> f64;
}

impl<F: Fn(&[f64]) -> f64 + Send + Sync> PlaneMerge for F {
    fn merge(&self, values: &[f64]) -> f64 {
        self(values)
    }
}

/// The mean of the planes (pymia's `mean_merge_fn`, the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct MeanMerge;

impl PlaneMerge for MeanMerge {
    fn merge(&self, values: &[f64]) -> f64 {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// The median of the planes (mean of the two middle values for an even count).
#[derive(Debug, Clone, Copy, Default)]
pub struct MedianMerge;

impl PlaneMerge for MedianMerge {
    fn merge(&self, values: &[f64]) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
}

/// The largest value of the planes.
#[derive(Debug, Clone, Copy, Default)]
pub struct MaxMerge;

impl PlaneMerge for MaxMerge {
    fn merge(&self, values: &[f64]) -> f64 {
        values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Assembles 2.5-D samples: slices (or slabs) along several axes are assembled per plane, then merged voxel-wise
/// (pymia's `PlaneSubjectAssembler`, which crashes in pymia 0.3.4; mia DECISIONS #5).
///
/// A sample's plane is the first axis its expression indexes by a position or a partial range (`[i]` → 0,
/// `[:, i]` → 1, `[:, :, a:b]` → 2). Subjects must be registered with their expressions
/// ([`SubjectSpec::expect`] or [`SubjectSpec::expect_strategy`]), so each plane knows what to expect.
///
/// ```
/// use mia_assemble::{PlaneAssembler, SubjectSpec};
/// use mia_index::{IndexingStrategy, SliceIndexing};
/// use ndarray::{ArrayD, Axis, IxDyn};
///
/// let volume = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| (i[0] * 20 + i[1] * 5 + i[2]) as f32);
/// let slices = SliceIndexing::tri_planar().indices(&[3, 4, 5]).unwrap();
/// let mut assembler = PlaneAssembler::default();
/// assembler.register(0, SubjectSpec::new(&[3, 4, 5]).expect(slices.clone())).unwrap();
/// for e in &slices {
///     let (axis, i) = (0..3).find_map(|a| match e.axis(a) {
///         mia_index::AxisIndex::Index(i) => Some((a, i)),
///         _ => None,
///     }).unwrap();
///     assembler.add_prediction(0, e, volume.index_axis(Axis(axis), i)).unwrap();
/// }
/// let out = assembler.take(0).unwrap();
/// assert_eq!(out.prediction().unwrap().data.view::<f32>().unwrap(), volume.view());
/// ```
pub struct PlaneAssembler {
    config: AssemblerConfig,
    interaction: Option<Arc<dyn AssembleInteraction>>,
    merge: Box<dyn PlaneMerge>,
    planes: BTreeMap<usize, SubjectAssembler>,
    subjects: HashMap<usize, (Vec<usize>, Vec<usize>)>,
}

impl Default for PlaneAssembler {
    fn default() -> Self {
        PlaneAssembler::new(AssemblerConfig::default())
    }
}

impl std::fmt::Debug for PlaneAssembler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaneAssembler")
            .field("config", &self.config)
            .field("planes", &self.planes.keys().collect::<Vec<_>>())
            .field("subjects_in_flight", &self.subjects.len())
            .finish()
    }
}

impl PlaneAssembler {
    /// A plane assembler whose per-plane assemblies use these options, merged by [`MeanMerge`].
    pub fn new(config: AssemblerConfig) -> Self {
        PlaneAssembler {
            config,
            interaction: None,
            merge: Box::new(MeanMerge),
            planes: BTreeMap::new(),
            subjects: HashMap::new(),
        }
    }

    /// Sets the merge function.
    pub fn with_merge(mut self, merge: impl PlaneMerge + 'static) -> Self {
        self.merge = Box::new(merge);
        self
    }

    /// Sets the hook run on every sample before it is written (shared by every plane).
    pub fn with_interaction(mut self, interaction: impl AssembleInteraction + 'static) -> Self {
        self.interaction = Some(Arc::new(interaction));
        self
    }

    /// Registers a subject; its spec must list the expected expressions.
    pub fn register(&mut self, subject: usize, spec: SubjectSpec) -> Result<()> {
        if self.subjects.contains_key(&subject) {
            return Err(AssembleError::AlreadyRegistered { subject });
        }
        spec.validate(subject)?;
        let Expected::Expressions(list) = &spec.expected else {
            return Err(AssembleError::InvalidSpec {
                subject,
                message: "the plane assembler needs the expected expressions (SubjectSpec::expect)".into(),
            });
        };
        let mut per_plane: BTreeMap<usize, Vec<IndexExpression>> = BTreeMap::new();
        for e in list {
            per_plane.entry(plane_of(subject, e, &spec.shape)?).or_default().push(e.clone());
        }
        for (&plane, exprs) in &per_plane {
            let assembler = self.planes.entry(plane).or_insert_with(|| {
                let a = SubjectAssembler::new(self.config);
                match &self.interaction {
                    Some(i) => a.with_shared_interaction(i.clone()),
                    None => a,
                }
            });
            let mut plane_spec = spec.clone().expect(exprs.clone());
            plane_spec.expected = Expected::Expressions(exprs.clone());
            assembler.register(subject, plane_spec)?;
        }
        self.subjects.insert(subject, (spec.shape.clone(), per_plane.keys().copied().collect()));
        Ok(())
    }

    /// Adds one sample of `key` to its plane's assembly; returns whether the subject is finished in every plane.
    pub fn add<T: AssembleElement>(
        &mut self,
        subject: usize,
        key: &str,
        expression: &IndexExpression,
        data: ArrayViewD<'_, T>,
    ) -> Result<bool> {
        let (shape, _) = self.subjects.get(&subject).ok_or(AssembleError::UnknownSubject { subject })?;
        let plane = plane_of(subject, expression, shape)?;
        let assembler = self.planes.get_mut(&plane).filter(|a| a.contains(subject)).ok_or_else(|| {
            AssembleError::UnexpectedSample {
                subject,
                key: key.to_string(),
                expression: expression.to_string(),
            }
        })?;
        assembler.add(subject, key, expression, data)?;
        Ok(self.is_finished(subject))
    }

    /// Adds a sample under the [`PREDICTION`](crate::PREDICTION) key.
    pub fn add_prediction<T: AssembleElement>(
        &mut self,
        subject: usize,
        expression: &IndexExpression,
        data: ArrayViewD<'_, T>,
    ) -> Result<bool> {
        self.add(subject, crate::PREDICTION, expression, data)
    }

    /// Whether every plane of the subject is finished.
    pub fn is_finished(&self, subject: usize) -> bool {
        self.subjects.get(&subject).is_some_and(|(_, planes)| {
            planes.iter().all(|p| self.planes.get(p).is_some_and(|a| a.is_finished(subject)))
        })
    }

    /// The finished subjects, in increasing order.
    pub fn finished(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.subjects.keys().copied().filter(|&s| self.is_finished(s)).collect();
        v.sort_unstable();
        v
    }

    /// Takes a finished subject out, merging its planes.
    pub fn take(&mut self, subject: usize) -> Result<AssembledSubject> {
        self.take_planes(subject, false)
    }

    /// Takes a subject out whether or not every plane is finished.
    pub fn finish(&mut self, subject: usize) -> Result<AssembledSubject> {
        self.take_planes(subject, true)
    }

    fn take_planes(&mut self, subject: usize, force: bool) -> Result<AssembledSubject> {
        let (_, planes) = self.subjects.get(&subject).ok_or(AssembleError::UnknownSubject { subject })?;
        let planes = planes.clone();
        // Check every plane first, so that an error leaves the subject complete.
        let mut checked = Vec::with_capacity(planes.len());
        for p in &planes {
            checked.push(self.planes[p].check_take(subject, force)?);
        }
        let parts: Vec<AssembledSubject> = planes
            .iter()
            .zip(checked)
            .map(|(p, uncovered)| self.planes.get_mut(p).expect("plane exists").remove(subject, uncovered))
            .collect();
        self.subjects.remove(&subject);
        merge_planes(subject, parts, self.merge.as_ref(), self.config.uncovered)
    }
}

/// The plane of an expression: the first axis indexed by a position or a partial range.
fn plane_of(subject: usize, e: &IndexExpression, shape: &[usize]) -> Result<usize> {
    (0..e.axes().len())
        .find(|&a| match e.axis(a) {
            AxisIndex::All => false,
            AxisIndex::Index(_) => true,
            AxisIndex::Range { start, stop } => start != 0 || Some(&stop) != shape.get(a),
        })
        .ok_or_else(|| AssembleError::InvalidSpec {
            subject,
            message: format!("expression {e} selects no plane (whole along every axis)"),
        })
}

fn merge_planes(
    subject: usize,
    parts: Vec<AssembledSubject>,
    merge: &dyn PlaneMerge,
    policy: UncoveredPolicy,
) -> Result<AssembledSubject> {
    let mut by_key: BTreeMap<String, Vec<Assembled>> = BTreeMap::new();
    for part in parts {
        for (k, a) in part.keys {
            by_key.entry(k).or_default().push(a);
        }
    }
    let mut keys = BTreeMap::new();
    for (key, volumes) in by_key {
        let merged = merge_key(subject, &key, volumes, merge, policy)?;
        keys.insert(key, merged);
    }
    Ok(AssembledSubject { subject, keys })
}

fn merge_key(
    subject: usize,
    key: &str,
    volumes: Vec<Assembled>,
    merge: &dyn PlaneMerge,
    policy: UncoveredPolicy,
) -> Result<Assembled> {
    let first = &volumes[0];
    let shape = first.data.shape().to_vec();
    let pixel_type = first.data.pixel_type();
    if let Some(v) =
        volumes.iter().find(|v| v.data.shape() != shape.as_slice() || v.data.pixel_type() != pixel_type)
    {
        return Err(AssembleError::Merge {
            subject,
            message: format!(
                "key '{key}': planes differ: {:?} {} vs {:?} {}",
                shape,
                pixel_type,
                v.data.shape(),
                v.data.pixel_type()
            ),
        });
    }
    if volumes.len() == 1 {
        return Ok(volumes.into_iter().next().expect("one volume"));
    }
    let values: Vec<ArrayD<f64>> = volumes.iter().map(|v| v.data.to_f64()).collect();
    let masks: Vec<Option<&ArrayD<bool>>> = volumes.iter().map(|v| v.covered.as_ref()).collect();
    let fill = match policy {
        UncoveredPolicy::Fill(v) => v,
        UncoveredPolicy::Error => 0.0,
    };
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut covered = Vec::with_capacity(n);
    let mut buf = Vec::with_capacity(values.len());
    let flat: Vec<_> = values.iter().map(|a| a.iter()).collect();
    let mut iters: Vec<_> = flat;
    let mut mask_iters: Vec<Option<_>> = masks.iter().map(|m| m.map(|m| m.iter())).collect();
    for _ in 0..n {
        buf.clear();
        for (it, m) in iters.iter_mut().zip(mask_iters.iter_mut()) {
            let v = *it.next().expect("same shapes");
            let c = m.as_mut().is_none_or(|m| *m.next().expect("same shapes"));
            if c {
                buf.push(v);
            }
        }
        if buf.is_empty() {
            out.push(fill);
            covered.push(false);
        } else {
            out.push(merge.merge(&buf));
            covered.push(true);
        }
    }
    let uncovered = covered.iter().filter(|&&c| !c).count();
    let data =
        ImageData::F64(ArrayD::from_shape_vec(IxDyn(&shape), out).expect("shape matches")).cast(pixel_type);
    let covered =
        (uncovered > 0).then(|| ArrayD::from_shape_vec(IxDyn(&shape), covered).expect("shape matches"));
    Ok(Assembled { data, properties: first.properties.clone(), uncovered, covered })
}
