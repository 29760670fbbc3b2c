import os
import pickle
import pickletools
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_digits

import cellprobe.data.prep as prep
from cellprobe.data import (
    AUGMENT_PRESETS,
    CIFAR10_MEAN,
    CIFAR10_STD,
    DATASET_NAMES,
    Augment,
    ImageSplit,
    corrupt_images,
    load_split,
    prepare_dataset,
    shift_images,
    split_sizes,
)
from cellprobe.errors import DataError, TableError
from cellprobe.tables import IMAGE_SPLIT, NB201_BENCHMARK, read_frame, read_metadata, write_table

SPLITS = ("train", "valid", "test")
FRACTIONS = (0.5, 0.3, 0.2)


@pytest.fixture(scope="module")
def digits_labels() -> np.ndarray:
    return load_digits().target


def frames(paths) -> dict[str, pd.DataFrame]:
    return {split: read_frame(paths[split], IMAGE_SPLIT) for split in SPLITS}


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- digits ----------------------------------------------------------------------------------------------------


def test_digits_splits_are_disjoint_complete_and_sized_by_fractions(tmp_path):
    paths = prepare_dataset("digits", tmp_path, seed=0, fractions=FRACTIONS)
    assert paths == {split: tmp_path / f"{split}.parquet" for split in SPLITS}
    assert listing(tmp_path) == ["test.parquet", "train.parquet", "valid.parquet"]
    indices = {split: set(df["source_index"]) for split, df in frames(paths).items()}
    assert sum(map(len, indices.values())) == len(set.union(*indices.values())) == 1797
    for split, fraction in zip(SPLITS, FRACTIONS):
        assert abs(len(indices[split]) - fraction * 1797) <= 1
    assert [len(indices[s]) for s in SPLITS] == list(split_sizes(1797, FRACTIONS))


def test_digits_splits_are_stratified(tmp_path, digits_labels):
    overall = np.bincount(digits_labels, minlength=10) / len(digits_labels)
    for split, df in frames(prepare_dataset("digits", tmp_path, seed=3, fractions=FRACTIONS)).items():
        assert (df["label"].to_numpy() == digits_labels[df["source_index"]]).all()
        counts = np.bincount(df["label"], minlength=10)
        assert np.abs(counts - overall * len(df)).max() <= 2, split


def test_digits_images_and_metadata(tmp_path):
    paths = prepare_dataset("digits", tmp_path, seed=5, fractions=FRACTIONS)
    df = read_frame(paths["train"], IMAGE_SPLIT)
    images = np.stack([np.frombuffer(b, dtype="<f4") for b in df["image"]]).reshape(-1, 1, 8, 8)
    expected = (load_digits().images[df["source_index"]] / 16).astype(np.float32)[:, None]
    np.testing.assert_array_equal(images, expected)
    meta = read_metadata(paths["valid"])
    assert meta["dataset"] == "digits" and meta["split"] == "valid"
    assert meta["shape"] == [1, 8, 8] and meta["dtype"] == "float32" and meta["num_classes"] == 10
    assert meta["seed"] == 5 and meta["fractions"] == list(FRACTIONS) and meta["valid_fraction"] is None
    assert meta["corruption"] is None and meta["source"]["loader"] == "sklearn.datasets.load_digits"
    assert meta["sizes"] == {s: len(read_frame(paths[s], IMAGE_SPLIT)) for s in SPLITS}
    assert meta["mean"] == pytest.approx([images.mean()]) and meta["std"] == pytest.approx([images.std()], rel=1e-5)
    assert read_metadata(paths["train"])["mean"] == meta["mean"]  # every split carries the train statistics


def test_default_fractions_are_used_when_none_given(tmp_path):
    paths = prepare_dataset("digits", tmp_path, seed=0)
    assert read_metadata(paths["test"])["fractions"] == list(prep.DEFAULT_FRACTIONS)


