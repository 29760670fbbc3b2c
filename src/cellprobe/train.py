"""Train and evaluate discrete architectures from scratch, with exact resume.

One architecture, one seed: :func:`train_architecture`. SGD (Nesterov momentum) with a per-epoch cosine
learning rate, weight decay, gradient clipping, optional auxiliary head and drop-path; AMP on CUDA.
Every epoch is a pure function of (weights, optimiser state, seed, epoch): the batch order, the
augmentation and drop-path masks are drawn from generators seeded by ``(seed, arch_id, epoch)``. A
checkpoint written after every epoch therefore resumes a killed job to the identical result (on CPU).

A shard of a sample set — :func:`train_shard` — is one process that trains its architectures in turn
(or in a small pool of single-threaded worker processes); finished architectures are kept in their
checkpoints, so a rerun after a kill skips them.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Callable

import pandas as pd
import torch
import torch.nn.functional as F

from cellprobe.data import minibatches, to_device
from cellprobe.errors import CellprobeError, TrainError
from cellprobe.runtime import EpochLoop, derive_seed
from cellprobe.shards import shard_rows
from cellprobe.settings import check_fields, nested_settings, settings_digest, settings_from_dict
from cellprobe.spaces import parse_genotype
from cellprobe.tables import TRAIN_RESULT

__all__ = [
    "NetworkSettings",
    "TrainSettings",
    "TrainError",
    "train_architecture",
    "train_shard",
]


@dataclass(frozen=True)
class NetworkSettings:
    """Size of the evaluation network: ``C`` channels; ``layers`` cells (DARTS) or ``N`` cells per stage (NB201)."""

    C: int = 8
    layers: int = 3
    N: int = 1
    auxiliary: bool = False

    def __post_init__(self):
        check_fields(self, at_least={"C": 1, "layers": 1, "N": 1})

    def build(self, genotype, num_classes: int, in_channels: int) -> torch.nn.Module:
        """The network of ``genotype`` at this size (its family reads its own depth, and the auxiliary head
        where it has one)."""
        from cellprobe.nn import build_network
        from cellprobe.nn.registry import network_family

        family = network_family(genotype.space)
        extra = {"auxiliary": self.auxiliary} if family.auxiliary else {}
        return build_network(genotype, C=self.C, num_classes=num_classes, in_channels=in_channels,
                             **{family.depth_name: getattr(self, family.depth_name)}, **extra)


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides a training result (the ``train`` group of ``params.yaml``).

    ``valid_every``: the validation split is evaluated after every ``k``-th epoch and after the last (0: only
    after the last, which is all the result holds; the epochs in between record ``None``).
    """

    epochs: int = 6
    batch_size: int = 64
    lr: float = 0.05
    lr_min: float = 0.0
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    augment: str = "digits"
    auxiliary_weight: float = 0.4
    drop_path_prob: float = 0.0
    eval_batch_size: int = 512
    valid_every: int = 1
    amp: bool = True
    channels_last: bool = True
    network: NetworkSettings = field(default_factory=NetworkSettings)

    def __post_init__(self):
        object.__setattr__(self, "network", nested_settings(self.network, NetworkSettings(), "train.network",
                                                            TrainError))
        check_fields(self, at_least={"epochs": 1, "batch_size": 2, "eval_batch_size": 1, "valid_every": 0},
                     non_negative=("momentum", "weight_decay", "grad_clip", "auxiliary_weight"))
        if not 0 <= self.drop_path_prob < 1:
            raise ValueError("drop_path_prob must lie in [0, 1)")
        if self.lr <= 0 or self.lr_min < 0 or self.lr_min > self.lr:
            raise ValueError("need 0 ≤ lr_min ≤ lr and lr > 0")

    @classmethod
    def from_dict(cls, data: dict) -> TrainSettings:
        return settings_from_dict(cls, data, "train settings", TrainError)

    def digest(self) -> str:
        return settings_digest(self)

    def lr_at(self, epoch: int) -> float:
        """Cosine schedule over epochs (the rate used during epoch ``epoch``, 0-based)."""
        return self.lr_min + 0.5 * (self.lr - self.lr_min) * (1 + math.cos(math.pi * epoch / self.epochs))


