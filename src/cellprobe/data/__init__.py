"""Image datasets: preparation into ``image_split`` tables, loading as tensors, batch augmentation.

* :mod:`~cellprobe.data.prep` — :func:`prepare_dataset` (digits, digits-hard, cifar10) and the split helpers;
* :mod:`~cellprobe.data.corrupt` — the fixed, seeded corruption that makes ``digits-hard``;
* :mod:`~cellprobe.data.cifar` — reading CIFAR-10 through torchvision;
* :mod:`~cellprobe.data.loading` — :func:`load_split` → :class:`ImageSplit` (normalised tensors), :func:`minibatches`, :func:`to_device`;
* :mod:`~cellprobe.data.augment` — :class:`Augment` and :data:`AUGMENT_PRESETS`.
"""

from cellprobe.data.augment import AUGMENT_PRESETS, Augment
from cellprobe.data.corrupt import corrupt_images, shift_images
from cellprobe.data.loading import ImageSplit, load_split, load_splits, minibatches, to_device
from cellprobe.data.prep import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    DATASET_NAMES,
    DEFAULT_FRACTIONS,
    SPLITS,
    prepare_dataset,
    split_sizes,
    stratified_split,
)

__all__ = [
    "prepare_dataset",
    "DATASET_NAMES",
    "SPLITS",
    "DEFAULT_FRACTIONS",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "split_sizes",
    "stratified_split",
    "corrupt_images",
    "shift_images",
    "ImageSplit",
    "load_split",
    "load_splits",
    "minibatches",
    "to_device",
    "Augment",
    "AUGMENT_PRESETS",
]
