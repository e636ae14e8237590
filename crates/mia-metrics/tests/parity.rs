//! Every value of `shared/parity/pymia_values.json` (pymia 0.3.4) reproduced, plus the 2-D distance
//! metrics against DeepMind's surface-distance (`deepmind_values.json`, mia's default true 2-D contours)
//! and against pymia with the pymia-slab compatibility option.

mod common;

use std::collections::BTreeMap;

use common::{json_number, mismatch, parity_dir, read_json, read_nifti};
use mia_metrics::surface::{SurfaceConfig, TwoDMode};
use mia_metrics::{evaluate, metric_from_spec, EvaluationContext, Metric};
use ndarray::ArrayD;
use serde_json::Value;

/// pymia class → mia abbreviation.
fn abbreviation(class: &str) -> &'static str {
    match class {
        "DiceCoefficient" => "DICE",
        "JaccardCoefficient" => "JACRD",
        "Sensitivity" => "SNSVTY",
        "Specificity" => "SPCFTY",
        "Fallout" => "FALLOUT",
        "FalseNegativeRate" => "FNR",
        "Accuracy" => "ACURCY",
        "Precision" => "PRCISON",
        "TruePositive" => "TP",
        "FalsePositive" => "FP",
        "TrueNegative" => "TN",
        "FalseNegative" => "FN",
        "FMeasure" => "FMEASR",
        "GlobalConsistencyError" => "GCOERR",
        "VolumeSimilarity" => "VOLSMTY",
        "RandIndex" => "RNDIND",
        "AdjustedRandIndex" => "ADJRIND",
        "MutualInformation" => "MUTINF",
        "VariationOfInformation" => "VARINFO",
        "CohenKappaCoefficient" => "KAPPA",
        "AreaUnderCurve" => "AUC",
        "InterclassCorrelation" => "ICCORR",
        "ProbabilisticDistance" => "PROBDST",
        "MahalanobisDistance" => "MAHLNBS",
        "AverageDistance" => "AVGDIST",
        "ReferenceArea" => "REFAREA",
        "PredictionArea" => "PREDAREA",
        "ReferenceVolume" => "REFVOL",
        "PredictionVolume" => "PREDVOL",
        "HausdorffDistance" => "HDRFDST",
        "SurfaceDiceOverlap" => "SURFDICE",
        "SurfaceOverlap" => "SURFOVLP",
        "CoefficientOfDetermination" => "R2",
        "MeanAbsoluteError" => "MAE",
        "MeanSquaredError" => "MSE",
        "RootMeanSquaredError" => "RMSE",
        "NormalizedRootMeanSquaredError" => "NRMSE",
        "PeakSignalToNoiseRatio" => "PSNR",
        "StructuralSimilarityIndexMeasure" => "SSIM",
        other => panic!("unknown pymia class {other}"),
    }
}

