"""GATES specifics: exact op semantics (zero, identity), isomorphism invariance, dead cells last."""

import numpy as np
import pandas as pd
import pytest

from cellprobe.predictors import GatesPredictor, graph
from cellprobe.predictors.gates import output_reachable
from cellprobe.sampling import sample_architectures
from cellprobe.spaces import NB201Genotype
from cellprobe.spaces.nb201 import OPS, all_genotypes


def nb201_data(n=40, seed=0):
    genotypes = sample_architectures("nb201", n, seed=seed)
    # a made-up target that rewards convolutions, so the fit has something to learn
    y = np.array([80 + 2 * g.ops.count("nor_conv_3x3") + g.ops.count("nor_conv_1x1") for g in genotypes], float)
    return genotypes, y + np.random.default_rng(seed).normal(0, 0.3, n)


def test_output_reachable_matches_the_genotypes():
    cells = all_genotypes()
    alive = output_reachable(graph(cells), [op != "none" for op in OPS])
    assert alive.tolist() == [g.reachable for g in cells]
    assert (~alive).sum() == 341


def test_isomorphic_nb201_cells_get_the_same_score():
    genotypes, y = nb201_data()
    predictor = GatesPredictor("nb201", epochs=20).fit(genotypes, y)
    cells = all_genotypes()
    scores = pd.Series(predictor.predict(cells))
    keys = pd.Series([g.canonical_key for g in cells])
    spread = scores.groupby(keys).agg(lambda s: s.max() - s.min())
    assert spread.max() < 1e-4 * (scores.max() - scores.min())
    # ... while cells that differ really do get different scores (the model is a little coarser than the
    # canonical key, which keeps zero terms in its sums: about 4,850 distinct scores for 6,466 keys)
    assert scores.round(6).nunique() > 0.7 * keys.nunique()


def test_dead_cells_rank_last():
    genotypes, y = nb201_data()
    assert all(g.reachable for g in genotypes[:20])
    live = [g for g in genotypes if g.reachable][:20]
    predictor = GatesPredictor("nb201", epochs=20).fit(live, y[: len(live)])
    dead = NB201Genotype.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")
    assert predictor.predict([dead])[0] == predictor.dead_score_ < predictor.predict(live).min()
    keep = GatesPredictor("nb201", epochs=20, dead_last=False).fit(live, y[: len(live)])
    assert keep.predict([dead])[0] != keep.dead_score_


@pytest.mark.parametrize(
    "options",
    [
        {"input_gate": False, "identity_ops": (), "activation": "relu"},
        {"layers": 3, "activation": "tanh"},
        {"zero_ops": ()},
    ],
)
def test_variants_fit(options):
    genotypes, y = nb201_data()
    scores = GatesPredictor("nb201", epochs=5, **options).fit(genotypes, y).predict(genotypes)
    assert np.isfinite(scores).all()


def test_darts_cells_shared_or_not():
    genotypes = sample_architectures("uniform", 12, seed=0)
    y = np.linspace(70, 90, 12)
    shared = GatesPredictor("darts", epochs=3, share_cells=True).fit(genotypes, y)
    separate = GatesPredictor("darts", epochs=3).fit(genotypes, y)
    assert len(shared.module_.encoders) == 1 and len(separate.module_.encoders) == 2
    assert shared.predict(genotypes).shape == separate.predict(genotypes).shape == (12,)


def test_settings_are_checked():
    with pytest.raises(Exception, match="unknown op"):
        GatesPredictor("nb201", zero_ops=("sep_conv_3x3",))
    with pytest.raises(ValueError, match="both zero and identity"):
        GatesPredictor("nb201", identity_ops=("none",))
    with pytest.raises(ValueError, match="activation"):
        GatesPredictor("nb201", activation="sigmoid")
