"""A random forest regressor on the flat one-hot encoding.

>>> from cellprobe.spaces.nb201 import benchmark_order
>>> cells = benchmark_order()[:8]
>>> RandomForestPredictor("nb201", n_estimators=5).fit(cells, range(8)).predict(cells).shape
(8,)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cellprobe.predictors.base import Predictor
from cellprobe.predictors.encoding import onehot
from cellprobe.predictors.registry import register_predictor

__all__ = ["RandomForestPredictor"]


@register_predictor
class RandomForestPredictor(Predictor):
    """scikit-learn's ``RandomForestRegressor`` on the flat one-hot encoding.

    It always **regresses the targets** (squared error), whatever ``loss`` says: ``loss`` is accepted
    only so that every predictor takes the same arguments, and is recorded as given. Predictions are
    accuracy estimates (%). ``seed`` is the forest's ``random_state``; ``n_jobs`` its number of worker
    threads.

    The saved model holds no pickle (loading a shared artifact must not run code): ``model.json`` records
    the forest's predictions on its training set, and loading refits the forest — deterministically, from
    the artifact's settings and training table — and checks that it predicts exactly those values again
    (a scikit-learn whose trees differ is refused with one clear error).
    """

    name = "rf"
    model_file = "model.json"
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
        from sklearn.ensemble import RandomForestRegressor  # here: the torch predictors' jobs skip scikit-learn (~2 s)

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
        check = self._predict(self.training_genotypes()).tolist()
        path.write_text(json.dumps({"format": "refit", "sklearn": _sklearn_version(), "train_predictions": check})
                        + "\n")

    def _load_model(self, path: Path) -> None:
        try:
            saved = json.loads(path.read_text())
            expected = np.asarray(saved["train_predictions"], dtype=np.float64)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a random-forest model record ({type(exc).__name__})") from None
        genotypes = self.training_genotypes()
        self._fit(genotypes, self.train_table_["y"].to_numpy(dtype=np.float64))
        if not np.array_equal(self._predict(genotypes), expected):
            raise ValueError(f"{path}: refitting the forest (scikit-learn {_sklearn_version()}) does not reproduce "
                             f"the saved one (scikit-learn {saved.get('sklearn')}); refit the predictor")


def _sklearn_version() -> str:
    from importlib.metadata import version

    return version("scikit-learn")
