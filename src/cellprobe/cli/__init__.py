"""``cellprobe <stage> ...``: one thin module per stage (parse arguments → load typed inputs → call the
library → write).

Each module has a ``register(commands)`` that adds its parser and sets the handler beside it. Any
:class:`~cellprobe.errors.CellprobeError` is printed as one line ``cellprobe: error: ...`` with exit status
1; usage errors exit with 2 (argparse). Heavy libraries are imported inside the handlers so that
``cellprobe space ...`` starts quickly.
"""

from __future__ import annotations

import argparse
import sys

from cellprobe import __version__
from cellprobe.cli import (
    benchmarks,
    controller,
    evaluators,
    importance,
    model,
    motifs,
    params,
    prep,
    report,
    sample,
    search,
    space,
    train,
)
from cellprobe.errors import CellprobeError

__all__ = ["main", "build_parser", "STAGES"]

#: The command modules, in the order ``cellprobe --help`` lists them.
STAGES = (space, benchmarks, report, prep, sample, train, search, importance, controller, motifs, evaluators,
          model, params)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cellprobe", description="cellprobe: search, sample, train and dissect "
                                     "cell-based NAS architectures")
    parser.add_argument("--version", action="version", version=f"cellprobe {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="<command>")
    for stage in STAGES:
        stage.register(commands)
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
