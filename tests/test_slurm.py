"""The tiny pipeline on a real one-node SLURM cluster (slurmctld + slurmd + munge on loopback, a fake GPU).

Runs when the daemons are installed and can be started (as root; `.ci/run` installs Debian's slurmctld,
slurmd and munge); otherwise skipped with the reason. The cluster has the partitions the shipped profile
names (`cpu`, `gpu`), so `--workflow-profile workflow/profiles/slurm` is used as a user would, plus the
options a cluster without accounting needs (README, "Running on a SLURM cluster").
"""

import os
import re
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tiny import ETC, MARK, copy_run, differing_outputs, snakemake, why_no_slurm

pytestmark = pytest.mark.workflow

#: What a cluster without accounting (no slurmdbd, so no sacct) needs, and short status checks (a test cluster
#: answers at once; a real one wants Snakemake's defaults).
NO_ACCOUNTING = ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2",
                 "--slurm-no-account", "--seconds-between-status-checks", "2"]


SLURM_CONF = """\
ClusterName=cellprobe
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldPort=16817
SlurmdPort=16818
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
MinJobAge=3600
ReturnToService=2
SlurmdParameters=config_overrides
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=32000 Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes={host} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes={host} MaxTime=INFINITE State=UP
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = why_no_slurm()
    if reason:
        pytest.skip(reason)
    d = tmp_path_factory.mktemp("slurm")
    host = socket.gethostname().split(".")[0]
    ETC.mkdir(parents=True, exist_ok=True)
    # twice the machine's cores (config_overrides lets slurmd accept it): the tiny jobs are short, and while
    # Snakemake waits between status checks a second job per core keeps the machine busy
    cpus = 2 * (os.cpu_count() or 2)
    (ETC / "slurm.conf").write_text(MARK + SLURM_CONF.format(host=host, d=d, cpus=cpus))
    (ETC / "gres.conf").write_text(MARK + f"AutoDetect=off\nNodeName={host} Name=gpu File=/dev/null\n")
    for sub in ("state", "spool"):
        (d / sub).mkdir()
    env = dict(os.environ)
    started_munge = False
    if subprocess.run(["munge", "-n"], capture_output=True).returncode != 0:
        Path("/run/munge").mkdir(parents=True, exist_ok=True)
        subprocess.run(["munged", "--force"], check=True, capture_output=True)
        started_munge = True
    subprocess.run(["slurmctld"], env=env, check=True, capture_output=True)
    subprocess.run(["slurmd"], env=env, check=True, capture_output=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True).stdout
        if "idle" in state:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the SLURM node did not come up: {state!r}\n{(d / 'slurmctld.log').read_text()[-2000:]}")
    yield env
    subprocess.run(["scontrol", "shutdown"], env=env, capture_output=True)
    for _ in range(50):  # wait for both daemons to go
        if subprocess.run(["pgrep", "-x", "slurmctld|slurmd"], capture_output=True).returncode != 0:
            break
        time.sleep(0.2)
    if started_munge:
        subprocess.run(["pkill", "-x", "munged"], capture_output=True)
    for name in ("slurm.conf", "gres.conf"):
        (ETC / name).unlink(missing_ok=True)


def _gpu_rules(root: Path) -> set[str]:
    """The rules the shipped SLURM profile sends to its GPU partition."""
    profile = yaml.safe_load((root / "workflow/profiles/slurm/config.yaml").read_text())
    return {rule for rule, res in profile.get("set-resources", {}).items() if res.get("slurm_partition") == "gpu"}


def _jobs(env) -> list[str]:
    out = subprocess.run(["scontrol", "show", "job", "-o"], env=env, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip()]


#: One job of every rule of the tiny pipeline, in four groups; no job of a group is upstream of another, so
#: forcing a group's targets on a copy of the finished run reruns exactly those jobs, side by side (everything
#: they read is up to date). The groups run at once, each on its own copy. On SLURM every job pays for its
#: scheduling, status polling and a nested Snakemake: a --forceall of the 61 jobs took 10.5 min on a 2-core
#: machine, 21 such jobs 3.5 min.
GROUPS = [
    ["results/report/index.html"],
    ["results/evaluators/nb201/predictions/gates-hinge-78.parquet", "results/importance/nb201/predictors.parquet",
     "results/importance/nb201/search.parquet", "results/evaluators/darts/criteria.parquet",
     "results/importance/nb201/variants.parquet", "results/importance/darts/verification.parquet",
     "results/motifs/nb201/nb201-top5/motifs.parquet", "results/search/nb201/spos/0/trajectory.parquet",
     "results/search/nb201/spos/0/genotype.parquet", "results/controller/nb201/regularised/architectures.parquet",
     "results/controller/nb201/trained/controller.pt", "results/train/calibration.parquet",
     "results/train/calibration/shards/0.parquet"],
    ["results/importance/darts/surrogate", "results/importance/darts/predicted.parquet",
     "results/evaluators/darts/zero_cost/proxies.parquet", "results/importance/nb201/oi.parquet",
     "results/search/darts/darts-1st/0/scores.parquet", "results/sample/prim.parquet",
     "results/evaluators/nb201/zero_cost/reference.parquet", "results/evaluators/nb201/pool_study.parquet",
     "results/controller/enas-rnn/retrained.parquet"],
    ["results/benchmarks/nb201.parquet", "results/benchmarks/nb301.parquet", "results/benchmarks/zero_cost_nb201.parquet",
     "data/prepared/cifar10-16/train.parquet"],
]


def test_tiny_pipeline_on_slurm_every_gpu_job_on_the_gpu_partition(cluster, root, tiny_run, tmp_path):
    """Copies of the local tiny run, one job of every rule rerun on SLURM (GROUPS): each job asks for a GPU
    exactly when its rule is a GPU rule and then lands on the GPU partition, and every output comes back
    byte for byte what the local run made."""
    gpu_rules = _gpu_rules(root)
    assert {"train_shard", "search_run", "search_select", "search_score", "controller_train"} <= gpu_rules
    copies = [copy_run(tiny_run, tmp_path / f"repo{i}") for i in range(len(GROUPS))]
    with ThreadPoolExecutor(len(GROUPS)) as pool:
        runs = list(pool.map(lambda work, targets: snakemake(work, "--force", *targets, "--jobs", "8",
                                                               *NO_ACCOUNTING, profile="slurm"), copies, GROUPS))
    for run in runs:
        assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    lines = _jobs(cluster)
    assert lines and all("JobState=COMPLETED" in line for line in lines), "\n".join(lines)[-3000:]
    for work, targets in zip(copies, GROUPS):  # each copy ran exactly its targets
        assert sum(f"WorkDir={work}" in line.split() for line in lines) == len(targets), (targets, "\n".join(lines)[-3000:])
    seen = []
    for line in lines:
        found = re.search(r"\brule_([A-Za-z0-9_]+)", line)  # the job's name or comment: rule_<rule>[_wildcards_...]
        assert found, line
        rule = found.group(1).split("_wildcards")[0]
        seen.append(rule)
        wants_gpu = rule in gpu_rules
        # a job asks for a GPU exactly when its rule is one of the GPU rules, and then lands on the GPU partition
        assert ("gres:gpu" in line) == wants_gpu, (rule, line)
        assert ("Partition=gpu" in line) == wants_gpu and ("Partition=cpu" in line) != wants_gpu, (rule, line)
    rules = {text.split(":")[0].removeprefix("rule ").strip() for path in (root / "workflow/rules").rglob("*.smk")
             for text in path.read_text().splitlines() if text.startswith("rule ")}
    assert sorted(seen) == sorted(rules), (sorted(rules - set(seen)), sorted(seen))  # every rule ran, once
    for work in copies:  # the same code twice: the same bytes
        differ = differing_outputs(tiny_run, work)
        assert not differ, (work.name, differ)