# -- one architecture ------------------------------------------------------------------------------------


def _evaluate(model, x, y, batch_size, device, channels_last) -> tuple[float, float]:
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb = to_device(x[start : start + batch_size], device, channels_last)
            yb = y[start : start + batch_size].to(device, non_blocking=True)
            logits = model(xb).float()
            total_loss += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(1) == yb).sum().item()
    return 100.0 * correct / len(x), total_loss / len(x)


def train_architecture(
    genotype,
    splits: dict,
    settings: TrainSettings,
    seed: int,
    device: torch.device,
    *,
    checkpoint: Path | None = None,
    dataset: str = "",
    stop_after_epoch: int | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
) -> dict:
    """Train ``genotype`` from scratch on ``splits['train']`` and evaluate on valid and test.

    ``splits`` maps ``train``/``valid``/``test`` to objects with ``x`` (float tensor N×C×H×W), ``y``
    (int64 tensor) and ``meta`` (with ``num_classes``). Returns the result row (a dict of the
    ``train_result`` columns except ``sample``/``sampler``). ``stop_after_epoch`` ends the run after that
    many epochs without a result (used to simulate a killed job in tests).
    """
    from cellprobe.data import AUGMENT_PRESETS
    from cellprobe.nn import count_flops, count_params

    train, valid, test = splits["train"], splits["valid"], splits["test"]
    num_classes = int(train.meta["num_classes"])
    in_shape = tuple(train.x.shape[1:])
    if settings.augment not in AUGMENT_PRESETS:
        raise TrainError(f"unknown augmentation {settings.augment!r}; known: {', '.join(AUGMENT_PRESETS)}")
    augment = AUGMENT_PRESETS[settings.augment]
    tag = {"arch_id": genotype.arch_id, "seed": int(seed), "settings": settings.digest(), "dataset": dataset}
    loop = EpochLoop(settings.epochs, checkpoint, tag, seed, key=(genotype.arch_id,),
                     stop_after_epoch=stop_after_epoch, on_epoch=on_epoch)
    state = loop.resume()
    if state is not None and state.get("result") is not None:
        return state["result"]

    torch.manual_seed(derive_seed(seed, genotype.arch_id, "init"))
    model = settings.network.build(genotype, num_classes, in_shape[0])
    params_m = count_params(model) / 1e6
    flops_m = count_flops(model, in_shape) / 1e6
    model = model.to(device)
    if settings.channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=settings.lr, momentum=settings.momentum, nesterov=settings.momentum > 0,
        weight_decay=settings.weight_decay,
    )
    use_amp = settings.amp and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    history = []
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if use_amp and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        history = list(state["history"])

    def saved(result=None) -> dict:
        return {"history": history, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scaler": scaler.state_dict() if use_amp and result is None else {}, "result": result}

    n = len(train.x)
    for epoch in loop.epochs():
        model.train()
        model.drop_path_prob = settings.drop_path_prob * epoch / settings.epochs
        for group in optimizer.param_groups:
            group["lr"] = settings.lr_at(epoch)
        generator = loop.generator(epoch, "data")
        torch.manual_seed(loop.seed(epoch, "model"))
        order = torch.randperm(n, generator=generator)
        loss_sum, correct, seen = 0.0, 0, 0
        for xb, yb in minibatches(train.x, train.y, order, settings.batch_size):
            xb = to_device(augment(xb, generator), device, settings.channels_last)
            yb = yb.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.float16, enabled=use_amp):
                logits, aux = model.forward_with_aux(xb)
                loss = F.cross_entropy(logits, yb)
                if aux is not None and settings.auxiliary_weight > 0:
                    loss = loss + settings.auxiliary_weight * F.cross_entropy(aux, yb)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            loss_sum += F.cross_entropy(logits.detach().float(), yb, reduction="sum").item()
            correct += (logits.detach().argmax(1) == yb).sum().item()
            seen += len(yb)
        valid_acc = valid_loss = None
        if epoch + 1 == settings.epochs or (settings.valid_every and (epoch + 1) % settings.valid_every == 0):
            valid_acc, valid_loss = _evaluate(model, valid.x, valid.y, settings.eval_batch_size, device,
                                              settings.channels_last)
        record = {"epoch": epoch + 1, "train_acc": 100.0 * correct / max(seen, 1), "train_loss": loss_sum / max(seen, 1),
                  "valid_acc": valid_acc, "valid_loss": valid_loss}
        history.append(record)
        if not loop.finish(epoch, record, saved()):
            return {}

    test_acc, test_loss = _evaluate(model, test.x, test.y, settings.eval_batch_size, device, settings.channels_last)
    last = history[-1]
    result = {
        "arch_id": genotype.arch_id, "space": genotype.space, "genotype": genotype.to_str(), "dataset": dataset,
        "seed": int(seed), "epochs": settings.epochs,
        "train_acc": last["train_acc"], "train_loss": last["train_loss"],
        "valid_acc": last["valid_acc"], "valid_loss": last["valid_loss"],
        "test_acc": test_acc, "test_loss": test_loss,
        "params_m": params_m, "flops_m": flops_m, "device": device.type,
    }
    loop.save(settings.epochs, saved(result))
    return result


