"""``cellprobe importance surrogate|predict|oi|variants|verify|predictors|search``: operator importance and its checks."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import add_run_options, add_space, add_truth_options, json_object, load_truth, run_device, say
from cellprobe.errors import CellprobeError

__all__ = ["register"]


def _surrogate(args) -> None:
    from cellprobe.importance import fit_surrogate

    run_device(args)
    truth = load_truth(args, args.space)
    predictor = fit_surrogate(truth, args.predictor, loss=args.loss, seed=args.seed,
                              options=json_object(args.options, "--options"))
    folds = None
    if args.folds_out:  # computed before anything is written
        from cellprobe.predictors.evaluate import kfold_runs

        try:
            folds = kfold_runs(truth, args.predictor, args.loss, folds=args.folds, seed=args.seed,
                               options=json_object(args.options, "--options"))
        except ValueError as exc:
            raise CellprobeError(f"surrogate folds: {exc}") from None
    predictor.save(args.out)  # a folder (settings, weights, training table), replaced atomically
    if folds is not None:
        from cellprobe.tables import SURROGATE_FOLDS, write_table

        folds = folds.assign(space=truth.space, predictor=args.predictor, loss=args.loss, source=truth.source)
        write_table(folds[SURROGATE_FOLDS.columns], args.folds_out, SURROGATE_FOLDS, {"folds": args.folds})
        say(f"wrote {args.folds_out}: held-out Kendall tau {folds['tau'].mean():.3f} over {args.folds} folds")
    say(f"wrote {args.out}: {args.predictor} ({args.loss}) fitted on {len(truth)} {truth.space} architectures "
        f"({truth.source})")


def _predict(args) -> None:
    from cellprobe.importance import predicted_sets
    from cellprobe.predictors import load_predictor
    from cellprobe.tables import SAMPLE_SET, SURROGATE_PREDICTIONS, read_frame, read_metadata, write_table

    run_device(args)
    predictor = load_predictor(args.surrogate)
    samples = {}
    for path in args.sets:
        table = read_frame(path, SAMPLE_SET)
        name = read_metadata(path).get("name") or Path(path).stem
        if name in samples:
            raise CellprobeError(f"{path}: a second sample set named {name!r}")
        samples[name] = table
    table = predicted_sets(predictor, samples)
    write_table(table, args.out, SURROGATE_PREDICTIONS, {"surrogate": args.surrogate.name})
    means = table.groupby("set", sort=False)["predicted_acc"].mean()
    say(f"wrote {args.out}: {len(table)} architectures; mean predicted accuracy "
        + ", ".join(f"{name} {value:.2f}%" for name, value in means.items()))


def _oi(args) -> None:
    from cellprobe.importance import importance_table
    from cellprobe.tables import OPERATOR_IMPORTANCE, write_table

    if (args.benchmark is None) == (args.surrogate is None):
        raise CellprobeError("give exactly one of --benchmark (a benchmark table) or --surrogate (fitted predictor)")
    if args.surrogate is not None:
        from cellprobe.predictors import load_predictor

        run_device(args)  # the predictor's torch threads (a benchmark table needs no torch)
        source, name = load_predictor(args.surrogate), args.surrogate.name
    else:
        source, name = load_truth(args, args.space), ""
    if source.space != args.space:
        raise CellprobeError(f"the {'surrogate' if name else 'benchmark'} holds {source.space} architectures, "
                             f"not {args.space}")
    table, meta = importance_table(source, groups=json_object(args.groups, "--groups") or {"top": 0.05},
                                   threshold=args.threshold, seed=args.seed, pool_sampler=args.pool_sampler,
                                   pool_size=args.pool_size, name=name)
    write_table(table, args.out, OPERATOR_IMPORTANCE, meta)
    share = table.groupby("group")["important"].mean()
    say(f"wrote {args.out}: {table['arch_id'].nunique()} architectures; share of important ops "
        + ", ".join(f"{g} {100 * v:.0f}%" for g, v in share.items()))


def _variants(args) -> None:
    from cellprobe.importance import variants_table
    from cellprobe.tables import IMPORTANCE_VARIANTS, OPERATOR_IMPORTANCE, read_frame, write_table

    oi = read_frame(args.oi, OPERATOR_IMPORTANCE)
    if oi.empty:
        raise CellprobeError(f"{args.oi}: the OI table is empty")
    table = variants_table(oi["space"].iloc[0], oi, disable=args.disable, steps=args.steps, ablate=args.ablate,
                           seed=args.seed)
    write_table(table, args.out, IMPORTANCE_VARIANTS, {"disable": args.disable, "steps": args.steps,
                                                      "ablate": args.ablate, "seed": args.seed})
    say(f"wrote {args.out}: {len(table)} variants ({table['arch_id'].nunique()} distinct architectures)")


def _verify(args) -> None:
    from cellprobe.importance import verification
    from cellprobe.tables import IMPORTANCE_RESULTS, IMPORTANCE_TESTS, IMPORTANCE_VARIANTS, read_frame, write_table

    variants = read_frame(args.variants, IMPORTANCE_VARIANTS)
    space = variants["space"].iloc[0] if len(variants) else None
    if args.surrogate is not None:
        if args.benchmark is not None or args.train:
            raise CellprobeError("give a ground truth (--benchmark/--train) or --surrogate, not both")
        from cellprobe.predictors import load_predictor

        run_device(args)
        results, tests = verification(variants, load_predictor(args.surrogate), name=args.surrogate.name)
    else:
        results, tests = verification(variants, load_truth(args, space))
    source = results["acc_source"].iloc[0] if len(results) else ""
    write_table(results, args.results, IMPORTANCE_RESULTS, {"source": source})
    write_table(tests, args.tests, IMPORTANCE_TESTS, {"source": source})
    for row in tests.itertuples():
        say(f"{row.experiment}: {row.hypothesis}: n={row.n}, mean difference {row.mean_difference:.2f}, "
            f"p={row.p_value:.3g}")


def _predictors(args) -> None:
    from cellprobe.predictors.evaluate import study_table
    from cellprobe.tables import PREDICTOR_EVALUATION, write_table

    truth = load_truth(args)
    try:
        table = study_table(truth, args.predictors, args.sizes, args.losses, n_sets=args.sets, seeds=args.seeds,
                            ks=args.ks, holdout=args.holdout, options=json_object(args.options, "--options"),
                            threads=args.threads,
                            progress=lambda r: say(f"{r['predictor']} {r['loss']} N={r['n_train']} set {r['set']} "
                                                   f"seed {r['seed']}: tau {r['tau']:.3f}"))
    except (KeyError, ValueError) as exc:
        raise CellprobeError(f"predictor evaluation: {exc}") from None
    write_table(table.assign(space=truth.space, holdout=args.holdout)[PREDICTOR_EVALUATION.columns], args.out,
                PREDICTOR_EVALUATION,
                {"truth": truth.source, "sets": args.sets, "seeds": args.seeds, "holdout": args.holdout})


def _search(args) -> None:
    from cellprobe.predictors.search import search_table
    from cellprobe.tables import PREDICTOR_SEARCH, write_table

    run_device(args)
    truth = load_truth(args)
    try:
        table = search_table(truth, args.predictor, loss=args.loss, options=json_object(args.options, "--options"),
                             initial=args.initial, per_stage=args.per_stage, stages=args.stages, seeds=args.seeds)
    except (KeyError, TypeError, ValueError) as exc:
        raise CellprobeError(f"predictor search: {exc}") from None
    write_table(table, args.out, PREDICTOR_SEARCH, {"truth": truth.source, "initial": args.initial,
                                                    "per_stage": args.per_stage, "stages": args.stages})
    best = table.groupby("method")["true_rank"].min()
    say(f"wrote {args.out}: {len(args.seeds)} runs; best true rank found "
        + ", ".join(f"{m} {int(r)}" for m, r in best.items()))


def register(commands) -> None:
    imp = commands.add_parser("importance", help="operator importance, its verification, cell ablations")
    sub = imp.add_subparsers(dest="importance_command", required=True, metavar="<subcommand>")

    p = sub.add_parser("surrogate", help="fit a predictor on trained architectures (the OI surrogate)")
    add_space(p)
    add_truth_options(p)
    p.add_argument("--predictor", default="gates", help="mlp, lstm, gates or rf")
    p.add_argument("--loss", default="hinge", choices=["hinge", "mse"])
    p.add_argument("--options", help="JSON object: predictor options")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds of --folds-out")
    p.add_argument("--folds-out", type=Path, help="surrogate_folds table: held-out Kendall tau per fold")
    add_run_options(p, device=False)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_surrogate)

    p = sub.add_parser("predict", help="sample sets scored by the fitted surrogate (the space's oracle)")
    p.add_argument("--surrogate", required=True, type=Path, help="fitted predictor (written by importance surrogate)")
    p.add_argument("--sets", required=True, nargs="+", type=Path, help="arch_sample tables (sample stage)")
    add_run_options(p, device=False)
    p.add_argument("--out", required=True, type=Path, help="surrogate_predictions table")
    p.set_defaults(func=_predict)

    p = sub.add_parser("oi", help="operator importance of the top/middle/bottom architectures")
    add_space(p)
    add_truth_options(p)
    p.add_argument("--surrogate", type=Path, help="fitted predictor (written by importance surrogate), instead")
    p.add_argument("--pool-sampler", help="sampler of the population the surrogate ranks (default: uniform)")
    p.add_argument("--pool-size", type=int, default=2000)
    p.add_argument("--groups", help='JSON object: fraction per group, e.g. {"top": 0.05, "bottom": 0.05, "middle": 0.05}')
    p.add_argument("--threshold", type=float, default=0.1, help="|OI| (points) from which an op is important")
    p.add_argument("--seed", type=int, default=0)
    add_run_options(p, device=False)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_oi)

    p = sub.add_parser("variants", help="ops disabled by OI order, and cell ablations, of top architectures")
    p.add_argument("--oi", required=True, type=Path)
    p.add_argument("--disable", type=int, default=2, help="top architectures whose ops are disabled")
    p.add_argument("--steps", type=int, default=3, help="ops disabled one after the other, per order")
    p.add_argument("--ablate", type=int, default=0, help="top architectures ablated (DARTS)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_variants)

    p = sub.add_parser("verify", help="accuracies of the variants and Wilcoxon tests")
    p.add_argument("--variants", required=True, type=Path)
    add_truth_options(p)
    p.add_argument("--surrogate", type=Path, help="fitted predictor that scores the variants, instead")
    add_run_options(p, device=False)
    p.add_argument("--results", required=True, type=Path)
    p.add_argument("--tests", required=True, type=Path)
    p.set_defaults(func=_verify)

    p = sub.add_parser("predictors", help="the predictor study: τ, P@K, BR@K of predictors trained on a few")
    add_truth_options(p)
    p.add_argument("--predictors", nargs="+", default=["mlp", "lstm", "gates", "rf"])
    p.add_argument("--sizes", nargs="+", type=int, default=[39, 78, 390, 781], help="training-set sizes")
    p.add_argument("--losses", nargs="+", default=["hinge", "mse"])
    p.add_argument("--sets", type=int, default=3, help="random training sets per size")
    p.add_argument("--seeds", nargs="+", type=int, default=[20, 2020, 202020],
                   help="the predictors' seeds, each set fitted once per seed (default: the evaluator surgery's)")
    p.add_argument("--ks", nargs="+", type=float, default=[0.005, 0.01, 0.05, 0.5],
                   help="top-K fractions of P@K and BR@K")
    p.add_argument("--holdout", action="store_true",
                   help="score the architectures outside each training set (a sampled benchmark), not all")
    p.add_argument("--options", help="JSON object: options per predictor name")
    add_run_options(p, device=False)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_predictors)

    p = sub.add_parser("search", help="multi-stage predictor-based search over a whole benchmark (the oracle)")
    add_truth_options(p)
    p.add_argument("--predictor", default="gates")
    p.add_argument("--loss", default="hinge")
    p.add_argument("--options", help="JSON object: predictor options")
    p.add_argument("--initial", type=int, default=20, help="random architectures scored before the first fit")
    p.add_argument("--per-stage", type=int, default=10, help="top unseen architectures scored per stage")
    p.add_argument("--stages", type=int, default=5)
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    add_run_options(p, device=False)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_search)
