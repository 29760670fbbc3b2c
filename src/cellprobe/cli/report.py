"""``cellprobe report``: the HTML report (and DVC metrics) from the tables that exist."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import DEFAULT_SCHEMA, json_object, say

__all__ = ["register"]


def _report(args) -> None:
    from cellprobe.report import INPUTS, build_report

    params = None
    if args.params:
        from cellprobe.config import load_params

        params = load_params(args.params, args.schema)
    if args.config_json:
        params = json_object(args.config_json, "--config-json")
    paths = {name: getattr(args, name) for name in INPUTS if getattr(args, name)}
    out = build_report(paths, args.out, metrics=args.metrics, findings=args.findings, known_cells=args.known_cells,
                       figures=args.figures, plots=args.plots, tables=args.tables, title=args.title, params=params,
                       nb201_top_k=args.nb201_top_k, evaluators_k=args.evaluators_k,
                       benchmark_column=args.benchmark_column)
    say(f"wrote {out}" + "".join(f" and {p}" for p in (args.findings, args.metrics, args.figures, args.plots,
                                                       args.tables) if p))


def register(commands) -> None:
    from cellprobe.report.inputs import INPUTS

    p = commands.add_parser("report", help="render the HTML report from the tables that exist")
    p.add_argument("--out", required=True, type=Path, help="output HTML file")
    for name, schema in INPUTS.items():
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=Path, nargs="*", default=[],
                       help=f"{schema} tables")
    p.add_argument("--known-cells", type=Path, help="published DARTS cells (JSON) for the motifs section")
    p.add_argument("--metrics", type=Path, help="also write the headline numbers as JSON (DVC metrics)")
    p.add_argument("--findings", type=Path, help="also write the findings table (each paper's claims, verdicts)")
    p.add_argument("--figures", type=Path, help="also write the page's figures as SVG files into this folder")
    p.add_argument("--plots", type=Path, help="also write the curves compared across runs as CSV into this folder "
                   "(dvc plots)")
    p.add_argument("--tables", type=Path, help="also write the findings as CSV into this folder")
    p.add_argument("--nb201-top-k", type=int, default=10, help="rows of the best-cells table (default 10)")
    p.add_argument("--evaluators-k", type=float, default=0.05, help="top-K fraction shown in the criteria table")
    p.add_argument("--benchmark-column", default="cifar10_test_acc",
                   help="benchmark accuracy the controller's architectures are shown against")
    p.add_argument("--title", default="cellprobe report")
    p.add_argument("--params", type=Path, help="params.yaml to record in the provenance block")
    p.add_argument("--config-json", help="the effective configuration as JSON (what Snakemake ran with), recorded instead")
    p.add_argument("--schema", type=Path, default=Path(DEFAULT_SCHEMA), help=f"params schema (default {DEFAULT_SCHEMA})")
    p.set_defaults(func=_report)
