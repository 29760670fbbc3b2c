"""The predictor study over all 15,625 NAS-Bench-201 cells: Kendall τ, P@5 % and BR@1 % of every predictor.

For each predictor, loss and training-set size N, predictors are trained on N uniformly drawn cells
(CIFAR-10 test accuracy of ``data/benchmarks/nb201_test_accuracy.csv``) and rank every cell; the table
gives τ as mean ± std over training sets × seeds (the evaluator surgery's seeds 20, 2020, 202020), the
mean P@5 % and BR@1 %, and the mean fit and predict (all 15,625 cells) time of one model. The random
forest always regresses, so it has one row per N.

Run: ``.venv/bin/python benchmarks/bench_predictors.py`` (3 sets × 3 seeds, N = 39, 78, 390, 781),
``--quick`` (1 set × 1 seed, N = 39, 78), ``--threads 2`` for two torch threads.
The same table comes from :func:`cellprobe.predictors.evaluate.study_table`.
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
from cellprobe.predictors.evaluate import SEEDS, SIZES, study_runs, summarize

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "benchmarks" / "nb201_test_accuracy.csv"


def format_table(runs) -> str:
    """The τ, P@5 % and BR@1 % of the runs with their mean fit and predict seconds (timings stay out of result
    tables)."""
    keys = ["predictor", "loss", "n_train"]
    summary = summarize(runs)
    tau = summary[summary["criterion"] == "kendall"][[*keys, "mean", "std", "runs"]]
    p5 = summary[(summary["criterion"] == "precision") & (summary["k"] == 0.05)][[*keys, "mean"]]
    br1 = summary[(summary["criterion"] == "best_ranking") & (summary["k"] == 0.01)][[*keys, "mean"]]
    times = runs.groupby(keys, sort=False)[["fit_s", "predict_s"]].mean().reset_index()
    table = (tau.merge(p5.rename(columns={"mean": "p5"}), on=keys, how="left")
             .merge(br1.rename(columns={"mean": "br1"}), on=keys, how="left").merge(times, on=keys, how="left"))
    lines = [
        f"{'predictor':<9} {'loss':<6} {'N':>5}  {'Kendall τ':>15}  {'P@5%':>6}  {'BR@1%':>7}  {'fit s':>7}  "
        f"{'predict s':>9}  {'runs':>4}",
    ]
    for row in table.itertuples(index=False):
        std = "   —  " if row.std != row.std else f"{row.std:.3f}"  # NaN for one run
        lines.append(
            f"{row.predictor:<9} {row.loss:<6} {row.n_train:>5}  {row.mean:>7.3f} ± {std:>5}  {row.p5:>6.3f}  "
            f"{row.br1:>7.4f}  {row.fit_s:>7.2f}  {row.predict_s:>9.2f}  {row.runs:>4}"
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
    runs = study_runs(
        truth, args.predictors, sizes, n_sets=n_sets, seeds=SEEDS[:n_seeds], ks=(0.01, 0.05), threads=args.threads,
        progress=lambda r: print(
            f"  {r['predictor']:<6} {r['loss']:<6} N={r['n_train']:<4} set {r['set']} seed {r['seed']}: "
            f"τ = {r['tau']:.3f} ({r['fit_s']:.1f} s + {r['predict_s']:.1f} s)", flush=True),
    )
    print()
    print(format_table(runs))
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
