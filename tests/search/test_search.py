
import numpy as np
import pandas as pd
import pytest
import torch

from cellprobe.search.loop import METHODS, SearchError, SearchSettings, run_search
from cellprobe.search.select import score_architectures, select_by_magnitude, select_by_perturbation
from cellprobe.search.settings import ONE_SHOT
from cellprobe.spaces import get_space
from tests.conftest import first

CPU = torch.device("cpu")
RUNS = [(space, method) for space in ("darts", "nb201") for method in METHODS
        if not (space == "darts" and method == "spos-deiso")]


@pytest.fixture(scope="module")
def splits(digits_hard_splits):
    return first(digits_hard_splits, train=96, valid=48)


def settings(space, method, **kw):
    base = dict(method=method, epochs=1, batch_size=32, C=4, depth=3 if space == "darts" else 1,
                cost_batches=1, eval_batch_size=48)
    return SearchSettings(**(base | kw))


@pytest.mark.parametrize("space, method", RUNS)
def test_every_method_runs_on_every_space(splits, space, method):
    s = settings(space, method)
    state = run_search(space, splits, s, seed=0, device=CPU)
    t = state.trajectory
    n_cells = 2 if space == "darts" else 1
    n_edges, n_ops = (14, 8) if space == "darts" else (6, 5)
    assert len(t) == 2 * n_cells * n_edges * n_ops  # epochs 0 and 1
    assert np.isfinite(t["prob"]).all() and np.isfinite(t["cost_mean"]).all()
    assert (t.loc[t["op"] == "none", "cost_mean"] == 0).all()  # `none` has no output, hence no cost
    assert np.allclose(t.groupby(["epoch", "cell", "edge"])["prob"].sum(), 1.0)
    learns = s.weighting().learns_alpha
    assert t["alpha"].isna().all() != learns
    assert (method in ONE_SHOT) != learns  # the workflow's selections read ONE_SHOT: it names the methods without α
    if learns:  # α moved away from its initial values
        start = t[t["epoch"] == 0]["alpha"].to_numpy()
        end = t[t["epoch"] == 1]["alpha"].to_numpy()
        assert np.abs(end - start).max() > 1e-3
        g = select_by_magnitude(state)
        assert get_space(space).parse(g.to_str()) == g
    else:
        with pytest.raises(SearchError, match="learns no"):
            select_by_magnitude(state)
    assert state.history["valid_acc"].between(0, 100).all()


def test_second_order_gradient_differs_from_first_order(splits):
    a = run_search("nb201", splits, settings("nb201", "darts-1st"), seed=0, device=CPU)
    b = run_search("nb201", splits, settings("nb201", "darts-2nd"), seed=0, device=CPU)
    assert not np.allclose(a.alpha["cell"].detach().numpy(), b.alpha["cell"].detach().numpy())


@pytest.mark.slow
def test_search_is_deterministic_and_resumes_to_identical_trajectories(splits, tmp_path):
    s = settings("darts", "snas", epochs=2)
    reference = run_search("darts", splits, s, seed=1, device=CPU)
    again = run_search("darts", splits, s, seed=1, device=CPU)
    pd.testing.assert_frame_equal(reference.trajectory, again.trajectory)
    ckpt = tmp_path / "search.pt"
    assert run_search("darts", splits, s, seed=1, device=CPU, checkpoint=ckpt, stop_after_epoch=1) is None
    epochs = []
    resumed = run_search("darts", splits, s, seed=1, device=CPU, checkpoint=ckpt, on_epoch=lambda e, _: epochs.append(e))
    assert epochs == [2]
    pd.testing.assert_frame_equal(resumed.trajectory, reference.trajectory)
    pd.testing.assert_frame_equal(resumed.history, reference.history)


@pytest.mark.parametrize("space, method", [pytest.param("darts", "darts-1st", marks=pytest.mark.slow), ("nb201", "spos")])
def test_perturbation_selection_returns_a_valid_genotype(splits, space, method):
    state = run_search(space, splits, settings(space, method), seed=0, device=CPU)
    g = select_by_perturbation(state, splits, CPU, seed=0, tune_every=8, tune_steps=1, eval_images=32)
    assert get_space(space).parse(g.to_str()) == g
    if space == "darts":
        assert "none" not in {op for cell in (g.normal, g.reduce) for op, _ in cell.edges}
    scores = score_architectures(state, [g], splits, CPU, recalibrate_batches=1)
    assert scores["arch_id"].tolist() == [g.arch_id] and 0 <= scores["valid_acc"].iloc[0] <= 100


def test_spos_deiso_is_refused_on_darts(splits):
    with pytest.raises(SearchError, match="isomorphism classes; darts has none"):
        run_search("darts", splits, settings("darts", "spos-deiso"), seed=0, device=CPU)


