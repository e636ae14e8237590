//! The subject assembler: samples in any order back into volumes.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::Arc;

use mia_core::{Image, ImageData, ImageProperties, Prefault, PrefaultedVec};
use mia_index::{AxisIndex, IndexExpression};
use ndarray::{ArrayD, ArrayViewD, Axis, Dimension, IxDyn, Slice};

use crate::buffer::{assign_region, region_mut, try_zeros, write, AssembleElement, Values};
use crate::spec::Progress;
use crate::{AssembleError, AssembleInteraction, Combine, Result, SubjectSpec, Weighting};

/// The key used by the single-output convenience methods (pymia stores a bare array under `'__prediction'`).
pub const PREDICTION: &str = "prediction";

/// What to do with array elements that no sample covered.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum UncoveredPolicy {
    /// Fail with [`AssembleError::Uncovered`] (default): a gap in the indexing is a bug, not a zero.
    #[default]
    Error,
    /// Fill them with this value and return the coverage mask with the volume ([`Assembled::covered`]).
    /// `Fill(0.0)` reproduces pymia (which leaves its `np.zeros` buffer untouched there).
    Fill(f64),
}

/// Options of [`SubjectAssembler`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AssemblerConfig {
    /// How overlapping samples are combined (default: uniform average).
    pub combine: Combine,
    /// What happens to elements no sample covered (default: error).
    pub uncovered: UncoveredPolicy,
}

/// One assembled key of a subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembled {
    /// The volume: spatial shape followed by the samples' channel axes (`f32` or `f64`, as the samples were).
    pub data: ImageData,
    /// The subject's image properties, if they were registered.
    pub properties: Option<ImageProperties>,
    /// Number of array elements no sample covered (filled per [`UncoveredPolicy::Fill`]).
    pub uncovered: usize,
    /// Coverage mask (`true` = covered), present only when some element was uncovered.
    pub covered: Option<ArrayD<bool>>,
}

impl Assembled {
    /// The volume as an [`Image`] with the subject's properties (components = the channel count; a single
    /// channel axis of length 1 is dropped), ready for mia-io's writers.
    pub fn into_image(self, key: &str) -> Result<Image> {
        let image_err = |source| AssembleError::Image { key: key.to_string(), source };
        let Some(props) = self.properties else {
            return Err(AssembleError::Image {
                key: key.to_string(),
                source: mia_core::CoreError::Layout(
                    "no image properties were registered for the subject".into(),
                ),
            });
        };
        let spatial = props.dimension();
        let shape = self.data.shape().to_vec();
        let components = match &shape[spatial.min(shape.len())..] {
            [] => 1,
            [c] => *c,
            more => {
                return Err(image_err(mia_core::CoreError::Layout(format!(
                    "{} channel axes {more:?}; an image has at most one",
                    more.len()
                ))))
            }
        };
        let pixel_type = self.data.pixel_type();
        let props = props.with_components(components).map_err(image_err)?.with_pixel_type(pixel_type);
        let data = self.data.into_shape(&props.array_shape()).map_err(image_err)?;
        Image::new(data, props).map_err(image_err)
    }
}

/// All keys of one assembled subject.
#[derive(Debug, Clone, PartialEq)]
pub struct AssembledSubject {
    /// The subject index.
    pub subject: usize,
    /// One volume per key.
    pub keys: BTreeMap<String, Assembled>,
}

impl AssembledSubject {
    /// The volume of a key.
    pub fn get(&self, key: &str) -> Option<&Assembled> {
        self.keys.get(key)
    }

    /// Takes the volume of a key out.
    pub fn remove(&mut self, key: &str) -> Option<Assembled> {
        self.keys.remove(key)
    }

    /// The volume stored under [`PREDICTION`].
    pub fn prediction(&self) -> Option<&Assembled> {
        self.keys.get(PREDICTION)
    }
}

