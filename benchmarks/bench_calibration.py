"""How well does a training budget rank NB201 cells? Kendall τ of this code's own training against the benchmark.

Run: ``.venv/bin/python benchmarks/bench_calibration.py [--cells 40] [--train-size 5000] [--valid-size 1000]
[--resolution 16] [--epochs 6] [--C 8] [--N 1] [--workers 2]``.

Prepares the ``cifar10-jpeg`` dataset from the repository's subset (data/images/) at the given size and
resolution, draws ``--cells`` uniform NB201 cells with a reachable output (seed 0), trains each one from
scratch with cellprobe's training code (one thread per worker process) and prints Kendall τ and Spearman ρ
of the validation accuracy, of the negated validation loss and of the test accuracy against the NB201
benchmark's CIFAR-10 test accuracy, with the CPU seconds per cell. This is the evidence behind the default
budget of ``params.yaml``: the calibration set of the default run measures the same τ inside the pipeline.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--train-size", type=int, default=5000)
    parser.add_argument("--valid-size", type=int, default=1000)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--resolution", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--C", type=int, default=8)
    parser.add_argument("--N", type=int, default=1)
    parser.add_argument("--augment", default="cifar16")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))

    import numpy as np
    import pandas as pd
    from scipy.stats import kendalltau, spearmanr

    from cellprobe.benchmarks import nb201_table, read_nb201_csv
    from cellprobe.data import prepare_dataset
    from cellprobe.train import NetworkSettings, TrainSettings, train_shard

    bench = nb201_table(read_nb201_csv(ROOT / "data/benchmarks/nb201_test_accuracy.csv"))
    reachable = bench[bench["reachable"]]
    rows = reachable.sample(args.cells, random_state=0)
    sample = pd.DataFrame({"arch_id": rows["arch_id"], "space": "nb201", "genotype": rows["arch_str"],
                           "sampler": "uniform", "seed": 0}).reset_index(drop=True)
    truth = dict(zip(rows["arch_id"], rows["cifar10_test_acc"]))
    settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, augment=args.augment,
                             network=NetworkSettings(C=args.C, N=args.N))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cifar10-jpeg"
        prepare_dataset("cifar10-jpeg", data, seed=0, file=str(ROOT / "data/images/cifar10_jpeg_subset.parquet"),
                        train_size=args.train_size, valid_size=args.valid_size, test_size=args.test_size,
                        resolution=args.resolution)
        import torch

        torch.set_num_threads(1)  # one thread per process, as the pool's workers and the pipeline's jobs run
        start = time.perf_counter()
        table = train_shard(sample, sample_name="calibration", data_dir=data, shard=0, shards=1, seeds=[0],
                            settings=settings, device=torch.device("cpu"), checkpoint_dir=Path(tmp) / "ckpt",
                            workers=args.workers, progress=False)
        wall = time.perf_counter() - start
    bench_acc = table["arch_id"].map(truth).to_numpy()
    print(f"machine: {platform.machine()}, {args.workers} worker(s) x 1 thread; torch {torch.__version__}")
    print(f"{args.cells} NB201 cells, cifar10-jpeg {args.resolution}x{args.resolution}: {args.train_size} train / "
          f"{args.valid_size} valid images, {args.epochs} epochs, C={args.C}, N={args.N}, augment {args.augment}")
    print(f"{'ranked by':<16}{'Kendall tau':>12}{'Spearman rho':>14}")
    for name, values in (("valid_acc", table["valid_acc"]), ("-valid_loss", -table["valid_loss"]),
                         ("test_acc", table["test_acc"])):
        tau = kendalltau(values, bench_acc).statistic
        rho = spearmanr(values, bench_acc).statistic
        print(f"{name:<16}{tau:>12.3f}{rho:>14.3f}")
    print(f"wall {wall:.0f} s: {wall * args.workers / args.cells:.1f} CPU-s per cell; "
          f"mean valid_acc {np.mean(table['valid_acc']):.1f} %")


if __name__ == "__main__":
    main()
