"""``cellprobe controller train|analyse``: the ENAS controller, and what it conditions on."""

from __future__ import annotations

import math
from pathlib import Path

from cellprobe.cli.common import add_run_options, add_space, json_object, run_device, say
from cellprobe.runtime import EpochProgress

__all__ = ["register"]

_TABLES = ("architectures", "step_probs", "hidden", "hidden_variance", "pairs", "correlations")


def _train(args) -> None:
    from cellprobe.search.controller import ControllerSettings, load_task_data, run_controller, save_controller
    from cellprobe.tables import CONTROLLER_HISTORY, write_table

    settings = ControllerSettings.from_dict(json_object(args.settings, "--settings"))
    device = run_device(args)
    state = run_controller(args.space, args.variant, load_task_data(args.space, args.data), settings, args.seed,
                           device, checkpoint=args.checkpoint, dataset=Path(args.data).name,
                           on_epoch=EpochProgress(f"{args.space} {args.variant} controller seed {args.seed}", _progress))
    meta = {"dataset": Path(args.data).name, "settings": json_object(args.settings, "--settings")}
    write_table(state.history_table(), args.history, CONTROLLER_HISTORY, meta)
    save_controller(state, args.out)
    say(f"wrote {args.out}, {args.history}")


def _progress(record: dict) -> str:
    if not math.isnan(record["reward_acc_mean"]):  # an image space (a text space's accuracy columns are null)
        quality = f"sampled valid acc {record['reward_acc_mean']:.2f}%"
    else:
        quality = f"sampled valid ppl {record['reward_ppl_mean']:.2f}"
    return f"{quality}, entropy {record['entropy_mean']:.3f}"


def _analyse(args) -> None:
    import pandas as pd

    from cellprobe import tables as T
    from cellprobe.analysis.controller import analyse_controller
    from cellprobe.ground_truth import load_ground_truth
    from cellprobe.search.controller import load_controller, load_task_data

    device = run_device(args)
    truth = load_ground_truth(benchmark=args.benchmark, column=args.column) if args.benchmark else None
    results = []
    for path in args.controller:
        state = load_controller(path)
        splits = load_task_data(state.space, args.data) if args.data else None
        tables = analyse_controller(state, n_archs=args.n_archs, n_pairs=args.n_pairs, seed=args.seed, truth=truth,
                                    splits=splits, device=device, score_images=args.score_images,
                                    ged_timeout=args.ged_timeout or None, ged_bound_only=args.ged == "bound")
        results.append(tables)
        rho = tables["correlations"].set_index("similarity")["spearman_rho"]
        say(f"{path}: {state.space}/{state.variant}: Spearman rho of hidden distance vs "
            + ", ".join(f"{k} {v:.3f}" for k, v in rho.items()))
    meta = {"controllers": [str(p) for p in args.controller], "n_archs": args.n_archs, "n_pairs": args.n_pairs,
            "seed": args.seed, "truth": truth.source if truth else "", "data": str(args.data or ""),
            "ged_timeout": args.ged_timeout, "ged": args.ged}
    for name in _TABLES:
        schema = T.get_schema(f"controller_{name}")
        frame = pd.concat([t[name] for t in results], ignore_index=True)
        T.write_table(frame[schema.columns], getattr(args, name), schema, meta)
    say(f"wrote {', '.join(str(getattr(args, name)) for name in _TABLES)}")


def _retrain(args) -> None:
    from cellprobe import tables as T
    from cellprobe.analysis.controller import retrain_sampled
    from cellprobe.search.controller import ControllerError, load_controller, load_task_data

    states = [load_controller(path) for path in args.controller]
    spaces = sorted({s.space for s in states})
    if len(spaces) != 1:
        raise ControllerError(f"retrain takes controllers of one space, got {', '.join(spaces)}")
    splits = load_task_data(spaces[0], args.data, ("train", "valid", "test"))
    frame = retrain_sampled(states, splits, cells=args.cells, epochs=args.epochs, seed=args.seed,
                            device=run_device(args), checkpoint_dir=args.checkpoint_dir)
    for row in frame.itertuples():
        say(f"{row.variant} cell {row.sample}: shared-weight ppl {row.shared_ppl:.2f}, retrained test ppl "
            f"{row.test_ppl:.2f}")
    meta = {"controllers": [str(p) for p in args.controller], "cells": args.cells, "epochs": args.epochs,
            "seed": args.seed, "data": str(args.data)}
    T.write_table(frame[T.CONTROLLER_RETRAINED.columns], args.out, T.CONTROLLER_RETRAINED, meta)
    say(f"wrote {args.out}")


def register(commands) -> None:
    ctl = commands.add_parser("controller", help="ENAS controller: train it, analyse what it conditions on")
    sub = ctl.add_subparsers(dest="controller_command", required=True, metavar="<subcommand>")
    p = sub.add_parser("train", help="train an ENAS controller (trained, random or regularised) with its supernet")
    add_space(p)
    p.add_argument("--variant", required=True, help="trained, random or regularised")
    p.add_argument("--data", required=True, type=Path, help="prepared dataset folder (train/valid.parquet)")
    p.add_argument("--settings", default="{}", help="JSON object: controller settings (see ControllerSettings)")
    p.add_argument("--seed", type=int, default=0)
    add_run_options(p)
    p.add_argument("--checkpoint", type=Path, help="per-epoch checkpoint for resuming a killed run")
    p.add_argument("--out", required=True, type=Path, help="trained controller + supernet (torch state dicts)")
    p.add_argument("--history", required=True, type=Path, help="controller_history table")
    p.set_defaults(func=_train)
    p = sub.add_parser("analyse", help="step probabilities, hidden states and similarity correlations")
    p.add_argument("--controller", required=True, nargs="+", type=Path, help="controller files (written by train)")
    p.add_argument("--benchmark", type=Path, help="benchmark table: the performance ground truth")
    p.add_argument("--column", default="cifar10_test_acc", help="benchmark accuracy column")
    p.add_argument("--data", type=Path, help="prepared dataset folder: also score the architectures with the supernet")
    p.add_argument("--score-images", type=int, default=256, help="validation images per supernet score (image spaces; text spaces score on lm.score_windows windows)")
    p.add_argument("--n-archs", type=int, default=200, help="architectures sampled per controller")
    p.add_argument("--n-pairs", type=int, default=300, help="architecture pairs compared per controller")
    p.add_argument("--ged-timeout", type=float, default=1.0, help="seconds per cell pair for the exact GED (0: none)")
    p.add_argument("--ged", choices=("exact", "bound"), default="exact",
                   help="exact: networkx's search (within the timeout); bound: the identity mapping's upper bound")
    p.add_argument("--seed", type=int, default=0)
    add_run_options(p)
    for name in _TABLES:
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True, type=Path,
                       help=f"output: controller_{name} table")
    p.set_defaults(func=_analyse)
    p = sub.add_parser("retrain", help="retrain a few cells of each controller from scratch (text spaces)")
    p.add_argument("--controller", required=True, nargs="+", type=Path, help="controller files of one space")
    p.add_argument("--data", required=True, type=Path, help="prepared corpus folder (train/valid/test.parquet)")
    p.add_argument("--cells", type=int, default=3, help="cells sampled per controller")
    p.add_argument("--epochs", type=int, default=2, help="epochs of each cell's training from scratch")
    p.add_argument("--checkpoint-dir", type=Path, help="per-cell, per-epoch checkpoints for resuming a killed run")
    p.add_argument("--seed", type=int, default=0)
    add_run_options(p)
    p.add_argument("--out", required=True, type=Path, help="output: controller_retrained table")
    p.set_defaults(func=_retrain)
