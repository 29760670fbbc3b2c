"""Kendall τ of every performance predictor over all 15,625 NAS-Bench-201 cells.

For each predictor, loss and training-set size N, predictors are trained on N uniformly drawn cells
(CIFAR-10 test accuracy of ``data/benchmarks/nb201_test_accuracy.csv``) and rank every cell; the table
gives τ as mean ± std over training sets × seeds, and the mean fit and predict (all 15,625 cells) time
of one model. The random forest always regresses, so it has one row per N.

Run: ``.venv/bin/python benchmarks/bench_predictors.py`` (3 sets × 3 seeds, N = 39, 78, 390, 781),
``--quick`` (1 set × 1 seed, N = 39, 78), ``--threads 2`` for two torch threads.
The same table comes from :func:`cellprobe.predictors.evaluate.kendall_table`.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch

from cellprobe.benchmarks import nb201_table, read_nb201_csv
from cellprobe.ground_truth import GroundTruth
from cellprobe.predictors import PREDICTORS
from cellprobe.predictors.evaluate import SIZES, kendall_runs, summarize

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "benchmarks" / "nb201_test_accuracy.csv"


def format_table(runs) -> str:
    """The τ summary of the runs with their mean fit and predict seconds (timings stay out of result tables)."""
    summary = summarize(runs)
    times = runs.groupby(["predictor", "loss", "n_train"], sort=False)[["fit_s", "predict_s"]].mean().reset_index()
    summary = summary.merge(times, on=["predictor", "loss", "n_train"], how="left")
    lines = [
        f"{'predictor':<9} {'loss':<6} {'N':>5}  {'Kendall τ':>15}  {'fit s':>7}  {'predict s':>9}  {'runs':>4}",
    ]
    for row in summary.itertuples(index=False):
        std = "   —  " if row.tau_std != row.tau_std else f"{row.tau_std:.3f}"  # NaN for one run
        lines.append(
            f"{row.predictor:<9} {row.loss:<6} {row.n_train:>5}  {row.tau_mean:>7.3f} ± {std:>5}  "
            f"{row.fit_s:>7.2f}  {row.predict_s:>9.2f}  {row.runs:>4}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 training set x 1 seed, N = 39 and 78")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--predictors", nargs="+", default=list(PREDICTORS), choices=list(PREDICTORS))
    parser.add_argument("--csv", type=Path, default=CSV, help="NAS-Bench-201 accuracy CSV")
    args = parser.parse_args()

    sizes = SIZES[:2] if args.quick else SIZES
    n_sets = n_seeds = 1 if args.quick else 3
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}, "
          f"torch {torch.__version__}, {args.threads} thread(s)")
    table = nb201_table(read_nb201_csv(args.csv))
    truth = GroundTruth.from_benchmark(table)
    print(f"{len(table):,} cells; N = {', '.join(map(str, sizes))}; {n_sets} training set(s) x {n_seeds} seed(s)")
    start = time.perf_counter()
    runs = kendall_runs(
        truth, args.predictors, sizes, n_sets=n_sets, n_seeds=n_seeds, threads=args.threads,
        progress=lambda r: print(
            f"  {r['predictor']:<6} {r['loss']:<6} N={r['n_train']:<4} set {r['set']} seed {r['seed']}: "
            f"τ = {r['tau']:.3f} ({r['fit_s']:.1f} s + {r['predict_s']:.1f} s)", flush=True),
    )
    print()
    print(format_table(runs))
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