@cache
def _splits(data_dir: str) -> dict:
    from cellprobe.data import load_split

    return {name: load_split(Path(data_dir) / f"{name}.parquet") for name in ("train", "valid", "test")}


def _job(args: tuple) -> dict:
    genotype_str, space, seed, data_dir, settings_dict, device_name, checkpoint, dataset = args
    genotype = parse_genotype(space, genotype_str)
    settings = TrainSettings.from_dict(settings_dict)
    return train_architecture(genotype, _splits(data_dir), settings, seed, torch.device(device_name),
                              checkpoint=Path(checkpoint), dataset=dataset)


def _init_worker() -> None:
    torch.set_num_threads(1)


def train_shard(
    sample: pd.DataFrame,
    *,
    sample_name: str,
    data_dir: Path,
    shard: int,
    shards: int,
    seeds: list[int],
    settings: TrainSettings,
    device: torch.device,
    checkpoint_dir: Path,
    workers: int = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """Train every architecture of one shard with every seed; return ``train_result`` rows (``progress``: a
    progress bar on stderr)."""
    from cellprobe.runtime import progress_bar

    rows = shard_rows(sample, shard, shards)
    for i, row in enumerate(sample.itertuples(index=False)):  # refuse a bad table before any training
        try:
            genotype = parse_genotype(row.space, row.genotype)
        except CellprobeError as exc:
            raise TrainError(f"sample row {i} ({row.arch_id}): {exc}") from None
        if genotype.arch_id != row.arch_id:
            raise TrainError(f"sample row {i}: arch_id {row.arch_id} does not match its genotype ({genotype.arch_id})")
    dataset = Path(data_dir).name
    _splits(str(data_dir))  # fail early (and once) on missing or malformed data
    jobs, labels = [], []
    for row in rows.itertuples(index=False):
        for seed in seeds:
            ckpt = Path(checkpoint_dir) / f"{row.arch_id}-seed{seed}.pt"
            jobs.append((row.genotype, row.space, int(seed), str(data_dir), asdict(settings), device.type, str(ckpt), dataset))
            labels.append((row.arch_id, row.sampler))
    results = []
    bar = progress_bar(f"{sample_name} shard {shard}/{shards}", len(jobs), unit="net", disable=not progress)
    if workers > 1 and len(jobs) > 1 and device.type == "cpu":
        import multiprocessing

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker) as pool:
            for result in pool.map(_job, jobs):
                results.append(result)
                bar.update()
    else:
        for job in jobs:
            results.append(_job(job))
            bar.update()
            bar.set_postfix(valid_acc=f"{results[-1]['valid_acc']:.1f}")
    bar.close()
    out = pd.DataFrame(results, columns=[c for c in TRAIN_RESULT.columns if c not in ("sample", "sampler")])
    out.insert(0, "sample", sample_name)
    out.insert(4, "sampler", [sampler for _, sampler in labels])
    return out[TRAIN_RESULT.columns]
