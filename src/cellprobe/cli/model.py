"""``cellprobe model summary``: parameters and FLOPs of the network built from an architecture."""

from __future__ import annotations

import json

from cellprobe.cli.common import add_space
from cellprobe.errors import CellprobeError

__all__ = ["register"]


def _summary(args) -> None:
    from cellprobe.nn import summarize
    from cellprobe.spaces import parse_genotype

    genotype = parse_genotype(args.space, args.arch)
    try:
        info = summarize(genotype, args.preset)
    except ValueError as exc:
        raise CellprobeError(str(exc)) from None
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return
    for key, value in info.items():
        print(f"{key}: {value:.6f}" if isinstance(value, float) else f"{key}: {value}")


def register(commands) -> None:
    model = commands.add_parser("model", help="inspect the network built from an architecture")
    sub = model.add_subparsers(dest="model_command", required=True, metavar="<subcommand>")
    p = sub.add_parser("summary", help="parameters (M) and FLOPs (M multiply-accumulates) of a network")
    add_space(p)
    p.add_argument("arch")
    p.add_argument("--preset", default="standard", help="standard (benchmark/paper setting) or tiny (offline default)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_summary)
