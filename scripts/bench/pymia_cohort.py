#!/usr/bin/env python
"""Times pymia 0.3.4 evaluating a cohort from files, as pymia's `examples/evaluation/basic.py` does it.

Cohort: the 4 subjects of ../shared/data/pymia-example (181x217x181 labels, compressed .mha). One timed run = for every pair sitk.ReadImage(GT) + sitk.ReadImage(PRED_eroded) +
SegmentationEvaluator.evaluate, then CSVWriter and CSVStatisticsWriter (MEAN, STD) into a temporary folder.
Labels: 1 WHITEMATTER, 2 GREYMATTER, 3 HIPPOCAMPUS, 4 AMYGDALA, 5 THALAMUS.
Groups: basic = DICE + HDRFDST95 + VOLSMTY (basic.py's metrics) on 20 pairs (each subject listed 5 times);
full = the 39 metrics of ../shared/bench/pymia_metrics.categorical_metrics() on the 4 subjects; full20 = the same 39
metrics on the 20 pairs (the cohort of mia's issue 6). One timed run each (pymia needs minutes for them).
--quick: basic on the 4 subjects only.

Runs in the virtualenv of ../shared/bench (pymia 0.3.4 with its pins). `cargo xtask bench --vs-pymia` runs it as
the step `cohort`; mia-bench times `mia_report::evaluate_cohort` + the same writers on the same pairs.
Output: $BENCH_OUT/pymia_cohort_speed.json ($BENCH_OUT/quick/... with --quick).
"""
import argparse
import gc
import os
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get('MIA_SHARED') or os.path.normpath(os.path.join(HERE, '..', '..', '..', 'shared'))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(SHARED, 'bench'))

import numpy as np  # noqa: E402
import SimpleITK as sitk  # noqa: E402

import pymia.evaluation.evaluator as eval_  # noqa: E402
import pymia.evaluation.metric as metric  # noqa: E402
import pymia.evaluation.writer as writer  # noqa: E402

import pymia_metrics  # noqa: E402
from bench_common import default_out, loadavg, machine_info, stats, versions, write_json  # noqa: E402

LABELS = {1: 'WHITEMATTER', 2: 'GREYMATTER', 3: 'HIPPOCAMPUS', 4: 'AMYGDALA', 5: 'THALAMUS'}


def pairs(data_dir, copies):
    out = []
    for rep in range(copies):
        for k in range(1, 5):
            d = os.path.join(data_dir, f'Subject_{k}')
            out.append((f'Subject_{k}_{rep + 1}', os.path.join(d, f'Subject_{k}_GT.mha'),
                        os.path.join(d, f'Subject_{k}_PRED_eroded.mha')))
    return out


def one_run(metrics, cohort, out_dir):
    evaluator = eval_.SegmentationEvaluator(metrics, dict(LABELS))
    for subject, gt, pred in cohort:
        evaluator.evaluate(sitk.ReadImage(pred), sitk.ReadImage(gt), subject)
    writer.CSVWriter(os.path.join(out_dir, 'results.csv')).write(evaluator.results)
    functions = {'MEAN': np.mean, 'STD': np.std}
    writer.CSVStatisticsWriter(os.path.join(out_dir, 'results_summary.csv'), functions=functions).write(
        evaluator.results)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default=os.path.join(SHARED, 'data', 'pymia-example'))
    p.add_argument('--repeats', type=int, default=1, help='timed runs of each group (default 1)')
    p.add_argument('--out', default=None)
    p.add_argument('--quick', action='store_true')
    args = p.parse_args()
    out = args.out or default_out('pymia_cohort_speed.json', args.quick)
    warnings.simplefilter('ignore')
    res = {'_about': __doc__, 'bench': 'pymia_cohort', 'mode': 'quick' if args.quick else 'full',
           'machine': machine_info(), 'versions': versions(), 'labels': {str(k): v for k, v in LABELS.items()}, 'groups': {}}
    t_start = time.time()
    groups = {'basic': ([metric.DiceCoefficient(), metric.HausdorffDistance(percentile=95, metric='HDRFDST95'),
                         metric.VolumeSimilarity()], 1 if args.quick else 5),
              'full': (pymia_metrics.categorical_metrics(), 1),
              'full20': (pymia_metrics.categorical_metrics(), 5)}
    if args.quick:
        del groups['full']
        del groups['full20']
    with tempfile.TemporaryDirectory() as tmp:
        for name, (metrics, copies) in groups.items():
            cohort = pairs(args.data, copies)
            wall, cpu = [], []
            for _ in range(args.repeats):
                gc.collect()
                t0, c0 = time.perf_counter(), time.process_time()
                one_run(metrics, cohort, tmp)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            res['groups'][name] = {'n_pairs': len(cohort), 'metrics': [m.metric for m in metrics], 'wall': stats(wall), 'cpu': stats(cpu)}
            print(f'{name:6s} {len(cohort)} pairs: {stats(wall)["median_s"]:.2f} s', flush=True)
    res['machine']['loadavg_at_end'] = loadavg()
    res['total_bench_seconds'] = time.time() - t_start
    write_json(out, res)
    print('wrote', out)


if __name__ == '__main__':
    main()