def test_same_seed_gives_identical_bytes_and_another_seed_another_split(tmp_path):
    a = prepare_dataset("digits", tmp_path / "a", seed=1, fractions=FRACTIONS)
    b = prepare_dataset("digits", tmp_path / "b", seed=1, fractions=FRACTIONS)
    c = prepare_dataset("digits", tmp_path / "c", seed=2, fractions=FRACTIONS)
    for split in SPLITS:
        assert a[split].read_bytes() == b[split].read_bytes()
        assert set(frames(a)[split]["source_index"]) != set(frames(c)[split]["source_index"])


# -- digits-hard -------------------------------------------------------------------------------------------------


def test_digits_hard_uses_the_digits_split_but_corrupted_images(tmp_path):
    clean = frames(prepare_dataset("digits", tmp_path / "clean", seed=0, fractions=FRACTIONS))
    hard_paths = prepare_dataset("digits-hard", tmp_path / "hard", seed=0, fractions=FRACTIONS)
    hard = frames(hard_paths)
    for split in SPLITS:
        assert clean[split]["source_index"].tolist() == hard[split]["source_index"].tolist()
        assert clean[split]["label"].tolist() == hard[split]["label"].tolist()
        assert all(x != y for x, y in zip(clean[split]["image"], hard[split]["image"]))
    again = prepare_dataset("digits-hard", tmp_path / "again", seed=0, fractions=FRACTIONS)
    assert all(again[s].read_bytes() == hard_paths[s].read_bytes() for s in SPLITS)


def test_digits_hard_metadata_records_the_recipe(tmp_path):
    meta = read_metadata(prepare_dataset("digits-hard", tmp_path, seed=0, fractions=FRACTIONS)["test"])
    recipe = meta["corruption"]
    assert recipe["noise_sigma"] == 0.6 and recipe["max_shift"] == 1
    assert isinstance(recipe["seed"], int) and recipe["seed_derived_from_split_seed"] is True
    assert len(recipe["standardise_mean"]) == len(recipe["standardise_std"]) == 1
    assert meta["mean"] == [0.0] and meta["std"] == [1.0] and meta["dtype"] == "float32"


def test_digits_hard_options_change_the_images_not_the_split(tmp_path):
    base = frames(prepare_dataset("digits-hard", tmp_path / "a", seed=0, fractions=FRACTIONS))
    paths = prepare_dataset(
        "digits-hard", tmp_path / "b", seed=0, fractions=FRACTIONS, noise_sigma=0.3, max_shift=2, corruption_seed=7
    )
    other = frames(paths)
    assert base["train"]["source_index"].tolist() == other["train"]["source_index"].tolist()
    assert base["train"]["image"][0] != other["train"]["image"][0]
    recipe = read_metadata(paths["train"])["corruption"]
    assert (recipe["noise_sigma"], recipe["max_shift"], recipe["seed"]) == (0.3, 2, 7)
    assert recipe["seed_derived_from_split_seed"] is False


def test_shift_images_moves_content_and_fills_with_zeros():
    images = np.arange(2 * 16, dtype=np.float32).reshape(2, 1, 4, 4) + 1
    out = shift_images(images, np.array([[1, -1], [0, 0]]))
    np.testing.assert_array_equal(out[0, 0, 1:, :3], images[0, 0, :3, 1:])
    assert (out[0, 0, 0] == 0).all() and (out[0, 0, :, 3] == 0).all()
    np.testing.assert_array_equal(out[1], images[1])


def test_corrupt_images_without_noise_or_shift_only_standardises():
    images = np.random.default_rng(0).random((5, 2, 4, 4)).astype(np.float32)
    out = corrupt_images(images, mean=[0.5, 0.2], std=[2.0, 0.5], noise_sigma=0.0, max_shift=0, seed=0)
    expected = (images - np.array([0.5, 0.2]).reshape(1, 2, 1, 1)) / np.array([2.0, 0.5]).reshape(1, 2, 1, 1)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.dtype == np.float32


# -- CIFAR-10 on a fake dataset in the real on-disk format ------------------------------------------------------