def test_a_named_variant_runs_its_method_and_names_its_tables(splits):
    plain = settings("nb201", "spos", epochs=1)
    variant = settings("nb201", "spos", epochs=1, run="spos-wide")
    a = run_search("nb201", splits, plain, seed=0, device=CPU)
    b = run_search("nb201", splits, variant, seed=0, device=CPU)
    (ta, ha), (tb, hb) = a.tables(), b.tables()
    pd.testing.assert_frame_equal(ha.drop(columns="method"), hb.drop(columns="method"))
    assert set(ta["method"]) == {"spos"} and set(tb["method"]) == {"spos-wide"} and set(hb["method"]) == {"spos-wide"}
    # the same method, seed and settings: the same search; only the name differs (and the digest, which names it)
    pd.testing.assert_frame_equal(ta.drop(columns="method"), tb.drop(columns="method"))
    assert plain.digest() != variant.digest() and variant.name == "spos-wide" and plain.name == "spos"


def test_settings_validation():
    with pytest.raises(SearchError, match="method must be one of"):
        SearchSettings.from_dict({"method": "enas"})
    for bad in ("spos", "Wide", "a b", "-x"):  # a method's name, or not a plain lower-case name
        with pytest.raises(SearchError, match="run must name a variant"):
            SearchSettings.from_dict({"method": "spos", "run": bad})
    with pytest.raises(SearchError, match=r"unknown setting\(s\) \['lr'\]"):
        SearchSettings.from_dict({"lr": 0.1})


def test_snapshot_epochs():
    from cellprobe.search.loop import snapshot_epochs

    assert snapshot_epochs(8, [0.25, 0.5, 1.0]) == [2, 4, 8]
    assert snapshot_epochs(2, [0.1, 0.5, 1.0]) == [1, 2]
    assert snapshot_epochs(3, []) == []
    with pytest.raises(SearchError, match=r"\(0, 1\]"):
        snapshot_epochs(3, [1.5])


def test_snapshots_survive_resume_and_score_the_search_at_that_epoch(splits, tmp_path):
    from cellprobe.search.loop import snapshot_state

    s = settings("nb201", "darts-1st", epochs=2)
    ckpt = tmp_path / "search.pt"
    assert run_search("nb201", splits, s, seed=0, device=CPU, checkpoint=ckpt, stop_after_epoch=1,
                      snapshot_epochs=[1]) is None
    at_one = torch.load(ckpt, weights_only=True)
    state = run_search("nb201", splits, s, seed=0, device=CPU, checkpoint=ckpt, snapshot_epochs=[1])
    assert sorted(state.snapshots) == [1]
    for k, v in at_one["supernet"].items():
        assert torch.equal(state.snapshots[1]["supernet"][k], v)
    early = snapshot_state(state, 1)
    assert torch.equal(early.alpha["cell"].detach(), at_one["alpha"]["cell"])
    with pytest.raises(SearchError, match="no supernet snapshot at epoch 2"):
        snapshot_state(state, 2)

    space = get_space("nb201")
    genotypes = [space.parse(a) for a in (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
        "|avg_pool_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|",
    )]
    late = score_architectures(state, genotypes, splits, CPU, eval_images=32)
    again = score_architectures(state, genotypes, splits, CPU, eval_images=32)
    pd.testing.assert_frame_equal(late, again)  # scoring is deterministic and leaves the supernet unchanged
    assert late["arch_id"].tolist() == [g.arch_id for g in genotypes]
    assert not np.allclose(late["valid_loss"], score_architectures(early, genotypes, splits, CPU, eval_images=32)["valid_loss"])
    assert not np.allclose(late["valid_loss"], score_architectures(state, genotypes, splits, CPU)["valid_loss"])


@pytest.mark.parametrize("space", ["nb201", "darts"])
def test_recalibrated_scores_carry_nothing_between_architectures(splits, space):
    """Each sub-network's batch norms are re-estimated from scratch: a score does not depend on which
    architectures were scored before it, and the supernet's own statistics are left alone."""
    state = run_search(space, splits, settings(space, "darts-1st"), seed=0, device=CPU)
    from cellprobe.sampling import sample_architectures

    genotypes = sample_architectures("uniform" if space == "darts" else "nb201", 3, seed=4)
    before = {k: v.clone() for k, v in state.supernet.state_dict().items()}
    together = score_architectures(state, genotypes, splits, CPU, recalibrate_batches=2, eval_images=32)
    reversed_ = score_architectures(state, genotypes[::-1], splits, CPU, recalibrate_batches=2, eval_images=32)
    alone = pd.concat([score_architectures(state, [g], splits, CPU, recalibrate_batches=2, eval_images=32)
                       for g in genotypes], ignore_index=True)
    pd.testing.assert_frame_equal(together, alone)
    pd.testing.assert_frame_equal(together, reversed_.iloc[::-1].reset_index(drop=True))
    plain = score_architectures(state, genotypes, splits, CPU, eval_images=32)
    assert not np.allclose(plain["valid_loss"], together["valid_loss"])  # running vs batch statistics
    for k, v in state.supernet.state_dict().items():
        assert torch.equal(v, before[k])
