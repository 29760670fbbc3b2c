"""Speed of motif mining (gSpan adapter) and of the whole motif analysis.

Run: ``.venv/bin/python benchmarks/bench_motifs.py`` (about a minute on 2 cores). Prints:

1. mining time (:func:`cellprobe.analysis.gspan.mine`, min support 5% and 1%) for 100, 1,000 and 5,000
   cells: NB201 cells (the first cells of the benchmark's own, shuffled, order) and DARTS normal cells
   of the ``uniform`` sampler, in both graph encodings;
2. the NB201 top-5% run of the motifs stage (781 cells by CIFAR-10 test accuracy, 1,000 reference draws):
   mining, counting against both references, tables — as ``cellprobe motifs mine`` does it.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from cellprobe.analysis.motifs import cell_graphs, motif_tables, top_architectures
from cellprobe.benchmarks import nb201_table, read_nb201_csv
from cellprobe.gspan import mine
from cellprobe.sampling import sample_architectures
from cellprobe.spaces import NB201Genotype
from cellprobe.spaces.nb201 import benchmark_order

ROOT = Path(__file__).resolve().parents[1]
SIZES = (100, 1_000, 5_000)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def mining_table(supports: tuple[float, ...]) -> None:
    cells = {"nb201": benchmark_order()[: max(SIZES)], "darts": sample_architectures("uniform", max(SIZES), seed=0)}
    print("| cells | space | encoding | min support | patterns | largest (edges) | seconds |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: |")
    for space, genotypes in cells.items():
        for encoding in ("edge", "node"):
            graphs = [c.graph for c in cell_graphs(genotypes, encoding=encoding)]
            for support in supports:
                for n in SIZES:
                    found, seconds = timed(lambda: mine(graphs[:n], support))
                    largest = max((f.pattern.n_edges for f in found), default=0)
                    print(f"| {n:,} | {space} | {encoding} | {support:g} | {len(found):,} | {largest} "
                          f"| {seconds:.2f} |", flush=True)


def nb201_top5(reference_size: int) -> None:
    table = nb201_table(read_nb201_csv(ROOT / "data/benchmarks/nb201_test_accuracy.csv"))
    genotypes = [NB201Genotype.parse(s) for s in table["arch_str"]]
    top = top_architectures(genotypes, table["cifar10_test_acc"].to_numpy(), 0.05)
    print(f"\nNB201 top 5% by CIFAR-10 test accuracy: {len(top)} cells, reference size {reference_size:,}")
    for encoding in ("edge", "node"):
        graphs = [c.graph for c in cell_graphs(top, encoding=encoding)]
        found, mining = timed(lambda: mine(graphs, 0.05))
        (motifs, _), total = timed(lambda: motif_tables(top, set_name="top5", encoding=encoding,
                                                        reference_size=reference_size, seed=0))
        significant = (motifs[motifs["reference"] == "random"]["q_value"] < 0.05).sum()
        print(f"  {encoding} encoding: {len(found)} motifs; mining {mining:.2f} s, whole analysis {total:.2f} s "
              f"(mining + support counts + both references); {significant} with q < 0.05 against random cells")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supports", type=float, nargs="+", default=[0.05, 0.01])
    parser.add_argument("--reference-size", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}\n")
    mining_table(tuple(args.supports))
    nb201_top5(args.reference_size)


if __name__ == "__main__":
    main()