struct KeyBuffer {
    /// Maps the pages of a large fresh `values` buffer in on the other core while samples arrive. Declared
    /// before `values`, so that it is joined before the buffer could be freed.
    prefault: Option<Prefault>,
    values: Values,
    /// Per-element weights (sums of window weights, or sample counts). Allocated only once samples overlap or a
    /// window weighting is used: until then the samples were disjoint, `regions` records where they went, and a
    /// sample is a plain copy (no second buffer, no second pass).
    weights: Option<ArrayD<f32>>,
    /// The disjoint regions written while `weights` is `None` (one range per spatial axis).
    regions: Vec<Vec<Range<usize>>>,
    channels: Vec<usize>,
    progress: Progress,
}

/// Regions tracked before the weights are allocated anyway (the overlap test is linear in them).
const MAX_TRACKED_REGIONS: usize = 4096;

impl KeyBuffer {
    /// Weights equal to what the disjoint regions written so far would have given (1 where covered).
    fn weights_from_regions(&self, full: &[usize]) -> Option<ArrayD<f32>> {
        let mut w = try_zeros::<f32>(full)?;
        for r in &self.regions {
            region_mut(&mut w, r).fill(1.0);
        }
        Some(w)
    }

    /// The weights, allocated from the regions if they are not yet.
    fn materialise(&mut self) -> Option<&mut ArrayD<f32>> {
        if self.weights.is_none() {
            let full = self.values.shape().to_vec();
            self.weights = Some(self.weights_from_regions(&full)?);
            self.regions = Vec::new();
        }
        self.weights.as_mut()
    }

    /// Elements covered by the regions (they are disjoint).
    fn region_elements(&self) -> usize {
        let channels: usize = self.channels.iter().product();
        self.regions.iter().map(|r| r.iter().map(|x| x.len()).product::<usize>() * channels).sum()
    }
}

fn overlaps(a: &[Range<usize>], b: &[Range<usize>]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.start < y.end && y.start < x.end)
}

struct SubjectState {
    spec: SubjectSpec,
    keys: BTreeMap<String, KeyBuffer>,
}

/// Puts samples (slices, slabs, patches, whole volumes) back together into subjects, in any order.
///
/// Register each subject with its spatial shape (and properties, and the samples to expect), add samples as
/// they come out of the network, and take a subject out once it is finished; its buffers are freed then, so the
/// memory in use is bounded by the subjects in flight. Overlaps are averaged (uniform, Gaussian or Hann weights)
/// or overwritten ([`Combine::LastWriteWins`], pymia's behaviour); elements no sample covered are an error by
/// default ([`UncoveredPolicy`]).
///
/// ```
/// use mia_assemble::{SubjectAssembler, SubjectSpec};
/// use mia_index::{IndexingStrategy, SliceIndexing};
/// use ndarray::{ArrayD, IxDyn};
///
/// let volume = ArrayD::from_shape_fn(IxDyn(&[4, 5, 6]), |i| (i[0] * 100 + i[1] * 10 + i[2]) as f32);
/// let strategy = SliceIndexing::new(0);
/// let expressions = strategy.indices(&[4, 5, 6]).unwrap();
///
/// let mut assembler = SubjectAssembler::default();
/// assembler.register(0, SubjectSpec::new(&[4, 5, 6]).expect(expressions.clone())).unwrap();
/// for e in expressions.iter().rev() {
///     // the "network": identity on each slice
///     let slice = volume.index_axis(ndarray::Axis(0), match e.axis(0) { mia_index::AxisIndex::Index(i) => i, _ => 0 });
///     assembler.add_prediction(0, e, slice).unwrap();
/// }
/// assert_eq!(assembler.finished(), vec![0]);
/// let out = assembler.take(0).unwrap();
/// assert_eq!(out.prediction().unwrap().data.view::<f32>().unwrap(), volume.view());
/// ```
pub struct SubjectAssembler {
    config: AssemblerConfig,
    interaction: Option<Arc<dyn AssembleInteraction>>,
    subjects: HashMap<usize, SubjectState>,
    windows: HashMap<Vec<(usize, bool)>, ArrayD<f32>>,
}

impl Default for SubjectAssembler {
    fn default() -> Self {
        SubjectAssembler::new(AssemblerConfig::default())
    }
}

impl std::fmt::Debug for SubjectAssembler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubjectAssembler")
            .field("config", &self.config)
            .field("interaction", &self.interaction.is_some())
            .field("subjects_in_flight", &self.subjects.len())
            .finish()
    }
}

