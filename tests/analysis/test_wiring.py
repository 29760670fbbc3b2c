import pandas as pd

from cellprobe.analysis.wiring import dropped_edges, edge_costs, growing_tendency, summarize_run, width_preference


def trajectory(probs_by_epoch):
    """A one-cell NB201-like trajectory: probs_by_epoch[epoch][edge] = probability of the conv op."""
    rows = []
    edges = [(1, 0), (2, 0), (2, 1)]
    for epoch, probs in enumerate(probs_by_epoch):
        for e, p in enumerate(probs):
            target, source = edges[e]
            for op, prob, cost in (("none", 1 - p, 0.0), ("conv", p, -p)):
                rows.append({"space": "nb201", "method": "m", "seed": 0, "epoch": epoch, "cell": "cell", "edge": e,
                             "source": source, "target": target, "op": op, "prob": prob, "cost_mean": cost})
    return pd.DataFrame(rows)


T = trajectory([[0.4, 0.4, 0.4], [0.6, 0.7, 0.3], [0.8, 0.3, 0.6], [0.9, 0.2, 0.7]])


def test_growing_tendency_counts_edges_on():
    assert growing_tendency(T)["edges_on"].tolist() == [0, 2, 2, 2]


def test_dropped_edges_never_recovered():
    # edge 1 was on at epoch 1, off from epoch 2 on; edge 2 was off, then came on
    assert dropped_edges(T)["dropped_never_recovered"].tolist() == [1]


def test_width_preference_splits_input_and_intermediate_edges():
    last = width_preference(T).iloc[-1]
    assert last["input_edges"] == (0.9 + 0.2) / 2 and last["intermediate_edges"] == 0.7


def test_edge_cost_is_the_sum_over_ops():
    costs = edge_costs(T)
    assert costs[(costs["epoch"] == 3)]["edge_cost"].tolist() == [-0.9, -0.2, -0.7]


def test_summary_has_one_row_per_run_and_cell():
    summary = summarize_run(T)
    assert len(summary) == 1
    row = summary.iloc[0]
    assert row["edges_on_start"] == 0 and row["edges_on_end"] == 2 and row["dropped_never_recovered"] == 1
    assert row["edges_negative_cost_end"] == 3
