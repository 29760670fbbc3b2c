"""Read CIFAR-10 through torchvision, with one-line :class:`DataError` messages.

torchvision verifies the MD5 sum of every batch file against the official archive, so a file that
is not the real CIFAR-10 is refused. Nothing is downloaded unless ``download=True``.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cellprobe.errors import DataError

__all__ = ["CIFAR10_FOLDER", "CIFAR10_FILES", "CifarArrays", "read_cifar10"]

CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta")


@dataclass(frozen=True)
class CifarArrays:
    """CIFAR-10 as arrays: images N×3×32×32 uint8, labels int64, class names in label order."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[str, ...]


def _missing(root: Path) -> list[str]:
    return [name for name in CIFAR10_FILES if not (root / CIFAR10_FOLDER / name).is_file()]


def read_cifar10(root, *, download: bool = False) -> CifarArrays:
    """The official training set (data_batch_1..5) and test batch of CIFAR-10 under ``root``.

    ``root`` is the folder that holds (or, with ``download=True``, will hold) ``cifar-10-batches-py/``.
    """
    # Imported here: torchvision is only needed to prepare CIFAR-10, and it is slow to import.
    from torchvision.datasets import CIFAR10

    root = Path(root)
    missing = _missing(root)
    if missing and not download:
        raise DataError(
            f"CIFAR-10 not found: expected {root / CIFAR10_FOLDER}/ with {', '.join(CIFAR10_FILES)} "
            f"(missing: {', '.join(missing)}); set download: true in the prep params to fetch it"
        )
    try:
        train = CIFAR10(root, train=True, download=download)
        test = CIFAR10(root, train=False, download=False)
    except RuntimeError as exc:  # torchvision's "not found or corrupted" (MD5 mismatch)
        raise DataError(
            f"CIFAR-10 under {root / CIFAR10_FOLDER} is incomplete or corrupted ({exc}); "
            "delete the folder and set download: true in the prep params to fetch it again"
        ) from None
    except OSError as exc:  # network or disk failure while downloading / reading
        raise DataError(f"CIFAR-10 under {root}: cannot fetch or read it ({exc})") from None
    except (pickle.UnpicklingError, EOFError, KeyError, ValueError) as exc:
        raise DataError(f"CIFAR-10 under {root / CIFAR10_FOLDER}: malformed batch file ({exc!r})") from None

    def arrays(ds) -> tuple[np.ndarray, np.ndarray]:
        images = np.ascontiguousarray(np.asarray(ds.data, dtype=np.uint8).transpose(0, 3, 1, 2))  # HWC → CHW
        return images, np.asarray(ds.targets, dtype=np.int64)

    (train_images, train_labels), (test_images, test_labels) = arrays(train), arrays(test)
    for labels, part in ((train_labels, "training set"), (test_labels, "test batch")):
        if labels.size and (labels.min() < 0 or labels.max() >= len(train.classes)):
            raise DataError(f"CIFAR-10 {part} under {root}: labels outside 0..{len(train.classes) - 1}")
    return CifarArrays(train_images, train_labels, test_images, test_labels, tuple(train.classes))
