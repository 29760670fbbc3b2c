"""Operator-importance evaluations per second: one batched surrogate query against one query per architecture.

Run: ``.venv/bin/python benchmarks/bench_oi.py [--predictor gates] [--loop-archs 40] [--threads 1]``
(``--fit-archs`` and ``--pool`` shrink the setup for a smoke run).

Fits the surrogate (default GATES, hinge loss) on 200 random NB201 cells of the real benchmark table and
on 200 random DARTS cells with synthetic targets, calibrated on them as the OI stage does. It then
picks the architectures the OI stage would (the top, bottom and a random middle 5% of a population
ranked by the surrogate: all 15,625 NB201 cells; the default 2,000-cell DARTS pool) and computes their
OI — every edge, over every neighbour: 25 surrogate queries per NB201 cell, 121 per DARTS genotype:

* **batched**: :func:`cellprobe.importance.operator_importance` with the surrogate oracle, as the stage
  runs it: the neighbours of the whole set built as array edits and scored in one call (each distinct
  architecture once, each distinct cell encoded once);
* **one by one**: the same function with a plain callable that asks the surrogate about one
  architecture at a time (neighbours built as genotypes), timed on the first ``--loop-archs``
  architectures (queries/s does not depend on how many);
* **batched, same archs**: the batched path on those same few architectures.

Prints queries/s, the speed-ups, and the largest OI difference between the two paths.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--predictor", default="gates")
    parser.add_argument("--fraction", type=float, default=0.05, help="size of each of the top/bottom/middle groups")
    parser.add_argument("--loop-archs", type=int, default=40, help="architectures the one-by-one loop is timed on")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--fit-archs", type=int, default=200, help="architectures the surrogate is fitted on")
    parser.add_argument("--pool", type=int, default=2000, help="size of the DARTS population (the stage's default)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))

    import numpy as np
    import torch

    from cellprobe.benchmarks import nb201_table, read_nb201_csv
    from cellprobe.importance import operator_importance, predictor_oracle, select_groups
    from cellprobe.predictors import make_predictor
    from cellprobe.sampling import sample_architectures
    from cellprobe.spaces import NB201Genotype
    from cellprobe.spaces.nb201 import benchmark_order

    torch.set_num_threads(args.threads)
    print(f"device: cpu ({platform.processor() or platform.machine()}); torch {torch.__version__}; "
          f"threads {torch.get_num_threads()}; predictor {args.predictor}")
    bench = nb201_table(read_nb201_csv(ROOT / "data/benchmarks/nb201_test_accuracy.csv"))
    rng = np.random.default_rng(0)
    rows = rng.choice(len(bench), args.fit_archs, replace=False)
    nb201 = [NB201Genotype.parse(s) for s in bench["arch_str"].iloc[rows]]
    pool = sample_architectures("uniform", args.pool, seed=0)
    darts = pool[: args.fit_archs]
    synthetic = np.array([sum(op.startswith("sep") for c in (g.normal, g.reduce) for op, _ in c.edges)
                          for g in darts]) + rng.normal(size=len(darts))
    cases = {"nb201": (nb201, bench["cifar10_test_acc"].to_numpy()[rows], benchmark_order()),
             "darts": (darts, synthetic, pool)}
    groups = {"top": args.fraction, "bottom": args.fraction, "middle": args.fraction}

    print(f"\n{'space':<7}{'archs':>7}{'queries':>9}{'batched q/s':>13}{'one-by-one q/s':>16}{'speed-up':>10}"
          f"{'same archs q/s':>16}{'speed-up':>10}{'max |ΔOI|':>11}")
    for space, (genotypes, y, population) in cases.items():
        predictor = make_predictor(args.predictor, space, loss="hinge", seed=0).fit(genotypes, y)
        oracle = predictor_oracle(predictor, (genotypes, y))
        chosen = select_groups(population, oracle(population), groups, seed=0)
        few = chosen[: args.loop_archs]
        queries = sum(1 + len(g.edits()) for _, g, _ in chosen)
        few_queries = sum(1 + len(g.edits()) for _, g, _ in few)

        def timed(fn, *a):
            start = time.perf_counter()
            out = fn(*a)
            return out, time.perf_counter() - start

        operator_importance(few, oracle)  # warm-up (torch, lookup tables)
        batched, t_batched = timed(operator_importance, chosen, oracle)
        batched_few, t_few = timed(operator_importance, few, oracle)

        def one_at_a_time(gs):
            return np.concatenate([oracle([g]) for g in gs])

        looped, t_loop = timed(operator_importance, few, one_at_a_time)
        diff = float(np.nanmax(np.abs(batched_few["oi"].to_numpy() - looped["oi"].to_numpy())))
        loop_rate = few_queries / t_loop
        print(f"{space:<7}{len(chosen):>7,}{queries:>9,}{queries / t_batched:>13,.0f}{loop_rate:>16,.0f}"
              f"{queries / t_batched / loop_rate:>9.0f}×{few_queries / t_few:>16,.0f}"
              f"{few_queries / t_few / loop_rate:>9.0f}×{diff:>11.1e}")


if __name__ == "__main__":
    main()
