"""``cellprobe <stage> ...``: thin entry points (parse arguments → load typed inputs → call the library → write).

Any :class:`~cellprobe.errors.CellprobeError` is printed as one line ``cellprobe: error: ...`` with exit
status 1; usage errors exit with 2 (argparse). Heavy libraries are imported inside the commands so that
``cellprobe space ...`` starts quickly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cellprobe import __version__
from cellprobe.errors import CellprobeError

__all__ = ["main", "build_parser"]

DEFAULT_SCHEMA = "workflow/schemas/params.schema.yaml"

_INFO_LABELS = {
    "darts": [
        ("intermediate_nodes", "intermediate nodes per cell"),
        ("edges_per_cell", "edges per cell"),
        ("cells_per_type_without_none", "cells per cell type (without none)"),
        ("cells_per_type_with_none", "cells per cell type (with none)"),
        ("genotypes_without_none", "genotypes, normal x reduce (without none)"),
        ("neighbours_per_genotype", "neighbours per genotype"),
    ],
    "nb201": [
        ("edges", "edges per cell"),
        ("cells", "cells"),
        ("isomorphism_classes", "isomorphism classes"),
        ("unreachable", "cells with unreachable output"),
        ("neighbours_per_genotype", "neighbours per cell"),
    ],
}


# -- space ---------------------------------------------------------------------------------------------------


def _cmd_space_info(args) -> None:
    from cellprobe.spaces import get_space

    info = get_space(args.space).info()
    if args.json:
        print(json.dumps(info, indent=2))
        return
    print(f"space: {info['space']}")
    print(f"ops: {', '.join(info['ops'])}")
    for key, label in _INFO_LABELS[args.space]:
        print(f"{label}: {info[key]:,}")


def _cmd_space_neighbours(args) -> None:
    from cellprobe.spaces import parse_genotype

    genotype = parse_genotype(args.space, args.arch)
    for edit, neighbour in genotype.edits():
        if args.edits:
            print(f"{edit.cell}\t{edit.edge}\t{edit.kind}\t{edit.old}\t{edit.new}\t{neighbour.to_str()}")
        else:
            print(neighbour.to_str())


def _cmd_space_canonical(args) -> None:
    from cellprobe.spaces import parse_genotype

    genotype = parse_genotype(args.space, args.arch)
    print(f"arch_id: {genotype.arch_id}")
    print(f"canonical_key: {genotype.canonical_key}")


# -- stages ---------------------------------------------------------------------------------------------------


def _cmd_benchmarks_nb201(args) -> None:
    from cellprobe.benchmarks import nb201_table, read_nb201_csv
    from cellprobe.tables import NB201_BENCHMARK, write_table

    frame = read_nb201_csv(args.source)
    table = nb201_table(frame, name=str(args.source))
    write_table(table, args.out, NB201_BENCHMARK, metadata={"source": Path(args.source).name, "rows": len(table)})
    print(f"wrote {args.out}: {len(table):,} cells", file=sys.stderr)


def _cmd_report(args) -> None:
    from cellprobe.config import load_params
    from cellprobe.report import provenance, render_report
    from cellprobe.report.benchmark_section import nb201_section
    from cellprobe.tables import NB201_BENCHMARK, read_frame

    params = load_params(args.params, args.schema) if args.params else None
    inputs, sections = {}, []
    if args.nb201:
        sections.append(nb201_section(read_frame(args.nb201, NB201_BENCHMARK), top_k=args.nb201_top_k))
        inputs["nb201_benchmark"] = Path(args.nb201)
    out = render_report(sections, args.out, title=args.title, provenance=provenance(inputs, params))
    print(f"wrote {out}", file=sys.stderr)


def _cmd_params_check(args) -> None:
    from cellprobe.config import load_params

    load_params(args.params, args.schema)
    print(f"{args.params}: valid")


# -- parser ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from cellprobe.spaces import SPACES

    parser = argparse.ArgumentParser(prog="cellprobe", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cellprobe {__version__}")
    stages = parser.add_subparsers(dest="command", required=True, metavar="<command>")

    space = stages.add_parser("space", help="inspect a search space and its architectures")
    space_cmds = space.add_subparsers(dest="space_command", required=True, metavar="<subcommand>")
    p = space_cmds.add_parser("info", help="counts of a search space")
    p.add_argument("space", choices=sorted(SPACES))
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=_cmd_space_info)
    p = space_cmds.add_parser("neighbours", help="the single-edge neighbours of an architecture, one per line")
    p.add_argument("--space", required=True, choices=sorted(SPACES))
    p.add_argument("arch", help="architecture string (DARTS: Genotype(...) or compact form; NB201: |op~0|+...)")
    p.add_argument("--edits", action="store_true", help="prefix each neighbour with its edit: cell, edge, kind, old, new")
    p.set_defaults(func=_cmd_space_neighbours)
    p = space_cmds.add_parser("canonical", help="the canonical key and id of an architecture")
    p.add_argument("--space", required=True, choices=sorted(SPACES))
    p.add_argument("arch")
    p.set_defaults(func=_cmd_space_canonical)

    bench = stages.add_parser("benchmarks", help="turn shipped benchmark files into typed tables")
    bench_cmds = bench.add_subparsers(dest="benchmark", required=True, metavar="<benchmark>")
    p = bench_cmds.add_parser("nb201", help="NAS-Bench-201 accuracies CSV -> nb201_benchmark Parquet table")
    p.add_argument("--source", required=True, type=Path, help="CSV with index, arch_str and accuracy columns")
    p.add_argument("--out", required=True, type=Path, help="output Parquet file")
    p.set_defaults(func=_cmd_benchmarks_nb201)

    p = stages.add_parser("report", help="render the HTML report from the tables that exist")
    p.add_argument("--out", required=True, type=Path, help="output HTML file")
    p.add_argument("--nb201", type=Path, help="nb201_benchmark table")
    p.add_argument("--nb201-top-k", type=int, default=10, help="rows of the best-cells table (default 10)")
    p.add_argument("--title", default="cellprobe report")
    p.add_argument("--params", type=Path, help="params.yaml to record in the provenance block")
    p.add_argument("--schema", type=Path, default=Path(DEFAULT_SCHEMA), help=f"params schema (default {DEFAULT_SCHEMA})")
    p.set_defaults(func=_cmd_report)

    params = stages.add_parser("params", help="check a params.yaml")
    params_cmds = params.add_subparsers(dest="params_command", required=True, metavar="<subcommand>")
    p = params_cmds.add_parser("check", help="validate params.yaml against its schema")
    p.add_argument("params", type=Path, nargs="?", default=Path("params.yaml"))
    p.add_argument("--schema", type=Path, default=Path(DEFAULT_SCHEMA))
    p.set_defaults(func=_cmd_params_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CellprobeError as exc:
        message = " ".join(str(exc).split("\n"))
        print(f"cellprobe: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cellprobe: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
