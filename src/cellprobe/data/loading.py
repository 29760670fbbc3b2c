"""Load a prepared split into memory as normalised tensors, ready for batch-wise training.

>>> import tempfile
>>> from cellprobe.data.prep import prepare_dataset
>>> paths = prepare_dataset("digits", tempfile.mkdtemp(), seed=0)
>>> split = load_split(paths["train"])
>>> tuple(split.x.shape), split.y.dtype, split.num_classes
((899, 1, 8, 8), torch.int64, 10)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import torch

from cellprobe.errors import DataError
from cellprobe.tables import IMAGE_SPLIT, read_metadata, read_table

__all__ = ["ImageSplit", "load_split", "load_splits", "minibatches", "to_device"]

# Stored element types → little-endian numpy dtype and the divisor that brings values to the units of mean/std.
_DTYPES = {"uint8": (np.dtype("u1"), 255.0), "float32": (np.dtype("<f4"), 1.0)}


@dataclass(frozen=True)
class ImageSplit:
    """One split in memory: ``x`` float32 N×C×H×W (normalised), ``y`` int64 labels, ``meta`` the table metadata."""

    x: torch.Tensor
    y: torch.Tensor
    meta: dict

    def __post_init__(self):
        if self.x.dim() != 4 or self.x.dtype != torch.float32:
            raise ValueError(f"x must be a float32 N×C×H×W tensor, got {self.x.dtype} {tuple(self.x.shape)}")
        if self.y.dim() != 1 or self.y.dtype != torch.int64 or len(self.y) != len(self.x):
            raise ValueError(f"y must hold {len(self.x)} int64 labels, got {self.y.dtype} {tuple(self.y.shape)}")

    def __len__(self) -> int:
        return len(self.y)

    @property
    def num_classes(self) -> int:
        return int(self.meta["num_classes"])


def _check_meta(meta: dict, path: Path) -> tuple[tuple[int, int, int], str, np.ndarray, np.ndarray, int]:
    missing = [k for k in ("shape", "dtype", "mean", "std", "num_classes") if k not in meta]
    if missing:
        raise DataError(f"{path}: metadata lacks {', '.join(missing)}; rerun the prep stage")
    shape, dtype, num_classes = meta["shape"], meta["dtype"], meta["num_classes"]
    if not (isinstance(shape, list) and len(shape) == 3 and all(isinstance(d, int) and d > 0 for d in shape)):
        raise DataError(f"{path}: metadata shape must be [C, H, W] of positive integers, got {shape!r}")
    if dtype not in _DTYPES:
        raise DataError(f"{path}: image dtype {dtype!r} is not one of {', '.join(_DTYPES)}")
    if not isinstance(num_classes, int) or num_classes < 1:
        raise DataError(f"{path}: num_classes must be a positive integer, got {num_classes!r}")
    stats = []
    for key in ("mean", "std"):
        values = meta[key]
        if not (isinstance(values, list) and len(values) == shape[0]
                and all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)):
            raise DataError(f"{path}: metadata {key} must be {shape[0]} numbers (one per channel), got {values!r}")
        stats.append(np.asarray(values, dtype=np.float32).reshape(1, -1, 1, 1))
    if (stats[1] <= 0).any():
        raise DataError(f"{path}: metadata std must be positive, got {meta['std']!r}")
    return tuple(shape), dtype, stats[0], stats[1], num_classes


def _image_bytes(column: pa.ChunkedArray, nbytes: int, path: Path) -> np.ndarray:
    """The concatenated bytes of a binary column whose values all have ``nbytes`` bytes (no copy per row)."""
    array = column.combine_chunks()
    n = len(array)
    if n == 0:
        return np.empty(0, dtype=np.uint8)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + n + 1]
    lengths = np.diff(offsets)
    bad = np.flatnonzero(lengths != nbytes)
    if bad.size:
        raise DataError(
            f"{path}: row {int(bad[0])}: image has {int(lengths[bad[0]])} bytes, "
            f"the metadata's shape and dtype need {nbytes}"
        )
    return np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]


def load_split(path) -> ImageSplit:
    """Read an ``image_split`` table and normalise its images with the metadata's per-channel mean/std.

    uint8 images are divided by 255 first (mean/std are in [0, 1] units); float32 images are used
    as stored. Problems are one-line :class:`TableError` (not the table) or :class:`DataError`
    (metadata or images that do not fit together).
    """
    path = Path(path)
    table = read_table(path, IMAGE_SPLIT)
    meta = read_metadata(path)
    shape, dtype, mean, std, num_classes = _check_meta(meta, path)
    np_dtype, divisor = _DTYPES[dtype]
    raw = _image_bytes(table.column("image"), int(np.prod(shape)) * np_dtype.itemsize, path)
    x = raw.view(np_dtype).reshape(-1, *shape).astype(np.float32)  # a fresh, aligned, writable copy
    if divisor != 1.0:
        x /= np.float32(divisor)
    x -= mean
    x /= std
    labels = table.column("label").to_numpy().astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(f"{path}: labels outside 0..{num_classes - 1}")
    return ImageSplit(torch.from_numpy(x), torch.from_numpy(labels), meta)


def load_splits(folder, names=("train", "valid")) -> dict[str, ImageSplit]:
    """The named splits of a prepared dataset folder (``<folder>/<name>.parquet``), each by :func:`load_split`."""
    return {name: load_split(Path(folder) / f"{name}.parquet") for name in names}


def minibatches(x: torch.Tensor, y: torch.Tensor, order: torch.Tensor, batch_size: int):
    """``(x, y)`` minibatches in ``order``, ``batch_size`` rows each; a last batch of one row is dropped
    (batch norm needs two samples)."""
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        if len(idx) >= 2:
            yield x[idx], y[idx]


def to_device(xb: torch.Tensor, device, channels_last: bool = False) -> torch.Tensor:
    """A batch of images on ``device``, in channels-last memory order when asked."""
    xb = xb.to(device, non_blocking=True)
    return xb.contiguous(memory_format=torch.channels_last) if channels_last else xb
