import json
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


#: The modules whose tests share the session's tiny run (the ``tiny_run`` fixture): one lane of their own.
TINY_MODULES = ("tests/test_workflow.py", "tests/test_slurm.py")


def _in_tiny(nodeid: str) -> bool:
    return nodeid.split("::")[0] in TINY_MODULES


def pytest_collection_modifyitems(config, items):
    # The end-to-end lane is the longest: first in the queue (pyproject.toml's --no-loadscope-reorder keeps
    # this order), so that it starts at once while the unit tests fill the other workers.
    items.sort(key=lambda item: not _in_tiny(item.nodeid))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scheduling in two kinds of work units: all the tiny-run tests as one unit (one worker
    makes the tiny run once and runs them in turn), and every other test on its own."""
    from xdist.scheduler import LoadScopeScheduling

    class Lanes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tiny" if _in_tiny(nodeid) else nodeid

    return Lanes(config, log)


def pytest_configure(config):
    # One torch thread per test process: the suite runs on 2 cores beside other processes (Snakemake
    # jobs, a second shard), and oversubscribed OpenMP threads slow tiny networks down many times.
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_run(root, tmp_path_factory) -> Path:
    """The tiny pipeline (tests/tiny.py), run once per test session on a fresh copy of the repository. Read
    it, do not change it: tests that edit, move or rerun it work on a copy (``tiny.copy_run``)."""
    from tiny import make_workdir, snakemake

    work = make_workdir(root, tmp_path_factory.mktemp("tiny") / "repo")
    result = snakemake(work)
    assert result.returncode == 0, result.stderr[-3000:]
    return work