/// The metrics of `_meta.metric_params`, built through the specification parser.
fn metrics(meta: &Value) -> BTreeMap<String, Box<dyn Metric>> {
    let params = meta["metric_params"].as_object().expect("metric_params");
    params
        .iter()
        .map(|(column, p)| {
            let p = p.as_object().expect("params");
            let args: Vec<String> = p
                .iter()
                .filter(|(k, _)| *k != "class")
                .map(|(k, v)| format!("{k}={}", v.to_string().to_lowercase()))
                .collect();
            let spec =
                format!("{column}={}({})", abbreviation(p["class"].as_str().expect("class")), args.join(","));
            let m = metric_from_spec(&spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(m.column(), column);
            (column.clone(), m)
        })
        .collect()
}

fn is_surface_metric(column: &str) -> bool {
    column.starts_with("HDRFDST") || column.starts_with("SURFDICE") || column.starts_with("SURFOVLP")
}

fn label_values(key: &str) -> Vec<f64> {
    key.split('+').map(|v| v.parse::<f64>().expect("label")).collect()
}

fn tolerance(column: &str, float32: bool) -> f64 {
    if column == "SSIM" || float32 {
        1e-6
    } else {
        1e-9
    }
}

struct Checker {
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    fn check(
        &mut self,
        at: &str,
        got: &mia_metrics::MetricValue,
        expected: f64,
        integer: Option<bool>,
        rtol: f64,
    ) {
        self.checked += 1;
        if let Some(m) = mismatch(got, expected, integer, rtol) {
            self.failures.push(format!("{at}: {m}"));
        }
    }

    fn finish(self, what: &str) {
        assert!(
            self.failures.is_empty(),
            "{what}: {} of {} values differ:\n{}",
            self.failures.len(),
            self.checked,
            self.failures.join("\n")
        );
        assert!(self.checked > 0, "{what}: nothing checked");
        eprintln!("{what}: {} values match", self.checked);
    }
}

fn run_cases(filter: impl Fn(&str) -> bool) -> Checker {
    let dir = parity_dir();
    let values = read_json(&dir.join("pymia_values.json"));
    let detail = read_json(&dir.join("pymia_values_detail.json"));
    let deepmind = read_json(&dir.join("deepmind_values.json"));
    let metrics = metrics(&values["_meta"]);
    let mut checker = Checker { failures: Vec::new(), checked: 0 };
    for (case, labels) in values.as_object().expect("cases") {
        if case.starts_with('_') || !filter(case) {
            continue;
        }
        let reference = read_nifti(&dir.join("cases").join(case).join("ref.nii.gz"));
        let prediction = read_nifti(&dir.join("cases").join(case).join("pred.nii.gz"));
        for (label, expected) in labels.as_object().expect("labels") {
            let expected = expected.as_object().expect("values");
            let ctx_holder;
            let float32 = label == "image";
            let (p_bool, r_bool): (ArrayD<bool>, ArrayD<bool>);
            let ctx = if label == "image" {
                ctx_holder =
                    EvaluationContext::from_images_f32(prediction.data_f32.view(), reference.data_f32.view());
                ctx_holder.expect("context")
            } else if label == "image_as_float64" {
                EvaluationContext::from_images(prediction.data.view(), reference.data.view())
                    .expect("context")
            } else {
                let values = label_values(label);
                p_bool = prediction.data.map(|v| values.contains(v));
                r_bool = reference.data.map(|v| values.contains(v));
                // pymia takes the spacing from the prediction image.
                EvaluationContext::from_masks(p_bool.view(), r_bool.view(), &prediction.spacing_zyx)
                    .expect("context")
            };
            let two_d = case == "two_d";
            let slab_ctx;
            let slab = if two_d {
                slab_ctx = EvaluationContext::from_masks(
                    ctx.masks("").expect("masks").0,
                    ctx.masks("").expect("masks").1,
                    &prediction.spacing_zyx,
                )
                .expect("context")
                .with_surface_config(SurfaceConfig::default().with_two_d(TwoDMode::PymiaSlab));
                Some(&slab_ctx)
            } else {
                None
            };
            for (column, value) in expected {
                let metric = &metrics[column];
                let at = format!("{case}/{label}/{column}");
                let kind =
                    detail[case.as_str()][label.as_str()][column.as_str()]["type"].as_str().unwrap_or("");
                let integer = Some(matches!(kind, "int" | "numpy.int64"));
                let rtol = tolerance(column, float32);
                let on = match slab {
                    Some(s) if is_surface_metric(column) => s,
                    _ => &ctx,
                };
                match metric.compute(on) {
                    Ok(got) => checker.check(&at, &got, json_number(value), integer, rtol),
                    Err(e) => checker.failures.push(format!("{at}: error {e}")),
                }
            }
            // Default 2-D (true contours) and 3-D surfaces against DeepMind's surface-distance.
            if let Some(dm) = deepmind[case.as_str()][label.as_str()].as_object() {
                for (column, value) in dm {
                    let at = format!("{case}/{label}/{column} (deepmind)");
                    let got = match column.as_str() {
                        "ASD_REF_TO_PRED" | "ASD_PRED_TO_REF" => {
                            // Directed average surface distances through the engine itself.
                            let (p, r) = ctx.masks("").expect("masks");
                            let d = mia_metrics::surface::SurfaceDistances::compute(
                                p,
                                r,
                                ctx.spacing(),
                                &SurfaceConfig::default(),
                            )
                            .expect("surface");
                            mia_metrics::MetricValue::float(
                                d.average_surface_distance(column == "ASD_PRED_TO_REF"),
                            )
                        }
                        _ => metrics[column].compute(&ctx).expect("compute"),
                    };
                    checker.check(&at, &got, json_number(value), None, 1e-6);
                }
            }
            // The report helpers rely on evaluate() keeping the order.
            let all: Vec<Box<dyn Metric>> =
                ["DICE", "TP"].iter().map(|s| metric_from_spec(s).expect("spec")).collect();
            if !label.starts_with("image") {
                let out = evaluate(&ctx, &all).expect("evaluate");
                assert_eq!(out[0].0, "DICE");
            }
        }
    }
    checker
}

#[test]
fn small_cases_match_pymia() {
    run_cases(|c| !matches!(c, "brain_multilabel" | "large_256") && !c.starts_with("recon_"))
        .finish("small cases");
}

#[test]
fn reconstruction_cases_match_pymia() {
    run_cases(|c| c.starts_with("recon_")).finish("reconstruction cases");
}

#[test]
fn brain_multilabel_matches_pymia() {
    run_cases(|c| c == "brain_multilabel").finish("brain_multilabel");
}

#[test]
fn large_256_matches_pymia() {
    run_cases(|c| c == "large_256").finish("large_256");
}
