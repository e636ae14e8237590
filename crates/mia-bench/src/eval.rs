//! Steps `eval` and `mikan`: `Evaluator::evaluate` on the parity cases over all labels, as
//! `pymia_eval_bench.py` times pymia's `SegmentationEvaluator.evaluate` (images already loaded) and
//! `mikan_eval_bench.py` times mikan-rs.
//!
//! Every workload runs on a rayon pool of one thread (pymia is single-threaded except AVGDIST, which uses
//! SimpleITK's threads) and on one of every core (mikan-rs's default).

use anyhow::Context;
use mia_metrics::metrics_from_list;
use mia_report::{Evaluator, LabelSpec};

use crate::timing::{row, thread_settings, time_runs, wanted, with_threads, Rows};
use crate::Options;

/// The 39 metric instances of `pymia_metrics.categorical_metrics()`, with their pymia names.
pub(crate) const PYMIA_FULL: &str = "DICE,JACRD,SNSVTY,SPCFTY,FALLOUT,FNR,ACURCY,PRCISON,TP,FP,TN,FN,FMEASR,\
FMEASR_B0.5=FMEASR(beta=0.5),FMEASR_B2=FMEASR(beta=2),GCOERR,VOLSMTY,RNDIND,ADJRIND,MUTINF,VARINFO,KAPPA,AUC,ICCORR,\
PROBDST,MAHLNBS,AVGDIST,REFAREA,PREDAREA,REFVOL,PREDVOL,HDRFDST,HDRFDST95=HDRFDST(percentile=95),SURFDICE,\
SURFDICE_2MM=SURFDICE(tolerance=2),SURFOVLP,SURFOVLP_R2P=SURFOVLP(prediction_to_reference=false),\
SURFOVLP_2MM=SURFOVLP(tolerance=2),SURFOVLP_R2P_2MM=SURFOVLP(tolerance=2,prediction_to_reference=false)";
/// `pymia_metrics.subset_metrics()`.
const PYMIA_SUBSET: &str = "DICE,HDRFDST95=HDRFDST(percentile=95),AVGDIST";
/// Single metrics timed alone (full mode): the cheapest, the distance family and pymia's slow ones.
const SINGLES: [(&str, &str); 9] = [
    ("DICE", "DICE"),
    ("HDRFDST", "HDRFDST"),
    ("HDRFDST95", "HDRFDST95=HDRFDST(percentile=95)"),
    ("AVGDIST", "AVGDIST"),
    ("SURFDICE", "SURFDICE"),
    ("ADJRIND", "ADJRIND"),
    ("MUTINF", "MUTINF"),
    ("ICCORR", "ICCORR"),
    ("MAHLNBS", "MAHLNBS"),
];
/// mikan-rs's dice + hd + hd95 + assd, as mia metrics (ASSD: the surfel-area-weighted symmetric mean).
const MIKAN_SET: &str = "DICE,HDRFDST,HDRFDST95=HDRFDST(percentile=95),ASSD";

/// The cases and labels of `bench_common.TIMING_CASES`.
pub(crate) const CASES: [(&str, &str); 2] =
    [("brain_multilabel", "1=L1,2=L2,3=L3,4=L4,5=L5"), ("large_256", "1=L1,2=L2")];

pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) labels: &'static str,
    pub(crate) prediction: mia_core::Image,
    pub(crate) reference: mia_core::Image,
}

pub(crate) fn load_cases(o: &Options) -> anyhow::Result<Vec<Case>> {
    CASES
        .iter()
        .map(|&(name, labels)| {
            let dir = o.cases.join(name);
            let read = |f: &str| {
                let p = dir.join(f);
                mia_io::read_image(&p).with_context(|| format!("reading {}", p.display()))
            };
            Ok(Case { name, labels, prediction: read("pred.nii.gz")?, reference: read("ref.nii.gz")? })
        })
        .collect()
}

fn evaluator(metrics: &str, labels: &str) -> anyhow::Result<Evaluator> {
    Ok(Evaluator::segmentation(metrics_from_list(metrics)?, LabelSpec::parse_list(labels)?)?)
}

fn time_eval(
    case: &Case,
    ev: &Evaluator,
    threads: usize,
    warmup: usize,
    repeats: usize,
) -> anyhow::Result<Vec<f64>> {
    with_threads(threads, || {
        time_runs(warmup, repeats, || {
            std::hint::black_box(ev.evaluate(&case.prediction, &case.reference, case.name)?);
            Ok(())
        })
    })
}