impl SubjectAssembler {
    /// An assembler with these options and no interaction hook.
    pub fn new(config: AssemblerConfig) -> Self {
        SubjectAssembler { config, interaction: None, subjects: HashMap::new(), windows: HashMap::new() }
    }

    /// Sets the hook run on every sample before it is written (e.g. [`CentreCrop`](crate::CentreCrop)).
    pub fn with_interaction(mut self, interaction: impl AssembleInteraction + 'static) -> Self {
        self.interaction = Some(Arc::new(interaction));
        self
    }

    /// Sets a shared hook.
    pub fn with_shared_interaction(mut self, interaction: Arc<dyn AssembleInteraction>) -> Self {
        self.interaction = Some(interaction);
        self
    }

    /// The options.
    pub fn config(&self) -> &AssemblerConfig {
        &self.config
    }

    /// Registers a subject; its buffers are allocated when its first sample arrives.
    pub fn register(&mut self, subject: usize, spec: SubjectSpec) -> Result<()> {
        if self.subjects.contains_key(&subject) {
            return Err(AssembleError::AlreadyRegistered { subject });
        }
        spec.validate(subject)?;
        self.subjects.insert(subject, SubjectState { spec, keys: BTreeMap::new() });
        Ok(())
    }

    /// Whether a subject is registered and not yet taken out.
    pub fn contains(&self, subject: usize) -> bool {
        self.subjects.contains_key(&subject)
    }

    /// Number of subjects registered and not yet taken out.
    pub fn in_flight(&self) -> usize {
        self.subjects.len()
    }

