"""``cellprobe search run|select|score``: supernet search, architecture selection, the supernet as evaluator."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import add_run_options, add_space, json_object, load_data, run_device, say
from cellprobe.runtime import EpochProgress

__all__ = ["register"]


def _inputs(args):
    """The search settings (with ``--method``), the device and the train/valid splits of ``--data``."""
    from cellprobe.search.settings import SearchSettings

    settings = SearchSettings.from_dict({**json_object(args.settings, "--settings"), "method": args.method})
    return settings, run_device(args), load_data(args.data)


def _load(args, settings, splits):
    from cellprobe.search.loop import load_search_state

    train = splits["train"]
    return load_search_state(args.supernet, args.space, settings, train.num_classes, int(train.x.shape[1]))


def _genotypes(paths) -> list:
    """The distinct architectures of sample-set tables, in order of appearance."""
    from cellprobe.spaces import parse_genotype
    from cellprobe.tables import SAMPLE_SET, read_frames

    archs = read_frames(paths, SAMPLE_SET).drop_duplicates("arch_id")
    return [parse_genotype(s, g) for s, g in zip(archs["space"], archs["genotype"])]


def _run(args) -> None:
    from cellprobe.search.loop import run_search, save_search_state, snapshot_epochs
    from cellprobe.tables import SEARCH_HISTORY, SEARCH_TRAJECTORY, write_table

    settings, device, splits = _inputs(args)
    pool = _genotypes(args.pool) if args.pool else ()
    state = run_search(args.space, splits, settings, args.seed, device, checkpoint=args.checkpoint,
                       dataset=Path(args.data).name, snapshot_epochs=snapshot_epochs(settings.epochs, args.snapshots),
                       on_epoch=EpochProgress(f"{args.space} {settings.method} seed {args.seed}",
                                              lambda r: f"valid acc {r['valid_acc']:.2f}%"), pool=pool)
    trajectory, history = state.tables()
    meta = {"dataset": Path(args.data).name, "settings": json_object(args.settings, "--settings")}
    write_table(trajectory, args.trajectory, SEARCH_TRAJECTORY, meta)
    write_table(history, args.history, SEARCH_HISTORY, meta)
    save_search_state(state, args.supernet)
    say(f"wrote {args.trajectory}, {args.history}, {args.supernet}")


def _select(args) -> None:
    from cellprobe.search.select import select_architectures
    from cellprobe.tables import SEARCH_GENOTYPES, write_table

    settings, device, splits = _inputs(args)
    state = _load(args, settings, splits)
    table = select_architectures(state, args.selections, splits, device, seed=args.seed,
                                 perturbation=json_object(args.perturbation, "--perturbation"))
    write_table(table, args.out, SEARCH_GENOTYPES, {"dataset": Path(args.data).name})
    for row in table.itertuples():
        say(f"{row.selection}: {row.genotype} (supernet valid acc {row.supernet_valid_acc:.2f}%)")


def _score(args) -> None:
    from cellprobe.search.select import score_sample_sets
    from cellprobe.tables import SUPERNET_SCORES, write_table

    settings, device, splits = _inputs(args)
    state = _load(args, settings, splits)
    genotypes = _genotypes(args.archs)

    def progress(epoch, recalibrate, scores):
        say(f"epoch {epoch}{' (BN recalibrated)' if recalibrate else ''}: scored {len(scores)} architectures, "
            f"mean valid acc {scores['valid_acc'].mean():.2f}%")

    table = score_sample_sets(state, genotypes, splits, device, recalibrate_batches=args.recalibrate,
                              eval_images=args.eval_images, progress=progress)
    write_table(table, args.out, SUPERNET_SCORES, {"dataset": Path(args.data).name,
                                                    "archs": [str(p) for p in args.archs]})


def register(commands) -> None:
    search = commands.add_parser("search", help="weight-sharing supernet search")
    sub = search.add_subparsers(dest="search_command", required=True, metavar="<subcommand>")
    for name, handler, helptext in (
            ("run", _run, "train a supernet with one method and record its wiring evolution"),
            ("select", _select, "select architectures from a trained supernet"),
            ("score", _score, "score sample sets with a trained supernet's shared weights (supernet as evaluator)")):
        p = sub.add_parser(name, help=helptext)
        add_space(p)
        p.add_argument("--method", required=True, help="darts-1st, darts-2nd, darts-single, snas, spos, spos-mc3, spos-mc5, spos-deiso, fairnas")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--data", required=True, type=Path, help="prepared dataset folder")
        p.add_argument("--settings", default="{}", help="JSON object: search settings (see SearchSettings)")
        add_run_options(p)
        p.add_argument("--supernet", required=True, type=Path, help="trained supernet state (written by run)")
        p.set_defaults(func=handler)
    p = sub.choices["run"]
    p.add_argument("--checkpoint", type=Path, help="per-epoch checkpoint for resuming a killed search")
    p.add_argument("--trajectory", required=True, type=Path)
    p.add_argument("--history", required=True, type=Path)
    p.add_argument("--pool", nargs="+", type=Path,
                   help="sample-set tables: train only on their architectures (uniform one-shot methods)")
    p.add_argument("--snapshots", nargs="*", type=float, default=[],
                   help="keep the supernet at these fractions of the search epochs (e.g. 0.25 0.5) for scoring")
    p = sub.choices["select"]
    p.add_argument("--selections", nargs="+", default=["magnitude", "perturbation"])
    p.add_argument("--perturbation", help="JSON object: tune_every, tune_steps, eval_images")
    p.add_argument("--out", required=True, type=Path)
    p = sub.choices["score"]
    p.add_argument("--archs", required=True, nargs="+", type=Path, help="sample-set tables to score")
    p.add_argument("--recalibrate", type=int, default=0,
                   help="also score with batch-norm statistics re-estimated on this many training batches per architecture")
    p.add_argument("--eval-images", type=int, default=None, help="validation images per architecture (default: all)")
    p.add_argument("--out", required=True, type=Path)
