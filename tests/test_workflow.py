"""The Snakemake workflow end to end, on temporary copies of the repository.

The tiny pipeline runs once per session (:func:`tiny_run`); the tests that edit it, move it, rerun it or
share it through DVC work on copies of that finished run (timestamps and Snakemake's records kept), so no
test writes into the checkout.
"""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cellprobe.findings import CLAIMS
from tiny import BIN, copy_run, differing_outputs, make_workdir, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture
def workdir(root, tmp_path):
    return make_workdir(root, tmp_path / "repo")


def _dry_jobs(workdir) -> dict:
    dry = snakemake(workdir, "--dry-run", "--quiet", "rules")
    out = dry.stdout + dry.stderr
    assert dry.returncode == 0, out[-3000:]
    return {line.split()[0]: int(line.split()[1]) for line in out.splitlines()
            if len(line.split()) == 2 and line.split()[1].isdigit() and line.split()[0] != "total"}


def _edit(module: Path) -> None:
    """Change a module's content (Snakemake checksums small inputs: a touch alone is no change)."""
    module.write_bytes(module.read_bytes() + b"\n# an edit\n")


def test_pipeline_runs_then_has_nothing_to_do(tiny_run):
    workdir = tiny_run
    assert (workdir / "results/benchmarks/nb201.parquet").stat().st_size > 100_000
    for name in ("cifar10-16", "cifar10-16-small"):  # CIFAR-10 images from the repository's subset
        for split in ("train", "valid", "test"):
            assert (workdir / f"data/prepared/{name}/{split}.parquet").exists()
    assert len(pd.read_parquet(workdir / "data/prepared/cifar10-16/train.parquet")) == 192
    trained = pd.read_parquet(workdir / "results/train/calibration.parquet")
    assert len(trained) == 4 * 2 and sorted(trained["seed"].unique()) == [0, 1] and set(trained["space"]) == {"nb201"}
    assert "wall_s" not in trained.columns  # timings are not results
    assert sorted(p.name for p in (workdir / "results/train/calibration/shards").iterdir()) == ["0.parquet", "1.parquet"]
    page = (workdir / "results/report/index.html").read_text()
    metrics = json.loads((workdir / "results/report/metrics.json").read_text())
    assert metrics["train.architectures"] > 0 and -1 <= metrics["train.seed_kendall_tau"] <= 1
    assert -1 <= metrics["train.calibration.benchmark_kendall_tau.valid_loss"] <= 1
    assert "6,466 isomorphism classes" in page and "Architectures trained from scratch" in page
    assert "Calibration: does this run" in page
    assert "Supernet search and wiring evolution" in page
    assert "search_trajectory (darts, darts-1st, 0)" in page  # provenance labelled from the tables themselves
    for name in ("trajectory", "history", "genotype"):
        assert (workdir / f"results/search/nb201/spos/0/{name}.parquet").exists()
    spos = pd.read_parquet(workdir / "results/search/nb201/spos/0/history.parquet")
    assert spos["epoch"].max() == 2  # nb201/spos overrides the space's epochs (2, not 1) and its dataset
    selected = pd.read_parquet(workdir / "results/search/darts/darts-1st/0/genotype.parquet")
    assert selected["selection"].tolist() == ["magnitude"]
    from_search = pd.read_parquet(workdir / "results/sample/search-darts.parquet")
    assert set(from_search["arch_id"]) == set(selected["arch_id"])
    scores = pd.read_parquet(workdir / "results/search/darts/darts-1st/0/scores.parquet")
    assert len(scores) == 4 * 2  # the uniform set, with and without batch-norm recalibration, at the one epoch
    assert set(scores["arch_id"]) == set(pd.read_parquet(workdir / "results/sample/uniform.parquet")["arch_id"])
    assert len(pd.read_parquet(workdir / "results/search/nb201/spos/0/scores.parquet")) == (4 + 4) * 2  # 2 sets
    # a named variant (search.variants): spos trained on the calibration cells only, named so in its tables
    pooled = pd.read_parquet(workdir / "results/search/nb201/spos-pool/0/scores.parquet")
    assert set(pooled["method"]) == {"spos-pool"} and len(pooled) == (4 + 4) * 2
    study = pd.read_parquet(workdir / "results/evaluators/nb201/pool_study.parquet")
    assert set(study["question"]) == {"pool training", "predictor on one-shot scores"} and (study["n"] == 4).all()
    assert "A supernet trained on a pool of cells" in page and "Sampling and de-isomorphism" in page
    # the DARTS-space sets are scored by the NAS-Bench-301 surrogate: distributions, motifs, evaluators' truth
    predicted = pd.read_parquet(workdir / "results/importance/darts/predicted.parquet")
    assert list(dict.fromkeys(predicted["set"])) == ["uniform", "skip", "prim", "primskip", "darts-pool", "search-darts"]
    assert "Sample sets scored by the surrogate" in page
    assert len(pd.read_parquet(workdir / "results/motifs/darts/darts-surrogate-top5/motifs.parquet")) >= 0
    assert "Operator importance" in page and "Predictor study: nb201" in page and "Predictor study: darts" in page
    predictors = pd.read_parquet(workdir / "results/importance/nb201/predictors.parquet")
    tau = predictors[predictors["criterion"] == "kendall"]
    assert sorted(tau["predictor"]) == ["gates", "rf"] and (tau["mean"] > 0.3).all() and not predictors["holdout"].any()
    held_out = pd.read_parquet(workdir / "results/importance/darts/predictors.parquet")
    assert held_out["holdout"].all() and (held_out["n_scored"] == 725 - 39).all()
    reference = pd.read_parquet(workdir / "results/evaluators/nb201/zero_cost/reference.parquet")
    assert len(reference) == 12 and (reference["n"] == 4).all() and reference["noise_ceiling"].notna().all()
    assert "Zero-cost proxies beside NAS-Bench-Suite-Zero" in page
    assert "Multi-stage predictor-based search" in page
    correlations = pd.concat(pd.read_parquet(workdir / f"results/controller/nb201/{v}/correlations.parquet")
                             for v in ("trained", "random", "regularised"))
    assert set(correlations["variant"]) == {"trained", "random", "regularised"}
    assert "ENAS controller" in page
    rnn = pd.concat(pd.read_parquet(workdir / f"results/controller/enas-rnn/{v}/correlations.parquet")
                    for v in ("trained", "random", "regularised"))
    assert (rnn.groupby("variant")["similarity"].first() == "common_activations").all()
    retrained = pd.read_parquet(workdir / "results/controller/enas-rnn/retrained.parquet")
    assert sorted(retrained["variant"]) == ["random", "trained"] and (retrained["test_ppl"] > 1).all()
    assert "Table 1 of Adam &amp; Lorraine" in page and "Cells retrained from scratch" in page
    motifs = pd.read_parquet(workdir / "results/motifs/nb201/nb201-top5/motifs.parquet")
    assert len(motifs) and motifs["q_value"].notna().all()
    criteria = pd.read_parquet(workdir / "results/evaluators/darts/criteria.parquet")
    assert any(e.startswith("supernet-") for e in criteria["evaluator"])
    assert any(e.startswith("zc-") for e in criteria["evaluator"])
    assert "Motifs" in page and "Evaluators" in page
    nb201_criteria = pd.read_parquet(workdir / "results/evaluators/nb201/criteria.parquet")
    assert {"pred-gates-hinge-n78", "zc-nwot"} <= set(nb201_criteria["evaluator"])
    assert len(pd.read_parquet(workdir / "results/importance/nb201/search.parquet")) == 2 * (10 + 2 * 5)
    for space in ("nb201", "darts"):
        tests = pd.read_parquet(workdir / f"results/importance/{space}/tests.parquet")
        assert "disabling" in set(tests["experiment"])
    variants = pd.read_parquet(workdir / "results/importance/darts/variants.parquet")
    assert len(variants) == 3 + 5  # original + 1 op disabled in each order; original + 4 ablations
    # the DARTS OI and its verification come from a surrogate of the NAS-Bench-301 table (all 725 rows)
    assert len(pd.read_parquet(workdir / "results/benchmarks/nb301.parquet")) == 725
    folds = pd.read_parquet(workdir / "results/importance/darts/surrogate_folds.parquet")
    assert len(folds) == 2 and folds["source"].eq("benchmark:cifar10_val_acc").all() and folds["tau"].notna().all()
    darts = pd.read_parquet(workdir / "results/importance/darts/verification.parquet")
    assert darts["acc_source"].str.startswith("surrogate:").all()
    assert "Surrogates: held-out Kendall τ" in page
    # the page opens with the findings: every claim with a verdict (also a table and metrics)
    findings = pd.read_parquet(workdir / "results/report/findings.parquet")
    assert len(findings) == len(CLAIMS) and findings["verdict"].isin(["reproduced", "contradicted",
                                                               "inconclusive at this scale"]).all()
    assert page.index('id="findings"') < page.index('id="importance"')
    metrics = json.loads((workdir / "results/report/metrics.json").read_text())
    assert sum(metrics[f"findings.{k}"] for k in ("reproduced", "contradicted", "inconclusive")) == len(CLAIMS)
    again = snakemake(workdir, "--dry-run")
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def test_a_moved_checkout_has_nothing_to_do_and_an_edit_reruns_its_stage(tiny_run, tmp_path):
    moved = copy_run(tiny_run, tmp_path / "elsewhere" / "checkout")
    dry = snakemake(moved, "--dry-run")
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-3000:]
    # editing a stage's library code reruns that stage and what follows from it, nothing upstream
    _edit(moved / "src/cellprobe/analysis/motifs.py")
    jobs = _dry_jobs(moved)
    assert jobs.get("motifs_mine") == 2 and jobs.get("report") == 1
    for rule in ("search_run", "search_select", "importance_oi", "controller_train", "evaluators_zero_cost",
                 "benchmarks_nb201", "prep_dataset", "sample_set", "train_shard"):
        assert rule not in jobs, rule