    /// Adds one sample of `key`; returns whether the subject is now finished.
    ///
    /// `data` is the region the expression selects from the subject's spatial shape (axes indexed by a single
    /// position dropped), followed by any number of channel axes (the same for every sample of the key), unless
    /// an interaction hook maps it first.
    pub fn add<T: AssembleElement>(
        &mut self,
        subject: usize,
        key: &str,
        expression: &IndexExpression,
        data: ArrayViewD<'_, T>,
    ) -> Result<bool> {
        let config = self.config;
        let state = self.subjects.get_mut(&subject).ok_or(AssembleError::UnknownSubject { subject })?;
        let shape = state.spec.shape.clone();
        let index_err = |source| AssembleError::Index { subject, key: key.to_string(), source };
        // The expression must fit the subject (also checked again after the hook).
        expression.resolve(&shape).map_err(index_err)?;
        let (data, target) = match &self.interaction {
            None => (data, expression.clone()),
            Some(hook) => {
                let region = hook
                    .region(key, data.shape(), expression, &shape)
                    .map_err(|message| AssembleError::Interaction { key: key.to_string(), message })?;
                (crop_view(data, &region.crop, key)?, region.expression)
            }
        };
        let resolved = target.resolve(&shape).map_err(index_err)?;
        let region_shape: Vec<usize> =
            resolved.iter().filter(|(_, keep)| *keep).map(|(r, _)| r.len()).collect();
        let k = region_shape.len();
        if data.ndim() < k || data.shape()[..k] != region_shape[..] {
            return Err(AssembleError::ShapeMismatch {
                subject,
                key: key.to_string(),
                expression: target.to_string(),
                expected: region_shape,
                actual: data.shape().to_vec(),
            });
        }
        let channels = data.shape()[k..].to_vec();
        let unexpected = || AssembleError::UnexpectedSample {
            subject,
            key: key.to_string(),
            expression: expression.to_string(),
        };
        // Every check comes before the allocation, so that a rejected sample leaves nothing behind.
        match state.keys.get(key) {
            Some(buffer) => {
                if buffer.channels != channels {
                    return Err(AssembleError::ChannelMismatch {
                        subject,
                        key: key.to_string(),
                        expected: buffer.channels.clone(),
                        actual: channels,
                    });
                }
                if buffer.values.pixel_type() != T::PIXEL_TYPE {
                    return Err(AssembleError::TypeMismatch {
                        subject,
                        key: key.to_string(),
                        expected: buffer.values.pixel_type(),
                        actual: T::PIXEL_TYPE,
                    });
                }
                if !buffer.progress.check(expression) {
                    return Err(unexpected());
                }
            }
            None => {
                let progress = Progress::new(&state.spec.expected);
                if !progress.check(expression) {
                    return Err(unexpected());
                }
                let full: Vec<usize> = shape.iter().chain(&channels).copied().collect();
                // The buffer may be a recycled one that still holds an earlier volume; that is harmless: the
                // kernels assign an element on its first write (weight 0) and never read it before, and elements
                // no sample wrote are filled or reported at the end by their zero weight, as in a fresh buffer.
                let elements = full.iter().fold(1usize, |acc, &d| acc.saturating_mul(d));
                let alloc_err = || AssembleError::Allocation { subject, elements };
                let n = full.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(alloc_err)?;
                let (vec, prefault) =
                    PrefaultedVec::<T>::for_overwrite(n).ok_or_else(alloc_err)?.into_parts();
                let array = ArrayD::from_shape_vec(IxDyn(&full), vec).map_err(|_| alloc_err())?;
                let values = T::new_values(array);
                state.keys.insert(
                    key.to_string(),
                    KeyBuffer { prefault, values, weights: None, regions: Vec::new(), channels, progress },
                );
            }
        }
        let buffer = state.keys.get_mut(key).expect("present or inserted above");
        let channels_len = buffer.channels.len();
        let Some(values) = T::values_mut(&mut buffer.values) else {
            return Err(AssembleError::TypeMismatch {
                subject,
                key: key.to_string(),
                expected: T::PIXEL_TYPE,
                actual: T::PIXEL_TYPE,
            });
        };
        // Re-insert the dropped axes as length-1 axes so that the data is shaped like the buffer's region.
        let mut data = data;
        for (axis, (_, keep)) in resolved.iter().enumerate() {
            if !keep {
                data.insert_axis_inplace(Axis(axis));
            }
        }
        let ranges: Vec<Range<usize>> = resolved.iter().map(|(r, _)| r.clone()).collect();
        let window = match config.combine {
            Combine::Average(w) if w != Weighting::Uniform => {
                let key_dims: Vec<(usize, bool)> = resolved
                    .iter()
                    .zip(0..)
                    .map(|((r, _), a)| (r.len(), matches!(target.axis(a), AxisIndex::Range { .. })))
                    .chain((0..channels_len).map(|_| (1, false)))
                    .collect();
                Some(self.windows.entry(key_dims).or_insert_with_key(|dims| window_array(w, dims)).view())
            }
            _ => None,
        };
        let disjoint = buffer.weights.is_none()
            && window.is_none()
            && buffer.regions.len() < MAX_TRACKED_REGIONS
            && !buffer.regions.iter().any(|r| overlaps(r, &ranges));
        if disjoint {
            // Nothing written here yet: the running mean (or last write) of one sample is the sample.
            assign_region(values, &ranges, data);
            buffer.regions.push(ranges);
        } else {
            if buffer.materialise().is_none() {
                return Err(AssembleError::Allocation { subject, elements: buffer.values.len() });
            }
            let KeyBuffer { values, weights, .. } = buffer;
            let values = T::values_mut(values).expect("type checked above");
            let weights = weights.as_mut().expect("materialised above");
            write(config.combine, values, weights, &ranges, data, window);
        }
        buffer.progress.record(expression);
        Ok(is_finished(state))
    }

    /// Adds a sample under the [`PREDICTION`] key.
    pub fn add_prediction<T: AssembleElement>(
        &mut self,
        subject: usize,
        expression: &IndexExpression,
        data: ArrayViewD<'_, T>,
    ) -> Result<bool> {
        self.add(subject, PREDICTION, expression, data)
    }

