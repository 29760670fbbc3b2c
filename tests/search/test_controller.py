from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from cellprobe.runtime import derive_seed
from cellprobe.search.controller import (
    VARIANTS,
    ArchitectureBuffer,
    Controller,
    ControllerError,
    ControllerSettings,
    build_controller,
    load_controller,
    run_controller,
    save_controller,
)
from cellprobe.spaces import DartsGenotype, NB201Genotype, get_space
from cellprobe.spaces.darts import NEIGHBOUR_OPS
from tests.conftest import first

CPU = torch.device("cpu")
TINY = ControllerSettings(hidden=16, shared_steps=2, controller_steps=3, controller_batch=4, reward_images=32,
                          buffer_start_epoch=1, buffer_per_epoch=4, buffer_capacity=6, buffer_replace=2,
                          recon_start_epoch=2, recon_batch=3, lr=0.05,
                          supernet={"epochs": 2, "C": 4, "depth": 1, "batch_size": 32, "eval_batch_size": 48})


@pytest.fixture(scope="module")
def splits(digits_hard_splits):
    return first(digits_hard_splits, train=64, valid=64)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


# -- sampling ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("space", ["nb201", "darts"])
def test_sampling_always_yields_valid_cells(space):
    controller = Controller(space, hidden=16, seed=0, temperature=1.0, tanh_constant=0.0)
    with torch.no_grad():
        sample = controller.sample(300, _gen(1))
    genotypes = controller.decode(sample.actions)
    assert len(genotypes) == 300
    for g in genotypes:
        assert get_space(space).parse(g.to_str()) == g  # a valid genotype of the space (validated on construction)
        if space == "darts":
            assert isinstance(g, DartsGenotype)
            for cell in ("normal", "reduce"):
                for k in range(4):
                    (op0, in0), (op1, in1) = g.cell(cell).node_edges(k)
                    assert in0 != in1 and max(in0, in1) < k + 2
                    assert op0 in NEIGHBOUR_OPS and op1 in NEIGHBOUR_OPS
        else:
            assert isinstance(g, NB201Genotype)
    assert torch.equal(controller.encode(genotypes), sample.actions)
    # the sampler explores: many distinct architectures, every choice of the first step taken
    assert len({g.arch_id for g in genotypes}) > 250
    assert len(set(sample.actions[:, 0].tolist())) == len(controller.decisions[0].choices)


@pytest.mark.parametrize("space", ["nb201", "darts"])
def test_log_probabilities_match_teacher_forced_recomputation(space):
    controller = Controller(space, hidden=16, seed=3)
    sample = controller.sample(16, _gen(0))
    assert sample.log_prob.requires_grad  # REINFORCE needs the gradient
    forced = controller(sample.actions)
    torch.testing.assert_close(forced.log_probs, sample.log_probs)
    torch.testing.assert_close(forced.hidden, sample.hidden)
    torch.testing.assert_close(forced.max_probs, sample.max_probs)
    assert (sample.log_probs <= 0).all() and (sample.max_probs >= sample.log_probs.exp() - 1e-6).all()
    # a different action sequence has a different likelihood
    other = controller.sample(16, _gen(99)).actions
    assert not torch.allclose(controller.log_prob(other), sample.log_prob)


def test_sampling_is_seeded_and_conditions_on_a_shared_lstm():
    controller = Controller("nb201", hidden=16, seed=0)
    a = controller.sample(8, _gen(5)).actions
    assert torch.equal(a, controller.sample(8, _gen(5)).actions)
    assert not torch.equal(a, controller.sample(8, _gen(6)).actions)
    assert not torch.equal(Controller("nb201", hidden=16, seed=1).start, controller.start)


def test_darts_second_input_excludes_the_first():
    controller = Controller("darts", hidden=16, seed=0)
    with torch.no_grad():
        sample = controller.sample(50, _gen(0))
    second_of_node2 = [d.step for d in controller.decisions if d.kind == "input" and d.node == 2 and d.edge == 1]
    # node 2 has two candidate inputs; once the first is taken the second is forced
    assert torch.allclose(sample.max_probs[:, second_of_node2], torch.ones(50, 2))
    assert controller.n_steps == 32 and Controller("nb201").n_steps == 6


