"""Bad input, across the stage CLIs: each case gives one clear `cellprobe: error:` line, exit status 1,
and leaves no output behind. (The commands run in this process, as the console script runs them; the script
itself answers bad input in tests/test_cli.py.)"""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cellprobe.benchmarks import nb201_table, read_nb201_csv
from cellprobe.sampling import sample_table
from cellprobe.tables import NB201_BENCHMARK, SAMPLE_SET, write_table
from tests.conftest import cellprobe

ROOT = Path(__file__).resolve().parents[1]
TINY = json.dumps({"epochs": 1, "C": 4, "depth": 1, "batch_size": 64})


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, digits_hard):
    """A prepared dataset, a small NB201 table, a sample set, an empty one, a corrupt Parquet file, a table of
    an older schema version, and an NB201 supernet."""
    d = tmp_path_factory.mktemp("inputs")
    data = d / "digits-hard"
    data.symlink_to(digits_hard, target_is_directory=True)
    bench = nb201_table(read_nb201_csv(ROOT / "data/benchmarks/nb201_test_accuracy.csv")).head(300)
    write_table(bench, d / "nb201.parquet", NB201_BENCHMARK)
    write_table(sample_table("uniform", 2, 0), d / "sample.parquet", SAMPLE_SET)
    write_table(sample_table("uniform", 1, 0).iloc[0:0], d / "empty.parquet", SAMPLE_SET)
    (d / "corrupt.parquet").write_bytes(b"PAR1 this is not a parquet file")
    old = pq.read_table(d / "sample.parquet")
    meta = {**old.schema.metadata, b"cellprobe.schema_version": b"0"}
    pq.write_table(old.replace_schema_metadata(meta), d / "old-version.parquet")
    run = cellprobe("search", "run", "--space", "nb201", "--method", "darts-1st", "--data", data, "--settings", TINY,
                    "--device", "cpu", "--supernet", d / "supernet.pt", "--trajectory", d / "t.parquet",
                    "--history", d / "h.parquet")
    assert run.returncode == 0, run.stderr
    return d


CASES = {
    "malformed arch string": (["space", "canonical", "--space", "darts", "Genotype(normal=[('sep_conv_3x3', 0)"],
                              "malformed"),
    "unknown op": (["space", "neighbours", "--space", "nb201", "|conv_7x7~0|+|none~0|none~1|+|none~0|none~1|none~2|"],
                   "unknown op 'conv_7x7'"),
    "corrupt Parquet": (["importance", "oi", "--space", "nb201", "--benchmark", "{d}/corrupt.parquet", "--out", "{out}"],
                        "not a readable Parquet file"),
    "older schema version": (["evaluators", "zero-cost", "--space", "darts", "--split", "{d}/digits-hard/train.parquet",
                              "--sample", "{d}/old-version.parquet", "--out", "{out}"], "version"),
    "wrong table": (["motifs", "mine", "--train", "{d}/sample.parquet", "--space", "darts", "--motifs", "{out}",
                     "--occurrences", "{out}.occ"], "sample_set"),
    "missing dataset": (["search", "run", "--space", "nb201", "--method", "snas", "--data", "{d}/no-such-dataset",
                         "--supernet", "{out}.pt", "--trajectory", "{out}", "--history", "{out}.h"], "no-such-dataset"),
    "empty sample set": (["train", "shard", "--sample", "{d}/empty.parquet", "--data", "{d}/digits-hard",
                          "--shard", "0", "--shards", "1", "--settings", "{}", "--checkpoints", "{out}.ckpt",
                          "--out", "{out}"], "holds no architecture"),
    "supernet of another space": (["search", "select", "--space", "darts", "--method", "darts-1st", "--data",
                                   "{d}/digits-hard", "--settings", TINY, "--supernet", "{d}/supernet.pt",
                                   "--out", "{out}"], "another search"),
    "supernet of other settings": (["search", "select", "--space", "nb201", "--method", "darts-1st", "--data",
                                    "{d}/digits-hard", "--settings", json.dumps({"epochs": 1, "C": 8, "depth": 1}),
                                    "--supernet", "{d}/supernet.pt", "--out", "{out}"], "another search"),
    "not a supernet": (["search", "select", "--space", "nb201", "--method", "darts-1st", "--data", "{d}/digits-hard",
                        "--settings", TINY, "--supernet", "{d}/corrupt.parquet", "--out", "{out}"],
                       "not a readable cellprobe supernet"),
    "unknown predictor": (["importance", "search", "--benchmark", "{d}/nb201.parquet", "--predictor", "svm",
                           "--out", "{out}"], "svm"),
    "bad JSON option": (["evaluators", "predict", "--space", "nb201", "--benchmark", "{d}/nb201.parquet",
                         "--predictor", "gates", "--n-train", "20", "--options", "[1, 2", "--out", "{out}"], "--options"),
    "unknown controller variant": (["controller", "train", "--space", "nb201", "--variant", "greedy", "--data",
                                    "{d}/digits-hard", "--out", "{out}.pt", "--history", "{out}"], "greedy"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_line_and_leaves_nothing(inputs, tmp_path, case):
    args, message = CASES[case]
    out = tmp_path / "out" / "result.parquet"
    result = cellprobe(*[a.replace("{d}", str(inputs)).replace("{out}", str(out)) for a in args])
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cellprobe: error: "), result.stderr[-2000:]
    assert message in lines[0], lines[0]
    leftovers = [p for p in (tmp_path / "out").rglob("*")] if (tmp_path / "out").exists() else []
    assert not leftovers, leftovers


def test_params_errors_name_the_key(tmp_path):
    params = (ROOT / "params.yaml").read_text()
    cases = {
        "  min_vertices: 2\n": ("  min_vertices: 2\n  max_vertexes: 4\n", "motifs: Additional properties are not allowed ('max_vertexes'"),
        "    nb201-top5: {space: nb201, truth:": ("    nb201-top5: {truth:", "motifs.sets.nb201-top5: 'space' is a required property"),
        "  seed: 0                   # master seed": ("  seed: -3", "base.seed: -3 is less than the minimum of 0"),
    }
    for anchor, (replacement, message) in cases.items():
        assert anchor in params, anchor
        bad = tmp_path / "params.yaml"
        bad.write_text(params.replace(anchor, replacement, 1))
        result = cellprobe("params", "check", bad, "--schema", ROOT / "workflow/schemas/params.schema.yaml")
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], lines