    /// Adds a batch: `batch`'s first axis runs over `samples` (subject, expression) pairs, as a data loader
    /// delivers them. Returns the subjects finished by this batch (in order of their first sample here).
    pub fn add_batch<T: AssembleElement>(
        &mut self,
        key: &str,
        samples: &[(usize, &IndexExpression)],
        batch: ArrayViewD<'_, T>,
    ) -> Result<Vec<usize>> {
        if batch.ndim() == 0 || batch.shape()[0] != samples.len() {
            return Err(AssembleError::BatchMismatch {
                batch: batch.shape().first().copied().unwrap_or(0),
                samples: samples.len(),
            });
        }
        let mut finished = Vec::new();
        for (b, &(subject, expression)) in samples.iter().enumerate() {
            if self.add(subject, key, expression, batch.index_axis(Axis(0), b))?
                && !finished.contains(&subject)
            {
                finished.push(subject);
            }
        }
        Ok(finished)
    }

    /// Whether every expected sample of the subject arrived for every key added so far.
    pub fn is_finished(&self, subject: usize) -> bool {
        self.subjects.get(&subject).is_some_and(is_finished)
    }

    /// The finished subjects, in increasing order.
    pub fn finished(&self) -> Vec<usize> {
        let mut v: Vec<usize> =
            self.subjects.iter().filter(|(_, s)| is_finished(s)).map(|(&i, _)| i).collect();
        v.sort_unstable();
        v
    }

    /// Samples received and expected (if known) for a subject's key.
    pub fn progress(&self, subject: usize, key: &str) -> Option<(usize, Option<usize>)> {
        let p = &self.subjects.get(&subject)?.keys.get(key)?.progress;
        Some((p.received(), p.expected()))
    }

    /// Takes a finished subject out (its buffers are freed); [`AssembleError::NotFinished`] otherwise.
    pub fn take(&mut self, subject: usize) -> Result<AssembledSubject> {
        let uncovered = self.check_take(subject, false)?;
        Ok(self.remove(subject, uncovered))
    }

    /// Takes a subject out whether or not every expected sample arrived (the end of an epoch, a subject whose
    /// sample count was not known). Fails with [`AssembleError::Empty`] if it received no sample at all.
    pub fn finish(&mut self, subject: usize) -> Result<AssembledSubject> {
        let uncovered = self.check_take(subject, true)?;
        Ok(self.remove(subject, uncovered))
    }

    /// Checks that a subject can be taken out (without changing anything); returns the uncovered count per key.
    pub(crate) fn check_take(&self, subject: usize, force: bool) -> Result<BTreeMap<String, usize>> {
        let state = self.subjects.get(&subject).ok_or(AssembleError::UnknownSubject { subject })?;
        if !force && !is_finished(state) {
            let (key, received, expected) = match state.keys.iter().find(|(_, b)| !b.progress.is_complete()) {
                Some((k, b)) => (k.clone(), b.progress.received(), b.progress.expected().unwrap_or(0)),
                None => (PREDICTION.to_string(), 0, state.spec.expected_count().unwrap_or(0)),
            };
            return Err(AssembleError::NotFinished { subject, key, received, expected });
        }
        if state.keys.is_empty() {
            return Err(AssembleError::Empty { subject });
        }
        let mut uncovered = BTreeMap::new();
        for (key, b) in &state.keys {
            let count = match &b.weights {
                // The buffers are allocated in standard layout: count over the flat slice, not an IxDyn iterator.
                Some(w) => w.as_slice().unwrap_or(&[]).iter().filter(|&&w| w == 0.0).count(),
                None => b.values.len() - b.region_elements(),
            };
            if count == 0 {
                uncovered.insert(key.clone(), 0);
                continue;
            }
            let materialised;
            let weights = match &b.weights {
                Some(w) => w,
                None => {
                    materialised = b
                        .weights_from_regions(b.values.shape())
                        .ok_or(AssembleError::Allocation { subject, elements: b.values.len() })?;
                    &materialised
                }
            };
            let flat_weights = weights.as_slice().unwrap_or(&[]);
            if count > 0 && self.config.uncovered == UncoveredPolicy::Error {
                let flat = flat_weights.iter().position(|&w| w == 0.0).unwrap_or(0);
                return Err(AssembleError::Uncovered {
                    subject,
                    key: key.clone(),
                    count,
                    first: unravel(flat, weights.shape()),
                });
            }
            uncovered.insert(key.clone(), count);
        }
        Ok(uncovered)
    }

