"""``cellprobe prep``: a dataset as train/valid/test Parquet splits."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import json_object, say

__all__ = ["register"]


def _prep(args) -> None:
    from cellprobe.data import prepare_dataset

    paths = prepare_dataset(args.dataset, args.out_dir, seed=args.seed, **json_object(args.options, "--options"))
    say(f"wrote {', '.join(str(p) for p in paths.values())}")


def register(commands) -> None:
    p = commands.add_parser("prep", help="prepare a dataset as train/valid/test Parquet splits")
    p.add_argument("--dataset", required=True, help="dataset name (digits, digits-hard, cifar10, cifar10-jpeg, wikitext)")
    p.add_argument("--out-dir", required=True, type=Path, help="folder for train/valid/test.parquet")
    p.add_argument("--seed", type=int, default=0, help="split seed")
    p.add_argument("--options", help="JSON object of dataset options (fractions, corruption, root, download)")
    p.set_defaults(func=_prep)
