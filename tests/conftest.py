import contextlib
import io
import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
NB201_CSV = ROOT / "data" / "benchmarks" / "nb201_test_accuracy.csv"
KNOWN_CELLS = ROOT / "data" / "benchmarks" / "darts_known_cells.json"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def known_cells() -> dict:
    return json.loads(KNOWN_CELLS.read_text())


@pytest.fixture(scope="session")
def darts_cells(known_cells) -> dict:
    """The published cells that lie in the 8-primitive DARTS space, as DartsGenotype values."""
    from cellprobe.spaces import DartsGenotype

    return {
        name: DartsGenotype.from_pairs(c["normal"], c["reduce"], c["normal_concat"], c["reduce_concat"])
        for name, c in known_cells.items()
        if c["in_darts_space"]
    }


@pytest.fixture(scope="session")
def nb201_csv() -> pd.DataFrame:
    return pd.read_csv(NB201_CSV)


@pytest.fixture(scope="session")
def digits_hard(tmp_path_factory) -> Path:
    """The default run's dataset (digits-hard, params.yaml's recipe) prepared once per test session: a folder
    with train/valid/test.parquet. Read it, never write into it."""
    from cellprobe.data import prepare_dataset

    out = tmp_path_factory.mktemp("prepared") / "digits-hard"
    prepare_dataset("digits-hard", out, seed=0, fractions=[0.45, 0.35, 0.2], noise_sigma=0.6, max_shift=1)
    return out


@pytest.fixture(scope="session")
def digits_hard_splits(digits_hard) -> dict:
    """The train, valid and test splits of :func:`digits_hard` as tensors (shared: do not modify them)."""
    from cellprobe.data import load_splits

    return load_splits(digits_hard, ("train", "valid", "test"))


def first(splits: dict, **sizes) -> dict:
    """``splits`` cut to their first ``sizes[name]`` images (every split named in ``sizes``)."""
    from dataclasses import replace

    return {name: replace(splits[name], x=splits[name].x[:n], y=splits[name].y[:n]) for name, n in sizes.items()}


def cellprobe(*args) -> subprocess.CompletedProcess:
    """``cellprobe <args>`` run in this process (``cellprobe.cli.main``, what the console script calls): its exit
    status, stdout and stderr. Saves each test a fresh interpreter that imports torch again; the console
    script itself is run by tests/test_cli.py."""
    from cellprobe.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["cellprobe", *map(str, args)], code, out.getvalue(), err.getvalue())


#: The longest tests on the tiny run, queued first in this order. With two workers, the first makes the tiny
#: run (on both cores: the second worker's test waits for it) and then reruns it all; the second, the SLURM
#: test, mostly waits on the scheduler, so it runs beside that rerun; the next two follow on whichever worker
#: is free. Then the other tiny-run tests, then every other test (short ones: the workers end together).
TINY_RUN_FIRST = (
    "test_rerunning_everything_reproduces_every_output_byte_for_byte",
    "test_tiny_pipeline_on_slurm_every_gpu_job_on_the_gpu_partition",
    "test_dvc_push_clone_pull_then_nothing_to_do",
    "test_killed_snakemake_resumes_with_rerun_incomplete",
)


def pytest_collection_modifyitems(config, items):
    # the queue order (pyproject.toml's --no-loadscope-reorder keeps it)
    def rank(item):
        name = getattr(item, "originalname", item.name)
        if name in TINY_RUN_FIRST:
            return TINY_RUN_FIRST.index(name)
        return len(TINY_RUN_FIRST) + ("tiny_run" not in getattr(item, "fixturenames", ()))

    items.sort(key=rank)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scheduling with every test its own work unit, in the queue order above (xdist's
    loadscope would keep a module's tests on one worker)."""
    from xdist.scheduler import LoadScopeScheduling

    class EachTest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid

    return EachTest(config, log)


def pytest_configure(config):
    # One torch thread per test process: the suite runs on 2 cores beside other processes (Snakemake
    # jobs, a second shard), and oversubscribed OpenMP threads slow tiny networks down many times.
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_run(root, tmp_path_factory, worker_id) -> Path:
    """The tiny pipeline (tests/tiny.py), run once per test session on a fresh copy of the repository (with
    xdist, by the first worker that needs it, the others wait for it). Read it, do not change it: tests that
    edit, move or rerun it work on a copy (``tiny.copy_run``)."""
    from filelock import FileLock

    from tiny import make_workdir, snakemake

    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # the workers' basetemps share this folder
    work, status = shared / "tiny" / "repo", shared / "tiny.status"
    with FileLock(str(shared / "tiny.lock")):
        if not status.exists():
            make_workdir(root, work)
            result = snakemake(work)
            status.write_text("ok" if result.returncode == 0 else "the tiny run failed:\n" + result.stderr[-3000:])
    assert status.read_text() == "ok", status.read_text()
    return work
