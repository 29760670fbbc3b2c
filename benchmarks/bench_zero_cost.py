"""Zero-cost proxies over NAS-Bench-201: time, and Spearman of each proxy against the benchmark's CIFAR-10 accuracy.

Every proxy of :mod:`cellprobe.analysis.zero_cost` is computed for the NB201 cells (all 15,625 by default) on one
minibatch of the offline sklearn digits (8×8, one channel, prepared with ``prepare_dataset("digits", seed=0)``,
train split), with the ``tiny`` preset (C=8, one cell per stage). The proxies therefore see digits, not
CIFAR-10: the rank correlations with the benchmark's CIFAR-10 test accuracy measure how much of the ranking
survives that change of data and network size. ``--sample N`` scores N random cells instead and extrapolates
the time to all cells (labelled as such). ``--dedupe`` scores one network per isomorphism class (6,466).

Also prints where the time of one cell goes (network build, params+FLOPs, SynFlow, l2_norm and each phase of
the shared minibatch pass), measured on 100 cells.

``--costs`` prints instead the cost of each proxy on both spaces, at the default pipeline's setting (``tiny``
preset, one batch of 32 CIFAR-10 images at 16×16 from the repository's JPEG subset) and at NAS-Bench-Suite-Zero's
(NB201 ``standard``: C=16, N=5; DARTS ``nb301``: 32 channels, 8 cells; a batch of 64 at 32×32, the reference
stage's setting): ms per network of the build, params+FLOPs, SynFlow, l2_norm and each phase of the shared
minibatch pass with the proxies it serves (:data:`~cellprobe.analysis.zero_cost.PHASES`), averaged over the
first ``--cost-archs`` architectures of NAS-Bench-Suite-Zero's files.

Run: ``OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/bench_zero_cost.py`` (all cells, 1 thread),
``--sample 500`` for a quick estimate, ``--out zc.parquet`` to keep the ``zero_cost`` table, ``--costs``
for the per-proxy costs (about 3 minutes).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from cellprobe.analysis.evaluators import kendall, spearman
from cellprobe.analysis.zero_cost import (PHASES, PROXIES, batch_proxies, l2_norm, proxy_batch, proxy_network, synflow,
                                          zero_cost_table)
from cellprobe.benchmarks import nb201_table, read_nb201_csv, read_zero_cost_json
from cellprobe.data import load_split, prepare_dataset
from cellprobe.nn import count_flops, count_params
from cellprobe.spaces import get_space
from cellprobe.spaces.nb201 import benchmark_order
from cellprobe.tables import ZERO_COST, write_table

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "benchmarks" / "nb201_test_accuracy.csv"
ZC_NB201 = ROOT / "data" / "benchmarks" / "zc_nasbench201.json"
ZC_NB301 = ROOT / "data" / "benchmarks" / "zc_nasbench301.json"
JPEG = ROOT / "data" / "images" / "cifar10_jpeg_subset.parquet"
N_CELLS = 15_625


def proxy_costs(genotypes, batch, preset: str, seed: int = 0) -> dict[str, float]:
    """Mean seconds per network of each part of the proxies (the module docstring's ``--costs``)."""
    parts: dict[str, float] = {"build": 0.0, "params+flops": 0.0, "synflow": 0.0, "l2_norm": 0.0}
    for g in genotypes:
        t0 = time.perf_counter()
        net = proxy_network(g, batch, preset, seed)
        t1 = time.perf_counter()
        count_params(net), count_flops(net, batch.input_shape)
        t2 = time.perf_counter()
        synflow(net, batch.input_shape)
        t3 = time.perf_counter()
        l2_norm(net)
        t4 = time.perf_counter()
        for key, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            parts[key] += dt
        phases: dict[str, float] = {}
        batch_proxies(net, batch.x, batch.y, timings=phases)
        for phase, dt in phases.items():
            label = f"{phase} ({', '.join(PHASES[phase])})"
            parts[label] = parts.get(label, 0.0) + dt
    return {k: v / len(genotypes) for k, v in parts.items()}


def print_costs(n_archs: int, seed: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cellprobe-cifar-"))
    splits = {}
    for resolution, size in ((16, 32), (32, 64)):
        paths = prepare_dataset("cifar10-jpeg", tmp / str(resolution), seed=seed, file=str(JPEG), train_size=640,
                                valid_size=10, test_size=10, resolution=resolution)
        splits[resolution] = proxy_batch(load_split(paths["train"]), size, seed)
    for space, source, reference_preset in (("nb201", ZC_NB201, "standard"), ("darts", ZC_NB301, "nb301")):
        genotypes = [get_space(space).parse(t) for t in read_zero_cost_json(source, space)["genotype"][:n_archs]]
        for label, preset, resolution in (("default", "tiny", 16), ("reference", reference_preset, 32)):
            batch = splits[resolution]
            proxy_costs(genotypes[:1], batch, preset, seed)  # warm-up
            parts = proxy_costs(genotypes, batch, preset, seed)
            print(f"\n{space}, {label} setting: preset {preset}, {len(batch)} images {batch.input_shape}, "
                  f"mean of {len(genotypes)} architectures")
            for part, seconds in parts.items():
                print(f"  {part:<62} {1e3 * seconds:9.1f} ms")
            print(f"  {'total':<62} {1e3 * sum(parts.values()):9.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, help="score this many random cells and extrapolate the time")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--dedupe", action="store_true", help="one network per isomorphism class")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", type=Path, help="prepared digits folder (default: prepared in a temporary folder)")
    parser.add_argument("--csv", type=Path, default=CSV, help="NAS-Bench-201 accuracy CSV")
    parser.add_argument("--out", type=Path, help="write the zero_cost table here")
    parser.add_argument("--costs", action="store_true", help="per-proxy costs on both spaces (module docstring)")
    parser.add_argument("--cost-archs", type=int, default=5, help="architectures per space for --costs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.costs:
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), torch {torch.__version__}, "
              f"{torch.get_num_threads()} thread(s)")
        print_costs(args.cost_archs, args.seed)
        return

    if args.data is None:
        args.data = Path(tempfile.mkdtemp(prefix="cellprobe-digits-"))
        prepare_dataset("digits", args.data, seed=0)
    batch = proxy_batch(load_split(args.data / "train.parquet"), args.batch_size, args.seed)
    bench = nb201_table(read_nb201_csv(args.csv))
    cells = benchmark_order()
    if args.sample:
        index = np.sort(np.random.default_rng(args.seed).choice(len(cells), args.sample, replace=False))
        cells = [cells[i] for i in index]

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s), OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"data: {batch.dataset} train split, {len(batch)} images {batch.input_shape}, seed {args.seed}; "
          f"preset {args.preset}; dedupe {args.dedupe}")
    parts = proxy_costs(benchmark_order()[:100], batch, args.preset, args.seed)
    print("one cell, mean of 100 (ms): " + ", ".join(f"{k} {1e3 * v:.2f}" for k, v in parts.items())
          + f"; total {1e3 * sum(parts.values()):.2f}")

    start = time.perf_counter()
    table = zero_cost_table(cells, batch, preset=args.preset, seed=args.seed, dedupe=args.dedupe)
    seconds = time.perf_counter() - start
    networks = table["computed_for"].nunique()
    print(f"scored {len(table):,} cells ({networks:,} networks) in {seconds:.1f} s = {1e3 * seconds / networks:.2f} ms "
          "per network")
    if args.sample:
        per_cell = seconds / len(table)
        print(f"EXTRAPOLATED to all {N_CELLS:,} cells: {per_cell * N_CELLS / 60:.1f} min "
              f"(measured on a random sample of {len(table):,})")
    if args.out:
        write_table(table[ZERO_COST.columns], args.out, ZERO_COST, {"indices": list(batch.indices)})

    truth = bench.set_index("arch_id").loc[table["arch_id"]]
    reachable = truth["reachable"].to_numpy()
    acc = truth["cifar10_test_acc"].to_numpy()
    print(f"\nrank correlation with NB201 CIFAR-10 test accuracy, {len(table):,} cells "
          f"({int(reachable.sum()):,} with a reachable output)")
    print(f"{'proxy':<10} {'Spearman':>9} {'Kendall':>8} {'Spearman (reachable)':>21}")
    for proxy in PROXIES:
        s = table[proxy].to_numpy()
        print(f"{proxy:<10} {spearman(acc, s):>9.3f} {kendall(acc, s):>8.3f} "
              f"{spearman(acc[reachable], s[reachable]):>21.3f}")


if __name__ == "__main__":
    main()
