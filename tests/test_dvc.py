"""dvc.yaml agrees with params.yaml and the Snakemake targets it wraps."""

import subprocess
import sys
from pathlib import Path

import yaml

DVC = str(Path(sys.executable).with_name("dvc"))


def test_stages_read_existing_param_groups_and_build_their_outs(root):
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load((root / "params.yaml").read_text())
    assert {"benchmarks", "prep", "search", "sample", "train", "report"} <= set(stages)
    for name, stage in stages.items():
        for group in stage["params"]:
            assert group in params, f"stage {name} reads unknown params group {group}"
        assert stage["cmd"].startswith("snakemake ")
        for out in stage["outs"]:
            assert out.startswith(("results/", "data/prepared/")), (name, out)
            assert out in stage["cmd"] or out.startswith(("data/prepared/", "results/search")), (name, out)
        for dep in stage["deps"]:
            assert (root / dep).exists() or dep.startswith(("results/", "data/prepared/")), (name, dep)


def test_dvc_reads_the_pipeline(root):
    result = subprocess.run([DVC, "stage", "list"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "results/benchmarks/nb201.parquet" in result.stdout
    assert "results/report/index.html" in result.stdout


def test_dvc_stages_cover_the_default_sample_and_train_sets(root):
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load((root / "params.yaml").read_text())
    for name in params["train"]["sets"]:
        assert f"results/sample/{name}.parquet" in stages["sample"]["outs"]
        assert f"results/train/{name}.parquet" in stages["train"]["outs"]
    assert f"data/prepared/{params['train']['dataset']}" in stages["prep"]["outs"]
