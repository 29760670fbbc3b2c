"""Prepare an image dataset once: seeded splits written as ``image_split`` tables.

:func:`prepare_dataset` writes ``train.parquet``, ``valid.parquet`` and ``test.parquet`` (schema
:data:`cellprobe.tables.IMAGE_SPLIT`: ``source_index``, ``image`` = raw little-endian C×H×W bytes,
``label``) all or nothing. Each table's metadata says how to read and normalise it:

``dataset``, ``split``
    the dataset name and this table's split (``train`` / ``valid`` / ``test``).
``shape``, ``dtype``
    ``[C, H, W]`` of every image and its element type, ``"uint8"`` or ``"float32"``.
``num_classes``, ``classes``
    the number of labels and their names, in label order.
``mean``, ``std``, ``normalisation``
    per-channel statistics to normalise with, in the units of the stored values, uint8 values being
    first divided by 255; ``normalisation`` says where they come from.
``seed``, ``fractions``, ``valid_fraction``, ``sizes``
    the split recipe: ``fractions`` (train, valid, test) for the digit sets, ``valid_fraction`` (of
    the official training set) for CIFAR-10, the other one ``null``; ``sizes`` the rows per split.
``corruption``
    the ``digits-hard`` corruption recipe (``null`` otherwise), see :mod:`cellprobe.data.corrupt`.
``source``
    where the images come from and what ``source_index`` counts.

Datasets (:data:`DATASET_NAMES`) and their options:

``digits``
    scikit-learn's bundled 8×8 digits (1,797 images, offline), stored float32 in [0, 1] as [1, 8, 8];
    stratified split by ``fractions`` (default :data:`DEFAULT_FRACTIONS`); mean/std of the train split.
``digits-hard``
    the same split, then :func:`~cellprobe.data.corrupt.corrupt_images` applied once to every image
    (options ``noise_sigma`` = 0.6, ``max_shift`` = 1, ``corruption_seed`` = derived from ``seed``).
    The stored images are already standardised (with the clean train split's mean/std, recorded in
    ``corruption``), so the metadata says mean 0 / std 1 and loaders leave them as they are.
``cifar10-jpeg``
    CIFAR-10 from a table of its JPEG files (option ``file``, required: the repository's
    ``data/images/cifar10_jpeg_subset.parquet``, see :mod:`cellprobe.data.jpeg`), offline: ``train_size``
    (default 5,000) and ``valid_size`` (1,000) images drawn from its official-training-set rows, ``test_size``
    (1,000) from its test rows, each spread evenly over the classes and seeded by ``seed``
    (:func:`~cellprobe.data.jpeg.balanced_draw`); ``resolution`` 32, 16 (default) or 8 (2×2 / 4×4 average
    pooling); stored uint8 [3, r, r]; mean/std of the train split. ``fractions`` is refused for it.
``wikitext``
    a tokenised language-modelling corpus (option ``dir``: WikiText-2's or Penn Treebank's files, or the
    repository's ``data/text/wikitext-2``) as ``token_split`` tables, one row per token; ``level``
    (``word``/``char``), ``vocab_size``, ``max_tokens`` (:mod:`cellprobe.data.text`). The seed is recorded
    only: the splits are the corpus' own.
``cifar10``
    torchvision's CIFAR-10 under ``root`` (option, required; ``download`` = false by default): the
    official training set split into train/valid by ``valid_fraction`` (default 0.1, stratified), the
    official test batch as test; stored uint8 [3, 32, 32]; the standard CIFAR-10 channel mean/std.
    ``fractions`` is refused for it.

>>> import tempfile
>>> from cellprobe.tables import read_metadata
>>> paths = prepare_dataset("digits", tempfile.mkdtemp(), seed=0, fractions=(0.5, 0.3, 0.2))
>>> sorted(paths), read_metadata(paths["test"])["sizes"]
(['test', 'train', 'valid'], {'test': 359, 'train': 899, 'valid': 539})
"""

from __future__ import annotations

import math
import numbers
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from cellprobe.data.corrupt import corrupt_images
from cellprobe.errors import DataError
from cellprobe.tables import IMAGE_SPLIT, write_table

__all__ = [
    "DATASET_NAMES",
    "DATASET_TASKS",
    "SPLITS",
    "DEFAULT_FRACTIONS",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "prepare_dataset",
    "split_sizes",
    "stratified_split",
]

