"""What the command-line modules share: argument types, the ground-truth and device options, progress lines.

Nothing here decides anything about the science: a handler parses, loads typed inputs, calls one library
entry point and writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cellprobe.errors import CellprobeError

__all__ = ["DEFAULT_SCHEMA", "json_object", "say", "space_choices", "add_space", "add_run_options",
           "add_truth_options", "load_truth", "load_data", "run_device"]

DEFAULT_SCHEMA = "workflow/schemas/params.schema.yaml"


def json_object(text: str | None, name: str) -> dict:
    """``text`` as a JSON object (``{}`` for none); anything else is one :class:`CellprobeError` line."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CellprobeError(f"{name} is not valid JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(value, dict):
        raise CellprobeError(f"{name} must be a JSON object")
    return value


def say(message: str) -> None:
    """A progress or summary line on standard error (standard output is for answers)."""
    print(message, file=sys.stderr)


def space_choices() -> list[str]:
    from cellprobe.spaces import SPACES

    return sorted(SPACES)


def add_space(parser: argparse.ArgumentParser, *, required: bool = True, help: str | None = None) -> None:
    parser.add_argument("--space", required=required, choices=space_choices(), help=help)


def add_run_options(parser: argparse.ArgumentParser, *, device: bool = True) -> None:
    """``--threads`` (torch threads of the process) and, for torch stages, ``--device``."""
    if device:
        parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=1, help="torch threads of this process")


def run_device(args):
    """Set this process's torch threads and resolve ``--device`` once."""
    from cellprobe.runtime import resolve_device, set_threads

    set_threads(args.threads)
    return resolve_device(getattr(args, "device", "cpu"))


def add_truth_options(parser: argparse.ArgumentParser, *, metric: str = "valid_acc") -> None:
    """The ground-truth options: a benchmark table and its column, train_result tables and a metric, or a
    surrogate's predictions of sample sets."""
    group = parser.add_argument_group("ground truth (one of)")
    group.add_argument("--benchmark", type=Path, help="benchmark table (nb201_benchmark)")
    group.add_argument("--column", default="cifar10_test_acc", help="benchmark accuracy column")
    group.add_argument("--train", nargs="*", type=Path, default=[],
                       help="train_result tables (each architecture: the mean of --metric over its seeds)")
    group.add_argument("--metric", default=metric, choices=["valid_acc", "test_acc", "train_acc"],
                       help=f"train_result column (default {metric})")
    group.add_argument("--predicted", type=Path, help="surrogate_predictions table (importance predict)")
    group.add_argument("--predicted-sets", nargs="*", default=[], help="its sample sets (default: all)")


def load_truth(args, space: str | None = None):
    """The :class:`~cellprobe.ground_truth.GroundTruth` the truth options name."""
    from cellprobe.ground_truth import load_ground_truth

    return load_ground_truth(benchmark=args.benchmark, column=args.column, train=args.train, metric=args.metric,
                             predicted=args.predicted, predicted_sets=args.predicted_sets, space=space)


def load_data(folder: Path, names=("train", "valid")) -> dict:
    """The named splits of a prepared dataset folder."""
    from cellprobe.data import load_splits

    return load_splits(folder, names)
