"""The ENAS controller on its own setting: enas-rnn cells rewarded by a shared language model's perplexity."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from cellprobe.analysis.controller import analyse_controller
from cellprobe.data import prepare_dataset
from cellprobe.search.controller import (
    ControllerError,
    ControllerSettings,
    load_controller,
    load_task_data,
    run_controller,
    save_controller,
)
from cellprobe.tables import CONTROLLER_HISTORY, read_frame
from tests.conftest import cellprobe, first

CPU = torch.device("cpu")
TINY = ControllerSettings(hidden=16, controller_steps=3, controller_batch=4, lr=0.05,
                          buffer_start_epoch=1, buffer_per_epoch=5, buffer_capacity=8, buffer_replace=2,
                          recon_start_epoch=2, recon_batch=3,
                          lm={"epochs": 2, "hidden": 8, "batch_size": 4, "eval_batch_size": 4, "bptt": 8,
                              "shared_windows": 6, "score_windows": 2})


@pytest.fixture(scope="module")
def corpus(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus") / "wikitext-char"
    prepare_dataset("wikitext", folder, seed=0, dir=str(root / "data" / "text" / "wikitext-2"), level="char",
                    vocab_size=60, max_tokens=3000)
    return folder


@pytest.fixture(scope="module")
def splits(corpus):
    return load_task_data("enas-rnn", corpus)


def _equal(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_trained_run_is_rewarded_by_perplexity(splits):
    state = run_controller("enas-rnn", "trained", splits, TINY, seed=0, device=CPU)
    h = state.history
    assert state.metric == "ppl" and list(h["epoch"]) == [1, 2]
    assert h["shared_acc"].isna().all() and h["reward_acc_mean"].isna().all()
    assert (h["reward_ppl_mean"] > 1).all() and (h["shared_ppl"] > 1).all()
    # the reward is c / perplexity (plus a tiny entropy bonus): its mean is close to c / the perplexities' mean
    assert (h["reward_mean"] > 0).all() and (h["reward_mean"] < TINY.lm.reward_c).all()
    random = run_controller("enas-rnn", "random", splits, TINY, seed=0, device=CPU)
    assert not _equal(random.controller, state.controller)
    assert state.history_table().columns.tolist() == CONTROLLER_HISTORY.columns


def test_regularised_run_resumes_to_identical_results(splits, tmp_path):
    reference = run_controller("enas-rnn", "regularised", splits, TINY, seed=3, device=CPU)
    assert list(reference.history["buffer_size"]) == [5, 8]
    assert np.isnan(reference.history["recon_loss"].iloc[0]) and reference.history["recon_loss"].iloc[1] > 0
    ckpt = tmp_path / "ckpt.pt"
    assert run_controller("enas-rnn", "regularised", splits, TINY, seed=3, device=CPU, checkpoint=ckpt,
                          stop_after_epoch=1) is None
    resumed = run_controller("enas-rnn", "regularised", splits, TINY, seed=3, device=CPU, checkpoint=ckpt)
    pd.testing.assert_frame_equal(resumed.history, reference.history)
    assert _equal(resumed.controller, reference.controller) and _equal(resumed.supernet, reference.supernet)
    assert resumed.buffer.items == reference.buffer.items


def test_artifact_round_trip_and_analysis_tables(splits, tmp_path):
    state = run_controller("enas-rnn", "trained", splits, replace(TINY, lm=replace(TINY.lm, epochs=1)), seed=1,
                           device=CPU, dataset="wikitext-char")
    loaded = load_controller(save_controller(state, tmp_path / "controller.pt"))
    assert loaded.task_meta == {"vocab_size": len(splits["train"].vocab)}
    assert _equal(loaded.supernet, state.supernet) and _equal(loaded.controller, state.controller)
    tables = analyse_controller(loaded, n_archs=8, n_pairs=12, seed=0, splits=splits, ged_bound_only=True)
    archs, corr = tables["architectures"], tables["correlations"]
    assert archs["supernet_ppl"].gt(1).all() and archs["supernet_acc"].isna().all()
    assert corr["similarity"].tolist() == ["common_activations", "common_connections", "graph_edit_distance",
                                           "perf_difference"]
    assert "perplexity" in corr.set_index("similarity").loc["perf_difference", "detail"]
    ok = corr.dropna(subset=["spearman_rho"])
    assert len(ok) and ((ok["ci_low"] <= ok["spearman_rho"]) & (ok["spearman_rho"] <= ok["ci_high"])).all()
    assert tables["step_probs"]["step"].nunique() == 23  # ENAS' decisions of a 12-node cell


def test_the_wrong_kind_of_data_is_one_clear_error(splits, digits_hard_splits):
    with pytest.raises(ControllerError, match="prepared corpus"):
        run_controller("enas-rnn", "trained", first(digits_hard_splits, train=8, valid=8), TINY, seed=0, device=CPU)
    with pytest.raises(ControllerError, match="prepared image dataset"):
        run_controller("nb201", "trained", splits, TINY, seed=0, device=CPU)
    short = {name: type(s)(s.tokens[:6], s.meta) for name, s in splits.items()}
    with pytest.raises(ControllerError, match="too short"):
        run_controller("enas-rnn", "trained", short, TINY, seed=0, device=CPU)


def test_cli_trains_and_a_missing_corpus_is_one_line(corpus, tmp_path):
    settings = '{"controller_steps": 2, "controller_batch": 2, "lm": {"epochs": 1, "hidden": 8, "shared_windows": 2}}'
    out = tmp_path / "run"

    def train(data):
        return cellprobe("controller", "train", "--space", "enas-rnn", "--variant", "trained", "--data", str(data),
                         "--settings", settings, "--device", "cpu", "--out", str(out / "controller.pt"),
                         "--history", str(out / "history.parquet"))

    missing = train(tmp_path / "no-corpus")
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1
    assert "not found" in missing.stderr and not out.exists()
    done = train(corpus)
    assert done.returncode == 0, done.stderr
    history = read_frame(out / "history.parquet", CONTROLLER_HISTORY)
    assert history["reward_ppl_mean"].notna().all() and "ppl" in done.stderr


def test_retraining_sampled_cells_from_scratch(corpus, tmp_path):
    from cellprobe.analysis.controller import retrain_sampled

    splits = load_task_data("enas-rnn", corpus, ("train", "valid", "test"))
    settings = replace(TINY, lm=replace(TINY.lm, epochs=1))
    states = [run_controller("enas-rnn", v, splits, settings, seed=0, device=CPU) for v in ("trained", "random")]
    frame = retrain_sampled(states, splits, cells=2, epochs=1, seed=0)
    assert frame["variant"].tolist() == ["trained", "trained", "random", "random"]
    assert (frame[["shared_ppl", "valid_ppl", "test_ppl"]] > 1).all().all()
    again = retrain_sampled(states, splits, cells=2, epochs=1, seed=0)
    pd.testing.assert_frame_equal(frame, again)  # seeded
    for state in states:
        save_controller(state, tmp_path / f"{state.variant}.pt")
    done = cellprobe("controller", "retrain", "--controller", str(tmp_path / "trained.pt"), str(tmp_path / "random.pt"),
                     "--data", str(corpus), "--cells", "1", "--epochs", "1", "--out", str(tmp_path / "r.parquet"))
    assert done.returncode == 0, done.stderr
    from cellprobe.tables import CONTROLLER_RETRAINED

    assert len(read_frame(tmp_path / "r.parquet", CONTROLLER_RETRAINED)) == 2


def test_a_killed_retraining_resumes_to_the_same_figures(corpus, tmp_path):
    from cellprobe.analysis.controller import retrain_sampled
    from cellprobe.search.shared import TextTask
    from cellprobe.spaces import parse_genotype

    splits = load_task_data("enas-rnn", corpus, ("train", "valid", "test"))
    cell = parse_genotype("enas-rnn", "tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|"
                                      "sigmoid~7|tanh~8|relu~9")
    whole = TextTask.retrain("enas-rnn", TINY, cell, splits, CPU, epochs=3, seed=0)
    ckpt = tmp_path / "cell.pt"
    assert TextTask.retrain("enas-rnn", TINY, cell, splits, CPU, epochs=3, seed=0, checkpoint=ckpt,
                            stop_after_epoch=1) is None  # killed after its first epoch
    assert TextTask.retrain("enas-rnn", TINY, cell, splits, CPU, epochs=3, seed=0, checkpoint=ckpt) == whole
    # a checkpoint of other settings is another run's: ignored, not resumed
    other = replace(TINY, lm=replace(TINY.lm, lr=0.05))
    assert TextTask.retrain("enas-rnn", other, cell, splits, CPU, epochs=3, seed=0, checkpoint=ckpt) == \
        TextTask.retrain("enas-rnn", other, cell, splits, CPU, epochs=3, seed=0)
    # the whole table: finished cells are only evaluated again
    states = [run_controller("enas-rnn", v, splits, replace(TINY, lm=replace(TINY.lm, epochs=1)), seed=0, device=CPU)
              for v in ("trained", "random")]
    plain = retrain_sampled(states, splits, cells=1, epochs=2, seed=0)
    folder = tmp_path / "checkpoints"
    first_pass = retrain_sampled(states, splits, cells=1, epochs=2, seed=0, checkpoint_dir=folder)
    assert len(list(folder.glob("*.pt"))) == 2
    pd.testing.assert_frame_equal(first_pass, plain)
    pd.testing.assert_frame_equal(retrain_sampled(states, splits, cells=1, epochs=2, seed=0, checkpoint_dir=folder),
                                  plain)


def test_the_ged_upper_bound_is_deterministic_and_not_below_the_exact_distance():
    from cellprobe.analysis.controller import graph_edit_distance
    from cellprobe.spaces.enas_rnn import ENASRNNGenotype

    a = ENASRNNGenotype.parse("tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|sigmoid~7|tanh~8|relu~9")
    b = ENASRNNGenotype.parse("tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|sigmoid~7|tanh~8|tanh~9")
    assert graph_edit_distance(a, b, bound_only=True) == (1.0, False)  # one activation differs: one edit
    assert graph_edit_distance(a, a, bound_only=True) == (0.0, True)
    exact, done = graph_edit_distance(a, b, timeout=None)
    assert done and exact <= 1.0