def test_parameter_change_reruns_only_the_affected_rule(tiny_run, tmp_path):
    workdir = copy_run(tiny_run, tmp_path / "repo")
    params = workdir / "params.yaml"
    params.write_text(params.read_text().replace("nb201_top_k: 10", "nb201_top_k: 3"))
    assert "nb201_top_k: 3" in params.read_text()
    assert _dry_jobs(workdir) == {"report": 1, "all": 1}
    changed = yaml.safe_load(params.read_text())
    changed["train"]["settings"]["epochs"] = 2
    params.write_text(yaml.safe_dump(changed, sort_keys=False))
    jobs = _dry_jobs(workdir)
    assert {"train_shard", "train_gather", "report"} <= set(jobs)
    # the DARTS surrogate learns NAS-Bench-301, not this run's training: no importance stage follows, and
    # neither do the motifs (NB201's from its table, the DARTS ones from the surrogate)
    for rule in ("benchmarks_nb201", "benchmarks_nb301", "prep_dataset", "search_run", "search_select",
                 "search_score", "importance_surrogate", "importance_oi", "importance_variants", "importance_predict",
                 "sample_set", "motifs_mine", "evaluators_criteria"):
        assert rule not in jobs, rule
    assert "controller_train" not in jobs  # the controller reads no training result


