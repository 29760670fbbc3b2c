"""CIFAR-10 as JPEG files packed in a Parquet table (``cifar10_jpeg`` schema): read, check, decode, subset.

The repository carries a stratified, seeded subset of all 60,000 CIFAR-10 images
(``data/images/cifar10_jpeg_subset.parquet``, rebuilt by ``data/images/build_cifar10_subset.py`` with
:func:`subset_table`; provenance in ``data/images/README.md``), so that the default run trains on real
images offline. The prep stage's ``cifar10-jpeg`` dataset (:mod:`cellprobe.data.prep`) draws its splits
from it with :func:`balanced_draw` and decodes them with :func:`decode_images`, optionally at a lower
resolution (:func:`downsample`).

Pixel values are those of the JPEG files, close to but not identical with the official batches (JPEG
is lossy): it is a dataset of its own, never presented as the official CIFAR-10.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from cellprobe.errors import DataError, TableError
from cellprobe.tables import CIFAR10_JPEG, read_metadata, read_table

__all__ = ["CIFAR10_CLASSES", "JpegImages", "read_jpeg_table", "decode_images", "downsample", "balanced_draw",
           "subset_table"]

#: CIFAR-10's classes in its own label order.
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
_SIZE = 32  # CIFAR-10 images are 32×32 RGB


@dataclass(frozen=True)
class JpegImages:
    """One split of a ``cifar10_jpeg`` table, still encoded: row positions, source indices, labels, files."""

    path: Path
    rows: np.ndarray  # row numbers in the table (error messages)
    index: np.ndarray  # position within the official split (the table's ``index`` column)
    labels: np.ndarray
    files: list[str]
    jpegs: list[bytes]
    metadata: dict

    def take(self, positions: np.ndarray) -> JpegImages:
        positions = np.asarray(positions, dtype=np.int64)
        return JpegImages(self.path, self.rows[positions], self.index[positions], self.labels[positions],
                          [self.files[i] for i in positions], [self.jpegs[i] for i in positions], self.metadata)


def read_jpeg_table(path) -> dict[str, JpegImages]:
    """The ``train`` and ``test`` images of a ``cifar10_jpeg`` table at ``path``, checked (one-line errors).

    Refused: a missing or unreadable file, another schema, a split other than train/test, a label outside
    0..9 or not matching its class name, an (split, index) pair twice, an empty split.
    """
    path = Path(path)
    try:
        table = read_table(path, CIFAR10_JPEG)
    except TableError as exc:
        raise DataError(f"CIFAR-10 JPEG images: {exc}") from None
    split = np.asarray(table.column("split").to_pylist(), dtype=object)
    unknown = sorted(set(split) - {"train", "test"})
    if unknown:
        raise DataError(f"{path}: unknown split(s) {unknown}; expected train and test")
    labels = table.column("label").to_numpy().astype(np.int64)
    names = table.column("class_name").to_pylist()
    for row, (label, name) in enumerate(zip(labels, names)):
        if not 0 <= label < len(CIFAR10_CLASSES) or CIFAR10_CLASSES[label] != name:
            raise DataError(f"{path}: row {row}: label {label} does not name class {name!r} (CIFAR-10 order: "
                            f"{', '.join(CIFAR10_CLASSES)})")
    index = table.column("index").to_numpy().astype(np.int64)
    keys = pa.table({"split": table.column("split"), "index": table.column("index")}).to_pandas()
    twice = keys.duplicated()
    if twice.any():
        row = int(np.flatnonzero(twice.to_numpy())[0])
        raise DataError(f"{path}: row {row}: {split[row]} image {index[row]} appears more than once")
    files, jpegs = table.column("file").to_pylist(), table.column("jpeg").to_pylist()
    metadata = read_metadata(path)
    out = {}
    for part in ("train", "test"):
        rows = np.flatnonzero(split == part)
        if not len(rows):
            raise DataError(f"{path}: no {part} images")
        out[part] = JpegImages(path, rows, index[rows], labels[rows], [files[i] for i in rows],
                               [jpegs[i] for i in rows], metadata)
    return out


def decode_images(images: JpegImages) -> np.ndarray:
    """The images as an N×3×32×32 uint8 array; a file that is not a 32×32 JPEG is one :class:`DataError`."""
    from PIL import Image, UnidentifiedImageError

    out = np.empty((len(images.jpegs), 3, _SIZE, _SIZE), dtype=np.uint8)
    for i, data in enumerate(images.jpegs):
        where = f"{images.path}: row {images.rows[i]} ({images.files[i]})"
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format != "JPEG":
                    raise DataError(f"{where}: not a JPEG file ({image.format})")
                pixels = np.asarray(image.convert("RGB"))
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise DataError(f"{where}: cannot decode the image ({exc})") from None
        if pixels.shape != (_SIZE, _SIZE, 3):
            raise DataError(f"{where}: image is {pixels.shape[1]}×{pixels.shape[0]}, expected {_SIZE}×{_SIZE}")
        out[i] = pixels.transpose(2, 0, 1)
    return out


def downsample(images: np.ndarray, resolution: int) -> np.ndarray:
    """N×C×32×32 uint8 images at ``resolution`` (32, 16 or 8) by k×k average pooling, rounded to uint8."""
    if resolution not in (8, 16, 32):
        raise DataError(f"resolution must be 32, 16 or 8 (32×32 pooled by 1, 2 or 4), got {resolution!r}")
    k = images.shape[-1] // resolution
    if k == 1:
        return images
    n, c, h, w = images.shape
    pooled = images.reshape(n, c, h // k, k, w // k, k).astype(np.float64).mean(axis=(3, 5))
    return np.rint(pooled).astype(np.uint8)


def balanced_draw(labels: np.ndarray, sizes, seed: int, *, what: str = "images") -> tuple[np.ndarray, ...]:
    """Disjoint sorted position arrays of the given ``sizes``, each as evenly spread over the labels as it
    can be (class ``c`` of ``k`` classes gets ``size // k`` items, plus one for the first ``size % k``).

    Each class's items are shuffled once with ``numpy.random.default_rng(seed)`` (classes in label order),
    then dealt out to the draws in order, so that a larger first draw keeps the smaller one's items.
    """
    labels = np.asarray(labels)
    classes = np.unique(labels)
    rng = np.random.default_rng(seed)
    shuffled = {c: rng.permutation(np.flatnonzero(labels == c)) for c in classes}
    taken = dict.fromkeys(classes, 0)
    draws = []
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < len(classes):
            raise DataError(f"{what}: each draw needs an integer of at least one item per class ({len(classes)}), "
                            f"got {size!r}")
        base, extra = divmod(int(size), len(classes))
        picked = []
        for rank, c in enumerate(classes):
            want = base + (rank < extra)
            if taken[c] + want > len(shuffled[c]):
                raise DataError(f"{what}: class {c} has {len(shuffled[c])} items, the draws {list(sizes)} need more")
            picked.append(shuffled[c][taken[c] : taken[c] + want])
            taken[c] += want
        draws.append(np.sort(np.concatenate(picked)))
    return tuple(draws)


def subset_table(source, per_class: dict[str, int], seed: int) -> pa.Table:
    """A stratified, seeded subset of a ``cifar10_jpeg``-shaped table (the shared file of all 60,000 images):
    ``per_class[split]`` images of every class from each split, rows in (split, index) order."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(source, columns=CIFAR10_JPEG.columns)
    keep = []
    for split, n in per_class.items():
        rows = np.flatnonzero(pc.equal(table.column("split"), split).to_numpy(zero_copy_only=False))
        labels = table.column("label").to_numpy()[rows]
        (positions,) = balanced_draw(labels, [n * len(CIFAR10_CLASSES)], seed, what=f"{split} images")
        keep.append(rows[positions])
    out = table.take(pa.array(np.concatenate(keep)))
    order = pc.sort_indices(out, sort_keys=[("split", "descending"), ("index", "ascending")])  # train first
    return out.take(order)