pub(crate) fn run_pymia(o: &Options, cases: &[Case], rows: &mut Rows) -> anyhow::Result<()> {
    const FILE: &str = "pymia_eval_speed.json";
    let (warmup, repeats) = if o.quick { (1, 3) } else { (1, 5) };
    for case in cases {
        for threads in thread_settings() {
            for (group, list) in [("full", PYMIA_FULL), ("subset", PYMIA_SUBSET)] {
                if !wanted(&format!("eval {} {group}", case.name)) {
                    continue;
                }
                let ev = evaluator(list, case.labels)?;
                let t = time_eval(case, &ev, threads, warmup, repeats)?;
                rows.push(row(
                    &format!("eval {} {group} ({} metrics)", case.name, ev.metrics().len()),
                    "pymia",
                    threads,
                    &t,
                    FILE,
                    &["cases", case.name, "groups", group, "wall", "median_s"],
                ));
            }
            // Single metrics in full mode, on one thread (pymia computes them on one).
            if o.quick || threads != 1 {
                continue;
            }
            for (name, spec) in SINGLES {
                if !wanted(&format!("eval {} {name} alone", case.name)) {
                    continue;
                }
                let ev = evaluator(spec, case.labels)?;
                let t = time_eval(case, &ev, threads, 1, 3)?;
                rows.push(row(
                    &format!("eval {} {name} alone", case.name),
                    "pymia",
                    threads,
                    &t,
                    FILE,
                    &["cases", case.name, "single", name, "wall", "median_s"],
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn run_mikan(o: &Options, cases: &[Case], rows: &mut Rows) -> anyhow::Result<()> {
    const FILE: &str = "mikan_eval_speed.json";
    let (warmup, repeats) = if o.quick { (1, 3) } else { (1, 10) };
    for case in cases {
        for threads in thread_settings() {
            // mikan_eval_bench.py's thread settings: "1" (RAYON_NUM_THREADS=1) and "default" (every core).
            let setting = if threads == 1 { "1" } else { "default" };
            for (group, list) in [("dice_hd_hd95_assd", MIKAN_SET), ("dice", "DICE")] {
                if !wanted(&format!("mikan-set {} {group}", case.name)) {
                    continue;
                }
                let ev = evaluator(list, case.labels)?;
                let t = time_eval(case, &ev, threads, warmup, repeats)?;
                rows.push(row(
                    &format!("mikan-set {} {group}", case.name),
                    "mikan-rs",
                    threads,
                    &t,
                    FILE,
                    &["cases", case.name, "timings", setting, group, "wall", "median_s"],
                ));
            }
        }
    }
    Ok(())
}

/// Step `cohort`: pymia's `examples/evaluation/basic.py` over a cohort from files, as
/// `scripts/bench/pymia_cohort.py` times it: each pair read from its compressed `.mha` files and evaluated,
/// then the CSV and the statistics CSV written. `basic` (DICE, HDRFDST95, VOLSMTY): the 4 pymia-example
/// subjects listed 5 times (quick: once); `full` (39 metrics, not in quick mode): the 4 subjects; `full20`
/// (39 metrics, not in quick mode): the 20 pairs of `basic`.
/// Compared with `pymia_cohort_speed.json` `groups.<group>.wall.median_s`.
pub(crate) fn run_cohort(o: &Options, rows: &mut Rows) -> anyhow::Result<()> {
    use mia_report::{evaluate_cohort, CohortOptions, CsvStatisticsWriter, CsvWriter, Pair, Writer};
    const FILE: &str = "pymia_cohort_speed.json";
    const LABELS: &str = "1=WHITEMATTER,2=GREYMATTER,3=HIPPOCAMPUS,4=AMYGDALA,5=THALAMUS";
    let data = o.cases.join("../../data/pymia-example");
    let pairs_of = |copies: usize| -> Vec<Pair> {
        (1..=copies)
            .flat_map(|rep| {
                let data = &data;
                (1..=4).map(move |k| {
                    let d = data.join(format!("Subject_{k}"));
                    Pair {
                        subject: format!("Subject_{k}_{rep}"),
                        reference: d.join(format!("Subject_{k}_GT.mha")),
                        prediction: d.join(format!("Subject_{k}_PRED_eroded.mha")),
                    }
                })
            })
            .collect()
    };
    let scratch = tempfile::tempdir()?;
    let read = |p: &std::path::Path| -> Result<mia_core::Image, Box<dyn std::error::Error + Send + Sync>> {
        Ok(mia_io::read_image(p)?)
    };
    let mut groups =
        vec![("basic", "DICE,HDRFDST95=HDRFDST(percentile=95),VOLSMTY", if o.quick { 1 } else { 5 })];
    if !o.quick {
        groups.push(("full", PYMIA_FULL, 1));
        groups.push(("full20", PYMIA_FULL, 5));
    }
    for (group, list, copies) in groups {
        let ev = evaluator(list, LABELS)?;
        let pairs = pairs_of(copies);
        let repeats = if o.quick { 1 } else { 3 };
        for threads in thread_settings() {
            let t = time_runs(0, repeats, || {
                let results = evaluate_cohort(
                    &ev,
                    &pairs,
                    &read,
                    CohortOptions { threads: Some(threads) },
                    &|_, _, _, _| (),
                )?;
                if !results.failures().is_empty() {
                    anyhow::bail!("cohort evaluation failed: {:?}", results.failures());
                }
                CsvWriter::new().write_file(&results, &scratch.path().join("results.csv"))?;
                CsvStatisticsWriter::default()
                    .write_file(&results, &scratch.path().join("results_summary.csv"))?;
                Ok(())
            })?;
            rows.push(row(
                &format!(
                    "cohort {} pairs {group} ({} metrics): read + evaluate + CSV",
                    pairs.len(),
                    ev.metrics().len()
                ),
                "pymia",
                threads,
                &t,
                FILE,
                &["groups", group, "wall", "median_s"],
            ));
        }
    }
    Ok(())
}
