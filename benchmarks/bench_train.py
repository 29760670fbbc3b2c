"""Training throughput of the evaluation networks, and where a shard's time goes.

Run: ``.venv/bin/python benchmarks/bench_train.py [--device auto|cpu|cuda] [--threads N] [--quick]``.

Prints
1. training images/s (forward + backward + SGD step) of the DARTS and NB201 networks at the ``tiny``
   and ``standard`` presets on the chosen device (DARTS V2 and the best NB201 cell);
2. architectures trained per minute by one shard at the tiny default (``train.settings`` of params.yaml,
   on the prepared ``digits-hard`` data), and a breakdown of one architecture's wall time.
Figures are recorded in benchmarks/README.md with the machine they were measured on.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _import_seconds() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - start


def images_per_second(model, input_shape, batch, device, steps, channels_last=True) -> float:
    import torch
    import torch.nn.functional as F

    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, *input_shape, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,), device=device)

    def step():
        opt.zero_grad(set_to_none=True)
        logits, aux = model.forward_with_aux(x)
        loss = F.cross_entropy(logits, y) + (0.4 * F.cross_entropy(aux, y) if aux is not None else 0)
        loss.backward()
        opt.step()

    step()  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch * steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="fewer steps (smoke run)")
    args = parser.parse_args()

    import_s = _import_seconds()
    import torch
    import yaml

    from cellprobe.data import load_split, prepare_dataset
    from cellprobe.nn import PRESETS, count_flops, count_params
    from cellprobe.sampling import sample_architectures
    from cellprobe.spaces import DartsGenotype, NB201Genotype
    from cellprobe.runtime import resolve_device
    from cellprobe.train import TrainSettings, train_architecture

    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name() if device.type == "cuda" else (platform.processor() or platform.machine())
    print(f"device: {device.type} ({name}); torch {torch.__version__}; threads {torch.get_num_threads()}; "
          f"python {platform.python_version()}")
    print(f"importing torch in a fresh process: {import_s:.2f} s")

    cells = json.loads((ROOT / "data/benchmarks/darts_known_cells.json").read_text())
    v2 = cells["DARTS_V2"]
    genotypes = {
        "darts": DartsGenotype.from_pairs(v2["normal"], v2["reduce"], v2["normal_concat"], v2["reduce_concat"]),
        "nb201": NB201Genotype.parse(
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
        ),
    }
    print("\n1. training throughput (forward + backward + step), one batch size per row")
    print(f"{'network':<26}{'params (M)':>11}{'MACs (M)':>11}{'batch':>7}{'images/s':>11}")
    for space, genotype in genotypes.items():
        for preset_name in ("tiny", "standard"):
            preset = PRESETS[space][preset_name]
            batch = 64 if preset_name == "tiny" else (96 if device.type == "cuda" else 16)
            steps = (20 if preset_name == "tiny" else 3) if args.quick else (100 if preset_name == "tiny" else 10)
            torch.manual_seed(0)
            model = preset.build(genotype)
            params = count_params(model) / 1e6
            macs = count_flops(model, preset.input_shape) / 1e6
            rate = images_per_second(model, preset.input_shape, batch, device, steps)
            print(f"{space + ' ' + preset_name:<26}{params:>11.3f}{macs:>11.2f}{batch:>7}{rate:>11.0f}")

    print("\n2. one shard at the tiny default (params.yaml train.settings, digits-hard)")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    settings = TrainSettings.from_dict(params["train"]["settings"])
    prep = params["prep"]["datasets"]["digits-hard"]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        prepare_dataset("digits-hard", Path(tmp) / "digits-hard", seed=prep["seed"], **prep["options"])
        t1 = time.perf_counter()
        splits = {s: load_split(Path(tmp) / "digits-hard" / f"{s}.parquet") for s in ("train", "valid", "test")}
        t2 = time.perf_counter()
    n_archs = 3 if args.quick else 10
    archs = sample_architectures("uniform", n_archs, seed=0)
    epoch_times, build_times = [], []
    start = time.perf_counter()
    for g in archs:
        b0 = time.perf_counter()
        model = settings.network.build(g, 10, 1)
        count_flops(model, (1, 8, 8))
        build_times.append(time.perf_counter() - b0)
        last = [time.perf_counter()]

        def on_epoch(_epoch, _record, last=last):
            now = time.perf_counter()
            epoch_times.append(now - last[0])
            last[0] = now

        train_architecture(g, splits, settings, seed=0, device=device, on_epoch=on_epoch)
    total = time.perf_counter() - start
    per_arch = total / n_archs
    print(f"architectures trained per minute (one process, {torch.get_num_threads()} thread(s)): {60 / per_arch:.1f}"
          f"  ({per_arch:.2f} s each, {settings.epochs} epochs, {len(splits['train'].x)} training images)")
    print("where one architecture's time goes:")
    epoch_mean = sum(epoch_times) / len(epoch_times)
    print(f"  network build + FLOPs count      {sum(build_times) / n_archs:6.3f} s")
    print(f"  {settings.epochs} epochs (train + validation)   {epoch_mean * settings.epochs:6.3f} s "
          f"({epoch_mean:.3f} s per epoch)")
    rest = per_arch - epoch_mean * settings.epochs - sum(build_times) / n_archs
    print(f"  test evaluation and bookkeeping  {max(rest, 0):6.3f} s")
    print(f"once per shard process: import torch {import_s:.2f} s, prepare data {t1 - t0:.2f} s "
          f"(prep stage, not per shard), load splits {t2 - t1:.2f} s")


if __name__ == "__main__":
    main()
