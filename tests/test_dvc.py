"""dvc.yaml agrees with params.yaml and the Snakemake targets it wraps."""

import subprocess
import sys
from pathlib import Path

import yaml

DVC = str(Path(sys.executable).with_name("dvc"))


def _targets(cmd: str) -> list[str]:
    return [word for word in cmd.split() if word.startswith(("results/", "data/"))]


def test_stages_read_existing_param_groups_and_build_their_outs(root):
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load((root / "params.yaml").read_text())
    assert {"benchmarks", "prep", "search", "sample", "train", "importance", "motifs", "evaluators", "controller",
            "report"} <= set(stages)
    for name, stage in stages.items():
        for group in stage["params"]:
            assert group in params, f"stage {name} reads unknown params group {group}"
        assert stage["cmd"].startswith("snakemake ")
        targets = _targets(stage["cmd"])
        for out in stage["outs"]:
            # a file target of the command, the folder of one, or a folder a whole rule family (--until) fills
            produced = out in targets or any(t.startswith(out + "/") for t in targets) or "--until" in stage["cmd"]
            if out.endswith("/shards"):  # a gathered table's shards (kept so that a pull needs no retraining)
                produced = out.removesuffix("/shards") + ".parquet" in targets
            assert produced, (name, out)
        for dep in stage["deps"]:
            assert (root / dep).exists() or dep.startswith(("results/", "data/prepared/")), (name, dep)


def test_stage_outputs_do_not_overlap_and_deps_come_first(root):
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    made: dict[str, str] = {}
    for name, stage in stages.items():  # listed in data-flow order
        for dep in stage["deps"]:
            if dep.startswith(("results/", "data/prepared/")):
                assert dep in made, f"stage {name} needs {dep} before any stage makes it"
        for out in stage["outs"]:
            clash = [o for o in made if o == out or o.startswith(out + "/") or out.startswith(o + "/")]
            assert not clash, f"{name}: {out} overlaps {clash} of stage {made[clash[0]]}"
            made[out] = name


def test_dvc_reads_the_pipeline(root):
    result = subprocess.run([DVC, "stage", "list"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "results/benchmarks/nb201.parquet" in result.stdout
    assert "results/report/index.html" in result.stdout


def test_dvc_stages_cover_the_default_sample_and_train_sets(root):
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load((root / "params.yaml").read_text())
    outs = {out for stage in stages.values() for out in stage["outs"]}
    for name in params["train"]["sets"]:
        assert f"results/sample/{name}.parquet" in outs
        assert f"results/train/{name}.parquet" in outs
    for name in params["search"]["scoring"]["sets"]["darts"] + params["search"]["scoring"]["sets"]["nb201"]:
        assert f"results/sample/{name}.parquet" in stages["sample"]["outs"]
    assert f"data/prepared/{params['train']['dataset']}" in stages["prep"]["outs"]


def test_default_local_remote_and_committed_lock(root):
    result = subprocess.run([DVC, "remote", "list"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0 and "cellprobe-dvc-remote" in result.stdout and "(default)" in result.stdout
    lock = yaml.safe_load((root / "dvc.lock").read_text())["stages"]
    assert set(lock) == set(yaml.safe_load((root / "dvc.yaml").read_text())["stages"])


def _stage_sources(root: Path, stage: str) -> str:
    rules = root / "workflow/rules"
    return "\n".join(p.read_text() for p in (rules / f"{stage}.smk", rules / f"helpers/{stage}.smk") if p.exists())


def test_each_stage_declares_the_params_and_code_its_rules_read(root):
    """What `dvc exp run -S <group.key>=...` relies on: a stage reruns when a params.yaml group its rules read
    changes, or a library module its rules declare as code (and so Snakemake would rerun them)."""
    import re

    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    for name, stage in stages.items():
        text = _stage_sources(root, name)
        assert text, f"no workflow/rules/{name}.smk for stage {name}"
        groups = set(re.findall(r'config\["(\w+)"\]', text)) - {"base"}
        assert groups <= set(stage["params"]), (name, groups - set(stage["params"]))
        constants = dict(re.findall(r"^(\w+_CODE) = \(([^)]*)\)", text, re.M))
        modules = []
        for args in re.findall(r"\bcode\(([^)]*)\)", text):
            for constant in re.findall(r"\*(\w+_CODE)", args):
                modules += re.findall(r'"([^"]+)"', constants[constant])
            modules += re.findall(r'"([^"]+)"', args)
        deps = stage["deps"]
        for module in modules:
            path = f"src/cellprobe/{module}"
            assert any(path == d or path.startswith(d.rstrip("/") + "/") for d in deps), (name, path)


def test_the_report_stage_reruns_on_any_parameter(root):
    """The page records the whole configuration (its provenance block), so any group's change changes it."""
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load((root / "params.yaml").read_text())
    assert set(stages["report"]["params"]) == set(params) - {"preset", "presets"}


def test_declared_plots_read_the_curves_the_report_writes(root):
    from cellprobe.report.exports import PLOTS

    plots = yaml.safe_load((root / "dvc.yaml").read_text())["plots"]
    seen = set()
    for entry in plots:
        (title, spec), = entry.items()
        (path, field), = spec["y"].items()
        name = Path(path).stem
        columns = PLOTS[name][0]
        assert path == f"results/report/plots/{name}.csv" and spec["x"] == columns[1] and field == columns[2], title
        assert (root / ".dvc/plots" / f"{spec['template']}.json").exists(), spec["template"]
        seen.add(name)
    assert seen == set(PLOTS)
