"""Every registered predictor on both spaces: fit, predict, determinism, save/load, invariances."""

import json

import numpy as np
import pytest

from cellprobe.predictors import (
    PREDICTORS,
    NotFittedError,
    Predictor,
    RandomForestPredictor,
    load_predictor,
    make_predictor,
)
from cellprobe.sampling import sample_architectures
from cellprobe.spaces import parse_genotype

from test_predictor_encoding import swapped

SPACES = ["nb201", "darts"]
#: Small settings so that each fit takes a fraction of a second.
FAST = {"mlp": {"epochs": 15}, "lstm": {"epochs": 15}, "gates": {"epochs": 15}, "rf": {"n_estimators": 20}}
CASES = [(name, space) for name in PREDICTORS for space in SPACES]


def data(space, n=24, seed=0):
    genotypes = sample_architectures("uniform" if space == "darts" else "nb201", n, seed=seed)
    y = np.random.default_rng(seed).uniform(60, 95, size=n)
    return genotypes, y


def fitted(name, space, loss="hinge", seed=0, n_train=16):
    genotypes, y = data(space)
    predictor = make_predictor(name, space, loss=loss, seed=seed, **FAST[name])
    return predictor.fit(genotypes[:n_train], y[:n_train]), genotypes


def test_registry():
    assert set(PREDICTORS) == {"mlp", "lstm", "gates", "rf"}
    for name, klass in PREDICTORS.items():
        assert klass.name == name and issubclass(klass, Predictor)
    with pytest.raises(ValueError, match="unknown predictor"):
        make_predictor("xgboost", "nb201")
    with pytest.raises(ValueError, match="unknown loss"):
        make_predictor("mlp", "nb201", loss="l1")
    with pytest.raises(ValueError, match="unknown search space|one space"):
        make_predictor("mlp", "nasbench101")
    with pytest.raises(TypeError):
        make_predictor("mlp", "nb201", n_estimators=3)


@pytest.mark.parametrize("loss", ["hinge", "mse"])
@pytest.mark.parametrize("name,space", CASES)
def test_fit_predict(name, space, loss):
    predictor, genotypes = fitted(name, space, loss)
    scores = predictor.predict(genotypes)
    assert scores.shape == (len(genotypes),) and scores.dtype == np.float64 and np.isfinite(scores).all()
    assert predictor.predict(genotypes[:1]).shape == (1,)
    assert predictor.predict([]).shape == (0,)
    assert len(predictor.train_table_) == 16 and list(predictor.train_table_.columns) == ["arch_id", "genotype", "y"]


@pytest.mark.parametrize("name,space", CASES)
def test_deterministic_for_a_seed(name, space):
    a, genotypes = fitted(name, space, seed=1)
    b, _ = fitted(name, space, seed=1)
    np.testing.assert_array_equal(a.predict(genotypes), b.predict(genotypes))
    c, _ = fitted(name, space, seed=2)
    assert not np.array_equal(a.predict(genotypes), c.predict(genotypes))


@pytest.mark.parametrize("name,space", CASES)
def test_predictions_do_not_depend_on_batching(name, space):
    predictor, genotypes = fitted(name, space)
    whole = predictor.predict(genotypes)
    one_by_one = np.concatenate([predictor.predict([g]) for g in genotypes])
    np.testing.assert_allclose(whole, one_by_one, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("loss", ["hinge", "mse"])
@pytest.mark.parametrize("name,space", CASES)
def test_save_load_round_trip(tmp_path, name, space, loss):
    predictor, genotypes = fitted(name, space, loss)
    path = predictor.save(tmp_path / "model")
    meta = json.loads((path / "predictor.json").read_text())
    assert meta["predictor"] == name and meta["params"]["space"] == space and meta["params"]["loss"] == loss
    loaded = load_predictor(path)
    assert type(loaded) is type(predictor) and loaded.get_params() == predictor.get_params()
    np.testing.assert_array_equal(loaded.predict(genotypes), predictor.predict(genotypes))
    assert loaded.train_table_.equals(predictor.train_table_)
    assert [g.arch_id for g in loaded.training_genotypes()] == list(predictor.train_table_["arch_id"])
    # saving again replaces the folder
    predictor.save(path)
    np.testing.assert_array_equal(load_predictor(path).predict(genotypes), predictor.predict(genotypes))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_load_checks(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_predictor(tmp_path)
    predictor, _ = fitted("mlp", "nb201")
    predictor.save(tmp_path / "mlp")
    with pytest.raises(TypeError):
        RandomForestPredictor.load(tmp_path / "mlp")


@pytest.mark.parametrize("name", sorted(PREDICTORS))
def test_darts_edge_order_gives_identical_predictions(name, darts_cells):
    predictor, genotypes = fitted(name, "darts")
    genotypes = genotypes + list(darts_cells.values())
    for node in range(4):
        np.testing.assert_array_equal(
            predictor.predict(genotypes), predictor.predict([swapped(g, node) for g in genotypes])
        )


def test_unfitted_and_bad_input():
    predictor = make_predictor("mlp", "nb201")
    with pytest.raises(NotFittedError):
        predictor.predict(data("nb201")[0])
    genotypes, y = data("nb201")
    with pytest.raises(ValueError, match="one value per genotype"):
        predictor.fit(genotypes, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        predictor.fit(genotypes, np.full(len(genotypes), np.nan))
    with pytest.raises(ValueError, match="one space"):
        predictor.fit(data("darts")[0], y)


def test_random_forest_regresses_whatever_the_loss():
    genotypes, y = data("nb201")
    a = make_predictor("rf", "nb201", loss="hinge", n_estimators=10).fit(genotypes, y)
    b = make_predictor("rf", "nb201", loss="mse", n_estimators=10).fit(genotypes, y)
    np.testing.assert_array_equal(a.predict(genotypes), b.predict(genotypes))
    assert 60 <= a.predict(genotypes).min() and a.predict(genotypes).max() <= 95


def test_fit_leaves_the_global_torch_rng_alone():
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fitted("gates", "nb201")
    assert torch.equal(torch.rand(3), expected)


def test_parse_round_trip_of_training_table():
    predictor, _ = fitted("gates", "darts")
    for text in predictor.train_table_["genotype"]:
        assert parse_genotype("darts", text).to_str() == text
