import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import torch

from cellprobe.analysis.evaluators import kendall_tau_between_seeds
from cellprobe.runtime import DeviceError, derive_seed, resolve_device
from cellprobe.sampling import sample_architectures, sample_table
from cellprobe.tables import SAMPLE_SET, TRAIN_RESULT, read_frame, write_table
from cellprobe.shards import gather_shards, shard_rows
from cellprobe.train import NetworkSettings, TrainError, TrainSettings, train_architecture
from tests.conftest import cellprobe

CELLPROBE = str(Path(sys.executable).with_name("cellprobe"))
FAST = TrainSettings(epochs=3, batch_size=64, network=NetworkSettings(C=4, layers=3, N=1))


@pytest.fixture(scope="module")
def data_dir(digits_hard):
    return digits_hard


@pytest.fixture(scope="module")
def splits(digits_hard_splits):
    return digits_hard_splits


def without_timing(row: dict) -> dict:
    """A result row holds no timing: it is all science, to be compared whole."""
    assert "wall_s" not in row
    return row


@pytest.mark.parametrize("sampler", ["primskip", "nb201"])
def test_training_is_deterministic_on_cpu(splits, sampler):
    genotype = sample_architectures(sampler, 1, seed=5)[0]
    a = train_architecture(genotype, splits, FAST, seed=0, device=torch.device("cpu"), dataset="digits-hard")
    b = train_architecture(genotype, splits, FAST, seed=0, device=torch.device("cpu"), dataset="digits-hard")
    assert without_timing(a) == without_timing(b)
    c = train_architecture(genotype, splits, FAST, seed=1, device=torch.device("cpu"), dataset="digits-hard")
    assert without_timing(c) != without_timing(a)
    assert 10 < a["valid_acc"] <= 100 and a["params_m"] > 0 and a["flops_m"] > 0
    assert a["epochs"] == 3 and a["device"] == "cpu" and a["genotype"] == genotype.to_str()


def test_validation_only_after_the_last_epoch_gives_the_same_row(splits):
    genotype = sample_architectures("nb201", 1, seed=3)[0]
    cpu = torch.device("cpu")
    every, last = [], []
    a = train_architecture(genotype, splits, FAST, seed=0, device=cpu, on_epoch=lambda e, r: every.append(r))
    b = train_architecture(genotype, splits, replace(FAST, valid_every=0), seed=0, device=cpu,
                           on_epoch=lambda e, r: last.append(r))
    assert a == b  # evaluation draws nothing and changes no weights or statistics
    assert all(r["valid_acc"] is not None for r in every)
    assert [r["valid_acc"] is None for r in last] == [True, True, False]
    assert [r["train_loss"] for r in last] == [r["train_loss"] for r in every]
    with pytest.raises(ValueError, match="valid_every"):
        TrainSettings(valid_every=-1)


def test_resume_from_checkpoint_gives_the_identical_row(splits, tmp_path):
    genotype = sample_architectures("skip", 1, seed=2)[0]
    settings = replace(FAST, drop_path_prob=0.2)
    cpu = torch.device("cpu")
    reference = train_architecture(genotype, splits, settings, seed=3, device=cpu)
    ckpt = tmp_path / "a.pt"
    assert train_architecture(genotype, splits, settings, seed=3, device=cpu, checkpoint=ckpt, stop_after_epoch=1) == {}
    assert torch.load(ckpt, weights_only=True)["epoch"] == 1
    epochs_run = []
    resumed = train_architecture(genotype, splits, settings, seed=3, device=cpu, checkpoint=ckpt,
                                 on_epoch=lambda e, _: epochs_run.append(e))
    assert epochs_run == [2, 3]
    assert without_timing(resumed) == without_timing(reference)
    # a finished checkpoint returns its result without training again
    again = train_architecture(genotype, splits, settings, seed=3, device=cpu, checkpoint=ckpt,
                               on_epoch=lambda e, _: epochs_run.append(e))
    assert again == resumed and epochs_run == [2, 3]


def test_checkpoint_of_other_settings_is_not_resumed(splits, tmp_path):
    genotype = sample_architectures("prim", 1, seed=0)[0]
    ckpt = tmp_path / "a.pt"
    train_architecture(genotype, splits, FAST, seed=0, device=torch.device("cpu"), checkpoint=ckpt, stop_after_epoch=1)
    other = replace(FAST, lr=0.1)
    epochs_run = []
    train_architecture(genotype, splits, other, seed=0, device=torch.device("cpu"), checkpoint=ckpt,
                       on_epoch=lambda e, _: epochs_run.append(e))
    assert epochs_run == [1, 2, 3]


