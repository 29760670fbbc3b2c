"""The tiny pipeline on a real one-node SLURM cluster (slurmctld + slurmd + munge on loopback, a fake GPU).

Runs when the daemons are installed and can be started (as root; `.ci/run` installs Debian's slurmctld,
slurmd and munge); otherwise skipped with the reason. The cluster has the partitions the shipped profile
names (`cpu`, `gpu`), so `--workflow-profile workflow/profiles/slurm` is used as a user would, plus the
options a cluster without accounting needs (README, "Running on a SLURM cluster").
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from test_workflow import COPY, snakemake, tiny_params

pytestmark = pytest.mark.workflow

ETC = Path("/etc/slurm")  # the only place jobs find it: the jobstep plugin drops SLURM_CONF for its nested srun
MARK = "# written by cellprobe's tests/test_slurm.py\n"
DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol")
#: What a cluster without accounting (no slurmdbd, so no sacct) needs, and a short first status check.
NO_ACCOUNTING = ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2",
                 "--slurm-no-account"]


def _why_not() -> str | None:
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
MinJobAge=600
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=16000 Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes={host} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes={host} MaxTime=INFINITE State=UP
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = _why_not()
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


def test_tiny_pipeline_on_slurm_with_a_gpu_request_for_training(cluster, root, tmp_path):
    for item in COPY:
        src, dst = root / item, tmp_path / item
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy2(src, dst)
    params = tiny_params(yaml.safe_load((root / "params.yaml").read_text()))
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run = snakemake(tmp_path, "--jobs", "4", *NO_ACCOUNTING, profile="slurm")
    assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    assert (tmp_path / "results/report/index.html").exists()
    jobs = subprocess.run(["scontrol", "show", "job", "-o"], env=cluster, capture_output=True, text=True).stdout
    lines = jobs.splitlines()
    assert lines and all("JobState=COMPLETED" in line for line in lines), jobs[-3000:]
    train = [line for line in lines if "rule_train_shard" in line]
    assert train and all("TresPerJob=gres:gpu:1" in line and "Partition=gpu" in line for line in train), jobs[-3000:]
    search = [line for line in lines if "rule_report" in line]
    assert search and all("Partition=cpu" in line and "gres:gpu" not in line for line in search)