@pytest.mark.slow
def test_rerunning_everything_reproduces_every_output_byte_for_byte(tiny_run, tmp_path):
    rerun = copy_run(tiny_run, tmp_path / "repo")
    result = snakemake(rerun, "--forceall")
    assert result.returncode == 0, result.stderr[-3000:]
    differ = differing_outputs(tiny_run, rerun)
    assert not differ, differ


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
    # no partial or temporary file beside it (the NB301 and zero-cost tables are other jobs', which may succeed)
    others = {"nb301.parquet", "zero_cost_nb201.parquet", "zero_cost_darts.parquet"}
    assert {p.name for p in bench.iterdir() if p.is_file()} <= others


def test_snakemake_report_files_the_figures_and_curves_by_stage(tiny_run, tmp_path):
    """`snakemake --report`: Snakemake's own view (provenance, runtimes, job graph) holds cellprobe's page, its
    figures filed by section and the curves DVC compares."""
    import zipfile

    workdir = copy_run(tiny_run, tmp_path / "repo")
    result = snakemake(workdir, "--report", "report.zip")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    names = zipfile.ZipFile(workdir / "report.zip").namelist()
    assert any(n.endswith("report.html") for n in names), names[:20]
    sections = {n.split("/")[-2] for n in names if n.endswith(".svg")}  # report/data/raw/<id>/<section>/<name>.svg
    assert sections >= {"search", "train", "controller", "evaluators", "importance", "motifs"}, sorted(sections)
    files = {n.split("/")[-1] for n in names}  # a directory's files lie under its own id, the file names kept
    assert {"search_accuracy.csv", "controller_argmax.csv", "index.html", "findings.csv"} <= files, sorted(files)


