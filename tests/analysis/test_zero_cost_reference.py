import json

import numpy as np
import pandas as pd
import pytest

from cellprobe.analysis.zero_cost_reference import (
    compare_to_reference,
    reference_comparison,
    reference_sample,
    threshold_of,
)
from cellprobe.cli import main
from cellprobe.data import load_split
from cellprobe.errors import CellprobeError
from cellprobe.spaces import get_space
from cellprobe.tables import (ZERO_COST, ZERO_COST_BENCHMARK, ZERO_COST_PROXIES, ZERO_COST_REFERENCE, read_frame,
                              write_table)

N = 30


def _reference(n=N, seed=0) -> pd.DataFrame:
    """A zero_cost_benchmark table of n NB201 cells with random scores and accuracies."""
    rng = np.random.default_rng(seed)
    cells = get_space("nb201").population()[:n]
    frame = pd.DataFrame({"space": "nb201", "arch_id": [g.arch_id for g in cells],
                          "genotype": [g.to_str() for g in cells], "val_acc": rng.uniform(80, 95, n)})
    for proxy in ZERO_COST_PROXIES:
        frame[proxy] = rng.normal(size=n)
    return frame.sort_values("arch_id").reset_index(drop=True)


def _run(reference, transform=lambda proxy, v: v, seed=0) -> pd.DataFrame:
    """A zero_cost table whose scores are ``transform`` of the reference's."""
    run = reference[["space", "arch_id", "genotype"]].copy()
    for proxy in ZERO_COST_PROXIES:
        run[proxy] = transform(proxy, reference[proxy].to_numpy())
    return run.assign(computed_for=run["arch_id"], preset="standard", dataset="cifar10", batch_size=64, seed=seed)


def test_identical_scores_agree_and_reversed_ones_do_not():
    ref = _reference()
    same = compare_to_reference([_run(ref), _run(ref, seed=1)], ref, resolution=32)
    assert list(same.columns) == list(ZERO_COST_REFERENCE.columns) and len(same) == len(ZERO_COST_PROXIES)
    assert np.allclose(same["vs_reference"], 1.0) and np.allclose(same["noise_ceiling"], 1.0)
    assert same["agrees"].all() and (same["n"] == N).all() and (same["resolution"] == 32).all()
    flipped = compare_to_reference([_run(ref, lambda p, v: -v), _run(ref, lambda p, v: -v, seed=1)], ref, 32)
    assert np.allclose(flipped["vs_reference"], -1.0) and not flipped["agrees"].any()
    # accuracy correlations: ours and theirs on the same cells, theirs also over the whole file
    assert np.allclose(flipped["ours_vs_accuracy"], -flipped["reference_vs_accuracy"])
    assert (flipped["n_all"] == N).all()


def test_the_noise_ceiling_sets_the_bar_of_batch_sensitive_proxies():
    ref = _reference()
    rng = np.random.default_rng(1)
    noisy = lambda proxy, v: v + rng.normal(scale=1.0, size=len(v))  # noqa: E731
    table = compare_to_reference([_run(ref, noisy), _run(ref, noisy, seed=1)], ref, 32).set_index("proxy")
    assert table.loc["params", "threshold"] == 0.9 and table.loc["snip", "threshold"] == 0.7
    grasp = table.loc["grasp"]
    assert 0 < grasp["noise_ceiling"] < 1 and grasp["threshold"] < grasp["noise_ceiling"]
    assert grasp["threshold"] == pytest.approx(threshold_of("grasp", grasp["noise_ceiling"], N)[0])
    assert grasp["agrees"] == (grasp["vs_reference"] >= grasp["threshold"])
    # noisy data-independent proxies fail their 0.9 bar
    assert not table.loc["params", "agrees"]
    # one run: no ceiling, so no verdict for the batch-sensitive proxies
    one = compare_to_reference([_run(ref)], ref, 32).set_index("proxy")
    assert one["noise_ceiling"].isna().all() and pd.isna(one.loc["grasp", "agrees"]) and one.loc["snip", "agrees"]


def test_published_values_and_missing_reference_scores():
    ref = _reference()
    ref.loc[3, "synflow"] = np.nan  # NASLib's file misses a few scores
    table = compare_to_reference([_run(ref.fillna(0.0))], ref, 32).set_index("proxy")
    assert table.loc["synflow", "n"] == N - 1 and table.loc["synflow", "vs_reference"] == pytest.approx(1.0)
    assert table.loc["synflow", "published"] == 0.737 and "Abdelfattah" in table.loc["synflow", "published_source"]
    assert pd.isna(table.loc["nwot", "published"]) and table.loc["nwot", "published_source"] == ""
    darts = _reference().assign(space="darts")
    assert compare_to_reference([_run(darts)], darts, 32)["published"].isna().all()