SPLITS = ("train", "valid", "test")
DEFAULT_FRACTIONS = (0.5, 0.3, 0.2)
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)

_REQUIRED = object()
# Options each dataset accepts, with their defaults (_REQUIRED: no default).
_OPTIONS: dict[str, dict[str, object]] = {
    "digits": {},
    "digits-hard": {"noise_sigma": 0.6, "max_shift": 1, "corruption_seed": None},
    "cifar10": {"root": _REQUIRED, "download": False, "valid_fraction": 0.1},
    "cifar10-jpeg": {"file": _REQUIRED, "train_size": 5000, "valid_size": 1000, "test_size": 1000, "resolution": 16},
    "wikitext": {"dir": _REQUIRED, "level": "word", "vocab_size": 10_000, "max_tokens": None},
}
DATASET_NAMES = tuple(sorted(_OPTIONS))
#: What each dataset holds, as a space's shared weights learn from it (:attr:`Space.task`): images or text.
DATASET_TASKS = {name: "text" if name == "wikitext" else "image" for name in DATASET_NAMES}
_CORRUPTION_STREAM = 1  # mixed with `seed` to derive the default corruption seed
_SEED_LIMIT = 2**32  # scikit-learn's random_state range


@dataclass(frozen=True)
class _Split:
    """One split in memory: indices into the source, images N×C×H×W, labels."""

    source_index: np.ndarray
    images: np.ndarray
    labels: np.ndarray
    source: dict

    def table(self) -> pa.Table:
        images = self.images.astype(self.images.dtype.newbyteorder("<"), copy=False)  # little-endian bytes
        return pa.table(
            {
                "source_index": pa.array(self.source_index, pa.int32()),
                "image": pa.array([image.tobytes() for image in images], pa.binary()),
                "label": pa.array(self.labels, pa.int16()),
            }
        )


# -- checks ----------------------------------------------------------------------------------------------------