def test_invalid_actions_are_refused():
    controller = Controller("darts", hidden=8, seed=0)
    good = controller.sample(1, _gen(0)).actions
    with pytest.raises(ControllerError, match="shape"):
        controller.log_prob(good[:, :5])
    bad = good.clone()
    bad[0, 2] = len(NEIGHBOUR_OPS)
    with pytest.raises(ControllerError, match="choices"):
        controller.log_prob(bad)
    repeat = good.clone()
    repeat[0, 1] = repeat[0, 0]
    with pytest.raises(ControllerError, match="inputs must differ"):
        controller.decode(repeat)
    with pytest.raises(ControllerError, match="unknown search space"):
        Controller("nasbench101")
    with pytest.raises(ControllerError, match="cannot encode"):
        Controller("nb201").encode(controller.decode(good))


# -- the memory buffer -----------------------------------------------------------------------------------------


def _rows(start, n, width=3):
    return torch.arange(start, start + n)[:, None].repeat(1, width)


def test_buffer_fills_in_order_then_takes_only_its_replacements():
    buffer, rng = ArchitectureBuffer(capacity=5, replace=2), np.random.default_rng(0)
    with pytest.raises(ControllerError, match="empty"):
        buffer.draw(2, rng)
    assert buffer.wanted(3) == 3 and buffer.store(_rows(0, 3), rng) == 3
    assert buffer.wanted(3) == 2 and buffer.store(_rows(3, 3), rng) == 2  # only what fits
    assert [r[0] for r in buffer.items] == [0, 1, 2, 3, 4]  # appended in order while there is room
    assert buffer.full and buffer.wanted(3) == 2
    assert buffer.store(_rows(100, 3), rng) == 2
    assert len(buffer) == 5 and sorted(r[0] for r in buffer.items if r[0] >= 100) == [100, 101]
    assert buffer.stored == 7


def test_buffer_replaces_uniformly_drawn_slots_not_the_last_ones():
    buffer, rng = ArchitectureBuffer(capacity=5, replace=1), np.random.default_rng(0)
    buffer.store(_rows(0, 5), rng)
    slots = []
    for k in range(2000):
        before = list(buffer.items)
        buffer.store(_rows(100 + k, 1), rng)
        assert len(buffer) == 5
        changed = [i for i in range(5) if buffer.items[i] != before[i]]
        assert len(changed) == 1 and buffer.items[changed[0]] == (100 + k,) * 3
        slots += changed
    counts = np.bincount(slots, minlength=5)
    assert counts.min() > 300 and counts.max() < 500  # uniform over the slots (400 expected each)
    again, r = ArchitectureBuffer(capacity=5, replace=1), np.random.default_rng(0)
    again.store(_rows(0, 5), r)
    for k in range(2000):
        again.store(_rows(100 + k, 1), r)
    assert again.items == buffer.items  # seeded
    two, r = ArchitectureBuffer(capacity=5, replace=2), np.random.default_rng(3)
    two.store(_rows(0, 5), r)
    two.store(_rows(100, 5), r)
    assert sum(row[0] >= 100 for row in two.items) == 2  # distinct slots: no replacement overwrites another


def test_buffer_draws_distinct_entries_and_round_trips():
    buffer, rng = ArchitectureBuffer(capacity=6, replace=1), np.random.default_rng(1)
    buffer.store(_rows(0, 6), rng)
    drawn = buffer.draw(4, rng)
    assert drawn.shape == (4, 3) and len(set(drawn[:, 0].tolist())) == 4
    assert buffer.draw(50, rng).shape == (6, 3)
    copy = ArchitectureBuffer(1).load_state_dict(buffer.state_dict())
    assert copy.items == buffer.items and (copy.capacity, copy.replace, copy.stored) == (6, 1, 6)
    with pytest.raises(ValueError):
        ArchitectureBuffer(0)
    with pytest.raises(ValueError):
        ArchitectureBuffer(3, replace=-1)


# -- training ---------------------------------------------------------------------------------------------


def _initial(space, seed=0):
    return build_controller(TINY, space, derive_seed(seed, "controller"))


