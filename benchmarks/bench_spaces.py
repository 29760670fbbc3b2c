"""Throughput of the search-space layer (parsing, canonical keys, neighbours).

Run: ``.venv/bin/python benchmarks/bench_spaces.py``. Prints operations per second on this machine.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from cellprobe.spaces import DartsGenotype, NB201Genotype
from cellprobe.spaces.nb201 import all_genotypes

ROOT = Path(__file__).resolve().parents[1]


def rate(label: str, n: int, fn) -> None:
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {n / elapsed:>12,.0f} /s   ({n:,} in {elapsed:.3f} s)")


def main() -> None:
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}")
    cells = all_genotypes()
    strings = [g.to_str() for g in cells]
    rate("NB201 parse", len(strings), lambda: [NB201Genotype.parse(s) for s in strings])
    fresh = [NB201Genotype(g.ops) for g in cells]
    rate("NB201 canonical_key (isomorphism)", len(fresh), lambda: [g.canonical_key for g in fresh])
    rate("NB201 24 neighbours", len(cells) // 5, lambda: [g.neighbours() for g in cells[: len(cells) // 5]])

    known = json.loads((ROOT / "data/benchmarks/darts_known_cells.json").read_text())
    darts = [
        DartsGenotype.from_pairs(c["normal"], c["reduce"], c["normal_concat"], c["reduce_concat"])
        for c in known.values()
        if c["in_darts_space"]
    ]
    reprs = [g.to_repr() for g in darts] * 200
    rate("DARTS parse (Genotype repr)", len(reprs), lambda: [DartsGenotype.parse(s) for s in reprs])
    compact = [g.to_str() for g in darts] * 200
    rate("DARTS parse (compact)", len(compact), lambda: [DartsGenotype.parse(s) for s in compact])
    rate("DARTS 120 neighbours", len(darts) * 20, lambda: [g.neighbours() for g in darts * 20])


if __name__ == "__main__":
    main()