def _check_seed(seed, what: str = "seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < _SEED_LIMIT:
        raise DataError(f"{what} must be an integer in [0, 2**32), got {seed!r}")
    return int(seed)


def _check_fraction(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise DataError(f"{what} must be a number, got {value!r}")
    if not 0 < value < 1:
        raise DataError(f"{what} must lie strictly between 0 and 1, got {value!r}")
    return float(value)


def _check_fractions(fractions) -> tuple[float, float, float]:
    if isinstance(fractions, (str, bytes)) or not hasattr(fractions, "__len__") or len(fractions) != 3:
        raise DataError(f"fractions must be three numbers (train, valid, test), got {fractions!r}")
    checked = tuple(_check_fraction(f, f"fractions: {split}") for f, split in zip(fractions, SPLITS))
    if abs(sum(checked) - 1) > 1e-9:
        raise DataError(f"fractions must sum to 1, got {list(checked)} (sum {sum(checked):.12g})")
    return checked


def _check_options(name: str, options: dict) -> dict:
    accepted = _OPTIONS[name]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        known = ", ".join(accepted) or "none"
        raise DataError(f"dataset {name!r}: unknown option(s) {', '.join(unknown)}; it accepts: {known}")
    merged = {**accepted, **options}
    missing = [key for key, value in merged.items() if value is _REQUIRED]
    if missing:
        raise DataError(f"dataset {name!r}: option(s) {', '.join(missing)} required")
    return merged


def split_sizes(n: int, fractions) -> tuple[int, ...]:
    """Rows per split for ``n`` items: each split but the first gets ``round(f * n)``, the first the rest.

    >>> split_sizes(1797, (0.5, 0.3, 0.2))
    (899, 539, 359)
    """
    rest = [round(f * n) for f in fractions[1:]]
    return (n - sum(rest), *rest)


def stratified_split(labels: np.ndarray, sizes, seed: int) -> tuple[np.ndarray, ...]:
    """Disjoint sorted index arrays of the given ``sizes`` (summing to ``len(labels)``), stratified by label.

    The last split is drawn first from all items, then the one before it from the rest, and so on,
    each with scikit-learn's ``train_test_split(..., stratify=..., random_state=seed)``.
    """
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    if sum(sizes) != len(labels):
        raise ValueError(f"split sizes {tuple(sizes)} do not add up to {len(labels)} items")
    num_classes = len(np.unique(labels))
    if min(sizes) < num_classes:
        raise DataError(
            f"split sizes {tuple(sizes)} of {len(labels)} items: every split needs at least one item "
            f"per class ({num_classes}); use larger fractions"
        )
    rest = np.arange(len(labels))
    parts = []
    for size in reversed(sizes[1:]):
        try:
            rest, part = train_test_split(rest, test_size=size, stratify=labels[rest], random_state=seed)
        except ValueError as exc:  # e.g. a class with a single item left to stratify
            raise DataError(f"cannot split {len(labels)} items into {tuple(sizes)} by label: {exc}") from None
        parts.append(np.sort(part))
    return (np.sort(rest), *reversed(parts))


def _channel_stats(images: np.ndarray) -> tuple[list[float], list[float]]:
    values = images.astype(np.float64)
    return values.mean(axis=(0, 2, 3)).tolist(), values.std(axis=(0, 2, 3)).tolist()


# -- datasets ------------------------------------------------------------------------------------------------


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    return images, digits.target.astype(np.int64)


def _digits_source() -> dict:
    import sklearn

    return {
        "loader": "sklearn.datasets.load_digits",
        "version": sklearn.__version__,
        "part": "all 1797 images, values 0..16 divided by 16",
        "source_index": "row of load_digits()",
    }


def _corruption_recipe(seed: int, mean: list[float], std: list[float], options: dict) -> dict:
    """The ``digits-hard`` recipe as stored in the metadata; the corruption seed is derived from ``seed`` if unset."""
    corruption_seed = options["corruption_seed"]
    derived = corruption_seed is None
    if derived:
        corruption_seed = int(np.random.SeedSequence([seed, _CORRUPTION_STREAM]).generate_state(1)[0])
    return {
        "steps": [
            "standardise each channel with the clean train split's mean/std",
            "add independent N(0, noise_sigma^2) noise to every pixel",
            "shift each image by integers (dy, dx) uniform in [-max_shift, max_shift], zero fill",
        ],
        "standardise_mean": mean,
        "standardise_std": std,
        "noise_sigma": options["noise_sigma"],
        "max_shift": options["max_shift"],
        "seed": corruption_seed,
        "seed_derived_from_split_seed": derived,
        "rng": "numpy.random.default_rng(seed): noise for all images, then offsets, in source order",
    }


def _digits(seed: int, fractions, *, hard: bool, options: dict) -> tuple[dict[str, _Split], dict]:
    images, labels = _load_digits()
    indices = stratified_split(labels, split_sizes(len(labels), fractions), seed)
    mean, std = _channel_stats(images[indices[0]])
    recipe = _corruption_recipe(seed, mean, std, options) if hard else None
    if recipe:
        images = corrupt_images(
            images,
            mean=mean,
            std=std,
            noise_sigma=recipe["noise_sigma"],
            max_shift=recipe["max_shift"],
            seed=recipe["seed"],
        )
    source = _digits_source()
    splits = {name: _Split(idx, images[idx], labels[idx], source) for name, idx in zip(SPLITS, indices)}
    meta = {
        "shape": list(images.shape[1:]),
        "dtype": "float32",
        "num_classes": 10,
        "classes": [str(d) for d in range(10)],
        "mean": [0.0] if hard else mean,
        "std": [1.0] if hard else std,
        "normalisation": (
            "none needed: images were standardised by the corruption"
            if hard
            else "per-channel mean/std of the train split"
        ),
        "fractions": list(fractions),
        "valid_fraction": None,
        "corruption": recipe,
    }
    return splits, meta


def _check_corruption(options: dict) -> None:
    sigma, shift, seed = options["noise_sigma"], options["max_shift"], options["corruption_seed"]
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not math.isfinite(sigma) or sigma < 0:
        raise DataError(f"digits-hard: noise_sigma must be a number >= 0, got {sigma!r}")
    if isinstance(shift, bool) or not isinstance(shift, numbers.Integral) or not 0 <= shift < 8:
        raise DataError(f"digits-hard: max_shift must be an integer in 0..7, got {shift!r}")
    if seed is not None:
        _check_seed(seed, "digits-hard: corruption_seed")
    options.update(noise_sigma=float(sigma), max_shift=int(shift))


def _cifar10(seed: int, options: dict) -> tuple[dict[str, _Split], dict]:
    import torchvision

    from cellprobe.data.cifar import CIFAR10_FOLDER, read_cifar10

    valid_fraction = options["valid_fraction"]
    data = read_cifar10(options["root"], download=options["download"])
    n = len(data.train_labels)
    sizes = split_sizes(n, (1 - valid_fraction, valid_fraction))
    train_idx, valid_idx = stratified_split(data.train_labels, sizes, seed)
    version = torchvision.__version__.split("+")[0]  # without the local build tag (+cpu, +cu130)

    def source(part: str, index: str) -> dict:
        return {
            "loader": "torchvision.datasets.CIFAR10",
            "version": version,
            "folder": CIFAR10_FOLDER,
            "part": part,
            "source_index": index,
        }

    official_train = source("official training set (data_batch_1..5)", "row of data_batch_1..5 concatenated")
    splits = {
        "train": _Split(train_idx, data.train_images[train_idx], data.train_labels[train_idx], official_train),
        "valid": _Split(valid_idx, data.train_images[valid_idx], data.train_labels[valid_idx], official_train),
        "test": _Split(
            np.arange(len(data.test_labels)),
            data.test_images,
            data.test_labels,
            source("official test batch (test_batch)", "row of test_batch"),
        ),
    }
    meta = {
        "shape": [3, 32, 32],
        "dtype": "uint8",
        "num_classes": len(data.classes),
        "classes": list(data.classes),
        "mean": list(CIFAR10_MEAN),
        "std": list(CIFAR10_STD),
        "normalisation": "standard CIFAR-10 channel mean/std, in [0, 1] units",
        "fractions": None,
        "valid_fraction": valid_fraction,
        "corruption": None,
    }
    return splits, meta


def _check_jpeg_options(options: dict) -> None:
    if not isinstance(options["file"], (str, os.PathLike)):
        raise DataError(f"cifar10-jpeg: file must be a path, got {options['file']!r}")
    for key in ("train_size", "valid_size", "test_size"):
        value = options[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 10:
            raise DataError(f"cifar10-jpeg: {key} must be an integer of at least 10 (one image per class), "
                            f"got {value!r}")
        options[key] = int(value)
    if options["resolution"] not in (8, 16, 32) or isinstance(options["resolution"], bool):
        raise DataError(f"cifar10-jpeg: resolution must be 32, 16 or 8, got {options['resolution']!r}")


def _cifar10_jpeg(seed: int, options: dict) -> tuple[dict[str, _Split], dict]:
    from cellprobe.data.jpeg import CIFAR10_CLASSES, balanced_draw, decode_images, downsample, read_jpeg_table

    path = Path(options["file"])
    parts = read_jpeg_table(path)
    train, valid = balanced_draw(parts["train"].labels, [options["train_size"], options["valid_size"]], seed,
                                 what=f"{path.name}: train and valid images")
    (test,) = balanced_draw(parts["test"].labels, [options["test_size"]], seed, what=f"{path.name}: test images")
    provenance = parts["train"].metadata.get("source", "unrecorded")

    def split(part: str, positions: np.ndarray) -> _Split:
        chosen = parts[part].take(positions)
        images = downsample(decode_images(chosen), options["resolution"])
        source = {
            "loader": "cellprobe.data.jpeg",
            "file": path.name,
            "provenance": provenance,
            "part": f"official {'training set' if part == 'train' else 'test batch'} rows of the file",
            "source_index": "position within the official split (the file's index column)",
        }
        return _Split(chosen.index, images, chosen.labels, source)

    # rows in a seeded random order: a class-sorted split would give every evaluation that takes its first
    # images (supernet scores, batch-norm recalibration, a zero-cost minibatch) one or two classes only
    drawn = (("train", "train", train), ("valid", "train", valid), ("test", "test", test))
    splits = {name: split(part, positions[np.random.default_rng([seed, k]).permutation(len(positions))])
              for k, (name, part, positions) in enumerate(drawn)}
    mean, std = _channel_stats(splits["train"].images / 255.0)
    r = options["resolution"]
    meta = {
        "shape": [3, r, r],
        "dtype": "uint8",
        "num_classes": len(CIFAR10_CLASSES),
        "classes": list(CIFAR10_CLASSES),
        "mean": mean,
        "std": std,
        "normalisation": f"per-channel mean/std of the train split at {r}×{r}, in [0, 1] units",
        "fractions": None,
        "valid_fraction": None,
        "corruption": None,
        "resolution": r,
        "pooling": None if r == 32 else f"{32 // r}×{32 // r} average, rounded to uint8",
    }
    return splits, meta


# -- writing -------------------------------------------------------------------------------------------------


def _write_all(tables: dict[str, tuple[pa.Table, dict]], out_dir: Path, schema=IMAGE_SPLIT) -> dict[str, Path]:
    """Write every table under ``out_dir`` as ``<split>.parquet``; on any failure leave none of them."""
    new_dirs = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".prepare-", dir=out_dir))
    except OSError as exc:
        raise DataError(f"{out_dir}: cannot create the output folder ({exc})") from None
    paths: dict[str, Path] = {}
    try:
        for split, (table, meta) in tables.items():
            write_table(table, staging / f"{split}.parquet", schema, metadata=meta)
        for split in tables:
            paths[split] = out_dir / f"{split}.parquet"
            os.replace(staging / f"{split}.parquet", paths[split])
    except BaseException:
        for path in paths.values():
            path.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        for folder in new_dirs:  # innermost first; only the folders this call made, if left empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return paths


def _metadata(name: str, split: str, meta: dict, **extra) -> dict:
    return {"dataset": name, "split": split, **meta, **extra}


def prepare_dataset(name: str, out_dir, *, seed: int, fractions=None, **options) -> dict[str, Path]:
    """Prepare dataset ``name`` into ``out_dir/{train,valid,test}.parquet``; returns the paths by split.

    ``seed`` drives the split (and, unless given, the ``digits-hard`` corruption); ``fractions``
    = (train, valid, test), positive and summing to 1, for the digit sets (``None``: their default);
    CIFAR-10 takes ``valid_fraction`` instead, ``cifar10-jpeg`` its split sizes. ``options`` are the dataset's (module docstring).
    Every input is checked and every split built before anything is written; if anything fails, no
    split file of this call is left behind (a file replaced earlier in the same call is lost).
    Errors are one-line :class:`DataError`.
    """
    if name not in _OPTIONS:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(DATASET_NAMES)}")
    seed = _check_seed(seed)
    options = _check_options(name, options)
    if name == "wikitext":
        from cellprobe.data.text import text_splits
        from cellprobe.tables import TOKEN_SPLIT

        if fractions is not None:
            raise DataError("wikitext takes its splits from the corpus files, not fractions")
        texts, meta = text_splits(options)
        return _write_all({split: (table, _metadata(name, split, meta, seed=seed)) for split, table in texts.items()},
                          Path(out_dir), TOKEN_SPLIT)
    if name == "cifar10":
        if fractions is not None:
            raise DataError(
                "cifar10 takes valid_fraction, not fractions: its test split is the official test batch"
            )
        options["valid_fraction"] = _check_fraction(options["valid_fraction"], "cifar10: valid_fraction")
        if not isinstance(options["download"], bool):
            raise DataError(f"cifar10: download must be true or false, got {options['download']!r}")
        if not isinstance(options["root"], (str, os.PathLike)):
            raise DataError(f"cifar10: root must be a path, got {options['root']!r}")
        splits, meta = _cifar10(seed, options)
    elif name == "cifar10-jpeg":
        if fractions is not None:
            raise DataError("cifar10-jpeg takes train_size, valid_size and test_size, not fractions")
        _check_jpeg_options(options)
        splits, meta = _cifar10_jpeg(seed, options)
    else:
        fractions = _check_fractions(DEFAULT_FRACTIONS if fractions is None else fractions)
        hard = name == "digits-hard"
        if hard:
            _check_corruption(options)
        splits, meta = _digits(seed, fractions, hard=hard, options=options)
    sizes = {split: len(part.labels) for split, part in splits.items()}
    tables = {
        split: (part.table(), _metadata(name, split, meta, seed=seed, sizes=sizes, source=part.source))
        for split, part in splits.items()
    }
    return _write_all(tables, Path(out_dir))