def test_slurm_profile_plans_every_rule(tiny_run, tmp_path):
    result = snakemake(copy_run(tiny_run, tmp_path / "repo"), "--dry-run", "--forceall", profile="slurm")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "benchmarks_nb201" in out and "report" in out


def _run(cwd, *cmd):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "MPLBACKEND": "Agg",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    result = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(cmd)}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


def _dvc_outs(root: Path) -> dict[str, str]:
    """sha256 of every file under every out (and metric) of dvc.yaml."""
    import hashlib

    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"].values()
    outs = [o for s in stages for o in [*s.get("outs", []), *s.get("metrics", [])]]
    files = [p for o in outs for p in ([root / o] if (root / o).is_file() else sorted((root / o).rglob("*")))]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def test_dvc_push_clone_pull_then_nothing_to_do(tiny_run, root, tmp_path, tmp_path_factory):
    """The README's sharing recipe: run, `make push`, clone, `make pull`; Snakemake then has nothing to do."""
    workdir = copy_run(tiny_run, tmp_path / "repo")
    for item in ("dvc.yaml", "Makefile", "pyproject.toml", ".dvcignore", ".gitignore"):
        shutil.copy2(root / item, workdir / item)
    os.utime(workdir / "pyproject.toml", (0, 0))  # the shared venv is installed already: make must not reinstall it
    venv = f"VENV={BIN.parent}"
    remote = tmp_path_factory.mktemp("dvc-remote")
    _run(workdir, "git", "init", "-q")
    _run(workdir, str(BIN / "dvc"), "init", "-q")
    shutil.copytree(root / ".dvc/plots", workdir / ".dvc/plots")  # the plot templates dvc.yaml names
    _run(workdir, str(BIN / "dvc"), "remote", "add", "-d", "shared", str(remote))
    _run(workdir, "make", "push", venv)
    assert (workdir / "dvc.lock").exists()
    after_push = snakemake(workdir, "--dry-run")  # dvc commit relinked the outputs; make push re-touched them
    assert "Nothing to be done" in after_push.stdout + after_push.stderr, after_push.stdout[-3000:]
    _run(workdir, "git", "add", "-A")
    _run(workdir, "git", "commit", "-q", "-m", "pipeline and dvc.lock")

    clone = tmp_path_factory.mktemp("colleague") / "repo"
    _run(workdir, "git", "clone", "-q", str(workdir), str(clone))
    assert not (clone / "results/report/index.html").exists()
    os.utime(clone / "pyproject.toml", (0, 0))  # the shared venv is installed already: no reinstall from the clone
    _run(clone, "make", "pull", venv)
    dry = snakemake(clone, "--dry-run")
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout[-3000:]
    original, pulled = _dvc_outs(workdir), _dvc_outs(clone)
    assert len(original) > 50 and pulled == original  # every artifact, byte for byte
    metrics = _run(clone, str(BIN / "dvc"), "metrics", "show")
    assert "train.seed_kendall_tau" in metrics.stdout and "importance.nb201.top_share_important" in metrics.stdout
    experiments = _run(clone, str(BIN / "dvc"), "exp", "show", "--json")
    assert "train.seed_kendall_tau" in experiments.stdout and "params.yaml" in experiments.stdout
    plots = json.loads(_run(clone, str(BIN / "dvc"), "plots", "show", "--json").stdout)["data"]
    assert {"supernet accuracy", "calibration", "predictor tau", "controller argmax probability"} <= set(plots)
    for name in ("supernet accuracy", "calibration", "controller argmax probability"):
        (drawn,) = plots[name]
        values = drawn["content"]["data"]["values"]
        assert drawn["type"] == "vega" and values and {"series", "rev"} <= set(values[0]), name

    # A DVC experiment on one parameter: only the report stage reruns (through Snakemake), and the
    # experiment table and the metrics and params diffs compare it with the committed run.
    ran = _run(clone, str(BIN / "dvc"), "exp", "run", "-S", "report.nb201_top_k=3")
    log = ran.stdout + ran.stderr
    assert "Running stage 'report'" in log, log[-3000:]
    for stage in ("search", "train", "controller"):  # untouched by the experiment
        assert f"Running stage '{stage}'" not in log, log[-3000:]
    assert "Top 3 cells by CIFAR-10 accuracy" in (clone / "results/report/index.html").read_text()
    shown = _run(clone, str(BIN / "dvc"), "exp", "show", "--json").stdout
    assert re.search(r'"nb201_top_k":\s*3\b', shown), shown[:2000]
    params_diff = json.loads(_run(clone, str(BIN / "dvc"), "params", "diff", "--json").stdout)
    changed = params_diff["params.yaml"]["report.nb201_top_k"]
    assert (changed["old"], changed["new"]) == (10, 3), changed
    assert "findings.reproduced" in _run(clone, str(BIN / "dvc"), "metrics", "diff", "--all", "--json").stdout


