"""``cellprobe params check``: validate a params.yaml against its schema."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import DEFAULT_SCHEMA

__all__ = ["register"]


def _check(args) -> None:
    from cellprobe.config import load_params

    load_params(args.params, args.schema)
    print(f"{args.params}: valid")


def register(commands) -> None:
    params = commands.add_parser("params", help="check a params.yaml")
    sub = params.add_subparsers(dest="params_command", required=True, metavar="<subcommand>")
    p = sub.add_parser("check", help="validate params.yaml against its schema")
    p.add_argument("params", type=Path, nargs="?", default=Path("params.yaml"))
    p.add_argument("--schema", type=Path, default=Path(DEFAULT_SCHEMA))
    p.set_defaults(func=_check)
