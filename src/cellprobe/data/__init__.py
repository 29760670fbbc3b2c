"""Image datasets: preparation into ``image_split`` tables, loading as tensors, batch augmentation.

* :mod:`~cellprobe.data.prep` — :func:`prepare_dataset` (digits, digits-hard, cifar10, cifar10-jpeg) and the split helpers;
* :mod:`~cellprobe.data.corrupt` — the fixed, seeded corruption that makes ``digits-hard``;
* :mod:`~cellprobe.data.cifar` — reading CIFAR-10 through torchvision;
* :mod:`~cellprobe.data.jpeg` — CIFAR-10 from a table of its JPEG files (the repository's offline subset);
* :mod:`~cellprobe.data.loading` — :func:`load_split` → :class:`ImageSplit` (normalised tensors), :func:`minibatches`, :func:`to_device`;
* :mod:`~cellprobe.data.augment` — :class:`Augment` and :data:`AUGMENT_PRESETS`;
* :mod:`~cellprobe.data.text` — a text corpus (WikiText-2) as ``token_split`` tables, :func:`load_tokens`.
"""

import importlib

#: Where each public name lives. Loaded on first use: the loaders and augmentation import torch, and
#: what only needs the dataset names or the preparation (the workflow's parameter check) should not.
_HOMES = {
    "prepare_dataset": "prep", "DATASET_NAMES": "prep", "DATASET_TASKS": "prep", "SPLITS": "prep", "DEFAULT_FRACTIONS": "prep",
    "CIFAR10_MEAN": "prep", "CIFAR10_STD": "prep", "split_sizes": "prep", "stratified_split": "prep",
    "corrupt_images": "corrupt", "shift_images": "corrupt",
    "ImageSplit": "loading", "load_split": "loading", "load_splits": "loading", "minibatches": "loading",
    "to_device": "loading",
    "TokenSplit": "text", "load_tokens": "text",
    "Augment": "augment", "AUGMENT_PRESETS": "augment",
}

__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"cellprobe.data.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'cellprobe.data' has no attribute {name!r}")