def test_killed_snakemake_resumes_with_rerun_incomplete(tiny_run, tmp_path):
    """SIGKILL the whole Snakemake process group during a search job; the rerun (the profile sets
    rerun-incomplete) resumes the job from its checkpoint to the same trajectory as an uninterrupted run."""
    import signal

    workdir, reference = copy_run(tiny_run, tmp_path / "killed"), copy_run(tiny_run, tmp_path / "reference")
    for run in (workdir, reference):  # a longer search (its settings change: it reruns, from scratch)
        params = yaml.safe_load((run / "params.yaml").read_text())
        params["search"]["overrides"]["nb201/spos"]["epochs"] = 8
        (run / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        (run / "results/search/nb201/spos/0/checkpoint.pt").unlink()
    target = "results/search/nb201/spos/0/trajectory.parquet"
    assert snakemake(reference, target).returncode == 0

    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.Popen([str(BIN / "snakemake"), "--workflow-profile", "workflow/profiles/default", "--cores", "2",
                             target], cwd=workdir, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = workdir / "results/search/nb201/spos/0/checkpoint.pt"
    deadline = time.time() + 300
    while time.time() < deadline and not checkpoint.exists() and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the search finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (workdir / target).exists()
    # a killed Snakemake leaves its lock: unlock, then rerun (the profile sets rerun-incomplete)
    assert snakemake(workdir, "--unlock").returncode == 0
    rerun = snakemake(workdir, target)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    pd.testing.assert_frame_equal(pd.read_parquet(workdir / target), pd.read_parquet(reference / target))