def _params_equal(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_short_training_run_changes_the_policy_and_random_stays_put(splits):
    trained = run_controller("nb201", "trained", splits, TINY, seed=0, device=CPU)
    initial = _initial("nb201")
    assert not _params_equal(trained.controller, initial)
    probe = initial.sample(32, _gen(0)).actions
    with torch.no_grad():
        assert (trained.controller.log_prob(probe) - initial.log_prob(probe)).abs().max() > 1e-3
    h = trained.history
    assert list(h["epoch"]) == [1, 2] and h["reward_acc_mean"].between(0, 100).all()
    assert h["recon_loss"].isna().all() and (h["buffer_size"] == 0).all()

    random = run_controller("nb201", "random", splits, TINY, seed=0, device=CPU)
    assert _params_equal(random.controller, initial)
    assert np.isfinite(random.history["reward_mean"]).all()


def test_regularised_run_follows_the_papers_epoch_schedule(splits):
    state = run_controller("nb201", "regularised", splits, TINY, seed=0, device=CPU)
    h = state.history
    # end of epoch 1: 4 fresh cells; end of epoch 2: the 2 that fill the capacity of 6
    assert list(h["buffer_size"]) == [4, 6] and state.buffer.stored == 6
    # the reconstruction loss starts with epoch 2 (recon_start_epoch), on the cells stored after epoch 1
    assert np.isnan(h["recon_loss"].iloc[0]) and h["recon_loss"].iloc[1] > 0
    trained = run_controller("nb201", "trained", splits, TINY, seed=0, device=CPU)
    pd.testing.assert_series_equal(h["reward_mean"].iloc[:1], trained.history["reward_mean"].iloc[:1])
    assert not _params_equal(state.controller, trained.controller)  # the reconstruction loss changed the updates


def test_reconstruction_loss_is_the_teacher_forced_nll_from_logits():
    controller = _initial("nb201")
    actions = controller.sample(5, _gen(3)).actions
    nll = -controller.log_prob(actions)
    assert (nll > 0).all()
    # the log-likelihood comes from log_softmax of the logits: a sampled cell's probabilities sum to one per step
    with torch.no_grad():
        every = torch.stack(torch.meshgrid(*[torch.arange(5)] * 6, indexing="ij"), -1).reshape(-1, 6)
        total = controller.log_prob(every).exp().sum()
    assert abs(float(total) - 1.0) < 1e-4


def test_darts_run_and_artifact_round_trip(splits, tmp_path):
    settings = replace(TINY, supernet=replace(TINY.supernet, epochs=1), controller_steps=2, controller_batch=2,
                       shared_steps=1)
    state = run_controller("darts", "trained", splits, settings, seed=2, device=CPU, dataset="digits-hard")
    path = save_controller(state, tmp_path / "controller.pt")
    loaded = load_controller(path)
    assert (loaded.space, loaded.variant, loaded.seed, loaded.dataset) == ("darts", "trained", 2, "digits-hard")
    assert _params_equal(loaded.controller, state.controller)
    assert _params_equal(loaded.supernet, state.supernet)
    pd.testing.assert_frame_equal(loaded.history, state.history)
    a, b = loaded.controller.sample(3, _gen(0)), state.controller.sample(3, _gen(0))
    assert torch.equal(a.actions, b.actions)
    (tmp_path / "junk.pt").write_bytes(b"not a torch file")
    with pytest.raises(ControllerError, match="not a readable controller file"):
        load_controller(tmp_path / "junk.pt")
    with pytest.raises(ControllerError, match="not found"):
        load_controller(tmp_path / "missing.pt")


def test_run_is_deterministic_and_resumes_to_identical_results(splits, tmp_path):
    settings = replace(TINY, supernet=replace(TINY.supernet, epochs=2))
    reference = run_controller("nb201", "regularised", splits, settings, seed=1, device=CPU)
    ckpt = tmp_path / "ckpt.pt"
    assert run_controller("nb201", "regularised", splits, settings, seed=1, device=CPU, checkpoint=ckpt,
                          stop_after_epoch=1) is None
    epochs = []
    resumed = run_controller("nb201", "regularised", splits, settings, seed=1, device=CPU, checkpoint=ckpt,
                             on_epoch=lambda e, _: epochs.append(e))
    assert epochs == [2]
    pd.testing.assert_frame_equal(resumed.history, reference.history)
    assert _params_equal(resumed.controller, reference.controller)
    assert _params_equal(resumed.supernet, reference.supernet)
    assert resumed.buffer.items == reference.buffer.items


def test_bad_settings_and_variants_are_refused(splits):
    with pytest.raises(ControllerError, match="unknown setting"):
        ControllerSettings.from_dict({"hiden": 64})
    with pytest.raises(ControllerError, match="baseline_decay"):
        ControllerSettings.from_dict({"baseline_decay": 1.0})
    with pytest.raises(ControllerError, match="unknown controller variant"):
        run_controller("nb201", "greedy", splits, TINY, seed=0, device=CPU)
    assert VARIANTS == ("trained", "random", "regularised")
