"""Operator-importance evaluations per second: one batched surrogate query against one query per architecture.

Run: ``.venv/bin/python benchmarks/bench_oi.py [--predictor gates] [--archs 20] [--threads 1]``.

Fits the surrogate (default GATES, hinge loss) on 200 random NB201 cells of the real benchmark table and
on 200 random DARTS cells with synthetic targets, then computes the OI of ``--archs`` architectures
(every edge, over every neighbour: 25 NB201 / 121 DARTS surrogate queries per architecture) twice:
with :func:`cellprobe.importance.operator_importance` (one batched call for the whole set) and with a
loop that asks the surrogate about one architecture at a time. Prints queries/s and the speed-up, and
checks that both give the same OI.
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
    parser.add_argument("--archs", type=int, default=20, help="architectures whose OI is computed")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))

    import numpy as np
    import torch

    from cellprobe.benchmarks import nb201_table, read_nb201_csv
    from cellprobe.importance import operator_importance, predictor_oracle
    from cellprobe.predictors import make_predictor
    from cellprobe.sampling import sample_architectures
    from cellprobe.spaces import NB201Genotype

    torch.set_num_threads(args.threads)
    print(f"device: cpu ({platform.processor() or platform.machine()}); torch {torch.__version__}; "
          f"threads {torch.get_num_threads()}; predictor {args.predictor}")
    bench = nb201_table(read_nb201_csv(ROOT / "data/benchmarks/nb201_test_accuracy.csv"))
    rng = np.random.default_rng(0)
    rows = rng.choice(len(bench), 200, replace=False)
    nb201 = [NB201Genotype.parse(s) for s in bench["arch_str"].iloc[rows]]
    darts = sample_architectures("uniform", 200, seed=0)
    synthetic = [sum(op.startswith("sep") for c in (g.normal, g.reduce) for op, _ in c.edges) + rng.normal()
                 for g in darts]
    cases = {"nb201": (nb201, bench["cifar10_test_acc"].to_numpy()[rows]), "darts": (darts, synthetic)}

    print(f"\n{'space':<8}{'queries':>9}{'batched q/s':>14}{'one-by-one q/s':>17}{'speed-up':>11}{'max |ΔOI|':>12}")
    for space, (genotypes, y) in cases.items():
        predictor = make_predictor(args.predictor, space, loss="hinge", seed=0).fit(genotypes, y)
        chosen = [("top", g, 0.0) for g in genotypes[: args.archs]]
        oracle = predictor_oracle(predictor)
        queries = sum(1 + len(g.edits()) for _, g, _ in chosen)

        start = time.perf_counter()
        batched = operator_importance(chosen, oracle)
        t_batched = time.perf_counter() - start

        def one_at_a_time(gs):
            return np.concatenate([oracle([g]) for g in gs])

        start = time.perf_counter()
        looped = operator_importance(chosen, one_at_a_time)
        t_loop = time.perf_counter() - start
        diff = float(np.nanmax(np.abs(batched["oi"].to_numpy() - looped["oi"].to_numpy())))
        print(f"{space:<8}{queries:>9}{queries / t_batched:>14,.0f}{queries / t_loop:>17,.0f}"
              f"{t_loop / t_batched:>10.0f}×{diff:>12.1e}")


if __name__ == "__main__":
    main()
