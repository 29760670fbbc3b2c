"""Fault injection: a search job killed at several points (SIGTERM as SLURM preemption, and SIGKILL)
resumes from its checkpoint to the same tables as an uninterrupted run, and never leaves a partial table."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cellprobe.tables import SEARCH_HISTORY, SEARCH_TRAJECTORY, read_frame
from tests.conftest import cellprobe

CELLPROBE = str(Path(sys.executable).with_name("cellprobe"))
SETTINGS = json.dumps({"epochs": 5, "C": 4, "depth": 1, "batch_size": 64, "cost_batches": 1, "eval_batch_size": 128})


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(digits_hard):
    return digits_hard


def _cmd(data_dir, folder: Path) -> list[str]:
    """The search's command line (without the program: ``cellprobe(*args)`` runs it here, a Popen of
    ``[CELLPROBE, *args]`` in a process of its own, to be killed)."""
    return ["search", "run", "--space", "nb201", "--method", "darts-1st", "--seed", "3",
            "--data", str(data_dir), "--settings", SETTINGS, "--device", "cpu", "--threads", "1",
            "--checkpoint", str(folder / "checkpoint.pt"), "--supernet", str(folder / "supernet.pt"),
            "--trajectory", str(folder / "trajectory.parquet"), "--history", str(folder / "history.parquet")]


def _tables(folder: Path):
    return (read_frame(folder / "trajectory.parquet", SEARCH_TRAJECTORY),
            read_frame(folder / "history.parquet", SEARCH_HISTORY))


def _kill_after_next_checkpoint(cmd: list[str], checkpoint: Path, sig: int, delay: float = 0.0) -> int:
    """Run ``cmd``; once it has written a new checkpoint, wait ``delay`` s (into the next epoch) and send
    ``sig``. Returns the exit status (0 when it finished before the signal landed)."""
    before = checkpoint.stat().st_mtime_ns if checkpoint.exists() else None
    proc = subprocess.Popen([CELLPROBE, *cmd], stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if checkpoint.exists() and checkpoint.stat().st_mtime_ns != before:
            break
        time.sleep(0.02)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, sig)
    return proc.wait()


def test_search_killed_at_several_points_resumes_to_identical_tables(data_dir, tmp_path):
    reference = tmp_path / "reference"
    done = cellprobe(*_cmd(data_dir, reference))
    assert done.returncode == 0, done.stderr

    run = tmp_path / "killed"
    checkpoint = run / "checkpoint.pt"
    kills = [(signal.SIGTERM, 0.0), (signal.SIGKILL, 0.15), (signal.SIGTERM, 0.3)]
    landed = 0
    for sig, delay in kills:
        if _kill_after_next_checkpoint(_cmd(data_dir, run), checkpoint, sig, delay) == 0:
            break  # it finished before the kill landed: nothing left to test with this run
        landed += 1
        assert not (run / "trajectory.parquet").exists() and not (run / "history.parquet").exists()
        assert not list(run.glob(".*.tmp")), "a temporary file was left behind"
    assert landed >= 2, "the search finished before the kills: make it longer"
    rerun = cellprobe(*_cmd(data_dir, run))
    assert rerun.returncode == 0, rerun.stderr
    for got, want in zip(_tables(run), _tables(reference)):
        pd.testing.assert_frame_equal(got, want)
    for name in ("trajectory.parquet", "history.parquet", "supernet.pt"):  # no timings: the same bytes
        assert (run / name).read_bytes() == (reference / name).read_bytes(), name


def _controller_cmd(data_dir, folder: Path) -> list[str]:
    settings = json.dumps({"controller_steps": 3, "buffer_start_epoch": 2, "recon_start_epoch": 3, "supernet": {"epochs": 6, "C": 4}})
    return ["controller", "train", "--space", "nb201", "--variant", "regularised", "--seed", "1",
            "--data", str(data_dir), "--settings", settings, "--device", "cpu", "--threads", "1",
            "--checkpoint", str(folder / "checkpoint.pt"), "--out", str(folder / "controller.pt"),
            "--history", str(folder / "history.parquet")]


def test_controller_killed_resumes_to_the_identical_history(data_dir, tmp_path):
    from cellprobe.tables import CONTROLLER_HISTORY

    reference = tmp_path / "reference"
    done = cellprobe(*_controller_cmd(data_dir, reference))
    assert done.returncode == 0, done.stderr
    run = tmp_path / "killed"
    checkpoint = run / "checkpoint.pt"
    landed = 0
    for sig in (signal.SIGKILL, signal.SIGTERM):
        if _kill_after_next_checkpoint(_controller_cmd(data_dir, run), checkpoint, sig) == 0:
            break
        landed += 1
        assert not (run / "history.parquet").exists() and not (run / "controller.pt").exists()
    assert landed >= 1, "the controller finished before the kills: make it longer"
    rerun = cellprobe(*_controller_cmd(data_dir, run))
    assert rerun.returncode == 0, rerun.stderr
    got = read_frame(run / "history.parquet", CONTROLLER_HISTORY)
    want = read_frame(reference / "history.parquet", CONTROLLER_HISTORY)
    pd.testing.assert_frame_equal(got, want)
    for name in ("history.parquet", "controller.pt"):
        assert (run / name).read_bytes() == (reference / name).read_bytes(), name
