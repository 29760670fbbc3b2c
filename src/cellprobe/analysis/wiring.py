"""Wiring-evolution diagnostics from a search trajectory (``search_trajectory`` table).

An edge is *on* at an epoch when its most probable op is not ``none``. From the per-epoch record:

* **P1, growing tendency** — how many edges are on, epoch by epoch (differentiable NAS tends to switch
  edges on: the cost of most edges is negative, so their weights grow);
* **P2, width preference** — the mean non-``none`` probability on edges leaving the cell inputs versus
  edges leaving intermediate nodes (a preference for wide, shallow cells shows as input > intermediate);
* **P3, no recovery** — edges that were on at some epoch but are off at the end and never came back.

The edge cost of an edge is the sum over its ops of the per-op cost (the cost of one multiplier on the
edge's mixed output): negative means scaling the edge up would lower the loss.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["edge_states", "edge_costs", "growing_tendency", "width_preference", "dropped_edges", "summarize_run"]

RUN_KEYS = ["space", "method", "seed"]


def edge_states(trajectory: pd.DataFrame) -> pd.DataFrame:
    """Per (run, epoch, cell, edge): the most probable op, its probability, the non-``none`` mass, on/off."""
    t = trajectory
    keys = [k for k in RUN_KEYS if k in t.columns] + ["epoch", "cell", "edge", "source", "target"]
    top = t.loc[t.groupby(keys, sort=True)["prob"].idxmax(), keys + ["op", "prob"]].rename(columns={"op": "top_op", "prob": "top_prob"})
    mass = t[t["op"] != "none"].groupby(keys, sort=True)["prob"].sum().rename("non_none_prob").reset_index()
    out = top.merge(mass, on=keys, how="left").fillna({"non_none_prob": 0.0})
    out["on"] = out["top_op"] != "none"
    return out.reset_index(drop=True)


def edge_costs(trajectory: pd.DataFrame) -> pd.DataFrame:
    """Per (run, epoch, cell, edge): the edge cost (sum over ops of the mean per-op cost)."""
    keys = [k for k in RUN_KEYS if k in trajectory.columns] + ["epoch", "cell", "edge", "source", "target"]
    return trajectory.groupby(keys, sort=True)["cost_mean"].sum(min_count=1).rename("edge_cost").reset_index()


def growing_tendency(trajectory: pd.DataFrame) -> pd.DataFrame:
    """P1: edges on, per run, epoch and cell."""
    states = edge_states(trajectory)
    keys = [k for k in RUN_KEYS if k in states.columns] + ["epoch", "cell"]
    return states.groupby(keys, sort=True)["on"].sum().rename("edges_on").reset_index()


def width_preference(trajectory: pd.DataFrame, n_inputs: int | None = None) -> pd.DataFrame:
    """P2: mean non-``none`` probability of edges from cell inputs vs from intermediate nodes."""
    states = edge_states(trajectory)
    if n_inputs is None:  # DARTS cells have two inputs (0, 1), NB201 one (0)
        n_inputs = 2 if (states["target"].min() >= 2) else 1
    states["from"] = states["source"].map(lambda s: "input" if s < n_inputs else "intermediate")
    keys = [k for k in RUN_KEYS if k in states.columns] + ["epoch", "cell", "from"]
    wide = states.groupby(keys, sort=True)["non_none_prob"].mean().unstack("from").reset_index()
    return wide.rename(columns={"input": "input_edges", "intermediate": "intermediate_edges"})


def dropped_edges(trajectory: pd.DataFrame) -> pd.DataFrame:
    """P3: per run and cell, edges that were on at some epoch, are off at the last, and never recovered."""
    states = edge_states(trajectory)
    run = [k for k in RUN_KEYS if k in states.columns]
    rows = []
    for key, group in states.groupby(run + ["cell"], sort=True):
        last = group["epoch"].max()
        dropped = 0
        for _, edge in group.groupby("edge"):
            edge = edge.sort_values("epoch")
            on = edge["on"].to_numpy()
            if on.any() and not on[-1]:
                last_on = edge["epoch"].to_numpy()[on].max()
                if not edge[edge["epoch"] > last_on]["on"].any():
                    dropped += 1
        rows.append(dict(zip(run + ["cell"], key if isinstance(key, tuple) else (key,))) | {
            "dropped_never_recovered": dropped, "last_epoch": int(last)})
    return pd.DataFrame(rows)


def summarize_run(trajectory: pd.DataFrame) -> pd.DataFrame:
    """P1–P3 at a glance: per run and cell, edges on at the start and end, width preference, dropped edges."""
    grow = growing_tendency(trajectory)
    run = [k for k in RUN_KEYS if k in grow.columns] + ["cell"]
    first = grow[grow["epoch"] == grow["epoch"].min()].set_index(run)["edges_on"].rename("edges_on_start")
    last = grow[grow["epoch"] == grow["epoch"].max()].set_index(run)["edges_on"].rename("edges_on_end")
    width = width_preference(trajectory)
    width = width[width["epoch"] == width["epoch"].max()].set_index(run)[["input_edges", "intermediate_edges"]]
    dropped = dropped_edges(trajectory).set_index(run)["dropped_never_recovered"]
    cost = edge_costs(trajectory)
    cost = cost[cost["epoch"] == cost["epoch"].max()]
    negative = cost.groupby(run)["edge_cost"].apply(lambda c: int((c < 0).sum())).rename("edges_negative_cost_end")
    return pd.concat([first, last, width, dropped, negative], axis=1).reset_index()
