"""``cellprobe benchmarks nb201|nb301|zero-cost``: a shipped benchmark file as a typed table."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import add_space, say

__all__ = ["register"]


def _nb201(args) -> None:
    from cellprobe.benchmarks import nb201_table, read_nb201_csv
    from cellprobe.tables import NB201_BENCHMARK, write_table

    table = nb201_table(read_nb201_csv(args.source), name=str(args.source))
    write_table(table, args.out, NB201_BENCHMARK, metadata={"source": Path(args.source).name, "rows": len(table)})
    say(f"wrote {args.out}: {len(table):,} cells")


#: Where NAS-Bench-Suite-Zero's file comes from (recorded in the table's metadata; data/benchmarks/README.md).
NB301_PROVENANCE = ("NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022) as committed to automl/NASLib, commit "
                    "6639fd1579010457885c641553c55b0c153045aa, naslib/data/zc_nasbench301.json, copied unchanged: "
                    "NAS-Bench-301's CIFAR-10 validation accuracy of uniformly sampled DARTS-space architectures")


def _nb301(args) -> None:
    from cellprobe.benchmarks import read_nb301_json
    from cellprobe.tables import NB301_BENCHMARK, write_table

    table = read_nb301_json(args.source)
    write_table(table, args.out, NB301_BENCHMARK, metadata={"source": Path(args.source).name, "rows": len(table),
                                                            "dataset": "cifar10", "provenance": NB301_PROVENANCE})
    say(f"wrote {args.out}: {len(table):,} architectures")


#: Where NAS-Bench-Suite-Zero's files come from (data/benchmarks/README.md).
ZERO_COST_PROVENANCE = ("NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022) as committed to automl/NASLib, "
                        "commit 6639fd1579010457885c641553c55b0c153045aa, naslib/data/, copied unchanged: NASLib's "
                        "zero-cost proxy scores (its networks, one CPU batch of 64 images) and the benchmark's "
                        "validation accuracy")


def _zero_cost(args) -> None:
    from cellprobe.benchmarks import read_zero_cost_json
    from cellprobe.tables import ZERO_COST_BENCHMARK, write_table

    table = read_zero_cost_json(args.source, args.space, args.dataset)
    write_table(table, args.out, ZERO_COST_BENCHMARK,
                metadata={"source": Path(args.source).name, "rows": len(table), "dataset": args.dataset,
                          "provenance": ZERO_COST_PROVENANCE})
    say(f"wrote {args.out}: {len(table):,} {args.space} architectures with NAS-Bench-Suite-Zero's proxy scores")


def register(commands) -> None:
    bench = commands.add_parser("benchmarks", help="turn shipped benchmark files into typed tables")
    sub = bench.add_subparsers(dest="benchmark", required=True, metavar="<benchmark>")
    p = sub.add_parser("nb201", help="NAS-Bench-201 accuracies CSV -> nb201_benchmark Parquet table")
    p.add_argument("--source", required=True, type=Path, help="CSV with index, arch_str and accuracy columns")
    p.add_argument("--out", required=True, type=Path, help="output Parquet file")
    p.set_defaults(func=_nb201)
    p = sub.add_parser("nb301", help="NAS-Bench-Suite-Zero's NB301 JSON -> nb301_benchmark Parquet table")
    p.add_argument("--source", required=True, type=Path, help="zc_nasbench301.json (NASLib's layout)")
    p.add_argument("--out", required=True, type=Path, help="output Parquet file")
    p.set_defaults(func=_nb301)
    p = sub.add_parser("zero-cost", help="NAS-Bench-Suite-Zero's proxy scores JSON -> zero_cost_benchmark table")
    add_space(p)
    p.add_argument("--source", required=True, type=Path, help="zc_nasbench201.json or zc_nasbench301.json")
    p.add_argument("--dataset", default="cifar10", help="the file's dataset key (default cifar10)")
    p.add_argument("--out", required=True, type=Path, help="output Parquet file")
    p.set_defaults(func=_zero_cost)
