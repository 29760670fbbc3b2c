"""``cellprobe <stage> ...``: thin entry points (parse arguments → load typed inputs → call the library → write).

Any :class:`~cellprobe.errors.CellprobeError` is printed as one line ``cellprobe: error: ...`` with exit
status 1; usage errors exit with 2 (argparse). Heavy libraries are imported inside the commands so that
``cellprobe space ...`` starts quickly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cellprobe import __version__
from cellprobe.errors import CellprobeError

__all__ = ["main", "build_parser"]

DEFAULT_SCHEMA = "workflow/schemas/params.schema.yaml"

_INFO_LABELS = {
    "darts": [
        ("intermediate_nodes", "intermediate nodes per cell"),
        ("edges_per_cell", "edges per cell"),
        ("cells_per_type_without_none", "cells per cell type (without none)"),
        ("cells_per_type_with_none", "cells per cell type (with none)"),
        ("genotypes_without_none", "genotypes, normal x reduce (without none)"),
        ("neighbours_per_genotype", "neighbours per genotype"),
    ],
    "nb201": [
        ("edges", "edges per cell"),
        ("cells", "cells"),
        ("isomorphism_classes", "isomorphism classes"),
        ("unreachable", "cells with unreachable output"),
        ("neighbours_per_genotype", "neighbours per cell"),
    ],
}


# -- space ---------------------------------------------------------------------------------------------------


def _cmd_space_info(args) -> None:
    from cellprobe.spaces import get_space

    info = get_space(args.space).info()
    if args.json:
        print(json.dumps(info, indent=2))
        return
    print(f"space: {info['space']}")
    print(f"ops: {', '.join(info['ops'])}")
    for key, label in _INFO_LABELS[args.space]:
        print(f"{label}: {info[key]:,}")


def _cmd_space_neighbours(args) -> None:
    from cellprobe.spaces import parse_genotype

    genotype = parse_genotype(args.space, args.arch)
    for edit, neighbour in genotype.edits():
        if args.edits:
            print(f"{edit.cell}\t{edit.edge}\t{edit.kind}\t{edit.old}\t{edit.new}\t{neighbour.to_str()}")
        else:
            print(neighbour.to_str())


def _cmd_space_canonical(args) -> None:
    from cellprobe.spaces import parse_genotype

    genotype = parse_genotype(args.space, args.arch)
    print(f"arch_id: {genotype.arch_id}")
    print(f"canonical_key: {genotype.canonical_key}")


# -- stages ---------------------------------------------------------------------------------------------------


def _cmd_benchmarks_nb201(args) -> None:
    from cellprobe.benchmarks import nb201_table, read_nb201_csv
    from cellprobe.tables import NB201_BENCHMARK, write_table

    frame = read_nb201_csv(args.source)
    table = nb201_table(frame, name=str(args.source))
    write_table(table, args.out, NB201_BENCHMARK, metadata={"source": Path(args.source).name, "rows": len(table)})
    print(f"wrote {args.out}: {len(table):,} cells", file=sys.stderr)


def _write_report_metrics(args, load) -> None:
    from cellprobe import tables as T
    from cellprobe.report.metrics import collect_metrics, write_metrics

    metrics = collect_metrics(
        train=load(args.train, T.TRAIN_RESULT), importance_oi=load(args.importance_oi, T.OPERATOR_IMPORTANCE),
        predictors=load(args.predictors, T.PREDICTOR_EVALUATION),
        predictor_search=load(args.predictor_search, T.PREDICTOR_SEARCH),
        criteria=load(args.evaluators_criteria, T.EVALUATOR_CRITERIA), motifs=load(args.motifs, T.MOTIFS),
        controller=load(args.controller_correlations, T.CONTROLLER_CORRELATIONS),
    )
    write_metrics(metrics, args.metrics)
    print(f"wrote {args.metrics}: {len(metrics)} metrics", file=sys.stderr)


def _cmd_report(args) -> None:
    from cellprobe import tables as T
    from cellprobe.config import load_params
    from cellprobe.report import provenance, render_report
    from cellprobe.report.benchmark_section import nb201_section

    params = load_params(args.params, args.schema) if args.params else None
    if args.config_json:
        params = _json_arg(args.config_json, "--config-json")
    read: dict = {}

    def load(paths, schema):
        """The tables at ``paths`` as one frame (None for none), each set read once for the whole report."""
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths or [])
        key = (tuple(map(str, paths)), schema.name)
        if key not in read:
            read[key] = T.read_frames(paths, schema)
        return read[key]

    nb201 = load(args.nb201, T.NB201_BENCHMARK)
    inputs, sections = {}, []
    if args.nb201:
        sections.append(nb201_section(nb201, top_k=args.nb201_top_k))
        inputs["nb201_benchmark"] = Path(args.nb201)
    if args.search_trajectory:
        from cellprobe.report.search_section import search_section

        sections.append(search_section(load(args.search_trajectory, T.SEARCH_TRAJECTORY),
                                       load(args.search_history, T.SEARCH_HISTORY),
                                       load(args.search_genotypes, T.SEARCH_GENOTYPES), nb201=nb201,
                                       trained=load(args.train, T.TRAIN_RESULT)))
        for p in [*args.search_trajectory, *args.search_history, *args.search_genotypes]:
            inputs[f"{Path(p).parent.parent.parent.name}/{Path(p).parent.parent.name}/{Path(p).stem}"] = Path(p)
    if args.train:
        from cellprobe.report.train_section import train_section

        sections.append(train_section(load(args.train, T.TRAIN_RESULT)))
        inputs.update({f"train_result ({Path(p).stem})": Path(p) for p in args.train})
    if args.importance_oi:
        from cellprobe.report.importance_section import importance_section

        sections.append(importance_section(load(args.importance_oi, T.OPERATOR_IMPORTANCE),
                                           load(args.importance_results, T.IMPORTANCE_RESULTS),
                                           load(args.importance_tests, T.IMPORTANCE_TESTS),
                                           load(args.predictors, T.PREDICTOR_EVALUATION),
                                           load(args.predictor_search, T.PREDICTOR_SEARCH)))
        inputs.update({f"predictors/{Path(p).parent.name}": Path(p) for p in args.predictors})
        inputs.update({f"predictor_search/{Path(p).parent.name}": Path(p) for p in args.predictor_search})
        for p in [*args.importance_oi, *args.importance_results, *args.importance_tests]:
            inputs[f"importance/{Path(p).parent.name}/{Path(p).stem}"] = Path(p)
    if args.motifs:
        from cellprobe.report.motifs_section import motifs_section

        sections.append(motifs_section(load(args.motifs, T.MOTIFS), load(args.motif_occurrences, T.MOTIF_OCCURRENCES),
                                       args.known_cells))
        for p in [*args.motifs, *args.motif_occurrences]:
            inputs[f"motifs/{Path(p).parent.parent.name}/{Path(p).parent.name}/{Path(p).stem}"] = Path(p)
        if args.known_cells:
            inputs["darts_known_cells"] = Path(args.known_cells)
    if args.evaluators_criteria:
        from cellprobe.report.evaluators_section import evaluators_section

        sections.append(evaluators_section(load(args.evaluators_criteria, T.EVALUATOR_CRITERIA),
                                           load(args.evaluators_flops_groups, T.FLOPS_GROUPS), k=args.evaluators_k))
        for p in [*args.evaluators_criteria, *args.evaluators_flops_groups]:
            inputs[f"evaluators/{Path(p).parent.name}/{Path(p).stem}"] = Path(p)
    if args.controller_correlations:
        from cellprobe.report.controller_section import controller_section

        sections.append(controller_section(
            load(args.controller_architectures, T.CONTROLLER_ARCHITECTURES),
            load(args.controller_step_probs, T.CONTROLLER_STEP_PROBS),
            load(args.controller_hidden_variance, T.CONTROLLER_HIDDEN_VARIANCE),
            load(args.controller_correlations, T.CONTROLLER_CORRELATIONS),
            hidden=load(args.controller_hidden, T.CONTROLLER_HIDDEN),
            history=load(args.controller_history, T.CONTROLLER_HISTORY),
            benchmark=nb201, column="cifar10_test_acc",
        ))
        for p in [*args.controller_correlations, *args.controller_history]:
            inputs[f"controller/{Path(p).parent.parent.name}/{Path(p).parent.name}/{Path(p).stem}"] = Path(p)
    out = render_report(sections, args.out, title=args.title, provenance=provenance(inputs, params))
    if args.metrics:
        _write_report_metrics(args, load)
    print(f"wrote {out}", file=sys.stderr)


def _cmd_prep(args) -> None:
    from cellprobe.data import prepare_dataset

    options = _json_arg(args.options, "--options")
    paths = prepare_dataset(args.dataset, args.out_dir, seed=args.seed, **options)
    print(f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr)


def _cmd_sample(args) -> None:
    from cellprobe.sampling import sample_table
    from cellprobe.tables import SAMPLE_SET, write_table

    if args.from_motifs:
        from cellprobe.sampling import table_from_motifs
        from cellprobe.tables import MOTIFS, read_frame

        if args.size is None:
            raise CellprobeError("--from-motifs needs --size")
        table = table_from_motifs(read_frame(args.from_motifs, MOTIFS), args.size, args.seed, rank=args.motif_rank,
                                  motif_id=args.motif_id, reference=args.motif_reference)
        meta = {"name": args.name, "sampler": "motif", "seed": args.seed, "sources": [str(args.from_motifs)],
                "motif": table["sampler"].iloc[0].removeprefix("motif/")}
    elif args.from_importance:
        from cellprobe.sampling import table_from_importance
        from cellprobe.tables import IMPORTANCE_VARIANTS, read_frame

        table = table_from_importance(read_frame(args.from_importance, IMPORTANCE_VARIANTS))
        meta = {"name": args.name, "sampler": "importance", "sources": [str(args.from_importance)]}
    elif args.from_search:
        import pandas as pd

        from cellprobe.sampling import table_from_search
        from cellprobe.tables import SEARCH_GENOTYPES, read_frame

        if not args.space:
            raise CellprobeError("--from-search needs --space")
        found = pd.concat([read_frame(p, SEARCH_GENOTYPES) for p in args.from_search], ignore_index=True)
        table = table_from_search(found, args.space)
        meta = {"name": args.name, "sampler": "search", "sources": [str(p) for p in args.from_search]}
    else:
        if not args.sampler or args.size is None:
            raise CellprobeError("give --sampler and --size, or --from-search")
        table = sample_table(args.sampler, args.size, args.seed)
        meta = {"name": args.name, "sampler": args.sampler, "seed": args.seed}
    write_table(table, args.out, SAMPLE_SET, metadata=meta)
    print(f"wrote {args.out}: {len(table)} architectures", file=sys.stderr)


def _cmd_train_shard(args) -> None:
    import torch

    from cellprobe.tables import SAMPLE_SET, TRAIN_RESULT, read_frame, write_table
    from cellprobe.train import TrainSettings, resolve_device, train_shard

    train_settings = TrainSettings.from_dict(_json_arg(args.settings, "--settings"))
    device = resolve_device(args.device)
    torch.set_num_threads(max(1, args.threads))
    sample = read_frame(args.sample, SAMPLE_SET)
    if sample.empty:
        raise CellprobeError(f"{args.sample}: the sample set holds no architecture")
    table = train_shard(
        sample, sample_name=args.sample_name or Path(args.sample).stem, data_dir=args.data, shard=args.shard,
        shards=args.shards, seeds=args.seeds, settings=train_settings, device=device,
        checkpoint_dir=args.checkpoints, workers=args.workers,
    )
    write_table(table, args.out, TRAIN_RESULT, metadata={"shard": args.shard, "shards": args.shards})
    print(f"wrote {args.out}: {len(table)} trained architecture/seed pairs", file=sys.stderr)


def _cmd_train_gather(args) -> None:
    from cellprobe.tables import TRAIN_RESULT, read_frame, write_table
    from cellprobe.train import gather_shards

    table = gather_shards([read_frame(p, TRAIN_RESULT) for p in args.shards])
    write_table(table, args.out, TRAIN_RESULT, metadata={"shards": len(args.shards)})
    print(f"wrote {args.out}: {len(table)} rows from {len(args.shards)} shard(s)", file=sys.stderr)


def _search_inputs(args):
    import torch

    from cellprobe.data import load_split
    from cellprobe.search.loop import SearchSettings
    from cellprobe.train import resolve_device

    settings = SearchSettings.from_dict({**_json_arg(args.settings, "--settings"), "method": args.method})
    device = resolve_device(args.device)
    torch.set_num_threads(max(1, args.threads))
    splits = {name: load_split(Path(args.data) / f"{name}.parquet") for name in ("train", "valid")}
    return settings, device, splits


def _cmd_search_run(args) -> None:
    import torch

    from cellprobe.io import atomic_output
    from cellprobe.search.loop import run_search, snapshot_epochs
    from cellprobe.tables import SEARCH_HISTORY, SEARCH_TRAJECTORY, write_table

    settings, device, splits = _search_inputs(args)
    state = run_search(args.space, splits, settings, args.seed, device, checkpoint=args.checkpoint,
                       dataset=Path(args.data).name, snapshot_epochs=snapshot_epochs(settings.epochs, args.snapshots),
                       on_epoch=lambda e, r: print(f"epoch {e}: valid acc {r['valid_acc']:.2f}%", file=sys.stderr))
    keys = {"space": args.space, "method": args.method, "seed": args.seed}
    meta = {"dataset": Path(args.data).name, "settings": json.loads(args.settings or "{}")}
    write_table(state.trajectory.assign(**keys)[SEARCH_TRAJECTORY.columns], args.trajectory, SEARCH_TRAJECTORY, meta)
    write_table(state.history.assign(**keys)[SEARCH_HISTORY.columns], args.history, SEARCH_HISTORY, meta)
    with atomic_output(args.supernet) as tmp:
        torch.save({"supernet": state.supernet.state_dict(),
                    "alpha": {k: v.detach().cpu() for k, v in state.alpha.items()},
                    "tag": {"space": args.space, "settings": settings.digest(), "seed": args.seed,
                            "dataset": Path(args.data).name},
                    "trajectory": [], "history": [], "snapshots": state.snapshots}, tmp)
    print(f"wrote {args.trajectory}, {args.history}, {args.supernet}", file=sys.stderr)


def _cmd_search_select(args) -> None:
    import pandas as pd

    from cellprobe.search.loop import load_search_state
    from cellprobe.search.select import score_architectures, select_by_magnitude, select_by_perturbation
    from cellprobe.tables import SEARCH_GENOTYPES, write_table

    settings, device, splits = _search_inputs(args)
    num_classes = int(splits["train"].meta["num_classes"])
    state = load_search_state(args.supernet, args.space, settings, num_classes, int(splits["train"].x.shape[1]))
    options = _json_arg(args.perturbation, "--perturbation")
    chosen = []
    for selection in args.selections:
        if selection == "magnitude":
            if not settings.weighting().learns_alpha:
                continue  # uniform one-shot learns no α
            chosen.append(("magnitude", select_by_magnitude(state)))
        elif selection == "perturbation":
            chosen.append(("perturbation", select_by_perturbation(state, splits, device, seed=args.seed, **options)))
        else:
            raise CellprobeError(f"unknown selection {selection!r}; use magnitude or perturbation")
    scores = score_architectures(state, [g for _, g in chosen], splits, device)
    table = pd.DataFrame({
        "space": args.space, "method": args.method, "seed": args.seed,
        "selection": [name for name, _ in chosen], "arch_id": scores["arch_id"], "genotype": scores["genotype"],
        "supernet_valid_acc": scores["valid_acc"], "supernet_valid_loss": scores["valid_loss"],
    })
    write_table(table, args.out, SEARCH_GENOTYPES, {"dataset": Path(args.data).name})
    for row in table.itertuples():
        print(f"{row.selection}: {row.genotype} (supernet valid acc {row.supernet_valid_acc:.2f}%)", file=sys.stderr)


def _cmd_search_score(args) -> None:
    import pandas as pd

    from cellprobe.search.loop import load_search_state, snapshot_state
    from cellprobe.search.select import score_architectures
    from cellprobe.spaces import parse_genotype
    from cellprobe.tables import SAMPLE_SET, SUPERNET_SCORES, read_frame, write_table

    settings, device, splits = _search_inputs(args)
    state = load_search_state(args.supernet, args.space, settings, int(splits["train"].meta["num_classes"]),
                              int(splits["train"].x.shape[1]))
    sets = [read_frame(p, SAMPLE_SET) for p in args.archs]
    archs = pd.concat(sets, ignore_index=True).drop_duplicates("arch_id")
    wrong = sorted(set(archs["space"]) - {args.space})
    if wrong:
        raise CellprobeError(f"--archs holds {', '.join(wrong)} architectures; this supernet searches {args.space}")
    genotypes = [parse_genotype(args.space, g) for g in archs["genotype"]]
    final = int(state.history["epoch"].max()) if len(state.history) else settings.epochs
    states = {e: snapshot_state(state, e) for e in sorted(state.snapshots) if e != final}
    states[final] = state
    frames = []
    for epoch, at in states.items():
        for recalibrate in sorted({0, args.recalibrate}):
            scores = score_architectures(at, genotypes, splits, device, recalibrate_batches=recalibrate,
                                         eval_images=args.eval_images)
            frames.append(scores.assign(space=args.space, method=args.method, seed=args.seed, epoch=epoch,
                                        bn_recalibrated=recalibrate > 0))
            print(f"epoch {epoch}{' (BN recalibrated)' if recalibrate else ''}: scored {len(scores)} architectures, "
                  f"mean valid acc {scores['valid_acc'].mean():.2f}%", file=sys.stderr)
    table = pd.concat(frames, ignore_index=True)[SUPERNET_SCORES.columns]
    write_table(table, args.out, SUPERNET_SCORES, {"dataset": Path(args.data).name,
                                                    "archs": [str(p) for p in args.archs]})


def _cmd_model_summary(args) -> None:
    from cellprobe.nn import summarize
    from cellprobe.spaces import parse_genotype

    genotype = parse_genotype(args.space, args.arch)
    try:
        info = summarize(genotype, args.preset)
    except ValueError as exc:
        raise CellprobeError(str(exc)) from None
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return
    for key, value in info.items():
        print(f"{key}: {value:.6f}" if isinstance(value, float) else f"{key}: {value}")


def _trained_accuracy(paths) -> dict:
    """arch_id → from-scratch validation accuracy (%), averaged over training seeds, from train_result tables."""
    from cellprobe.tables import TRAIN_RESULT, read_frames

    rows = read_frames(paths, TRAIN_RESULT)
    return rows.groupby("arch_id")["valid_acc"].mean().to_dict(), rows.drop_duplicates("arch_id")


def _cmd_importance_surrogate(args) -> None:
    import torch

    from cellprobe.predictors import make_predictor
    from cellprobe.spaces import parse_genotype

    torch.set_num_threads(max(1, args.threads))
    accuracy, archs = _trained_accuracy(args.train)
    archs = archs[archs["space"] == args.space]
    if len(archs) < 4:
        raise CellprobeError(f"a surrogate needs at least 4 trained {args.space} architectures, got {len(archs)}")
    genotypes = [parse_genotype(args.space, g) for g in archs["genotype"]]
    y = [accuracy[a] for a in archs["arch_id"]]
    options = _json_arg(args.options, "--options")
    try:
        predictor = make_predictor(args.predictor, args.space, loss=args.loss, seed=args.seed, **options)
    except (TypeError, ValueError, KeyError) as exc:
        raise CellprobeError(f"surrogate: {exc}") from None
    predictor.fit(genotypes, y)
    predictor.save(args.out)  # a folder (settings, weights, training table), replaced atomically
    print(f"wrote {args.out}: {args.predictor} ({args.loss}) fitted on {len(y)} trained architectures", file=sys.stderr)


def _cmd_importance_oi(args) -> None:
    from cellprobe.importance import benchmark_oracle, operator_importance, predictor_oracle, select_groups
    from cellprobe.tables import NB201_BENCHMARK, OPERATOR_IMPORTANCE, read_frame, write_table

    fractions = _json_arg(args.groups, "--groups") or {"top": 0.05}
    if (args.benchmark is None) == (args.surrogate is None):
        raise CellprobeError("give exactly one of --benchmark (NB201 table) or --surrogate (fitted predictor)")
    if args.benchmark is not None:
        from cellprobe.spaces import parse_genotype

        if args.space != "nb201":
            raise CellprobeError("--benchmark is the NB201 table: use it with --space nb201")
        bench = read_frame(args.benchmark, NB201_BENCHMARK)
        oracle = benchmark_oracle(bench, args.column)
        population = [parse_genotype("nb201", s) for s in bench["arch_str"]]
        scores = bench[args.column].to_numpy()
        source = f"benchmark:{args.column}"
    else:
        import torch

        from cellprobe.predictors import load_predictor
        from cellprobe.sampling import sample_architectures

        torch.set_num_threads(max(1, args.threads))
        predictor = load_predictor(args.surrogate)
        oracle = predictor_oracle(predictor, (predictor.training_genotypes(), predictor.train_table_["y"].to_numpy()))
        population = sample_architectures(args.pool_sampler, args.pool_size, args.seed)
        if population and population[0].space != args.space:
            raise CellprobeError(f"--pool-sampler {args.pool_sampler} draws {population[0].space} architectures")
        scores = oracle(population)
        source = f"surrogate:{args.surrogate.name}"
    chosen = select_groups(population, scores, fractions, seed=args.seed)
    table = operator_importance(chosen, oracle, threshold=args.threshold).assign(space=args.space, source=source)
    write_table(table[OPERATOR_IMPORTANCE.columns], args.out, OPERATOR_IMPORTANCE,
                {"groups": fractions, "threshold": args.threshold, "source": source, "population": len(population)})
    share = table.groupby("group")["important"].mean()
    print(f"wrote {args.out}: {table['arch_id'].nunique()} architectures; share of important ops "
          + ", ".join(f"{g} {100 * v:.0f}%" for g, v in share.items()), file=sys.stderr)


def _cmd_importance_variants(args) -> None:
    from cellprobe.importance import variants_table
    from cellprobe.tables import IMPORTANCE_VARIANTS, OPERATOR_IMPORTANCE, read_frame, write_table

    oi = read_frame(args.oi, OPERATOR_IMPORTANCE)
    space = oi["space"].iloc[0] if len(oi) else ""
    table = variants_table(space, oi, disable=args.disable, steps=args.steps, ablate=args.ablate, seed=args.seed)
    write_table(table, args.out, IMPORTANCE_VARIANTS, {"disable": args.disable, "steps": args.steps,
                                                      "ablate": args.ablate, "seed": args.seed})
    print(f"wrote {args.out}: {len(table)} variants ({table['arch_id'].nunique()} distinct architectures)",
          file=sys.stderr)


def _cmd_importance_verify(args) -> None:
    from cellprobe.importance import verification
    from cellprobe.tables import (
        IMPORTANCE_RESULTS,
        IMPORTANCE_TESTS,
        IMPORTANCE_VARIANTS,
        NB201_BENCHMARK,
        read_frame,
        write_table,
    )

    variants = read_frame(args.variants, IMPORTANCE_VARIANTS)
    if (args.benchmark is None) == (not args.train):
        raise CellprobeError("give exactly one of --benchmark (NB201 table) or --train (train_result tables)")
    if args.benchmark is not None:
        from cellprobe.importance import benchmark_oracle
        from cellprobe.spaces import parse_genotype

        oracle = benchmark_oracle(read_frame(args.benchmark, NB201_BENCHMARK), args.column)
        unique = variants.drop_duplicates("arch_id")
        values = oracle([parse_genotype("nb201", g) for g in unique["genotype"]])
        accuracy, source = dict(zip(unique["arch_id"], values)), f"benchmark:{args.column}"
    else:
        accuracy, _ = _trained_accuracy(args.train)
        source = "trained:valid_acc"
    results, tests = verification(variants, accuracy, source)
    write_table(results, args.results, IMPORTANCE_RESULTS, {"source": source})
    write_table(tests, args.tests, IMPORTANCE_TESTS, {"source": source})
    for row in tests.itertuples():
        print(f"{row.experiment}: {row.hypothesis}: n={row.n}, mean difference {row.mean_difference:.2f}, "
              f"p={row.p_value:.3g}", file=sys.stderr)


def _cmd_importance_predictors(args) -> None:
    from cellprobe.predictors.evaluate import kendall_table
    from cellprobe.tables import NB201_BENCHMARK, PREDICTOR_EVALUATION, read_frame, write_table

    bench = read_frame(args.benchmark, NB201_BENCHMARK)
    try:
        table = kendall_table(bench, args.predictors, args.sizes, args.losses, n_sets=args.sets, n_seeds=args.seeds,
                              column=args.column, options=_json_arg(args.options, "--options"), threads=args.threads,
                              progress=lambda r: print(f"{r['predictor']} {r['loss']} N={r['n_train']} set {r['set']} "
                                                       f"seed {r['seed']}: tau {r['tau']:.3f}", file=sys.stderr))
    except (KeyError, ValueError) as exc:
        raise CellprobeError(f"predictor evaluation: {exc}") from None
    write_table(table.assign(space="nb201")[PREDICTOR_EVALUATION.columns], args.out, PREDICTOR_EVALUATION,
                {"column": args.column, "sets": args.sets, "seeds": args.seeds})


def _cmd_importance_search(args) -> None:
    import pandas as pd
    import torch

    from cellprobe.importance import benchmark_oracle
    from cellprobe.predictors import make_predictor
    from cellprobe.predictors.search import predictor_search
    from cellprobe.spaces import parse_genotype
    from cellprobe.tables import NB201_BENCHMARK, PREDICTOR_SEARCH, read_frame, write_table

    torch.set_num_threads(max(1, args.threads))
    bench = read_frame(args.benchmark, NB201_BENCHMARK)
    pool = [parse_genotype("nb201", s) for s in bench["arch_str"]]
    options = _json_arg(args.options, "--options")

    def fresh(seed):
        return lambda: make_predictor(args.predictor, "nb201", loss=args.loss, seed=seed, **options)

    try:
        fresh(0)()
        runs = [
            predictor_search(fresh(seed), pool, benchmark_oracle(bench, args.column), initial=args.initial,
                             per_stage=args.per_stage, stages=args.stages, seed=seed,
                             truth=bench[args.column].to_numpy()).assign(seed=seed)
            for seed in args.seeds
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise CellprobeError(f"predictor search: {exc}") from None
    table = pd.concat(runs, ignore_index=True).assign(space="nb201", predictor=args.predictor, loss=args.loss)
    write_table(table[PREDICTOR_SEARCH.columns], args.out, PREDICTOR_SEARCH,
                {"column": args.column, "initial": args.initial, "per_stage": args.per_stage, "stages": args.stages})
    best = table.groupby("method")["true_rank"].min()
    print(f"wrote {args.out}: {len(args.seeds)} runs; best true rank found "
          + ", ".join(f"{m} {int(r)}" for m, r in best.items()), file=sys.stderr)


def _cmd_motifs_mine(args) -> None:
    from cellprobe.analysis.motifs import motif_tables, top_architectures
    from cellprobe.spaces import parse_genotype
    from cellprobe.tables import MOTIF_OCCURRENCES, MOTIFS, NB201_BENCHMARK, read_frame, write_table

    if (args.benchmark is None) == (not args.train):
        raise CellprobeError("give exactly one of --benchmark (NB201 table) or --train (train_result tables)")
    if args.benchmark is not None:
        from cellprobe.benchmarks import NB201_ACCURACY_COLUMNS

        if args.space not in (None, "nb201"):
            raise CellprobeError("--benchmark is the NB201 table: use it with --space nb201")
        if args.column not in NB201_ACCURACY_COLUMNS:
            raise CellprobeError(f"--column must be one of {', '.join(NB201_ACCURACY_COLUMNS)}, got {args.column!r}")
        bench = read_frame(args.benchmark, NB201_BENCHMARK)
        space, source = "nb201", f"benchmark:{args.column}"
        genotypes = [parse_genotype(space, s) for s in bench["arch_str"]]
        scores = bench[args.column].to_numpy()
    else:
        accuracy, archs = _trained_accuracy(args.train)
        spaces = sorted(set(archs["space"]))
        if args.space is None and len(spaces) != 1:
            raise CellprobeError(f"the train_result tables hold {', '.join(spaces) or 'no'} architectures; "
                                 "choose one with --space")
        space, source = args.space or spaces[0], "trained:valid_acc"
        archs = archs[archs["space"] == space]
        if archs.empty:
            raise CellprobeError(f"the train_result tables hold no {space} architecture")
        genotypes = [parse_genotype(space, g) for g in archs["genotype"]]
        scores = [accuracy[a] for a in archs["arch_id"]]
    top = top_architectures(genotypes, scores, args.top)
    set_name = args.set or f"top{100 * args.top:g}"
    motifs, occurrences = motif_tables(
        top, set_name=set_name, encoding=args.encoding, cells=args.cells, min_support=args.min_support,
        min_vertices=args.min_vertices, max_vertices=args.max_vertices, reference_size=args.reference_size,
        reference_sampler=args.reference_sampler, seed=args.seed)
    meta = {"source": source, "population": len(genotypes), "top": args.top, "architectures": len(top),
            "min_support": args.min_support, "min_vertices": args.min_vertices, "max_vertices": args.max_vertices,
            "reference_size": args.reference_size, "reference_sampler": args.reference_sampler, "seed": args.seed,
            "inputs": [str(p) for p in ([args.benchmark] if args.benchmark else args.train)]}
    write_table(motifs, args.motifs, MOTIFS, meta)
    write_table(occurrences, args.occurrences, MOTIF_OCCURRENCES, meta)
    significant = motifs[(motifs["reference"] == "random") & (motifs["q_value"] < 0.05)]
    print(f"wrote {args.motifs}, {args.occurrences}: {motifs['motif_id'].nunique()} motifs of {len(top)} {space} "
          f"architectures, {len(significant)} over-represented against random cells (q < 0.05)", file=sys.stderr)


def _json_arg(text: str | None, name: str) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CellprobeError(f"{name} is not valid JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(value, dict):
        raise CellprobeError(f"{name} must be a JSON object")
    return value


def _cmd_params_check(args) -> None:
    from cellprobe.config import load_params

    load_params(args.params, args.schema)
    print(f"{args.params}: valid")


# -- controller ------------------------------------------------------------------------------------------------


def _cmd_controller_train(args) -> None:
    import torch

    from cellprobe.data import load_split
    from cellprobe.search.controller import VARIANTS, ControllerSettings, run_controller, save_controller
    from cellprobe.tables import CONTROLLER_HISTORY, write_table
    from cellprobe.train import resolve_device

    if args.variant not in VARIANTS:
        raise CellprobeError(f"unknown controller variant {args.variant!r}; use {', '.join(VARIANTS)}")
    settings = ControllerSettings.from_dict(_json_arg(args.settings, "--settings"))
    device = resolve_device(args.device)
    torch.set_num_threads(max(1, args.threads))
    splits = {name: load_split(Path(args.data) / f"{name}.parquet") for name in ("train", "valid")}
    state = run_controller(args.space, args.variant, splits, settings, args.seed, device, checkpoint=args.checkpoint,
                           dataset=Path(args.data).name,
                           on_epoch=lambda e, r: print(f"epoch {e}: sampled valid acc {r['reward_acc_mean']:.2f}%, "
                                                       f"entropy {r['entropy_mean']:.3f}", file=sys.stderr))
    keys = {"space": args.space, "variant": args.variant, "seed": args.seed}
    meta = {"dataset": Path(args.data).name, "settings": json.loads(args.settings or "{}")}
    write_table(state.history.assign(**keys)[CONTROLLER_HISTORY.columns], args.history, CONTROLLER_HISTORY, meta)
    save_controller(state, args.out)
    print(f"wrote {args.out}, {args.history}", file=sys.stderr)


def _cmd_controller_analyse(args) -> None:
    import pandas as pd
    import torch

    from cellprobe.analysis.controller import analyse_controller
    from cellprobe.search.controller import load_controller
    from cellprobe.tables import (CONTROLLER_ARCHITECTURES, CONTROLLER_CORRELATIONS, CONTROLLER_HIDDEN,
                                  CONTROLLER_HIDDEN_VARIANCE, CONTROLLER_PAIRS, CONTROLLER_STEP_PROBS,
                                  NB201_BENCHMARK, read_frame, write_table)
    from cellprobe.train import resolve_device

    torch.set_num_threads(max(1, args.threads))
    device = resolve_device(args.device)
    states = [load_controller(p) for p in args.controller]
    benchmark = read_frame(args.benchmark, NB201_BENCHMARK) if args.benchmark else None
    splits = None
    if args.data:
        from cellprobe.data import load_split

        splits = {name: load_split(Path(args.data) / f"{name}.parquet") for name in ("train", "valid")}
    results = []
    for path, state in zip(args.controller, states):
        tables = analyse_controller(state, n_archs=args.n_archs, n_pairs=args.n_pairs, seed=args.seed,
                                    benchmark=benchmark, column=args.column, splits=splits, device=device,
                                    score_images=args.score_images, ged_timeout=args.ged_timeout or None)
        results.append(tables)
        rho = tables["correlations"].set_index("similarity")["spearman_rho"]
        print(f"{path}: {state.space}/{state.variant}: Spearman rho of hidden distance vs "
              + ", ".join(f"{k} {v:.3f}" for k, v in rho.items()), file=sys.stderr)
    meta = {"controllers": [str(p) for p in args.controller], "n_archs": args.n_archs, "n_pairs": args.n_pairs,
            "seed": args.seed, "benchmark": str(args.benchmark or ""), "column": args.column,
            "data": str(args.data or ""), "ged_timeout": args.ged_timeout}
    outputs = (("architectures", args.architectures, CONTROLLER_ARCHITECTURES),
               ("step_probs", args.step_probs, CONTROLLER_STEP_PROBS), ("hidden", args.hidden, CONTROLLER_HIDDEN),
               ("hidden_variance", args.hidden_variance, CONTROLLER_HIDDEN_VARIANCE),
               ("pairs", args.pairs, CONTROLLER_PAIRS), ("correlations", args.correlations, CONTROLLER_CORRELATIONS))
    for name, out, schema in outputs:
        frame = pd.concat([t[name] for t in results], ignore_index=True)
        write_table(frame[schema.columns], out, schema, meta)
    print(f"wrote {', '.join(str(out) for _, out, _ in outputs)}", file=sys.stderr)


# -- evaluators -------------------------------------------------------------------------------------------------


def _evaluator_archs(args) -> list:
    """The architectures to score: sample-set tables (``--sample``), ``--archs all`` (NB201) or ``--archs N`` drawn."""
    from cellprobe.sampling import get_sampler, sample_architectures
    from cellprobe.spaces import parse_genotype

    if (args.archs is None) == (not args.sample):
        raise CellprobeError("give exactly one of --archs (all or a number) or --sample (sample-set tables)")
    if args.sample:
        from cellprobe.tables import SAMPLE_SET, read_frames

        archs = read_frames(args.sample, SAMPLE_SET).drop_duplicates("arch_id")
        wrong = sorted(set(archs["space"]) - {args.space})
        if wrong:
            raise CellprobeError(f"--sample holds {', '.join(wrong)} architectures, not {args.space}")
        if archs.empty:
            raise CellprobeError("--sample holds no architecture")
        return [parse_genotype(args.space, g) for g in archs["genotype"]]
    if args.archs == "all":
        if args.space != "nb201":
            raise CellprobeError(f"--archs all enumerates NB201 only; the {args.space} space is too large (give a number)")
        from cellprobe.spaces.nb201 import benchmark_order

        return benchmark_order()
    try:
        n = int(args.archs)
    except ValueError:
        raise CellprobeError(f"--archs must be 'all' or a positive number, got {args.archs!r}") from None
    sampler = args.sampler or ("nb201" if args.space == "nb201" else "uniform")
    if get_sampler(sampler).space != args.space:
        raise CellprobeError(f"sampler {sampler!r} draws {get_sampler(sampler).space} architectures, not {args.space}")
    return sample_architectures(sampler, n, args.seed)


def _evaluator_truth(args):
    """Ground truth ``arch_id, genotype, true`` (+ ``flops_m`` from trained results) and a label for it."""
    from cellprobe.analysis.evaluators import nb201_truth, trained_truth
    from cellprobe.tables import NB201_BENCHMARK, TRAIN_RESULT, read_frame, read_frames

    if (args.benchmark is None) == (not args.train):
        raise CellprobeError("give exactly one ground truth: --benchmark (NB201 table) or --train (train_result tables)")
    if args.benchmark is not None:
        if args.space != "nb201":
            raise CellprobeError("--benchmark is the NB201 table: use it with --space nb201")
        column = args.column or "cifar10_test_acc"
        return nb201_truth(read_frame(args.benchmark, NB201_BENCHMARK), column), f"benchmark:{column}"
    column = args.column or "test_acc"
    train = read_frames(args.train, TRAIN_RESULT)
    train = train[train["space"] == args.space]
    if train.empty:
        raise CellprobeError(f"--train holds no {args.space} architecture")
    return trained_truth(train, column), f"trained:{column} (mean over seeds)"


def _cmd_evaluators_zero_cost(args) -> None:
    import time

    import torch

    from cellprobe.analysis.zero_cost import proxy_batch, zero_cost_table
    from cellprobe.data import load_split
    from cellprobe.tables import ZERO_COST, write_table

    torch.set_num_threads(max(1, args.threads))
    genotypes = _evaluator_archs(args)
    batch = proxy_batch(load_split(args.split), args.batch_size, args.seed)
    start = time.perf_counter()

    def progress(done, total, seconds):
        if done == total or done % args.report_every == 0:
            print(f"{done:,}/{total:,} networks scored, {seconds:.1f} s", file=sys.stderr)

    try:
        table = zero_cost_table(genotypes, batch, preset=args.preset, seed=args.seed, dedupe=args.dedupe,
                                progress=progress)
    except ValueError as exc:
        raise CellprobeError(f"zero-cost: {exc}") from None
    meta = {"split": Path(args.split).name, "dataset": batch.dataset, "indices": list(batch.indices),
            "preset": args.preset, "dedupe": args.dedupe, "seed": args.seed,
            "archs": [str(p) for p in args.sample] if args.sample else args.archs}
    write_table(table[ZERO_COST.columns], args.out, ZERO_COST, meta)
    print(f"wrote {args.out}: {len(table):,} architectures, {table['computed_for'].nunique():,} networks in "
          f"{time.perf_counter() - start:.1f} s", file=sys.stderr)


def _cmd_evaluators_predict(args) -> None:
    import torch

    from cellprobe.analysis.evaluators import from_predictions
    from cellprobe.predictors import make_predictor
    from cellprobe.predictors.evaluate import training_sets
    from cellprobe.spaces import parse_genotype
    from cellprobe.tables import EVALUATOR_SCORES, SAMPLE_SET, read_frames, write_table

    torch.set_num_threads(max(1, args.threads))
    truth, label = _evaluator_truth(args)
    if not 2 <= args.n_train < len(truth):
        raise CellprobeError(f"--n-train must lie in 2..{len(truth) - 1} (the ground truth has {len(truth)} architectures)")
    index = training_sets(len(truth), args.n_train, 1, args.seed)[0]
    train = truth.iloc[index]
    if args.archs:
        pool = read_frames(args.archs, SAMPLE_SET).drop_duplicates("arch_id")
        pool = pool[pool["space"] == args.space]
    else:
        pool = truth
    pool = pool[~pool["arch_id"].isin(set(train["arch_id"]))]
    if pool.empty:
        raise CellprobeError("no architecture left to score outside the predictor's training set")
    try:
        predictor = make_predictor(args.predictor, args.space, loss=args.loss, seed=args.seed,
                                   **_json_arg(args.options, "--options"))
    except (TypeError, ValueError, KeyError) as exc:
        raise CellprobeError(f"predictor: {exc}") from None
    predictor.fit([parse_genotype(args.space, g) for g in train["genotype"]], train["true"].to_numpy())
    genotypes = [parse_genotype(args.space, g) for g in pool["genotype"]]
    loss = getattr(predictor, "fixed_loss", None) or args.loss
    name = f"pred-{args.predictor}-{loss}-n{args.n_train}"
    table = from_predictions(args.space, name, genotypes, predictor.predict(genotypes), seed=args.seed)
    write_table(table, args.out, EVALUATOR_SCORES, {"truth": label, "n_train": args.n_train,
                                                   "train_arch_ids": train["arch_id"].tolist()})
    print(f"wrote {args.out}: {name} (seed {args.seed}) scored {len(table)} architectures", file=sys.stderr)


def _cmd_evaluators_criteria(args) -> None:
    import re

    import pandas as pd

    from cellprobe.analysis.evaluators import (
        architecture_flops,
        attach_flops,
        criteria_tables,
        from_supernet_scores,
        from_zero_cost,
        scores_table,
        top_count,
    )
    from cellprobe.spaces import parse_genotype
    from cellprobe.tables import (
        EVALUATOR_CRITERIA,
        EVALUATOR_SCORES,
        FLOPS_GROUPS,
        SUPERNET_SCORES,
        ZERO_COST,
        read_frame,
        write_table,
    )

    for k in args.ks:
        try:
            top_count(1, k)
        except ValueError as exc:
            raise CellprobeError(f"--ks: {exc}") from None
    frames = [from_supernet_scores(read_frame(p, SUPERNET_SCORES)) for p in args.supernet_scores]
    frames += [from_zero_cost(read_frame(p, ZERO_COST), args.proxies) for p in args.zero_cost]
    frames += [scores_table(read_frame(p, EVALUATOR_SCORES)) for p in args.scores]
    if not frames:
        raise CellprobeError("give at least one evaluator table (--supernet-scores, --zero-cost or --scores)")
    scores = pd.concat(frames, ignore_index=True)
    wrong = sorted(set(scores["space"]) - {args.space})
    if wrong:
        raise CellprobeError(f"the evaluator tables hold {', '.join(wrong)} architectures; this run is {args.space}")
    names = sorted(scores["evaluator"].unique())
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9_.+-]+", n) or n in ("criteria", "flops_groups")]
    if bad:
        raise CellprobeError(f"evaluator name(s) {bad} cannot name a file; use letters, digits and _ . + -")
    truth, label = _evaluator_truth(args)
    if "flops_m" in truth.columns:
        flops = dict(zip(truth["arch_id"], truth["flops_m"]))
        flops_source = "train_result flops_m"
    else:
        unique = scores.drop_duplicates("arch_id")
        try:
            flops = architecture_flops([parse_genotype(args.space, g) for g in unique["genotype"]], args.flops_preset)
        except ValueError as exc:
            raise CellprobeError(f"--flops-preset: {exc}") from None
        flops_source = f"preset {args.flops_preset}"
    scores = attach_flops(scores, flops)
    try:
        crit, groups = criteria_tables(scores, truth, ks=args.ks, n_groups=args.flops_groups, deiso=args.deiso)
    except ValueError as exc:
        raise CellprobeError(f"criteria: {exc}") from None
    meta = {"truth": label, "flops": flops_source, "ks": list(args.ks), "flops_groups": args.flops_groups}
    out = Path(args.out_dir)
    for name in names:
        write_table(scores[scores["evaluator"] == name], out / f"{name}.parquet", EVALUATOR_SCORES, meta)
    write_table(crit, out / "criteria.parquet", EVALUATOR_CRITERIA, meta)
    write_table(groups, out / "flops_groups.parquet", FLOPS_GROUPS, meta)
    final = crit[(crit["criterion"] == "kendall") & ~crit["deiso"]]
    final = final[final["epoch"].isna() | (final["epoch"] == final.groupby("evaluator")["epoch"].transform("max"))]
    for name, tau in final.groupby("evaluator")["value"].mean().items():
        print(f"{name}: Kendall tau {tau:.3f}", file=sys.stderr)
    print(f"wrote {len(names)} evaluator table(s), criteria.parquet and flops_groups.parquet under {out}", file=sys.stderr)


def _add_evaluators_parser(stages, spaces) -> None:
    ev = stages.add_parser("evaluators", help="rank evaluators: supernets, predictors, zero-cost proxies")
    ev_cmds = ev.add_subparsers(dest="evaluators_command", required=True, metavar="<subcommand>")

    p = ev_cmds.add_parser("zero-cost", help="zero-cost proxies of untrained networks on one minibatch")
    p.add_argument("--space", required=True, choices=sorted(spaces))
    p.add_argument("--split", required=True, type=Path, help="prepared split (image_split table), e.g. train.parquet")
    p.add_argument("--archs", help="'all' (NB201: all 15,625 cells) or a number of architectures to draw")
    p.add_argument("--sampler", help="sampler for --archs N (default nb201 / uniform)")
    p.add_argument("--sample", nargs="+", type=Path, default=[], help="sample-set tables to score instead")
    p.add_argument("--batch-size", type=int, default=32, help="images in the minibatch (default 32)")
    p.add_argument("--seed", type=int, default=0, help="seeds the minibatch, the initialisations and --archs N")
    p.add_argument("--preset", default="tiny", help="network preset (default tiny: NB201 C=8 N=1, DARTS C=8 3 cells)")
    p.add_argument("--dedupe", action="store_true", help="score one network per isomorphism class and copy its values")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--report-every", type=int, default=1000, help="progress line every this many networks")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_evaluators_zero_cost)

    truth_help = ("ground truth: --benchmark NB201 table (column default cifar10_test_acc) or --train train_result "
                  "tables (column default test_acc, mean over seeds)")
    p = ev_cmds.add_parser("predict", help="fit a predictor on N architectures with known accuracy, score the others")
    p.add_argument("--space", required=True, choices=sorted(spaces))
    p.add_argument("--benchmark", type=Path, help=truth_help)
    p.add_argument("--train", nargs="*", type=Path, default=[], help="train_result tables (ground truth)")
    p.add_argument("--column", help="accuracy column of the ground truth")
    p.add_argument("--archs", nargs="*", type=Path, default=[], help="sample sets to score (default: the ground truth)")
    p.add_argument("--predictor", default="gates", help="mlp, lstm, gates or rf")
    p.add_argument("--loss", default="hinge", choices=["hinge", "mse"])
    p.add_argument("--n-train", type=int, required=True, help="training architectures drawn from the ground truth")
    p.add_argument("--options", help="JSON object: predictor options")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True, type=Path, help="evaluator_scores table")
    p.set_defaults(func=_cmd_evaluators_predict)

    p = ev_cmds.add_parser("criteria", help="ranking criteria and FLOPs groups of evaluators against the ground truth")
    p.add_argument("--space", required=True, choices=sorted(spaces))
    p.add_argument("--supernet-scores", nargs="*", type=Path, default=[], help="supernet_scores tables (search score)")
    p.add_argument("--zero-cost", nargs="*", type=Path, default=[], help="zero_cost tables")
    p.add_argument("--proxies", nargs="+", help="zero-cost proxies to evaluate (default: all)")
    p.add_argument("--scores", nargs="*", type=Path, default=[], help="evaluator_scores tables (e.g. predictors)")
    p.add_argument("--benchmark", type=Path, help=truth_help)
    p.add_argument("--train", nargs="*", type=Path, default=[], help="train_result tables (ground truth)")
    p.add_argument("--column", help="accuracy column of the ground truth")
    p.add_argument("--ks", nargs="+", type=float, default=[0.01, 0.05, 0.1, 0.2, 0.5],
                   help="top-K fractions of the set, each in (0, 1]")
    p.add_argument("--flops-groups", type=int, default=10, help="FLOPs groups (default 10)")
    p.add_argument("--flops-preset", default="standard",
                   help="network preset of the FLOPs when the ground truth has none (NB201 benchmark)")
    p.add_argument("--deiso", action="store_true", help="NB201: also score after averaging within isomorphism classes")
    p.add_argument("--out-dir", required=True, type=Path,
                   help="writes <evaluator>.parquet, criteria.parquet and flops_groups.parquet here")
    p.set_defaults(func=_cmd_evaluators_criteria)


# -- parser ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from cellprobe.spaces import SPACES

    parser = argparse.ArgumentParser(prog="cellprobe", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cellprobe {__version__}")
    stages = parser.add_subparsers(dest="command", required=True, metavar="<command>")

    space = stages.add_parser("space", help="inspect a search space and its architectures")
    space_cmds = space.add_subparsers(dest="space_command", required=True, metavar="<subcommand>")
    p = space_cmds.add_parser("info", help="counts of a search space")
    p.add_argument("space", choices=sorted(SPACES))
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=_cmd_space_info)
    p = space_cmds.add_parser("neighbours", help="the single-edge neighbours of an architecture, one per line")
    p.add_argument("--space", required=True, choices=sorted(SPACES))
    p.add_argument("arch", help="architecture string (DARTS: Genotype(...) or compact form; NB201: |op~0|+...)")
    p.add_argument("--edits", action="store_true", help="prefix each neighbour with its edit: cell, edge, kind, old, new")
    p.set_defaults(func=_cmd_space_neighbours)
    p = space_cmds.add_parser("canonical", help="the canonical key and id of an architecture")
    p.add_argument("--space", required=True, choices=sorted(SPACES))
    p.add_argument("arch")
    p.set_defaults(func=_cmd_space_canonical)

    bench = stages.add_parser("benchmarks", help="turn shipped benchmark files into typed tables")
    bench_cmds = bench.add_subparsers(dest="benchmark", required=True, metavar="<benchmark>")
    p = bench_cmds.add_parser("nb201", help="NAS-Bench-201 accuracies CSV -> nb201_benchmark Parquet table")
    p.add_argument("--source", required=True, type=Path, help="CSV with index, arch_str and accuracy columns")
    p.add_argument("--out", required=True, type=Path, help="output Parquet file")
    p.set_defaults(func=_cmd_benchmarks_nb201)

    p = stages.add_parser("report", help="render the HTML report from the tables that exist")
    p.add_argument("--out", required=True, type=Path, help="output HTML file")
    p.add_argument("--nb201", type=Path, help="nb201_benchmark table")
    p.add_argument("--nb201-top-k", type=int, default=10, help="rows of the best-cells table (default 10)")
    p.add_argument("--train", type=Path, nargs="*", default=[], help="train_result tables (one per sample set)")
    p.add_argument("--search-trajectory", type=Path, nargs="*", default=[], help="search_trajectory tables")
    p.add_argument("--search-history", type=Path, nargs="*", default=[], help="search_history tables")
    p.add_argument("--search-genotypes", type=Path, nargs="*", default=[], help="search_genotypes tables")
    p.add_argument("--importance-oi", type=Path, nargs="*", default=[], help="operator_importance tables")
    p.add_argument("--importance-results", type=Path, nargs="*", default=[], help="importance_results tables")
    p.add_argument("--importance-tests", type=Path, nargs="*", default=[], help="importance_tests tables")
    p.add_argument("--predictors", type=Path, nargs="*", default=[], help="predictor_evaluation tables")
    p.add_argument("--motifs", type=Path, nargs="*", default=[], help="motifs tables")
    p.add_argument("--motif-occurrences", type=Path, nargs="*", default=[], help="motif_occurrences tables")
    p.add_argument("--known-cells", type=Path, help="published DARTS cells (JSON) for the motifs section")
    p.add_argument("--predictor-search", type=Path, nargs="*", default=[], help="predictor_search tables")
    p.add_argument("--evaluators-criteria", type=Path, nargs="*", default=[], help="evaluator_criteria tables")
    p.add_argument("--evaluators-flops-groups", type=Path, nargs="*", default=[], help="flops_groups tables")
    p.add_argument("--metrics", type=Path, help="also write the headline numbers as JSON (DVC metrics)")
    p.add_argument("--evaluators-k", type=float, default=0.05, help="top-K fraction shown in the criteria table")
    for name in ("architectures", "step-probs", "hidden", "hidden-variance", "correlations", "history"):
        p.add_argument(f"--controller-{name}", type=Path, nargs="*", default=[],
                       help=f"controller_{name.replace('-', '_')} tables")
    p.add_argument("--title", default="cellprobe report")
    p.add_argument("--params", type=Path, help="params.yaml to record in the provenance block")
    p.add_argument("--config-json", help="the effective configuration as JSON (what Snakemake ran with), recorded instead")
    p.add_argument("--schema", type=Path, default=Path(DEFAULT_SCHEMA), help=f"params schema (default {DEFAULT_SCHEMA})")
    p.set_defaults(func=_cmd_report)

    p = stages.add_parser("prep", help="prepare a dataset as train/valid/test Parquet splits")
    p.add_argument("--dataset", required=True, help="dataset name (digits, digits-hard, cifar10)")
    p.add_argument("--out-dir", required=True, type=Path, help="folder for train/valid/test.parquet")
    p.add_argument("--seed", type=int, default=0, help="split seed")
    p.add_argument("--options", help="JSON object of dataset options (fractions, corruption, root, download)")
    p.set_defaults(func=_cmd_prep)

    p = stages.add_parser("sample", help="draw a named set of distinct architectures")
    p.add_argument("--sampler", help="sampler name (uniform, prim, skip, primskip, nb201, nb201-iso)")
    p.add_argument("--size", type=int, help="number of architectures")
    p.add_argument("--from-search", type=Path, nargs="+", help="search_genotypes tables: take their architectures")
    p.add_argument("--from-importance", type=Path, help="importance_variants table: take its variants")
    p.add_argument("--from-motifs", type=Path, help="motifs table: draw --size architectures around one of its motifs")
    p.add_argument("--motif-rank", type=int, default=1, help="with --from-motifs: the motif's rank (default 1)")
    p.add_argument("--motif-id", help="with --from-motifs: the motif's id (instead of --motif-rank)")
    p.add_argument("--motif-reference", default="random", choices=["random", "subgraphs"],
                   help="with --from-motifs: the reference the rank is against (default random)")
    p.add_argument("--space", choices=sorted(SPACES), help="with --from-search: the space to take")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--name", default="", help="name of the set, recorded in the table metadata")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_sample)

    train = stages.add_parser("train", help="train sampled architectures from scratch")
    train_cmds = train.add_subparsers(dest="train_command", required=True, metavar="<subcommand>")
    p = train_cmds.add_parser("shard", help="train one shard of a sample set")
    p.add_argument("--sample", required=True, type=Path, help="sample_set table")
    p.add_argument("--sample-name", help="name recorded in the rows (default: the file's stem)")
    p.add_argument("--data", required=True, type=Path, help="prepared dataset folder (train/valid/test.parquet)")
    p.add_argument("--shard", required=True, type=int)
    p.add_argument("--shards", required=True, type=int)
    p.add_argument("--settings", required=True, help="JSON object: train.settings of params.yaml")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (each architecture once per seed)")
    p.add_argument("--workers", type=int, default=1, help="single-threaded worker processes (CPU)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--checkpoints", required=True, type=Path, help="folder for per-architecture checkpoints")
    p.add_argument("--threads", type=int, default=1, help="torch threads of this process")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_train_shard)
    p = train_cmds.add_parser("gather", help="gather shard tables into one")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("shards", nargs="+", type=Path)
    p.set_defaults(func=_cmd_train_gather)

    search = stages.add_parser("search", help="weight-sharing supernet search")
    search_cmds = search.add_subparsers(dest="search_command", required=True, metavar="<subcommand>")
    for name, helptext in (("run", "train a supernet with one method and record its wiring evolution"),
                           ("select", "select architectures from a trained supernet"),
                           ("score", "score sample sets with a trained supernet's shared weights (supernet as evaluator)")):
        p = search_cmds.add_parser(name, help=helptext)
        p.add_argument("--space", required=True, choices=sorted(SPACES))
        p.add_argument("--method", required=True, help="darts-1st, darts-2nd, darts-single, snas, spos, spos-deiso")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--data", required=True, type=Path, help="prepared dataset folder")
        p.add_argument("--settings", default="{}", help="JSON object: search settings (see SearchSettings)")
        p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
        p.add_argument("--threads", type=int, default=1)
        p.add_argument("--supernet", required=True, type=Path, help="trained supernet state (written by run)")
    p = search_cmds.choices["run"]
    p.add_argument("--checkpoint", type=Path, help="per-epoch checkpoint for resuming a killed search")
    p.add_argument("--trajectory", required=True, type=Path)
    p.add_argument("--history", required=True, type=Path)
    p.add_argument("--snapshots", nargs="*", type=float, default=[],
                   help="keep the supernet at these fractions of the search epochs (e.g. 0.25 0.5) for scoring")
    p.set_defaults(func=_cmd_search_run)
    p = search_cmds.choices["select"]
    p.add_argument("--selections", nargs="+", default=["magnitude", "perturbation"])
    p.add_argument("--perturbation", help="JSON object: tune_every, tune_steps, eval_images")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_search_select)
    p = search_cmds.choices["score"]
    p.add_argument("--archs", required=True, nargs="+", type=Path, help="sample-set tables to score")
    p.add_argument("--recalibrate", type=int, default=0,
                   help="also score with batch-norm statistics re-estimated on this many training batches per architecture")
    p.add_argument("--eval-images", type=int, default=None, help="validation images per architecture (default: all)")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_search_score)

    imp = stages.add_parser("importance", help="operator importance, its verification, cell ablations")
    imp_cmds = imp.add_subparsers(dest="importance_command", required=True, metavar="<subcommand>")
    p = imp_cmds.add_parser("surrogate", help="fit a predictor on trained architectures (the OI surrogate)")
    p.add_argument("--space", required=True, choices=sorted(SPACES))
    p.add_argument("--train", required=True, nargs="+", type=Path, help="train_result tables")
    p.add_argument("--predictor", default="gates", help="mlp, lstm, gates or rf")
    p.add_argument("--loss", default="hinge", choices=["hinge", "mse"])
    p.add_argument("--options", help="JSON object: predictor options")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_importance_surrogate)
    p = imp_cmds.add_parser("oi", help="operator importance of the top/middle/bottom architectures")
    p.add_argument("--space", required=True, choices=sorted(SPACES))
    p.add_argument("--benchmark", type=Path, help="NB201 benchmark table (ground truth)")
    p.add_argument("--column", default="cifar10_test_acc", help="benchmark accuracy column")
    p.add_argument("--surrogate", type=Path, help="fitted predictor (written by importance surrogate)")
    p.add_argument("--pool-sampler", default="uniform", help="sampler of the population the surrogate ranks")
    p.add_argument("--pool-size", type=int, default=2000)
    p.add_argument("--groups", help='JSON object: fraction per group, e.g. {"top": 0.05, "bottom": 0.05, "middle": 0.05}')
    p.add_argument("--threshold", type=float, default=0.1, help="|OI| (points) from which an op is important")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_importance_oi)
    p = imp_cmds.add_parser("predictors", help="Kendall τ of every predictor over all NB201 cells (benchmark)")
    p.add_argument("--benchmark", required=True, type=Path, help="NB201 benchmark table")
    p.add_argument("--column", default="cifar10_test_acc")
    p.add_argument("--predictors", nargs="+", default=["mlp", "lstm", "gates", "rf"])
    p.add_argument("--sizes", nargs="+", type=int, default=[39, 78, 390, 781], help="training-set sizes")
    p.add_argument("--losses", nargs="+", default=["hinge", "mse"])
    p.add_argument("--sets", type=int, default=3, help="random training sets per size")
    p.add_argument("--seeds", type=int, default=3, help="seeds per training set")
    p.add_argument("--options", help="JSON object: options per predictor name")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_importance_predictors)
    p = imp_cmds.add_parser("search", help="multi-stage predictor-based search over all NB201 cells (benchmark oracle)")
    p.add_argument("--benchmark", required=True, type=Path, help="NB201 benchmark table (the oracle)")
    p.add_argument("--column", default="cifar10_test_acc")
    p.add_argument("--predictor", default="gates")
    p.add_argument("--loss", default="hinge")
    p.add_argument("--options", help="JSON object: predictor options")
    p.add_argument("--initial", type=int, default=20, help="random architectures scored before the first fit")
    p.add_argument("--per-stage", type=int, default=10, help="top unseen architectures scored per stage")
    p.add_argument("--stages", type=int, default=5)
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_importance_search)
    p = imp_cmds.add_parser("variants", help="ops disabled by OI order, and cell ablations, of top architectures")
    p.add_argument("--oi", required=True, type=Path)
    p.add_argument("--disable", type=int, default=2, help="top architectures whose ops are disabled")
    p.add_argument("--steps", type=int, default=3, help="ops disabled one after the other, per order")
    p.add_argument("--ablate", type=int, default=0, help="top architectures ablated (DARTS)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_cmd_importance_variants)
    p = imp_cmds.add_parser("verify", help="accuracies of the variants and Wilcoxon tests")
    p.add_argument("--variants", required=True, type=Path)
    p.add_argument("--train", nargs="*", type=Path, default=[], help="train_result tables holding the variants")
    p.add_argument("--benchmark", type=Path, help="NB201 benchmark table")
    p.add_argument("--column", default="cifar10_test_acc")
    p.add_argument("--results", required=True, type=Path)
    p.add_argument("--tests", required=True, type=Path)
    p.set_defaults(func=_cmd_importance_verify)

    ctl = stages.add_parser("controller", help="ENAS controller: train it, analyse what it conditions on")
    ctl_cmds = ctl.add_subparsers(dest="controller_command", required=True, metavar="<subcommand>")
    p = ctl_cmds.add_parser("train", help="train an ENAS controller (trained, random or regularised) with its supernet")
    p.add_argument("--space", required=True, choices=sorted(SPACES))
    p.add_argument("--variant", required=True, help="trained, random or regularised")
    p.add_argument("--data", required=True, type=Path, help="prepared dataset folder (train/valid.parquet)")
    p.add_argument("--settings", default="{}", help="JSON object: controller settings (see ControllerSettings)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--checkpoint", type=Path, help="per-epoch checkpoint for resuming a killed run")
    p.add_argument("--out", required=True, type=Path, help="trained controller + supernet (torch state dicts)")
    p.add_argument("--history", required=True, type=Path, help="controller_history table")
    p.set_defaults(func=_cmd_controller_train)
    p = ctl_cmds.add_parser("analyse", help="step probabilities, hidden states and similarity correlations")
    p.add_argument("--controller", required=True, nargs="+", type=Path, help="controller files (written by train)")
    p.add_argument("--benchmark", type=Path, help="NB201 benchmark table: the performance ground truth (nb201 only)")
    p.add_argument("--column", default="cifar10_test_acc", help="benchmark accuracy column")
    p.add_argument("--data", type=Path, help="prepared dataset folder: also score the architectures with the supernet")
    p.add_argument("--score-images", type=int, default=256, help="validation images per supernet score")
    p.add_argument("--n-archs", type=int, default=200, help="architectures sampled per controller")
    p.add_argument("--n-pairs", type=int, default=300, help="architecture pairs compared per controller")
    p.add_argument("--ged-timeout", type=float, default=1.0, help="seconds per cell pair for the exact GED (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=1)
    for name in ("architectures", "step-probs", "hidden", "hidden-variance", "pairs", "correlations"):
        p.add_argument(f"--{name}", required=True, type=Path, help=f"output: controller_{name.replace('-', '_')} table")
    p.set_defaults(func=_cmd_controller_analyse)

    motifs = stages.add_parser("motifs", help="frequent subgraphs of top cells and their over-representation")
    motifs_cmds = motifs.add_subparsers(dest="motifs_command", required=True, metavar="<subcommand>")
    p = motifs_cmds.add_parser("mine", help="mine the motifs of the top architectures (gSpan) and test them")
    p.add_argument("--benchmark", type=Path, help="NB201 benchmark table (scores: --column)")
    p.add_argument("--column", default="cifar10_test_acc", help="benchmark accuracy column")
    p.add_argument("--train", nargs="*", type=Path, default=[], help="train_result tables (scores: mean valid_acc)")
    p.add_argument("--space", choices=sorted(SPACES), help="space to take from --train (needed when they hold two)")
    p.add_argument("--top", type=float, default=0.05, help="fraction of the architectures mined (default 0.05)")
    p.add_argument("--set", default="", help="name of the mined set (default top<percent>, e.g. top5)")
    p.add_argument("--min-support", type=float, default=0.05, help="fraction of the mined cells (default 0.05)")
    p.add_argument("--encoding", default="edge", choices=["edge", "node"], help="ops on edges or as vertices")
    p.add_argument("--cells", help="DARTS: normal (default), reduce or both; NB201: cell")
    p.add_argument("--min-vertices", type=int, default=2)
    p.add_argument("--max-vertices", type=int, default=None, help="largest motif (vertices; default no bound)")
    p.add_argument("--reference-size", type=int, default=1000,
                   help="random reference architectures, and random subgraphs per motif size (default 1000)")
    p.add_argument("--reference-sampler", help="sampler of the random reference (default uniform over the space)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--motifs", required=True, type=Path, help="output motifs table")
    p.add_argument("--occurrences", required=True, type=Path, help="output motif_occurrences table")
    p.set_defaults(func=_cmd_motifs_mine)

    _add_evaluators_parser(stages, SPACES)

    model = stages.add_parser("model", help="inspect the network built from an architecture")
    model_cmds = model.add_subparsers(dest="model_command", required=True, metavar="<subcommand>")
    p = model_cmds.add_parser("summary", help="parameters (M) and FLOPs (M multiply-accumulates) of a network")
    p.add_argument("--space", required=True, choices=sorted(SPACES))
    p.add_argument("arch")
    p.add_argument("--preset", default="standard", help="standard (benchmark/paper setting) or tiny (offline default)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_model_summary)

    params = stages.add_parser("params", help="check a params.yaml")
    params_cmds = params.add_subparsers(dest="params_command", required=True, metavar="<subcommand>")
    p = params_cmds.add_parser("check", help="validate params.yaml against its schema")
    p.add_argument("params", type=Path, nargs="?", default=Path("params.yaml"))
    p.add_argument("--schema", type=Path, default=Path(DEFAULT_SCHEMA))
    p.set_defaults(func=_cmd_params_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CellprobeError as exc:
        message = " ".join(str(exc).split("\n"))
        print(f"cellprobe: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cellprobe: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
