"""``cellprobe train shard|gather``: train a shard of a sample set from scratch; gather the shards."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import add_run_options, json_object, run_device, say
from cellprobe.errors import CellprobeError

__all__ = ["register"]


def _shard(args) -> None:
    from cellprobe.tables import SAMPLE_SET, TRAIN_RESULT, read_frame, write_table
    from cellprobe.train import TrainSettings, train_shard

    settings = TrainSettings.from_dict(json_object(args.settings, "--settings"))
    device = run_device(args)
    sample = read_frame(args.sample, SAMPLE_SET)
    if sample.empty:
        raise CellprobeError(f"{args.sample}: the sample set holds no architecture")
    table = train_shard(sample, sample_name=args.sample_name or Path(args.sample).stem, data_dir=args.data,
                        shard=args.shard, shards=args.shards, seeds=args.seeds, settings=settings, device=device,
                        checkpoint_dir=args.checkpoints, workers=args.workers)
    write_table(table, args.out, TRAIN_RESULT, metadata={"shard": args.shard, "shards": args.shards})
    say(f"wrote {args.out}: {len(table)} trained architecture/seed pairs")


def _gather(args) -> None:
    from cellprobe.shards import gather_shards
    from cellprobe.tables import TRAIN_RESULT, read_frame, write_table

    table = gather_shards([read_frame(p, TRAIN_RESULT) for p in args.shards])
    write_table(table, args.out, TRAIN_RESULT, metadata={"shards": len(args.shards)})
    say(f"wrote {args.out}: {len(table)} rows from {len(args.shards)} shard(s)")


def register(commands) -> None:
    train = commands.add_parser("train", help="train sampled architectures from scratch")
    sub = train.add_subparsers(dest="train_command", required=True, metavar="<subcommand>")
    p = sub.add_parser("shard", help="train one shard of a sample set")
    p.add_argument("--sample", required=True, type=Path, help="sample_set table")
    p.add_argument("--sample-name", help="name recorded in the rows (default: the file's stem)")
    p.add_argument("--data", required=True, type=Path, help="prepared dataset folder (train/valid/test.parquet)")
    p.add_argument("--shard", required=True, type=int)
    p.add_argument("--shards", required=True, type=int)
    p.add_argument("--settings", required=True, help="JSON object: train.settings of params.yaml")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (each architecture once per seed)")
    p.add_argument("--workers", type=int, default=1, help="single-threaded worker processes (CPU)")
    p.add_argument("--checkpoints", required=True, type=Path, help="folder for per-architecture checkpoints")
    add_run_options(p)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_shard)
    p = sub.add_parser("gather", help="gather shard tables into one")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("shards", nargs="+", type=Path)
    p.set_defaults(func=_gather)