def py2_pickle(obj, strings) -> bytes:
    """``obj`` pickled like the real CIFAR-10 files (Python 2): the given str values as byte strings.

    Python 3 writes str as unicode; a Python 2 str is a SHORT_BINSTRING / BINSTRING opcode, which
    ``pickle.load(encoding="latin1")`` (torchvision) reads as str and ``encoding="bytes"`` as bytes.
    Protocol 2 has no frames, so opcodes can be swapped without fixing up offsets.
    """
    raw = pickle.dumps(obj, protocol=2)
    ops = list(pickletools.genops(raw))
    out, last = bytearray(), 0
    for (op, arg, pos), (_, _, end) in zip(ops, ops[1:] + [(None, None, len(raw))]):
        if op.name == "BINUNICODE" and arg in strings:
            data = arg.encode("latin1")
            code = b"U" + bytes([len(data)]) if len(data) < 256 else b"T" + struct.pack("<i", len(data))
            out += raw[last:pos] + code + data
            last = end
    return bytes(out + raw[last:])


def write_fake_cifar(root, per_batch: int = 20, seed: int = 0) -> dict:
    """cifar-10-batches-py/ with data_batch_1..5, test_batch and batches.meta; returns the arrays written."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    written = {}
    for i, batch in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [(i + j) % 10 for j in range(per_batch)]
        filenames = [f"img_{i}_{j}.png" for j in range(per_batch)]
        label = f"fake batch {i}"
        entry = {"batch_label": label, "labels": labels, "data": data, "filenames": filenames}
        strings = {"batch_label", "labels", "data", "filenames", label, *filenames}
        (folder / batch).write_bytes(py2_pickle(entry, strings))
        written[batch] = (data, np.array(labels))
    meta = {"num_cases_per_batch": per_batch, "label_names": names, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(py2_pickle(meta, {"num_cases_per_batch", "label_names", "num_vis", *names}))
    return written


@pytest.fixture
def fake_cifar(tmp_path):
    root = tmp_path / "cifar"
    return root, write_fake_cifar(root)


@pytest.fixture
def without_md5(monkeypatch):
    """Skip only torchvision's MD5 comparison, which no fake file can pass; the existence check stays.

    torchvision 0.29.1's CIFAR10 calls the module-level ``check_integrity(path, md5)`` for every
    batch (``_check_integrity``) and for batches.meta (``_load_meta``); everything else it does
    (reading the pickles, reshaping, labels, class names) runs for real on the fake files.
    """
    import torchvision.datasets.cifar as tv_cifar

    monkeypatch.setattr(tv_cifar, "check_integrity", lambda fpath, md5=None: os.path.isfile(fpath))


def test_fake_batches_read_like_the_real_format(fake_cifar):
    root, _ = fake_cifar
    with open(root / "cifar-10-batches-py" / "data_batch_1", "rb") as fh:
        entry = pickle.load(fh, encoding="bytes")
    assert set(entry) == {b"batch_label", b"labels", b"data", b"filenames"}
    assert entry[b"data"].shape == (20, 3072) and entry[b"data"].dtype == np.uint8


def test_cifar10_from_fake_batches(fake_cifar, without_md5, tmp_path):
    root, written = fake_cifar
    paths = prepare_dataset("cifar10", tmp_path / "out", seed=0, root=root, valid_fraction=0.2)
    parts = frames(paths)
    assert {s: len(df) for s, df in parts.items()} == {"train": 80, "valid": 20, "test": 20}
    assert not set(parts["train"]["source_index"]) & set(parts["valid"]["source_index"])
    assert np.bincount(parts["valid"]["label"], minlength=10).tolist() == [2] * 10  # stratified
    train_data = np.concatenate([written[f"data_batch_{k}"][0] for k in range(1, 6)])
    train_labels = np.concatenate([written[f"data_batch_{k}"][1] for k in range(1, 6)])
    for split in ("train", "valid"):
        df = parts[split]
        stored = np.stack([np.frombuffer(b, dtype=np.uint8) for b in df["image"]])
        np.testing.assert_array_equal(stored, train_data[df["source_index"]])  # uint8 CHW round trip
        np.testing.assert_array_equal(df["label"], train_labels[df["source_index"]])
    test = parts["test"]
    assert test["source_index"].tolist() == list(range(20))
    np.testing.assert_array_equal(np.stack([np.frombuffer(b, dtype=np.uint8) for b in test["image"]]),
                                  written["test_batch"][0])
    np.testing.assert_array_equal(test["label"], written["test_batch"][1])
    meta = read_metadata(paths["train"])
    assert meta["shape"] == [3, 32, 32] and meta["dtype"] == "uint8" and meta["num_classes"] == 10
    assert meta["mean"] == list(CIFAR10_MEAN) and meta["std"] == list(CIFAR10_STD)
    assert meta["valid_fraction"] == 0.2 and meta["fractions"] is None and meta["classes"][0] == "airplane"
    assert "test_batch" in read_metadata(paths["test"])["source"]["part"]


def test_cifar10_loads_as_normalised_tensors(fake_cifar, without_md5, tmp_path):
    root, written = fake_cifar
    split = load_split(prepare_dataset("cifar10", tmp_path / "out", seed=0, root=root)["test"])
    assert split.x.shape == (20, 3, 32, 32) and split.y.tolist() == written["test_batch"][1].tolist()
    raw = torch.from_numpy(written["test_batch"][0].reshape(20, 3, 32, 32)).float() / 255
    expected = (raw - torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)) / torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    torch.testing.assert_close(split.x, expected)


def test_fake_cifar_files_fail_torchvisions_md5_check(fake_cifar, tmp_path):
    root, _ = fake_cifar
    with pytest.raises(DataError, match="corrupted") as info:
        prepare_dataset("cifar10", tmp_path / "out", seed=0, root=root)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out").exists()


def test_missing_cifar_without_download_is_one_line_and_writes_nothing(tmp_path):
    with pytest.raises(DataError) as info:
        prepare_dataset("cifar10", tmp_path / "out", seed=0, root=tmp_path / "nowhere")
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / "nowhere" / "cifar-10-batches-py") in message
    assert "download: true" in message
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "options, match",
    [
        ({"fractions": FRACTIONS}, "valid_fraction, not fractions"),
        ({"valid_fraction": 1.0}, "valid_fraction"),
        ({"valid_fraction": 0.1, "noise_sigma": 0.5}, "unknown option"),
        ({"download": "yes"}, "download"),
    ],
)
def test_cifar10_bad_options(tmp_path, options, match):
    with pytest.raises(DataError, match=match):
        prepare_dataset("cifar10", tmp_path / "out", seed=0, root=tmp_path, **options)
    assert not (tmp_path / "out").exists()


def test_cifar10_needs_a_root(tmp_path):
    with pytest.raises(DataError, match="root"):
        prepare_dataset("cifar10", tmp_path / "out", seed=0)


# -- bad inputs write nothing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("mnist", {}, "unknown dataset 'mnist'; known: " + ", ".join(DATASET_NAMES)),
        ("digits", {"fractions": (0.5, 0.3, 0.3)}, "sum to 1"),
        ("digits", {"fractions": (0.7, 0.4, -0.1)}, "between 0 and 1"),
        ("digits", {"fractions": (1.0, 0.0, 0.0)}, "between 0 and 1"),
        ("digits", {"fractions": (0.5, 0.5)}, "three numbers"),
        ("digits", {"fractions": "0.5,0.3,0.2"}, "three numbers"),
        ("digits", {"fractions": (0.99, 0.005, 0.005)}, "at least one item per class"),
        ("digits", {"noise_sigma": 0.5}, "unknown option"),
        ("digits", {"seed": -1}, "seed"),
        ("digits", {"seed": 1.5}, "seed"),
        ("digits-hard", {"noise_sigma": -1}, "noise_sigma"),
        ("digits-hard", {"max_shift": 8}, "max_shift"),
        ("digits-hard", {"corruption_seed": "x"}, "corruption_seed"),
    ],
)
def test_bad_inputs_raise_data_error_and_write_nothing(tmp_path, name, kwargs, match):
    kwargs = {"seed": 0, **kwargs}
    with pytest.raises(DataError, match=match) as info:
        prepare_dataset(name, tmp_path / "out", **kwargs)
    assert "\n" not in str(info.value)
    assert listing(tmp_path) == []


def test_a_failed_write_leaves_no_split_file(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("kept")
    calls = []

    def failing_write(*args, **kwargs):
        calls.append(args[1])
        if len(calls) % 3 == 0:  # the third split of each call
            raise OSError("disk full")
        return write_table(*args, **kwargs)

    monkeypatch.setattr(prep, "write_table", failing_write)
    with pytest.raises(OSError, match="disk full"):
        prepare_dataset("digits", tmp_path, seed=0)
    assert listing(tmp_path) == ["notes.txt"]
    with pytest.raises(OSError):
        prepare_dataset("digits", tmp_path / "new" / "deeper", seed=0)
    assert listing(tmp_path) == ["notes.txt"]  # the folders this call created are gone too


def test_a_failed_move_into_place_removes_the_splits_already_moved(tmp_path, monkeypatch):
    real_replace, moved = os.replace, []

    def failing_replace(src, dst):
        if Path(dst).parent == tmp_path:  # a finished split moved from the staging folder
            moved.append(Path(dst).name)
            if len(moved) == 2:
                raise OSError("device gone")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="device gone"):
        prepare_dataset("digits", tmp_path, seed=0)
    assert moved == ["train.parquet", "valid.parquet"] and listing(tmp_path) == []


# -- loading -------------------------------------------------------------------------------------------------------


def test_load_split_normalises_with_the_train_statistics(tmp_path):
    paths = prepare_dataset("digits", tmp_path, seed=0, fractions=FRACTIONS)
    train = load_split(paths["train"])
    assert isinstance(train, ImageSplit) and len(train) == 899 and train.num_classes == 10
    assert train.x.dtype == torch.float32 and train.x.shape == (899, 1, 8, 8) and train.y.dtype == torch.int64
    assert train.x.mean(dim=(0, 2, 3)).abs().max() < 1e-5
    assert (train.x.std(dim=(0, 2, 3), unbiased=False) - 1).abs().max() < 1e-4
    assert train.meta["split"] == "train"
    np.testing.assert_array_equal(train.y.numpy(), read_frame(paths["train"], IMAGE_SPLIT)["label"])
    valid = load_split(paths["valid"])
    assert valid.x.mean().abs() < 0.1  # normalised with the train split's statistics, not its own


def test_load_split_digits_hard_is_already_standardised(tmp_path):
    train = load_split(prepare_dataset("digits-hard", tmp_path, seed=0, fractions=FRACTIONS)["train"])
    assert train.x.mean().abs() < 0.1 and (train.x.std() - 1).abs() < 0.15


def image_table(path, images: list[bytes], **meta):
    metadata = {"shape": [1, 2, 2], "dtype": "float32", "mean": [0.0], "std": [1.0], "num_classes": 3, **meta}
    df = pd.DataFrame({"source_index": range(len(images)), "image": images, "label": [0] * len(images)})
    return write_table(df, path, IMAGE_SPLIT, metadata=metadata)


@pytest.mark.parametrize(
    "images, meta, match",
    [
        ([bytes(16), bytes(12)], {}, "row 1: image has 12 bytes, the metadata's shape and dtype need 16"),
        ([bytes(16)], {"dtype": "float64"}, "dtype 'float64'"),
        ([bytes(16)], {"shape": [2, 2]}, r"\[C, H, W\]"),
        ([bytes(16)], {"mean": [0.0, 0.0]}, "one per channel"),
        ([bytes(16)], {"std": [0.0]}, "positive"),
        ([bytes(16)], {"num_classes": 0}, "num_classes"),
    ],
)
def test_load_split_rejects_inconsistent_tables(tmp_path, images, meta, match):
    path = image_table(tmp_path / "bad.parquet", images, **meta)
    with pytest.raises(DataError, match=match) as info:
        load_split(path)
    assert "\n" not in str(info.value)


def test_load_split_rejects_another_table_and_missing_metadata(tmp_path):
    other = tmp_path / "nb201.parquet"
    write_table(pd.DataFrame({f.name: [] for f in NB201_BENCHMARK.fields}), other, NB201_BENCHMARK)
    with pytest.raises(TableError, match="expected 'image_split'"):
        load_split(other)
    bare = tmp_path / "bare.parquet"
    write_table(pd.DataFrame({"source_index": [0], "image": [bytes(4)], "label": [0]}), bare, IMAGE_SPLIT)
    with pytest.raises(DataError, match="metadata lacks"):
        load_split(bare)


def test_load_split_rejects_labels_out_of_range(tmp_path):
    path = tmp_path / "labels.parquet"
    df = pd.DataFrame({"source_index": [0], "image": [bytes(16)], "label": [3]})
    meta = {"shape": [1, 2, 2], "dtype": "float32", "mean": [0.0], "std": [1.0], "num_classes": 3}
    write_table(df, path, IMAGE_SPLIT, metadata=meta)
    with pytest.raises(DataError, match="labels outside 0..2"):
        load_split(path)


# -- augmentation -----------------------------------------------------------------------------------------------


def batch(n=32, c=3, h=12, w=12, seed=0) -> torch.Tensor:
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed)) + 1  # no zeros before augmenting


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", sorted(AUGMENT_PRESETS))
def test_presets_are_deterministic_and_keep_shape(name):
    x = batch(h=32, w=32)
    before = x.clone()
    out = AUGMENT_PRESETS[name](x, gen(7))
    assert out.shape == x.shape and out.dtype == x.dtype
    torch.testing.assert_close(out, AUGMENT_PRESETS[name](x, gen(7)), rtol=0, atol=0)
    torch.testing.assert_close(x, before, rtol=0, atol=0)  # the input is left alone
    if name != "none":
        assert not torch.equal(out, AUGMENT_PRESETS[name](x, gen(8)))


def test_preset_values():
    assert AUGMENT_PRESETS["cifar"] == Augment(4, True, 16)
    assert AUGMENT_PRESETS["digits"] == Augment(1, False, 0)
    assert AUGMENT_PRESETS["none"] == Augment()


def test_flip_mirrors_some_images_and_keeps_the_others():
    x = batch(n=64)
    out = Augment(flip=True)(x, gen(0))
    flipped = [torch.equal(o, i.flip(-1)) for o, i in zip(out, x)]
    kept = [torch.equal(o, i) for o, i in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


def test_crop_is_a_shift_within_the_padding_with_zero_fill():
    x = batch(n=64, c=2)
    out = Augment(crop_padding=2)(x, gen(0))
    seen = set()
    for o, i in zip(out, x):
        matches = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(o.numpy(), shift_images(i[None].numpy(), np.array([[dy, dx]]))[0])
        ]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) > 10


def test_cutout_zeroes_one_square_clipped_at_the_borders():
    size, h = 4, 16
    x = batch(n=128, c=3, h=h, w=h)
    out = Augment(cutout=size)(x, gen(0))
    interior = 0
    for o in out:
        zero = (o == 0)
        assert torch.equal(zero[0], zero[1]) and torch.equal(zero[0], zero[2])  # same square in every channel
        rows, cols = torch.nonzero(zero[0], as_tuple=True)
        assert len(rows) > 0
        height, width = int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
        assert len(rows) == height * width and height <= size and width <= size  # a full rectangle
        if rows.min() > 0 and cols.min() > 0 and rows.max() < h - 1 and cols.max() < h - 1:
            assert (height, width) == (size, size)
            interior += 1
    assert interior > 32


def test_augment_validates_its_arguments():
    with pytest.raises(ValueError, match="crop_padding"):
        Augment(crop_padding=-1)
    with pytest.raises(ValueError, match="cutout"):
        Augment(cutout=1.5)
    with pytest.raises(ValueError, match="flip"):
        Augment(flip=1)
    with pytest.raises(ValueError, match="N×C×H×W"):
        Augment(flip=True)(torch.zeros(3, 4, 4), gen(0))


def test_augment_handles_an_empty_batch():
    out = AUGMENT_PRESETS["cifar"](torch.zeros(0, 3, 8, 8), gen(0))
    assert out.shape == (0, 3, 8, 8)
