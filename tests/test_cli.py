import json
import subprocess
import sys
from pathlib import Path

import pytest

from cellprobe.cli import main
from tests.conftest import cellprobe

CELLPROBE = str(Path(sys.executable).with_name("cellprobe"))
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6), "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))"
)
NB201_ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def run(*args, cwd=None):
    """The installed console script (the tests below that need no fresh interpreter use ``cellprobe``)."""
    return subprocess.run([CELLPROBE, *args], capture_output=True, text=True, cwd=cwd)


def test_space_info_nb201():
    result = run("space", "info", "nb201")
    assert result.returncode == 0, result.stderr
    assert "cells: 15,625" in result.stdout
    assert "isomorphism classes: 6,466" in result.stdout
    assert "cells with unreachable output: 341" in result.stdout


def test_space_commands_on_enas_rnn(capsys):
    cell = "tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|sigmoid~7|tanh~8|relu~9"
    assert main(["space", "info", "enas-rnn"]) == 0
    out = capsys.readouterr().out
    assert "ops: tanh, relu, identity, sigmoid" in out and "nodes per cell: 12" in out and "neighbours per cell: 91" in out
    assert main(["space", "neighbours", "--space", "enas-rnn", "--edits", cell]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 91 and lines[0].split("\t")[:5] == ["cell", "0", "op", "tanh", "relu"]
    assert main(["space", "canonical", "--space", "enas-rnn", cell]) == 0
    assert "canonical_key: " in capsys.readouterr().out
    bad = run("space", "canonical", "--space", "enas-rnn", cell.replace("relu~9", "relu~12"))
    assert bad.returncode == 1 and bad.stderr.strip() == "cellprobe: error: enas-rnn node 11 must read an earlier node 0..10, got 12"


def test_space_info_darts(capsys):
    assert main(["space", "info", "darts"]) == 0
    out = capsys.readouterr().out
    assert "cells per cell type (without none): 1,037,664,180" in out
    assert main(["space", "info", "darts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cells_per_type_without_none"] == 1_037_664_180


def test_neighbours_one_per_line(capsys):
    assert main(["space", "neighbours", "--space", "darts", DARTS_V2]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(set(lines)) == 120
    assert all(line.startswith("normal=") for line in lines)
    assert main(["space", "neighbours", "--space", "nb201", "--edits", NB201_ARCH]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 24 and rows[0][:3] == ["cell", "0", "op"]


def test_canonical(capsys):
    assert main(["space", "canonical", "--space", "nb201", NB201_ARCH]) == 0
    out = capsys.readouterr().out
    assert out.startswith("arch_id: nb201-") and "canonical_key: " in out
    compact_swapped = (
        "normal=sep_conv_3x3~1,sep_conv_3x3~0|sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~1,skip_connect~0|"
        "skip_connect~0,dil_conv_3x3~2;reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,max_pool_3x3~1|"
        "max_pool_3x3~0,skip_connect~2|skip_connect~2,max_pool_3x3~1"
    )
    assert main(["space", "canonical", "--space", "darts", DARTS_V2]) == 0
    first = capsys.readouterr().out
    assert main(["space", "canonical", "--space", "darts", compact_swapped]) == 0
    assert capsys.readouterr().out == first


@pytest.mark.parametrize(
    "args, message",
    [
        (["space", "neighbours", "--space", "nb201", "|nor_conv_3x3~0|+|oops~0|none~1|+|none~0|none~1|none~2|"], "unknown op 'oops'"),
        (["space", "canonical", "--space", "darts", DARTS_V2.replace("'dil_conv_3x3', 2", "'dil_conv_3x3', 9")], "input 9 out of range"),
        (["space", "canonical", "--space", "darts", "Genotype(normal=["], "malformed Genotype(...) string"),
        (["params", "check", "missing.yaml"], "missing.yaml: params file not found"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(args, message):
    result = run(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cellprobe: error: ") and message in lines[0]


def test_usage_errors_exit_2():
    assert run("space", "info", "nasbench101").returncode == 2
    assert run().returncode == 2


def test_benchmarks_and_report_commands(tmp_path, nb201_csv, root):
    csv = tmp_path / "small.csv"
    nb201_csv.head(200).to_csv(csv, index=False)
    out = tmp_path / "bench" / "nb201.parquet"
    result = cellprobe("benchmarks", "nb201", "--source", str(csv), "--out", str(out))
    assert result.returncode == 0, result.stderr
    html = tmp_path / "report" / "index.html"
    result = cellprobe(
        "report", "--out", str(html), "--nb201", str(out), "--params", str(root / "params.yaml"),
        "--schema", str(root / "workflow/schemas/params.schema.yaml"), "--title", "small <test>",
    )
    assert result.returncode == 0, result.stderr
    text = html.read_text()
    assert "<title>small &lt;test&gt;</title>" in text and "NAS-Bench-201" in text


def test_benchmarks_command_leaves_nothing_on_bad_input(tmp_path, nb201_csv):
    csv = tmp_path / "bad.csv"
    df = nb201_csv.head(20).copy()
    df.loc[10, "arch_str"] = "|nor_conv_3x3~0|+|nor_conv_3x3~0|"
    df.to_csv(csv, index=False)
    out = tmp_path / "bench" / "nb201.parquet"
    result = cellprobe("benchmarks", "nb201", "--source", str(csv), "--out", str(out))
    assert result.returncode == 1
    assert "row 12" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and not (out.parent.exists() and any(out.parent.iterdir()))


def test_report_refuses_wrong_table(tmp_path):
    bogus = tmp_path / "nb201.parquet"
    bogus.write_bytes(b"garbage")
    result = cellprobe("report", "--out", str(tmp_path / "r.html"), "--nb201", str(bogus))
    assert result.returncode == 1 and "not a readable Parquet file" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_sample_command_and_its_bad_input(tmp_path):
    out = tmp_path / "s.parquet"
    result = cellprobe("sample", "--sampler", "skip", "--size", "4", "--seed", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    for args, message in [
        (["--sampler", "skip", "--size", "0"], "sample size must be a positive integer, got 0"),
        (["--sampler", "fancy", "--size", "3"], "unknown sampler 'fancy'"),
    ]:
        bad = tmp_path / "bad.parquet"
        result = cellprobe("sample", *args, "--out", str(bad))
        assert result.returncode == 1 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and not bad.exists()


def test_prep_command_refuses_unknown_dataset_and_bad_options(tmp_path):
    result = cellprobe("prep", "--dataset", "mnist", "--out-dir", str(tmp_path / "m"))
    assert result.returncode == 1 and "unknown dataset 'mnist'" in result.stderr.lower()
    result = cellprobe("prep", "--dataset", "digits", "--out-dir", str(tmp_path / "d"), "--options", "{not json")
    assert result.returncode == 1 and "--options is not valid JSON" in result.stderr
    assert not (tmp_path / "m").exists() and not (tmp_path / "d").exists()


def test_train_refuses_a_genotype_that_does_not_parse(tmp_path):
    from cellprobe.sampling import sample_table
    from cellprobe.tables import SAMPLE_SET, write_table

    table = sample_table("uniform", 2, 0)
    table.loc[1, "genotype"] = table.loc[1, "genotype"].replace("~0", "~7", 1)
    sample = write_table(table, tmp_path / "s.parquet", SAMPLE_SET)
    data = tmp_path / "data"
    assert cellprobe("prep", "--dataset", "digits", "--out-dir", str(data)).returncode == 0
    out = tmp_path / "out.parquet"
    result = cellprobe("train", "shard", "--sample", str(sample), "--data", str(data), "--shard", "0", "--shards", "1",
                 "--settings", "{}", "--checkpoints", str(tmp_path / "ckpt"), "--out", str(out))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "sample row 1" in lines[0] and "out of range" in lines[0]
    assert not out.exists() and not (tmp_path / "ckpt").exists()


def test_model_summary(capsys):
    assert main(["model", "summary", "--space", "nb201", "--preset", "standard",
                 "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"]) == 0
    out = capsys.readouterr().out
    assert "params_m: 1.531546" in out and "flops_m: 220.119690" in out
    assert main(["model", "summary", "--space", "darts", DARTS_V2, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"] == 3_349_342
