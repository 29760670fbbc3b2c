"""Sharded training's table side: which rows of a sample set a shard trains, and the shard tables gathered
back into one. Torch-free, so that the gather job starts in a fraction of a second."""

from __future__ import annotations

import pandas as pd

from cellprobe.errors import TrainError

__all__ = ["shard_rows", "gather_shards"]


def shard_rows(sample: pd.DataFrame, shard: int, shards: int) -> pd.DataFrame:
    """Rows of ``sample`` that belong to ``shard`` (round robin, so samplers spread evenly)."""
    if shards < 1 or not 0 <= shard < shards:
        raise TrainError(f"shard {shard} is not in 0..{shards - 1}")
    return sample.iloc[shard::shards]


def gather_shards(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate shard tables into one, in a stable order (sample, arch_id, seed)."""
    if not frames:
        raise TrainError("no shard tables to gather")
    table = pd.concat(frames, ignore_index=True)
    duplicated = table.duplicated(["sample", "arch_id", "seed"])
    if duplicated.any():
        raise TrainError(f"{int(duplicated.sum())} architecture/seed pair(s) appear in more than one shard")
    return table.sort_values(["sample", "arch_id", "seed"], kind="stable").reset_index(drop=True)
