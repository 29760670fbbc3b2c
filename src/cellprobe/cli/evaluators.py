"""``cellprobe evaluators zero-cost|reference|predict|criteria|pool-study``: how well fast evaluators rank architectures."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import (add_run_options, add_space, add_truth_options, json_object, load_truth,
                                 run_device, say)
from cellprobe.errors import CellprobeError
from cellprobe.runtime import progress_bar

__all__ = ["register"]


def _zero_cost(args) -> None:
    import time

    from cellprobe.analysis.evaluators import evaluation_archs
    from cellprobe.analysis.zero_cost import proxy_batch, zero_cost_table
    from cellprobe.data import load_split
    from cellprobe.tables import SAMPLE_SET, ZERO_COST, read_frames, write_table

    run_device(args)
    genotypes = evaluation_archs(args.space, samples=read_frames(args.sample, SAMPLE_SET) if args.sample else None,
                                 archs=args.archs, sampler=args.sampler, seed=args.seed)
    batch = proxy_batch(load_split(args.split), args.batch_size, args.seed)
    start = time.perf_counter()

    bar = None

    def progress(done, total, seconds):
        nonlocal bar
        if bar is None:
            bar = progress_bar(f"{args.space} zero-cost proxies", total, unit="net")
        bar.update(done - bar.n)

    try:
        table = zero_cost_table(genotypes, batch, preset=args.preset, seed=args.seed, dedupe=args.dedupe,
                                progress=progress)
    except ValueError as exc:
        raise CellprobeError(f"zero-cost: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    meta = {"split": Path(args.split).name, "dataset": batch.dataset, "indices": list(batch.indices),
            "preset": args.preset, "dedupe": args.dedupe, "seed": args.seed,
            "archs": [str(p) for p in args.sample] if args.sample else args.archs}
    write_table(table[ZERO_COST.columns], args.out, ZERO_COST, meta)
    say(f"wrote {args.out}: {len(table):,} architectures, {table['computed_for'].nunique():,} networks in "
        f"{time.perf_counter() - start:.1f} s")


def _reference(args) -> None:
    from cellprobe.analysis.zero_cost_reference import reference_comparison
    from cellprobe.data import load_split
    from cellprobe.tables import ZERO_COST, ZERO_COST_BENCHMARK, ZERO_COST_REFERENCE, read_frame, write_table

    run_device(args)
    reference = read_frame(args.reference, ZERO_COST_BENCHMARK)
    if set(reference["space"]) != {args.space}:
        raise CellprobeError(f"{args.reference}: not a {args.space} reference table "
                             f"(space {', '.join(sorted(set(reference['space'])))})")
    archs = "all" if args.archs == "all" else _count(args.archs)

    bars = {}

    def progress(seed, done, total, seconds):
        if seed not in bars:
            bars[seed] = progress_bar(f"{args.space} zero-cost reference, seed {seed}", total, unit="net")
        bars[seed].update(done - bars[seed].n)
        if done == total:
            bars[seed].close()

    scores, table, meta = reference_comparison(reference, load_split(args.split), archs=archs, seeds=args.seeds,
                                               batch_size=args.batch_size, preset=args.preset, progress=progress)
    meta.update({"split": Path(args.split).name, "reference": Path(args.reference).name})
    write_table(scores[ZERO_COST.columns], args.scores, ZERO_COST, meta)
    write_table(table, args.out, ZERO_COST_REFERENCE, meta)
    for row in table.itertuples():
        say(f"{row.proxy}: Spearman with the reference {_fmt(row.vs_reference)}, noise ceiling "
            f"{_fmt(row.noise_ceiling)}, agrees {row.agrees}")
    say(f"wrote {args.out} and {args.scores}: {table['n'].iloc[0]} architectures, seeds {args.seeds}")


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CellprobeError(f"--archs must be 'all' or a number, got {text!r}") from None


def _fmt(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.3f}"


def _predict(args) -> None:
    from cellprobe.analysis.evaluators import prediction_scores
    from cellprobe.tables import EVALUATOR_SCORES, SAMPLE_SET, read_frames, write_table

    run_device(args)
    truth = load_truth(args, args.space)
    table, meta = prediction_scores(truth, args.predictor, loss=args.loss, n_train=args.n_train, seed=args.seed,
                                    options=json_object(args.options, "--options"),
                                    pool=read_frames(args.archs, SAMPLE_SET) if args.archs else None)
    write_table(table, args.out, EVALUATOR_SCORES, meta)
    say(f"wrote {args.out}: {table['evaluator'].iloc[0]} (seed {args.seed}) scored {len(table)} architectures")


def _criteria(args) -> None:
    from cellprobe.analysis.evaluators import evaluate_evaluators, from_supernet_scores, from_zero_cost, scores_table
    from cellprobe.tables import (EVALUATOR_CRITERIA, EVALUATOR_SCORES, FLOPS_GROUPS, SUPERNET_SCORES, ZERO_COST,
                                  read_frame, write_table)

    frames = [from_supernet_scores(read_frame(p, SUPERNET_SCORES)) for p in args.supernet_scores]
    frames += [from_zero_cost(read_frame(p, ZERO_COST), args.proxies) for p in args.zero_cost]
    frames += [scores_table(read_frame(p, EVALUATOR_SCORES)) for p in args.scores]
    truth = load_truth(args, args.space)
    per_evaluator, crit, groups, meta = evaluate_evaluators(
        args.space, frames, truth, ks=args.ks, n_groups=args.flops_groups, flops_preset=args.flops_preset,
        deiso=args.deiso)
    out = Path(args.out_dir)
    for name, table in per_evaluator.items():
        write_table(table, out / f"{name}.parquet", EVALUATOR_SCORES, meta)
    write_table(crit, out / "criteria.parquet", EVALUATOR_CRITERIA, meta)
    write_table(groups, out / "flops_groups.parquet", FLOPS_GROUPS, meta)
    final = crit[(crit["criterion"] == "kendall") & ~crit["deiso"]]
    final = final[final["epoch"].isna() | (final["epoch"] == final.groupby("evaluator")["epoch"].transform("max"))]
    for name, tau in final.groupby("evaluator")["value"].mean().items():
        say(f"{name}: Kendall tau {tau:.3f}")
    say(f"wrote {len(per_evaluator)} evaluator table(s), criteria.parquet and flops_groups.parquet under {out}")


def _pool_study(args) -> None:
    from cellprobe.analysis.pool_study import pool_study
    from cellprobe.tables import POOL_STUDY, SAMPLE_SET, SUPERNET_SCORES, read_frames, write_table

    run_device(args)
    truth = load_truth(args, args.space)
    pool = read_frames(args.pool, SAMPLE_SET)
    table = pool_study(truth, read_frames(args.space_scores, SUPERNET_SCORES),
                       read_frames(args.pool_scores, SUPERNET_SCORES), pool["arch_id"], predictor=args.predictor, loss=args.loss,
                       options=json_object(args.options, "--options"))
    write_table(table, args.out, POOL_STUDY, {"pool": [str(p) for p in args.pool], "truth": truth.source})
    for row in table[~table["bn_recalibrated"]].itertuples():
        say(f"{row.question}: {row.evaluator} on the {row.on} (seed {row.seed}): Kendall tau {_fmt(row.kendall)}")
    say(f"wrote {args.out}: {len(table)} rows")


def register(commands) -> None:
    ev = commands.add_parser("evaluators", help="rank evaluators: supernets, predictors, zero-cost proxies")
    sub = ev.add_subparsers(dest="evaluators_command", required=True, metavar="<subcommand>")

    p = sub.add_parser("zero-cost", help="zero-cost proxies of untrained networks on one minibatch")
    add_space(p)
    p.add_argument("--split", required=True, type=Path, help="prepared split (image_split table), e.g. train.parquet")
    p.add_argument("--archs", help="'all' (every architecture of a small space, NB201) or a number to draw")
    p.add_argument("--sampler", help="sampler for --archs N (default: the space's uniform sampler)")
    p.add_argument("--sample", nargs="+", type=Path, default=[], help="sample-set tables to score instead")
    p.add_argument("--batch-size", type=int, default=32, help="images in the minibatch (default 32)")
    p.add_argument("--seed", type=int, default=0, help="seeds the minibatch, the initialisations and --archs N")
    p.add_argument("--preset", default="tiny", help="network preset (default tiny: NB201 C=8 N=1, DARTS C=8 3 cells)")
    p.add_argument("--dedupe", action="store_true", help="score one network per isomorphism class and copy its values")
    add_run_options(p, device=False)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_zero_cost)

    p = sub.add_parser("reference", help="zero-cost proxies beside NAS-Bench-Suite-Zero's on the same architectures")
    add_space(p)
    p.add_argument("--reference", required=True, type=Path, help="zero_cost_benchmark table (benchmarks zero-cost)")
    p.add_argument("--split", required=True, type=Path, help="prepared split of the batch (32x32 CIFAR-10 images)")
    p.add_argument("--archs", default="all", help="'all' or a number of the reference's architectures to draw")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1],
                   help="one run per seed (batch and initialisations); the second gives the noise ceiling")
    p.add_argument("--batch-size", type=int, default=64, help="images in the minibatch (default 64, as the reference)")
    p.add_argument("--preset", default="standard", help="network preset (NB201 standard; DARTS nb301)")
    add_run_options(p, device=False)
    p.add_argument("--scores", required=True, type=Path, help="zero_cost table of every seed's scores")
    p.add_argument("--out", required=True, type=Path, help="zero_cost_reference table")
    p.set_defaults(func=_reference)

    p = sub.add_parser("predict", help="fit a predictor on N architectures with known accuracy, score the others")
    add_space(p)
    add_truth_options(p, metric="test_acc")
    p.add_argument("--archs", nargs="*", type=Path, default=[], help="sample sets to score (default: the ground truth)")
    p.add_argument("--predictor", default="gates", help="mlp, lstm, gates or rf")
    p.add_argument("--loss", default="hinge", choices=["hinge", "mse"])
    p.add_argument("--n-train", type=int, required=True, help="training architectures drawn from the ground truth")
    p.add_argument("--options", help="JSON object: predictor options")
    p.add_argument("--seed", type=int, default=0)
    add_run_options(p, device=False)
    p.add_argument("--out", required=True, type=Path, help="evaluator_scores table")
    p.set_defaults(func=_predict)

    p = sub.add_parser("pool-study", help="a supernet trained on a pool of cells, and a predictor on one-shot scores")
    add_space(p)
    add_truth_options(p, metric="test_acc")
    p.add_argument("--pool", required=True, nargs="+", type=Path, help="sample-set table(s) of the pool")
    p.add_argument("--space-scores", required=True, nargs="+", type=Path,
                   help="supernet_scores of the whole-space supernet (one table per seed)")
    p.add_argument("--pool-scores", required=True, nargs="+", type=Path,
                   help="supernet_scores of the pool-trained supernet (one table per seed)")
    p.add_argument("--predictor", default="gates", help="mlp, lstm, gates or rf")
    p.add_argument("--loss", default="hinge", choices=["hinge", "mse"])
    p.add_argument("--options", help="JSON object: predictor options")
    add_run_options(p, device=False)
    p.add_argument("--out", required=True, type=Path, help="pool_study table")
    p.set_defaults(func=_pool_study)

    p = sub.add_parser("criteria", help="ranking criteria and FLOPs groups of evaluators against the ground truth")
    add_space(p)
    p.add_argument("--supernet-scores", nargs="*", type=Path, default=[], help="supernet_scores tables (search score)")
    p.add_argument("--zero-cost", nargs="*", type=Path, default=[], help="zero_cost tables")
    p.add_argument("--proxies", nargs="+", help="zero-cost proxies to evaluate (default: all)")
    p.add_argument("--scores", nargs="*", type=Path, default=[], help="evaluator_scores tables (e.g. predictors)")
    add_truth_options(p, metric="test_acc")
    p.add_argument("--ks", nargs="+", type=float, default=[0.005, 0.01, 0.05, 0.1, 0.2, 0.5],
                   help="top-K fractions of the set, each in (0, 1]")
    p.add_argument("--flops-groups", type=int, default=10, help="FLOPs groups (default 10)")
    p.add_argument("--flops-preset", default="standard",
                   help="network preset of the FLOPs when the ground truth has none (a benchmark)")
    p.add_argument("--deiso", action="store_true", help="also score after averaging within isomorphism classes")
    p.add_argument("--out-dir", required=True, type=Path,
                   help="writes <evaluator>.parquet, criteria.parquet and flops_groups.parquet here")
    p.set_defaults(func=_criteria)
