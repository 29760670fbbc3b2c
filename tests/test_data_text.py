"""The wikitext dataset: the shipped WikiText-2 parts as token_split tables, and its bad inputs."""

import hashlib
import shutil

import pytest

from cellprobe.data import load_tokens, prepare_dataset
from cellprobe.data.text import EOS, UNK
from cellprobe.errors import DataError
from cellprobe.tables import read_metadata
from tests.conftest import cellprobe


@pytest.fixture(scope="module")
def shipped(root):
    return root / "data/text/wikitext-2"


def test_the_shipped_files_are_the_documented_ones(shipped):
    readme = (shipped.parent / "README.md").read_text()
    for path in sorted(shipped.iterdir()):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in readme, path.name


def test_word_level_splits_vocabulary_and_determinism(shipped, tmp_path):
    paths = prepare_dataset("wikitext", tmp_path / "a", seed=0, dir=str(shipped), vocab_size=2000, max_tokens=20_000)
    meta = read_metadata(paths["train"])
    assert meta["source"]["files"]["train"]["file"] == "wiki.test.tokens"  # the larger part trains
    assert meta["source"]["files"]["valid"]["file"] == meta["source"]["files"]["test"]["file"] == "wiki.valid.tokens"
    assert meta["vocab"][:2] == [UNK, EOS] and meta["vocab_size"] == 2000 and len(set(meta["vocab"])) == 2000
    assert meta["sizes"] == {"train": 20_000, "valid": 20_000, "test": 20_000}
    train, valid = load_tokens(paths["train"]), load_tokens(paths["valid"])
    assert len(train) == 20_000 and train.vocab == meta["vocab"] and train.tokens.max() < 2000
    assert (train.tokens == 1).sum() > 100  # one <eos> per line
    assert 0 < meta["unk_share"]["valid"] < 0.5 and meta["unk_share"]["train"] <= meta["unk_share"]["valid"] + 0.05
    assert valid.tokens[:50].tolist() != train.tokens[:50].tolist()
    again = prepare_dataset("wikitext", tmp_path / "b", seed=0, dir=str(shipped), vocab_size=2000, max_tokens=20_000)
    for split in ("train", "valid", "test"):
        assert paths[split].read_bytes() == again[split].read_bytes()


def test_char_level_and_official_splits(shipped, tmp_path):
    folder = tmp_path / "official"
    folder.mkdir()
    for split, text in (("train", "a b c\n\n a b\n"), ("valid", "a c\n"), ("test", "b a\nc\n")):
        (folder / f"wiki.{split}.tokens").write_text(text)
    paths = prepare_dataset("wikitext", tmp_path / "out", seed=0, dir=str(folder), level="char", vocab_size=10)
    meta = read_metadata(paths["test"])
    assert meta["source"]["kind"] == "official splits" and meta["vocab"] == [UNK, EOS, "_", "a", "b", "c"]
    assert load_tokens(paths["test"]).tokens.tolist() == [4, 2, 3, 1, 5, 1]  # b _ a <eos> c <eos>


@pytest.mark.parametrize("change, message", [
    ("missing", "corpus folder not found"),
    ("one part", "needs wiki.valid.tokens and wiki.test.tokens"),
    ("not utf-8", "not UTF-8 text"),
    ("empty", r"the valid text holds 0 token\(s\)"),
])
def test_a_missing_or_unreadable_corpus_is_one_line_and_writes_nothing(shipped, tmp_path, change, message):
    folder = tmp_path / "corpus"
    if change != "missing":
        shutil.copytree(shipped, folder)
    if change == "one part":
        (folder / "wiki.test.tokens").unlink()
    elif change == "not utf-8":
        (folder / "wiki.valid.tokens").write_bytes(b"abc \xff\xfe def\n")
    elif change == "empty":
        (folder / "wiki.valid.tokens").write_text("\n\n")
    out = tmp_path / "out"
    with pytest.raises(DataError, match=message):
        prepare_dataset("wikitext", out, seed=0, dir=str(folder))
    assert not out.exists()


def test_the_prep_command_and_bad_options(shipped, tmp_path):
    out = tmp_path / "wt2"
    result = cellprobe("prep", "--dataset", "wikitext", "--out-dir", str(out), "--options",
                       f'{{"dir": "{shipped}", "max_tokens": 5000, "vocab_size": 500}}')
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["test.parquet", "train.parquet", "valid.parquet"]
    for options, message in (({"level": "byte"}, "level must be one of word, char"),
                             ({"vocab_size": 2}, "vocab_size must be an integer of at least 3"),
                             ({"max_tokens": 1}, "max_tokens must be"), ({}, "option(s) dir required")):
        with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
            prepare_dataset("wikitext", tmp_path / "x", seed=0, **({"dir": str(shipped)} | options
                                                                   if "dir" not in message else options))