def test_runs_must_cover_the_reference_and_share_their_setting():
    ref = _reference()
    with pytest.raises(CellprobeError, match="not in the reference table"):
        compare_to_reference([_run(_reference(n=N + 5))], ref, 32)
    with pytest.raises(CellprobeError, match="differ in network preset"):
        compare_to_reference([_run(ref), _run(ref).assign(preset="tiny")], ref, 32)
    with pytest.raises(CellprobeError, match="no cellprobe run"):
        compare_to_reference([], ref, 32)


def test_reference_sample_is_seeded():
    ref = _reference()
    a, b = reference_sample(ref, 10, seed=0), reference_sample(ref, 10, seed=0)
    assert a.equals(b) and len(a) == 10 and a["arch_id"].is_monotonic_increasing
    assert not a["arch_id"].equals(reference_sample(ref, 10, seed=1)["arch_id"])
    assert len(reference_sample(ref, "all", seed=0)) == N
    for bad in (2, N + 1, "some", True):
        with pytest.raises(CellprobeError, match="archs must be"):
            reference_sample(ref, bad, seed=0)


@pytest.fixture(scope="module")
def split(digits_hard):
    return load_split(digits_hard / "train.parquet")


def test_reference_comparison_scores_each_seed_on_its_own_batch(split):
    ref = _reference(n=12)
    scores, table, meta = reference_comparison(ref, split, archs=8, seeds=[0, 1], batch_size=16, preset="tiny")
    again = reference_comparison(ref, split, archs=8, seeds=[0, 1], batch_size=16, preset="tiny")
    pd.testing.assert_frame_equal(table, again[1])  # deterministic
    assert sorted(scores["seed"].unique()) == [0, 1] and len(scores) == 16
    assert meta["batch_indices"]["0"] != meta["batch_indices"]["1"] and meta["image_shape"] == [1, 8, 8]
    by = table.set_index("proxy")
    assert by.loc["params", "noise_ceiling"] == pytest.approx(1.0)  # the same networks' sizes
    assert by["noise_ceiling"].notna().all() and (by["preset"] == "tiny").all() and (by["batch_size"] == 16).all()
    with pytest.raises(CellprobeError, match="seeds must be distinct"):
        reference_comparison(ref, split, archs=8, seeds=[0, 0], batch_size=16, preset="tiny")


def test_reference_command_writes_both_tables_or_nothing(tmp_path, digits_hard, capsys):
    ref_path = write_table(_reference(n=10), tmp_path / "zc.parquet", ZERO_COST_BENCHMARK, {"source": "test"})
    out, scores = tmp_path / "out" / "reference.parquet", tmp_path / "out" / "scores.parquet"
    args = ["evaluators", "reference", "--space", "nb201", "--reference", str(ref_path), "--split",
            str(digits_hard / "train.parquet"), "--archs", "6", "--seeds", "0", "1", "--batch-size", "16",
            "--preset", "tiny", "--scores", str(scores), "--out", str(out)]
    assert main(args) == 0
    table = read_frame(out, ZERO_COST_REFERENCE)
    assert len(table) == len(ZERO_COST_PROXIES) and (table["n"] == 6).all()
    assert len(read_frame(scores, ZERO_COST)) == 12
    capsys.readouterr()
    out.unlink(), scores.unlink()
    assert main([*args[:3], "darts", *args[4:]]) != 0  # an NB201 reference read as DARTS
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a darts reference table" in err[0]
    assert not out.exists() and not scores.exists()
    bad = tmp_path / "bad.parquet"
    bad.write_text(json.dumps({"not": "parquet"}))
    assert main([*args[:5], str(bad), *args[6:]]) != 0 and not out.exists()


def test_infinite_reference_scores_still_rank():
    ref = _reference()
    ref.loc[0, "nwot"] = -np.inf  # NASLib's nwot of a singular kernel
    ours = _run(ref.assign(nwot=ref["nwot"].replace(-np.inf, -1e9)))
    table = compare_to_reference([ours], ref, 32).set_index("proxy")
    assert table.loc["nwot", "vs_reference"] == pytest.approx(1.0) and table.loc["nwot", "n"] == N
