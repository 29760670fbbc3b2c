"""Supernet step speed per search method, the small-map speed-up, and where a DARTS step's time goes.

Run: ``.venv/bin/python benchmarks/bench_search.py [--threads N] [--quick] [--skip-standard] [--sections 1,2,3,4]``.

Prints
1. the tiny DARTS supernet weight step (batch 64, 8×8×1, C=8; depth 5 as in issue 4's baseline and the
   params.yaml depth), with oneDNN's kernels (``DepthwiseConv2d.max_pixels = 0``) and with cellprobe's
   small-map formulations, in NCHW and channels-last order, and PC-DARTS (K=4);
2. steps/s of every search method (:func:`cellprobe.search.loop.search_step`: α step + weight step, as in
   a real search) on both spaces, at the default of params.yaml (16×16×3) and at the standard CIFAR-10 proxy
   (DARTS: 32×32×3, C=16, 8 cells; NB201: 32×32×3, C=16, 5 cells per stage);
3. a breakdown of the tiny DARTS weight step by op type: the step with only that op switched on on every
   edge, minus the step with every op off (stem, preprocessing, classifier);
4. the DARTS supernet weight step of params.yaml (C, depth) at the default input (16×16×3 CIFAR-10) and at
   8×8×1, cellprobe's formulation (``none`` never computed, small-map kernels) side by side with a naive
   one in the same process: every op of every edge computed with the native kernels, ``none`` included
   as ``x · 0``, and summed with its weight, as the DARTS reference code does.

Timings are medians over the steps (after a warm-up step), in seconds. Variants are interleaved so
that a noisy machine affects them alike. Figures go to benchmarks/README.md with the machine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

METHODS = {"darts": ["darts-1st", "darts-2nd", "darts-single", "snas", "spos"],
           "nb201": ["darts-1st", "darts-2nd", "darts-single", "snas", "spos", "spos-deiso"]}


@contextmanager
def small_map_kernels(enabled: bool):
    from cellprobe.nn.ops import DepthwiseConv2d

    saved = DepthwiseConv2d.max_pixels
    DepthwiseConv2d.max_pixels = saved if enabled else 0
    try:
        yield
    finally:
        DepthwiseConv2d.max_pixels = saved


@contextmanager
def naive_mixing():
    """Mixed ops computed as the DARTS reference code does: Σ_o w_o · op_o(x) over every op, ``none`` included."""
    from cellprobe.nn.mixed import MixedOp
    from cellprobe.nn.ops import Zero

    saved = MixedOp._mix
    zeros = {}  # the `none` op of each (channels, stride), kept outside the supernet's modules

    def mix(self, x, weights, multipliers, active):
        key = (self.op_channels, self.stride)
        zero = zeros.setdefault(key, Zero(self.op_channels, self.op_channels, self.stride))
        coefs = (weights if weights.dim() == 1 else weights.t()).reshape(len(self.op_names), -1, 1, 1, 1)
        out = 0
        for i, coef in enumerate(coefs.unbind(0)):
            out = out + coef * self._modules_by_index.get(i, zero)(x)
        return out

    MixedOp._mix = mix
    try:
        with small_map_kernels(False):
            yield
    finally:
        MixedOp._mix = saved


def _median_step(step, steps: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Bench:
    """One supernet with its α and optimisers, ready to time ``search_step`` or a plain weight step."""

    def __init__(self, space, method, *, C, depth, input_shape, batch=64, partial_channels=1, channels_last=False,
                 settings_overrides=None):
        import torch

        from cellprobe.search.loop import SearchSettings, build_search_supernet, init_alpha

        overrides = dict(settings_overrides or {})
        overrides.update(method=method, C=C, depth=depth, partial_channels=partial_channels, batch_size=batch,
                         channels_last=channels_last)
        self.settings = SearchSettings.from_dict(overrides)
        torch.manual_seed(0)
        self.supernet = build_search_supernet(space, self.settings, 10, input_shape[0])
        if channels_last:
            self.supernet = self.supernet.to(memory_format=torch.channels_last)
        self.alpha = init_alpha(self.supernet, 0)
        self.weighting = self.settings.weighting()
        self.w_opt = torch.optim.SGD(self.supernet.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
        self.a_opt = torch.optim.Adam(list(self.alpha.values()), lr=3e-3, betas=(0.5, 0.999))
        self.generator = torch.Generator().manual_seed(0)

        def batch_of(seed):
            g = torch.Generator().manual_seed(seed)
            x = torch.randn(batch, *input_shape, generator=g)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            return x, torch.randint(0, 10, (batch,), generator=g)

        self.batch, self.search_batch = batch_of(1), batch_of(2)

    def method_step(self):
        from cellprobe.search.loop import search_step

        search_step(self.supernet, self.alpha, self.weighting, self.settings, self.w_opt, self.a_opt, self.batch,
                    self.search_batch if self.settings.bilevel else None, self.generator, 0.5, 0.025)

    def weight_step(self, weights=None):
        import torch.nn.functional as F

        if weights is None:
            weights = {k: v.softmax(-1) for k, v in self.alpha.items() if not k.endswith("_edges")}
            weights.update({k: v for k, v in self.alpha.items() if k.endswith("_edges")})
        self.w_opt.zero_grad(set_to_none=True)
        x, y = self.batch
        F.cross_entropy(self.supernet(x, weights), y).backward()
        self.w_opt.step()


def section_speedup(args, depth_default: int) -> None:
    print("\n1. tiny DARTS supernet weight step (batch 64, 8×8×1, C=8; forward + backward w.r.t. weights and α + SGD)")
    print(f"{'supernet':<34}{'kernels':<12}{'layout':<15}{'s/step':>8}{'vs oneDNN NCHW':>16}")
    depths = sorted({5, depth_default}, reverse=True)
    for depth in depths:
        variants = []
        for pc in (1, 4):
            for small in (False, True):
                for cl in (False, True):
                    if pc == 4 and not small and cl:
                        continue
                    variants.append((pc, small, cl))
        benches = {v: Bench("darts", "darts-1st", C=8, depth=depth, input_shape=(1, 8, 8), partial_channels=v[0],
                            channels_last=v[2]) for v in variants}
        times = {v: [] for v in variants}
        for _ in range(args.rounds):  # interleave the variants
            for v in variants:
                with small_map_kernels(v[1]):
                    times[v].append(_median_step(benches[v].weight_step, args.steps))
        base = min(times[(1, False, False)])
        for v in variants:
            best = min(times[v])
            label = f"DARTS, {depth} cells" + (", PC-DARTS K=4" if v[0] == 4 else "")
            print(f"{label:<34}{'small-map' if v[1] else 'oneDNN':<12}{'channels_last' if v[2] else 'NCHW':<15}"
                  f"{best:>8.3f}{base / best:>15.2f}×")


def section_methods(args, params) -> None:
    from cellprobe.search.loop import SearchSettings

    search = params["search"]
    base_settings = {k: v for k, v in search["settings"].items() if k in SearchSettings.__dataclass_fields__}
    print("\n2. steps/s per search method (α step + weight step, batch 64)")
    configs = []
    for space in ("darts", "nb201"):
        sp = search["spaces"][space]
        configs.append((f"{space} default (params.yaml: C={sp['C']}, depth {sp['depth']}, 16×16×3)", space,
                        dict(C=sp["C"], depth=sp["depth"], input_shape=(3, 16, 16)), args.steps))
    if not args.skip_standard:
        configs.append(("darts standard proxy (C=16, 8 cells, 32×32×3)", "darts",
                        dict(C=16, depth=8, input_shape=(3, 32, 32)), args.standard_steps))
        configs.append(("nb201 standard proxy (C=16, 5 cells/stage, 32×32×3)", "nb201",
                        dict(C=16, depth=5, input_shape=(3, 32, 32)), args.standard_steps))
    print(f"{'setting':<54}{'method':<22}{'s/step':>9}{'steps/s':>9}")
    for label, space, kw, steps in configs:
        methods = list(METHODS[space]) + (["darts-1st, PC K=4"] if space == "darts" else [])
        for method in methods:
            pc = 4 if "PC" in method else 1
            overrides = dict(base_settings)
            overrides.pop("partial_channels", None)
            bench = Bench(space, method.split(",")[0], partial_channels=pc, settings_overrides=overrides, **kw)
            seconds = _median_step(bench.method_step, steps)
            print(f"{label:<54}{method:<22}{seconds:>9.3f}{1 / seconds:>9.2f}", flush=True)


def section_breakdown(args, depth: int) -> None:
    import torch

    from cellprobe.spaces.darts import PRIMITIVES

    print(f"\n3. where a tiny DARTS weight step goes (C=8, {depth} cells, NCHW, small-map kernels), by op type")
    bench = Bench("darts", "darts-1st", C=8, depth=depth, input_shape=(1, 8, 8))
    net = bench.supernet
    E, O = net.n_edges, net.n_ops

    def only(ops):
        w = torch.zeros(E, O)
        for o in ops:
            w[:, PRIMITIVES.index(o)] = 1.0 / len(ops)
        return {ct: w.clone().requires_grad_() for ct in net.cell_types}

    computed = [o for o in PRIMITIVES if o != "none"]
    cases = {"skeleton (every op off)": only(["none"]), "all ops (a DARTS step)": only(computed)}
    cases.update({o: only([o]) for o in computed})
    times = {k: [] for k in cases}
    for _ in range(args.rounds):
        for k, w in cases.items():
            times[k].append(_median_step(lambda w=w: bench.weight_step(w), args.steps))
    best = {k: min(v) for k, v in times.items()}
    skeleton, full = best["skeleton (every op off)"], best["all ops (a DARTS step)"]
    print(f"{'part':<28}{'s/step':>9}{'share of step':>15}")
    print(f"{'all ops (a DARTS step)':<28}{full:>9.3f}{100:>14.0f}%")
    print(f"{'skeleton (every op off)':<28}{skeleton:>9.3f}{100 * skeleton / full:>14.0f}%")
    for o in computed:
        extra = best[o] - skeleton
        print(f"{'+ ' + o:<28}{extra:>9.3f}{100 * extra / full:>14.0f}%")
    rest = full - skeleton - sum(best[o] - skeleton for o in computed)
    print(f"{'mixing (weighted sums)':<28}{rest:>9.3f}{100 * rest / full:>14.0f}%")


def section_naive(args, params) -> None:
    sp = params["search"]["spaces"]["darts"]
    print(f"\n4. DARTS supernet weight step (params.yaml: C={sp['C']}, {sp['depth']} cells, batch 64) against a naive "
          "formulation (native kernels, every op computed, none included)")
    print(f"{'input':<12}{'cellprobe s/step':>18}{'naive s/step':>14}{'speed-up':>10}")
    for shape in ((3, 16, 16), (1, 8, 8)):
        bench = Bench("darts", "darts-1st", C=sp["C"], depth=sp["depth"], input_shape=shape)
        ours, naive = [], []
        for _ in range(args.rounds):  # interleaved
            ours.append(_median_step(bench.weight_step, args.steps))
            with naive_mixing():
                naive.append(_median_step(bench.weight_step, args.steps))
        label = "×".join(str(v) for v in (shape[1], shape[2], shape[0]))
        print(f"{label:<12}{min(ours):>18.3f}{min(naive):>14.3f}{min(naive) / min(ours):>9.2f}×", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=8, help="timed steps per tiny measurement")
    parser.add_argument("--standard-steps", type=int, default=1, help="timed steps per standard-proxy measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best round is reported")
    parser.add_argument("--skip-standard", action="store_true", help="leave out the (slow on CPU) standard proxy")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 steps, 1 round, no standard proxy")
    parser.add_argument("--sections", default="1,2,3,4", help="comma-separated sections to run (default 1,2,3,4)")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.rounds, args.skip_standard = 2, 1, True

    sys.path.insert(0, str(ROOT / "src"))
    import torch
    import yaml

    torch.set_num_threads(args.threads)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    print(f"device: cpu ({platform.processor() or platform.machine()}); torch {torch.__version__}; "
          f"threads {torch.get_num_threads()}; python {platform.python_version()}")
    depth = params["search"]["spaces"]["darts"]["depth"]
    sections = {s.strip() for s in args.sections.split(",")}
    if "1" in sections:
        section_speedup(args, depth)
    if "2" in sections:
        section_methods(args, params)
    if "3" in sections:
        section_breakdown(args, depth)
    if "4" in sections:
        section_naive(args, params)


if __name__ == "__main__":
    main()
