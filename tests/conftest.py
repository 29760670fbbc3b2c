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


def pytest_configure(config):
    # One torch thread per test process: the suite runs on 2 cores beside other processes (Snakemake
    # jobs, a second shard), and oversubscribed OpenMP threads slow tiny networks down many times.
    import torch

    torch.set_num_threads(1)
