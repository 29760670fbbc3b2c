"""``cellprobe benchmarks nb201``: a shipped benchmark file as a typed table."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import say

__all__ = ["register"]


def _nb201(args) -> None:
    from cellprobe.benchmarks import nb201_table, read_nb201_csv
    from cellprobe.tables import NB201_BENCHMARK, write_table

    table = nb201_table(read_nb201_csv(args.source), name=str(args.source))
    write_table(table, args.out, NB201_BENCHMARK, metadata={"source": Path(args.source).name, "rows": len(table)})
    say(f"wrote {args.out}: {len(table):,} cells")


def register(commands) -> None:
    bench = commands.add_parser("benchmarks", help="turn shipped benchmark files into typed tables")
    sub = bench.add_subparsers(dest="benchmark", required=True, metavar="<benchmark>")
    p = sub.add_parser("nb201", help="NAS-Bench-201 accuracies CSV -> nb201_benchmark Parquet table")
    p.add_argument("--source", required=True, type=Path, help="CSV with index, arch_str and accuracy columns")
    p.add_argument("--out", required=True, type=Path, help="output Parquet file")
    p.set_defaults(func=_nb201)