def test_settings_validation():
    with pytest.raises(TrainError, match=r"unknown setting\(s\) \['epoch'\]"):
        TrainSettings.from_dict({"epoch": 3})
    with pytest.raises(TrainError, match=r"train.network: unknown setting\(s\) \['channels'\]"):
        TrainSettings.from_dict({"network": {"channels": 3}})
    with pytest.raises(TrainError, match="batch_size"):
        TrainSettings.from_dict({"batch_size": 1})
    assert TrainSettings.from_dict({"network": {"C": 16}}).network.C == 16
    assert FAST.lr_at(0) == pytest.approx(FAST.lr) and FAST.lr_at(FAST.epochs) == pytest.approx(FAST.lr_min)
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")
    assert derive_seed(1, "a") == derive_seed(1, "a") != derive_seed(1, "b")


def test_shards_partition_a_sample_set():
    sample = sample_table("uniform", 7, 0)
    parts = [shard_rows(sample, i, 3) for i in range(3)]
    assert sorted(pd.concat(parts)["arch_id"]) == sorted(sample["arch_id"])
    with pytest.raises(TrainError, match="shard 3 is not in 0..2"):
        shard_rows(sample, 3, 3)


def test_gather_refuses_overlapping_shards():
    row = {c: 0 for c in TRAIN_RESULT.columns} | {"sample": "s", "arch_id": "a", "seed": 0}
    frame = pd.DataFrame([row])
    with pytest.raises(TrainError, match="more than one shard"):
        gather_shards([frame, frame])


def test_kendall_tau_between_seeds():
    rows = [{"arch_id": a, "seed": s, "valid_acc": v}
            for a, v0, v1 in [("a", 1, 1), ("b", 2, 2), ("c", 3, 4), ("d", 4, 3)]
            for s, v in ((0, v0), (1, v1))]
    assert kendall_tau_between_seeds(pd.DataFrame(rows)) == pytest.approx(4 / 6)


def _shard_args(sample, data_dir, out, ckpt, epochs=3):
    settings = '{"epochs": %d, "batch_size": 32, "network": {"C": 4, "layers": 3}}' % epochs
    return ["train", "shard", "--sample", str(sample), "--data", str(data_dir), "--shard", "0",
            "--shards", "1", "--settings", settings, "--seeds", "0", "--device", "cpu",
            "--checkpoints", str(ckpt), "--out", str(out)]


@pytest.mark.slow
def test_killed_shard_resumes_to_the_identical_table(data_dir, tmp_path):
    sample = write_table(sample_table("primskip", 2, 0), tmp_path / "s.parquet", SAMPLE_SET)
    reference = tmp_path / "ref.parquet"
    done = cellprobe(*_shard_args(sample, data_dir, reference, tmp_path / "ref-ckpt"))
    assert done.returncode == 0, done.stderr

    out, ckpt = tmp_path / "out.parquet", tmp_path / "ckpt"
    for sig in (signal.SIGKILL, signal.SIGTERM):
        proc = subprocess.Popen([CELLPROBE, *_shard_args(sample, data_dir, out, ckpt)], stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and not any(ckpt.glob("*.pt")):
            time.sleep(0.05)
        time.sleep(0.2)  # into the next epoch
        os.kill(proc.pid, sig)
        proc.wait()
        assert not out.exists()  # no partial table
    assert any(ckpt.glob("*.pt"))
    rerun = cellprobe(*_shard_args(sample, data_dir, out, ckpt))  # in this process: the kills were real ones
    assert rerun.returncode == 0, rerun.stderr
    pd.testing.assert_frame_equal(read_frame(out, TRAIN_RESULT), read_frame(reference, TRAIN_RESULT))
    assert out.read_bytes() == reference.read_bytes()  # no timing column: the same file, byte for byte


def test_empty_sample_set_is_refused(data_dir, tmp_path):
    empty = write_table(sample_table("uniform", 1, 0).iloc[0:0], tmp_path / "empty.parquet", SAMPLE_SET)
    out = tmp_path / "out.parquet"
    result = cellprobe(*_shard_args(empty, data_dir, out, tmp_path / "ckpt"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "holds no architecture" in lines[0]
    assert not out.exists()


@pytest.mark.slow
def test_worker_pool_gives_the_same_table_as_one_process(data_dir, tmp_path):
    from cellprobe.train import train_shard

    sample = sample_table("prim", 3, 4)
    common = dict(sample_name="prim", data_dir=data_dir, shard=0, shards=1, seeds=[0],
                  settings=replace(FAST, epochs=1), device=torch.device("cpu"), progress=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the workers run single-threaded: compare like with like
    try:
        alone = train_shard(sample, checkpoint_dir=tmp_path / "a", workers=1, **common)
    finally:
        torch.set_num_threads(threads)
    pooled = train_shard(sample, checkpoint_dir=tmp_path / "b", workers=2, **common)
    pd.testing.assert_frame_equal(alone, pooled)
    assert list(alone["arch_id"]) == list(sample["arch_id"])
