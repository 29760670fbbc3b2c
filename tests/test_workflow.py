"""The Snakemake workflow end to end, on a temporary copy of the repository."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.workflow

BIN = Path(sys.executable).parent
COPY = ["Snakefile", "params.yaml", "workflow", "data/benchmarks"]


@pytest.fixture
def workdir(root, tmp_path):
    for item in COPY:
        src, dst = root / item, tmp_path / item
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return tmp_path


def snakemake(workdir, *args, profile="default"):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [str(BIN / "snakemake"), "--workflow-profile", f"workflow/profiles/{profile}", "--cores", "2", *args],
        cwd=workdir, env=env, capture_output=True, text=True,
    )


def test_pipeline_runs_then_has_nothing_to_do(workdir):
    first = snakemake(workdir)
    assert first.returncode == 0, first.stderr[-3000:]
    assert (workdir / "results/benchmarks/nb201.parquet").stat().st_size > 100_000
    assert "6,466 isomorphism classes" in (workdir / "results/report/index.html").read_text()
    second = snakemake(workdir)
    assert second.returncode == 0
    assert "Nothing to be done" in second.stdout + second.stderr


def test_parameter_change_reruns_only_the_affected_rule(workdir):
    assert snakemake(workdir).returncode == 0
    params = workdir / "params.yaml"
    params.write_text(params.read_text().replace("nb201_top_k: 10", "nb201_top_k: 3"))
    dry = snakemake(workdir, "--dry-run", "--quiet", "rules")
    out = dry.stdout + dry.stderr
    assert dry.returncode == 0
    assert "report" in out and "benchmarks_nb201" not in out


@pytest.mark.parametrize(
    "edit, message",
    [
        (("seed: 0", "seed: zero"), "base.seed: 'zero' is not of type 'integer'"),
        (("report:", "reprot:"), "Additional properties are not allowed ('reprot' was unexpected)"),
        (("seed: 0", "seed: [0"), "params.yaml: invalid YAML (line"),
    ],
)
def test_invalid_params_stop_the_workflow_with_one_line(workdir, edit, message):
    params = workdir / "params.yaml"
    params.write_text(params.read_text().replace(*edit, 1))
    result = snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    assert len(errors) == 1 and message in errors[0], lines
    assert not (workdir / "results").exists()


def test_failing_stage_leaves_no_output(workdir):
    csv = workdir / "data/benchmarks/nb201_test_accuracy.csv"
    csv.write_text(csv.read_text().replace("avg_pool_3x3~0", "avg_pool_9x9~0", 1))
    result = snakemake(workdir)
    assert result.returncode != 0
    assert "unknown op 'avg_pool_9x9'" in result.stdout + result.stderr
    bench = workdir / "results/benchmarks"
    assert not (bench / "nb201.parquet").exists()
    assert [p.name for p in bench.iterdir() if p.is_file()] == []


def test_slurm_profile_plans_every_rule(workdir):
    result = snakemake(workdir, "--dry-run", profile="slurm")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "benchmarks_nb201" in out and "report" in out