    /// Removes a checked subject and finalises its buffers.
    pub(crate) fn remove(&mut self, subject: usize, uncovered: BTreeMap<String, usize>) -> AssembledSubject {
        let Some(state) = self.subjects.remove(&subject) else {
            return AssembledSubject { subject, keys: BTreeMap::new() };
        };
        let properties = state.spec.properties;
        let policy = self.config.uncovered;
        let keys = state
            .keys
            .into_iter()
            .map(|(key, mut b)| {
                let count = uncovered.get(&key).copied().unwrap_or(0);
                let covered = match (count, policy) {
                    (0, _) | (_, UncoveredPolicy::Error) => None,
                    (_, UncoveredPolicy::Fill(v)) => {
                        if b.materialise().is_some() {
                            let KeyBuffer { values, weights, .. } = &mut b;
                            let w = weights.as_ref().expect("materialised");
                            values.fill_where_zero(w, v);
                            Some(w.mapv(|w| w != 0.0))
                        } else {
                            // Out of memory for the coverage mask: the values stay unfilled, no mask reported.
                            None
                        }
                    }
                };
                drop(b.prefault.take());
                let data = b.values.into_image_data();
                (key, Assembled { data, properties: properties.clone(), uncovered: count, covered })
            })
            .collect();
        AssembledSubject { subject, keys }
    }

    /// Takes every finished subject out, in increasing order.
    pub fn take_finished(&mut self) -> Result<Vec<AssembledSubject>> {
        self.finished().into_iter().map(|s| self.take(s)).collect()
    }

    /// Drops a subject and its buffers without assembling it.
    pub fn discard(&mut self, subject: usize) -> bool {
        self.subjects.remove(&subject).is_some()
    }

    /// Hands the volumes of an assembled subject back once they are no longer needed (written to disk,
    /// evaluated), so that later volumes of the same size (of this or any assembler, or volumes read by mia-io)
    /// go into them instead of into fresh memory ([`mia_core::recycle`]; the same as `ImageData::recycle` on each).
    ///
    /// A fresh volume costs the kernel's zeroing of every page and a page fault per page on top of the copies of
    /// the samples; a recycled one costs the copies alone (see `docs/benchmarks.md`). Results are the same as with
    /// fresh buffers: no element is read before a sample wrote it, and elements no sample covers are filled per
    /// [`UncoveredPolicy`] either way.
    pub fn recycle(&mut self, assembled: AssembledSubject) {
        for (_, a) in assembled.keys {
            a.data.recycle();
        }
    }
}

fn is_finished(state: &SubjectState) -> bool {
    state.spec.expected_count().is_some()
        && !state.keys.is_empty()
        && state.keys.values().all(|b| b.progress.is_complete())
}

fn crop_view<'a, T>(data: ArrayViewD<'a, T>, crop: &[Range<usize>], key: &str) -> Result<ArrayViewD<'a, T>> {
    if crop.len() != data.ndim() || crop.iter().zip(data.shape()).any(|(r, &n)| r.start > r.end || r.end > n)
    {
        return Err(AssembleError::Interaction {
            key: key.to_string(),
            message: format!("crop {crop:?} does not fit data of shape {:?}", data.shape()),
        });
    }
    let mut v = data;
    for (axis, r) in crop.iter().enumerate() {
        v.slice_axis_inplace(Axis(axis), Slice::from(r.clone()));
    }
    Ok(v)
}

fn window_array(w: Weighting, dims: &[(usize, bool)]) -> ArrayD<f32> {
    let shape: Vec<usize> = dims.iter().map(|&(n, windowed)| if windowed { n } else { 1 }).collect();
    let windows: Vec<Vec<f64>> =
        dims.iter().map(|&(n, windowed)| if windowed { w.window(n) } else { vec![1.0] }).collect();
    ArrayD::from_shape_fn(IxDyn(&shape), |idx| {
        idx.slice().iter().zip(&windows).map(|(&i, win)| win[i]).product::<f64>() as f32
    })
}

fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut pos = vec![0; shape.len()];
    for a in (0..shape.len()).rev() {
        if shape[a] > 0 {
            pos[a] = flat % shape[a];
            flat /= shape[a];
        }
    }
    pos
}
