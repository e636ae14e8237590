//! pymia's "logging the training progress" example (`evaluation/logging_torch.py`) in Rust: after each epoch,
//! evaluate the assembled predictions of the validation subjects, aggregate statistics and write them as
//! TensorBoard scalars `<split>/<label>/<metric>-<statistic>` (labels no longer collide as in pymia's example).
//!
//! The "network" is a stand-in that improves over the epochs (a noisy copy of the reference whose noise shrinks).
//!
//! Run with `cargo run --example logging_training [-- LOG_DIR]`, then `tensorboard --logdir LOG_DIR`.

use mia::metrics::metric_from_spec;
use mia::report::{Evaluator, LabelSpec, Results, StatisticsConfig, TensorBoardWriter};
use rand::{Rng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let log_dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("mia-logging-example"));
    let subjects: Vec<_> = (1..=3).map(|k| mia_testkit::BrainPhantom::small().generate(k)).collect();
    let evaluator = Evaluator::segmentation(
        vec![metric_from_spec("DICE")?, metric_from_spec("HDRFDST95=HDRFDST(percentile=95)")?],
        LabelSpec::parse_list("1=WHITEMATTER,2=GREYMATTER,5=THALAMUS")?,
    )?;
    let statistics = StatisticsConfig::default(); // MEAN and STD, as pymia's StatisticsAggregator
    let mut writer = TensorBoardWriter::create(&log_dir)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for epoch in 0..10 {
        // ... train one epoch, then predict and assemble the validation subjects ...
        let error_rate = 0.3 / (1.0 + epoch as f64);
        let mut results = Results::new();
        for s in &subjects {
            let predicted = s.labels.mapv(|l| if rng.gen_bool(error_rate) { rng.gen_range(0..6) } else { l });
            let spacing: Vec<f64> = s.spacing.iter().rev().copied().collect();
            let (pred, reference) = (predicted.into(), s.labels.clone().into());
            for r in evaluator.evaluate_data(&pred, &reference, &spacing, &s.id)? {
                results.push(r);
            }
        }
        let stats = statistics.aggregate(&results)?;
        writer.add_statistics("valid", &stats, epoch)?;
        let dice: Vec<String> = stats
            .iter()
            .filter(|s| s.metric == "DICE" && s.statistic == "MEAN")
            .map(|s| format!("{} {:.3}", s.label, s.value))
            .collect();
        println!("epoch {epoch}: DICE-MEAN {}", dice.join(", "));
    }
    writer.flush()?;
    println!("TensorBoard events in {}", writer.path().display());
    Ok(())
}
