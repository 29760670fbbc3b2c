"""A random forest regressor on the flat one-hot encoding.

>>> from cellprobe.spaces.nb201 import benchmark_order
>>> cells = benchmark_order()[:8]
>>> RandomForestPredictor("nb201", n_estimators=5).fit(cells, range(8)).predict(cells).shape
(8,)
"""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
from sklearn.ensemble import RandomForestRegressor

from cellprobe.predictors.base import Predictor
from cellprobe.predictors.encoding import onehot

__all__ = ["RandomForestPredictor"]


class RandomForestPredictor(Predictor):
    """scikit-learn's ``RandomForestRegressor`` on the flat one-hot encoding.

    It always **regresses the targets** (squared error), whatever ``loss`` says: ``loss`` is accepted
    only so that every predictor takes the same arguments, and is recorded as given. Predictions are
    accuracy estimates (%). ``seed`` is the forest's ``random_state``; ``n_jobs`` its number of worker
    threads. The model is saved with ``joblib`` (the format scikit-learn documents for its estimators;
    it is a pickle, so load only artifacts you trust).
    """

    name = "rf"
    model_file = "model.joblib"
    #: The loss it really optimises, whatever ``loss`` says (see :func:`cellprobe.predictors.evaluate.kendall_runs`).
    fixed_loss = "mse"

    def __init__(
        self,
        space: str,
        loss: str = "hinge",
        seed: int = 0,
        *,
        n_estimators: int = 300,
        max_features: float = 0.5,
        min_samples_leaf: int = 1,
        n_jobs: int = 1,
    ):
        super().__init__(space, loss, seed)
        self.n_estimators = int(n_estimators)
        self.max_features = float(max_features)
        self.min_samples_leaf = int(min_samples_leaf)
        self.n_jobs = int(n_jobs)

    def _fit(self, genotypes: list, y: np.ndarray) -> None:
        self.model_ = RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf,
            n_jobs=self.n_jobs,
            random_state=self.seed,
        ).fit(onehot(genotypes, self.space), y)

    def _predict(self, genotypes: list) -> np.ndarray:
        return self.model_.predict(onehot(genotypes, self.space))

    def _save_model(self, path: Path) -> None:
        joblib.dump(self.model_, path)

    def _load_model(self, path: Path) -> None:
        self.model_ = joblib.load(path)
