"""The tiny pipeline the end-to-end tests run: its parameters, fresh and copied workdirs, and how to run
Snakemake on them (shared by tests/test_workflow.py, tests/test_slurm.py and the session fixture
``tiny_run`` of tests/conftest.py)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
COPY = ["Snakefile", "params.yaml", "workflow", "data/benchmarks", "data/images", "data/text", "src/cellprobe"]


def tiny_params(params: dict) -> dict:
    """The default pipeline, shrunk (the same set and dataset names, so that dvc.yaml's stages apply): a few
    hundred CIFAR-10 images, a few architectures per set, one epoch, a 4-channel network, short searches and
    analyses."""
    for name, sizes in (("cifar10-16", (192, 128, 64)), ("cifar10-16-small", (128, 64, 64)), ("cifar10-32", (40, 10, 10))):
        params["prep"]["datasets"][name]["options"].update(dict(zip(("train_size", "valid_size", "test_size"), sizes)))
    params["sample"]["sets"] = {
        "uniform": {"sampler": "uniform", "size": 4, "seed": 0},
        "skip": {"sampler": "skip", "size": 2, "seed": 1},
        "prim": {"sampler": "prim", "size": 2, "seed": 2},
        "primskip": {"sampler": "primskip", "size": 3, "seed": 3},
        "darts-pool": {"sampler": "uniform", "size": 60, "seed": 6},
        "search-darts": {"sampler": "search", "space": "darts"},
        "nb201-uniform": {"sampler": "nb201", "size": 4, "seed": 0},
        "calibration": {"sampler": "nb201-reachable", "size": 4, "seed": 7},
    }
    params["search"]["runs"] = {"darts": ["darts-1st"], "nb201": ["spos", "spos-pool"]}
    # a pool study on the calibration cells (a set dvc.yaml tracks: the DVC round trip leaves nothing to do)
    params["search"]["variants"] = {"spos-pool": {"method": "spos", "pool": "calibration", "epochs": 1}}
    params["evaluators"]["pool_study"] = {"nb201": {"pool_run": "spos-pool", "space_run": "spos",
                                                    "predictor": "rf", "loss": "mse"}}
    params["search"]["spaces"] = {"darts": {"C": 4, "depth": 3, "epochs": 1}, "nb201": {"C": 4, "depth": 1, "epochs": 1}}
    params["search"]["selection"].update({"perturbation_for": ["spos"],
                                          "perturbation": {"tune_every": 0, "tune_steps": 0, "eval_images": 32}})
    params["search"]["overrides"] = {"nb201/spos": {"epochs": 2, "dataset": "cifar10-16"}}  # a dataset per method
    params["search"]["scoring"] = {"at": [1.0], "sets": {"darts": ["uniform"], "nb201": ["nb201-uniform", "calibration"]},
                                   "recalibrate_batches": 1, "eval_images": 32}
    params["train"].update({"sets": ["calibration"], "seeds": [0, 1], "shards": 2})
    params["importance"]["nb201"].update({"disable": 5, "steps": 2, "predictors": {
        "names": ["gates", "rf"], "sizes": [39], "losses": ["hinge"], "sets": 1, "seeds": [20]},
        "search": {"predictor": "rf", "loss": "hinge", "initial": 10, "per_stage": 5, "stages": 2, "seeds": [0]}})
    params["importance"]["darts"].update({  # the default's truth: a surrogate of the NAS-Bench-301 table
        "surrogate": {"predictor": "gates", "loss": "hinge", "seed": 0, "options": {"epochs": 5}, "folds": 2},
        "pool": {"sampler": "uniform", "size": 40}, "disable": 1, "steps": 1, "ablate": 1,
        "predictors": {"names": ["rf"], "sizes": [39], "losses": ["hinge"], "sets": 1, "seeds": [20], "ks": [0.1]},
    })
    params["motifs"]["sets"]["darts-surrogate-top5"].update({"top": 0.2, "min_support": 0.4})
    params["motifs"]["reference_size"] = 100
    params["evaluators"]["zero_cost"]["archs"] = 30
    params["evaluators"]["reference"].update({"batch_size": 16, "spaces": {  # the reference's sample, tiny networks
        "nb201": {"archs": 4, "preset": "tiny"}, "darts": {"archs": 3, "preset": "tiny", "seeds": [0]}}})
    params["controller"]["settings"] = {"controller_steps": 2, "buffer_per_epoch": 20, "supernet": {"epochs": 2}}
    params["controller"]["analysis"].update({"n_archs": 16, "n_pairs": 20, "score_images": 32})
    params["prep"]["datasets"]["wikitext-char"]["options"]["max_tokens"] = 3000
    params["controller"]["overrides"]["enas-rnn"] = {  # a few windows of a tiny language model
        "dataset": "wikitext-char", "analysis": {"n_archs": 10, "n_pairs": 12, "ged": "bound"},
        "settings": {"controller_steps": 2, "controller_batch": 4, "buffer_per_epoch": 20,
                     "lm": {"epochs": 2, "hidden": 8, "batch_size": 8, "shared_windows": 4, "score_windows": 2}},
        "retrain": {"cells": 1, "epochs": 1}}
    params["train"]["settings"].update({"epochs": 1, "network": {"C": 4, "layers": 3, "N": 1, "auxiliary": False}})
    return params


def make_workdir(root: Path, dest: Path, params: dict | None = None) -> Path:
    """A fresh copy of the repository's workflow at ``dest`` (its source tree included, so that the rules'
    code inputs are the copy's), with the tiny parameters."""
    for item in COPY:
        src, dst = root / item, dest / item
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    params = params or tiny_params(yaml.safe_load((root / "params.yaml").read_text()))
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return dest


def copy_run(run: Path, dest: Path) -> Path:
    """A finished run copied elsewhere: results, prepared data and Snakemake's records, timestamps kept."""
    shutil.copytree(run, dest, symlinks=True)
    return dest


def snakemake(workdir, *args, profile="default"):
    """Snakemake on ``workdir`` with a shipped profile and two cores."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [str(BIN / "snakemake"), "--workflow-profile", f"workflow/profiles/{profile}", "--cores", "2", *args],
        cwd=workdir, env=env, capture_output=True, text=True,
    )


def outputs(run: Path) -> dict[str, str]:
    """sha256 of every output of a run: results and prepared data, without logs, job timings and checkpoints."""
    import hashlib

    skip = {"logs", "benchmarks", "checkpoints"}
    files = [p for folder in ("results", "data/prepared") for p in sorted((run / folder).rglob("*"))
             if p.is_file() and not skip & set(p.relative_to(run).parts) and p.name != "checkpoint.pt"]
    return {str(p.relative_to(run)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def differing_outputs(first: Path, second: Path) -> list[str]:
    """The outputs (:func:`outputs`) whose bytes differ between two runs of the tiny pipeline, which must
    hold the same files."""
    a, b = outputs(first), outputs(second)
    assert len(a) > 80 and set(a) == set(b), sorted(set(a) ^ set(b))
    return sorted(name for name in a if a[name] != b[name])


#: The real-SLURM test's cluster (tests/test_slurm.py): where its configuration goes and what it needs.
ETC = Path("/etc/slurm")  # the only place jobs find it: the jobstep plugin drops SLURM_CONF for its nested srun
MARK = "# written by cellprobe's tests/test_slurm.py\n"
DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol")


def why_no_slurm() -> str | None:
    """Why the real-SLURM test cannot run here (None: it can)."""
    missing = [d for d in DAEMONS if shutil.which(d) is None]
    if missing:
        return f"SLURM is not installed here (missing {', '.join(missing)}; apt-get install slurmctld slurmd munge)"
    if os.geteuid() != 0:
        return "starting slurmctld/slurmd/munged needs root"
    if not Path("/etc/munge/munge.key").exists():
        return "no munge key at /etc/munge/munge.key"
    conf = ETC / "slurm.conf"
    if conf.exists() and not conf.read_text().startswith(MARK):
        return f"{conf} belongs to a real cluster: not touching it"
    return None


