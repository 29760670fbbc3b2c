"""Architecture performance predictors: encodings, models, losses and their evaluation.

Four predictors, one interface (``fit(genotypes, y) -> self``, ``predict(genotypes) -> scores``,
``save(path)``, ``load_predictor(path)``), on both search spaces:

* ``mlp`` — an MLP on the flat one-hot encoding;
* ``lstm`` — an LSTM over one token per edge;
* ``gates`` — GATES, op-gated message passing over the cell DAG (Ning et al., ECCV 2020);
* ``rf`` — a scikit-learn random forest on the flat one-hot encoding (always regresses).

The torch predictors train with the pairwise hinge ranking loss (margin 0.1) or MSE.

>>> from cellprobe.spaces.nb201 import benchmark_order
>>> cells = benchmark_order()[:16]
>>> p = make_predictor("gates", "nb201", loss="hinge", seed=0, epochs=3).fit(cells, range(16))
>>> p.predict(cells).shape
(16,)
"""

from cellprobe.predictors.base import ARTIFACT_VERSION, NotFittedError, Predictor, TorchPredictor, load_predictor
from cellprobe.predictors.encoding import GraphEncoding, graph, onehot, tokens
from cellprobe.predictors.losses import LOSSES, MARGIN, mse_loss, pairwise_hinge_loss
# Each model module registers its class when imported, in this order (the order PREDICTORS lists them).
from cellprobe.predictors.mlp import MLPPredictor  # isort: skip
from cellprobe.predictors.lstm import LSTMPredictor  # isort: skip
from cellprobe.predictors.gates import GatesPredictor  # isort: skip
from cellprobe.predictors.forest import RandomForestPredictor  # isort: skip
from cellprobe.predictors.registry import PREDICTORS, get_predictor_class, make_predictor, register_predictor

__all__ = [
    "PREDICTORS",
    "register_predictor",
    "make_predictor",
    "load_predictor",
    "get_predictor_class",
    "Predictor",
    "TorchPredictor",
    "NotFittedError",
    "ARTIFACT_VERSION",
    "MLPPredictor",
    "LSTMPredictor",
    "GatesPredictor",
    "RandomForestPredictor",
    "LOSSES",
    "MARGIN",
    "pairwise_hinge_loss",
    "mse_loss",
    "GraphEncoding",
    "onehot",
    "tokens",
    "graph",
]
