"""What every predictor shares: the estimator interface, the training table and the saved artifact.

A predictor maps genotypes to one score each (higher = better) and follows the scikit-learn habits:
``__init__`` stores the settings, :meth:`Predictor.fit` learns and returns ``self``, learned state ends in
``_``, randomness comes from ``seed``.

A fitted predictor saves to a folder (:meth:`Predictor.save`), written atomically:

* ``predictor.json`` — the predictor's name, its settings (:meth:`Predictor.get_params`) and its small
  learned state (e.g. the target mean/std);
* ``train.parquet`` — its training table: ``arch_id, genotype`` (string form) and ``y``;
* the model: ``model.pt`` (a ``torch.save`` state dict, loaded with ``weights_only=True``) or, for the
  scikit-learn forest, ``model.json`` (no pickle: the forest is refitted on load and checked).

:class:`TorchPredictor` adds the training loop of the neural predictors: Adam with cosine-annealed
learning rate, minibatches of architectures, and either the pairwise hinge ranking loss over every
ordered pair of a minibatch or MSE on standardised targets.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from torch import nn

from cellprobe.io import save_torch
from cellprobe.predictors.encoding import space_of
from cellprobe.predictors.losses import check_loss, mse_loss, pairwise_hinge_loss
from cellprobe.predictors.registry import get_predictor_class
from cellprobe.spaces import parse_genotype
from cellprobe.spaces.arrays import ArchArrays

__all__ = ["Predictor", "TorchPredictor", "NotFittedError", "ARTIFACT_VERSION", "load_predictor"]

#: Version of the saved folder layout; bumped when it changes incompatibly (2: the forest is no pickle).
ARTIFACT_VERSION = 2
_META = "predictor.json"
_TABLE = "train.parquet"


class NotFittedError(RuntimeError):
    """``predict`` or ``save`` called before ``fit``."""


class Predictor:
    """Base of every performance predictor.

    Subclasses set :attr:`name`, take ``space, loss, seed`` and their own keyword settings in
    ``__init__`` (stored under the same attribute names), and implement ``_fit``, ``_predict`` and the
    model's ``_save_model``/``_load_model``.
    """

    #: Registry name.
    name: ClassVar[str] = "base"
    #: File name of the saved model inside the artifact folder.
    model_file: ClassVar[str] = "model"
    #: Set when the model optimises one loss whatever ``loss`` says (the random forest regresses).
    fixed_loss: ClassVar[str | None] = None

    def __init__(self, space: str, loss: str = "hinge", seed: int = 0):
        self.space = space_of([], space)
        self.loss = check_loss(loss)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)

    # -- settings ---------------------------------------------------------------------------------------
    def get_params(self) -> dict:
        """The ``__init__`` arguments of the class and its bases, read back from the attributes of the same names."""
        names: list[str] = []
        for klass in type(self).__mro__:
            if "__init__" not in vars(klass) or klass is object:
                continue
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in names:
                    names.append(p.name)
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- estimator interface ----------------------------------------------------------------------------------
    def fit(self, genotypes: Sequence, y) -> Predictor:
        """Learn from ``genotypes`` (one space) and their targets ``y`` (accuracies in %); returns ``self``."""
        genotypes = list(genotypes)
        space_of(genotypes, self.space)
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (len(genotypes),):
            raise ValueError(f"y must hold one value per genotype: {len(genotypes)} genotypes, y of shape {y.shape}")
        if len(genotypes) < 2:
            raise ValueError(f"need at least 2 architectures to fit a predictor, got {len(genotypes)}")
        if not np.isfinite(y).all():
            raise ValueError("y holds NaN or infinite values")
        self.train_table_ = pd.DataFrame(
            {"arch_id": [g.arch_id for g in genotypes], "genotype": [g.to_str() for g in genotypes], "y": y}
        )
        self.y_mean_ = float(y.mean())
        self.y_std_ = float(y.std()) or 1.0
        self._fit(genotypes, y)
        return self

    def predict(self, genotypes: Sequence | ArchArrays) -> np.ndarray:
        """One score per genotype (float64, higher = better), computed in batches.

        ``genotypes``: a list of genotypes, or an :class:`~cellprobe.spaces.arrays.ArchArrays` batch
        (the same architectures as arrays, e.g. the neighbours operator importance builds).
        """
        self._check_fitted()
        if not isinstance(genotypes, ArchArrays):
            genotypes = list(genotypes)
        if len(genotypes) == 0:
            return np.zeros(0)
        space_of(genotypes, self.space)
        return np.asarray(self._predict(genotypes), dtype=np.float64).reshape(len(genotypes))

    def _check_fitted(self) -> None:
        if not hasattr(self, "train_table_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit() first")

    def _fit(self, genotypes: list, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, genotypes: list) -> np.ndarray:
        raise NotImplementedError

    # -- artifact -------------------------------------------------------------------------------------------
    def _state(self) -> dict:
        """Small learned state saved in ``predictor.json`` (JSON types only)."""
        return {"y_mean": self.y_mean_, "y_std": self.y_std_}

    def _set_state(self, state: dict) -> None:
        self.y_mean_ = float(state["y_mean"])
        self.y_std_ = float(state["y_std"])

    def _save_model(self, path: Path) -> None:
        raise NotImplementedError

    def _load_model(self, path: Path) -> None:
        raise NotImplementedError

    def save(self, path) -> Path:
        """Write the fitted predictor to the folder ``path`` (replacing it atomically); returns the path."""
        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            meta = {
                "artifact_version": ARTIFACT_VERSION,
                "predictor": self.name,
                "params": self.get_params(),
                "state": self._state(),
                "model_file": self.model_file,
            }
            (tmp / _META).write_text(json.dumps(meta, indent=2) + "\n")
            self.train_table_.to_parquet(tmp / _TABLE, index=False)
            self._save_model(tmp / self.model_file)
            if path.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
                os.replace(path, old / "artifact")
                os.replace(tmp, path)
                shutil.rmtree(old)
            else:
                os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path

    @classmethod
    def load(cls, path) -> Predictor:
        """Read a predictor saved by :meth:`save` (``cls`` must be the class that saved it, or the base)."""
        path = Path(path)
        try:
            meta = json.loads((path / _META).read_text())
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: not a saved predictor (no {_META})") from None
        if meta.get("artifact_version") != ARTIFACT_VERSION:
            raise ValueError(f"{path}: predictor artifact version {meta.get('artifact_version')!r}, expected {ARTIFACT_VERSION}")
        klass = get_predictor_class(meta["predictor"])
        if not issubclass(klass, cls):
            raise TypeError(f"{path} holds a {klass.__name__}, not a {cls.__name__}")
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["params"].items()}
        predictor = klass(**params)
        table = pd.read_parquet(path / _TABLE)
        predictor.train_table_ = table.reset_index(drop=True)
        predictor._set_state(meta["state"])
        predictor._load_model(path / meta["model_file"])
        return predictor

    def training_genotypes(self) -> list:
        """The genotypes of the training table, parsed back."""
        self._check_fitted()
        return [parse_genotype(self.space, s) for s in self.train_table_["genotype"]]


def load_predictor(path: str | Path) -> Predictor:
    """A fitted predictor saved with :meth:`Predictor.save`, whatever its kind."""
    return Predictor.load(path)


class TorchPredictor(Predictor):
    """A neural predictor trained with the hinge ranking loss or MSE.

    Subclasses implement :meth:`_build_module` (a module mapping the encoded tensors of a batch to a
    ``(batch,)`` score) and :meth:`_encode` (genotypes → tuple of tensors, first dimension = batch).
    The whole of ``fit`` runs under a forked torch RNG seeded with ``seed`` (parameter initialisation,
    dropout) and minibatches are drawn with a ``torch.Generator`` of the same seed, so the global torch
    RNG is left untouched and identical inputs give identical predictions on CPU.

    With the hinge loss the targets only order the pairs, and predictions are the raw scores; with MSE
    the network regresses the standardised targets and predictions are mapped back to accuracies (%).
    """

    model_file = "model.pt"

    def __init__(
        self,
        space: str,
        loss: str = "hinge",
        seed: int = 0,
        *,
        epochs: int = 200,
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        predict_batch: int = 4096,
        device: str = "cpu",
    ):
        super().__init__(space, loss, seed)
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.predict_batch = int(predict_batch)
        self.device = str(device)
        if self.epochs < 1 or self.batch_size < 2 or self.predict_batch < 1:
            raise ValueError("epochs and predict_batch must be >= 1, batch_size >= 2")

    # -- to implement -------------------------------------------------------------------------------
    def _build_module(self) -> nn.Module:
        raise NotImplementedError

    def _encode(self, genotypes: list) -> tuple[torch.Tensor, ...]:
        raise NotImplementedError

    # -- training -----------------------------------------------------------------------------------------
    def _fit(self, genotypes: list, y: np.ndarray) -> None:
        device = torch.device(self.device)
        inputs = tuple(t.to(device) for t in self._encode(genotypes))
        if self.loss == "mse":
            target = torch.as_tensor((y - self.y_mean_) / self.y_std_, dtype=torch.float32, device=device)
        else:
            target = torch.tensor(y, dtype=torch.float32, device=device)  # a copy: y may be a read-only view
        n = len(genotypes)
        batch = min(self.batch_size, n)
        steps_per_epoch = -(-n // batch)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            module = self._build_module().to(device)
            generator = torch.Generator().manual_seed(self.seed)
            optimizer = torch.optim.Adam(module.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.epochs * steps_per_epoch)
            module.train()
            for _ in range(self.epochs):
                order = torch.randperm(n, generator=generator).to(device)
                for start in range(0, n, batch):
                    index = order[start : start + batch]
                    if len(index) < 2:
                        continue
                    scores = module(*(t[index] for t in inputs))
                    if self.loss == "mse":
                        loss = mse_loss(scores, target[index])
                    else:
                        loss = pairwise_hinge_loss(scores, target[index])
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    schedule.step()
        module.eval()
        self.module_ = module

    def _scores(self, genotypes: list) -> np.ndarray:
        return self._scores_of(self._encode(genotypes))

    @torch.no_grad()
    def _scores_of(self, inputs: tuple[torch.Tensor, ...]) -> np.ndarray:
        """Raw module scores of encoded inputs, ``predict_batch`` rows at a time."""
        out = []
        for start in range(0, len(inputs[0]), self.predict_batch):
            chunk = tuple(t[start : start + self.predict_batch] for t in inputs)
            out.append(self._score_chunk(chunk).float().cpu().numpy())
        return np.concatenate(out).astype(np.float64)

    def _score_chunk(self, chunk: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The module's scores of one chunk of encoded inputs (on the CPU), computed on ``device``."""
        device = torch.device(self.device)
        return self.module_(*(t.to(device) for t in chunk))

    def _predict(self, genotypes: list) -> np.ndarray:
        scores = self._scores(genotypes)
        if self.loss == "mse":
            return scores * self.y_std_ + self.y_mean_
        return scores

    # -- artifact --------------------------------------------------------------------------------------------
    def _save_model(self, path: Path) -> None:
        save_torch(path, {k: v.detach().cpu() for k, v in self.module_.state_dict().items()})

    def _load_model(self, path: Path) -> None:
        module = self._build_module()
        module.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        self.module_ = module.to(torch.device(self.device)).eval()
