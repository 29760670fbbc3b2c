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
from pathlib import Path

import pytest
import yaml

from tiny import ETC, MARK, copy_run, outputs, snakemake, why_no_slurm

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
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=16000 Gres=gpu:1 State=UNKNOWN
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
    (ETC / "slurm.conf").write_text(MARK + SLURM_CONF.format(host=host, d=d, cpus=os.cpu_count() or 2))
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


#: One branch of the tiny pipeline per rule family, rerun on SLURM (--forceall): every rule runs at least once.
BRANCHES = [
    "results/search/nb201/darts-1st/0/genotype.parquet", "results/search/nb201/darts-1st/0/scores.parquet",
    "results/importance/nb201/tests.parquet", "results/importance/nb201/predictors.parquet",
    "results/importance/nb201/search.parquet", "results/importance/darts/surrogate",
    "results/motifs/nb201/nb201-top5/motifs.parquet", "results/evaluators/nb201/criteria.parquet",
    "results/controller/nb201/random/correlations.parquet",
]


def _jobs(env) -> list[str]:
    out = subprocess.run(["scontrol", "show", "job", "-o"], env=env, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip()]


def test_tiny_pipeline_on_slurm_every_gpu_job_on_the_gpu_partition(cluster, root, tiny_run, tmp_path):
    """A copy of the local tiny run, one branch per rule family rerun on SLURM, then the report: each job asks
    for a GPU exactly when its rule is a GPU rule and then lands on the GPU partition, and every output comes
    back byte for byte what the local run made."""
    gpu_rules = _gpu_rules(root)
    assert {"train_shard", "search_run", "search_select", "search_score", "controller_train"} <= gpu_rules
    work = copy_run(tiny_run, tmp_path / "repo")
    for args in (["--forceall", *BRANCHES], ["--force", "results/report/index.html"]):
        run = snakemake(work, *args, "--jobs", "4", *NO_ACCOUNTING, profile="slurm")
        assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    lines = _jobs(cluster)
    assert lines and all("JobState=COMPLETED" in line for line in lines), "\n".join(lines)[-3000:]
    seen = set()
    for line in lines:
        found = re.search(r"\brule_([A-Za-z0-9_]+)", line)  # the job's name or comment: rule_<rule>[_wildcards_...]
        assert found, line
        rule = found.group(1).split("_wildcards")[0]
        seen.add(rule)
        wants_gpu = rule in gpu_rules
        # a job asks for a GPU exactly when its rule is one of the GPU rules, and then lands on the GPU partition
        assert ("gres:gpu" in line) == wants_gpu, (rule, line)
        assert ("Partition=gpu" in line) == wants_gpu and ("Partition=cpu" in line) != wants_gpu, (rule, line)
    rules = {text.split(":")[0].removeprefix("rule ").strip() for path in (work / "workflow/rules").rglob("*.smk")
             for text in path.read_text().splitlines() if text.startswith("rule ")}
    assert seen == rules, (sorted(rules - seen), sorted(seen - rules))  # every rule ran on the cluster
    first, second = outputs(tiny_run), outputs(work)  # the same code twice: the same bytes
    assert len(first) > 100 and set(first) == set(second)
    differ = sorted(name for name in first if first[name] != second[name])
    assert not differ, differ
