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


def _cmd_report(args) -> None:
    from cellprobe.config import load_params
    from cellprobe.report import provenance, render_report
    from cellprobe.report.benchmark_section import nb201_section
    from cellprobe.tables import NB201_BENCHMARK, read_frame

    params = load_params(args.params, args.schema) if args.params else None
    if args.config_json:
        params = _json_arg(args.config_json, "--config-json")
    inputs, sections = {}, []
    if args.nb201:
        sections.append(nb201_section(read_frame(args.nb201, NB201_BENCHMARK), top_k=args.nb201_top_k))
        inputs["nb201_benchmark"] = Path(args.nb201)
    if args.search_trajectory:
        import pandas as pd

        from cellprobe.report.search_section import search_section
        from cellprobe.tables import SEARCH_GENOTYPES, SEARCH_HISTORY, SEARCH_TRAJECTORY, TRAIN_RESULT

        def load(paths, schema):
            return pd.concat([read_frame(p, schema) for p in paths], ignore_index=True)

        trained = load(args.train, TRAIN_RESULT) if args.train else None
        nb201 = read_frame(args.nb201, NB201_BENCHMARK) if args.nb201 else None
        sections.append(search_section(load(args.search_trajectory, SEARCH_TRAJECTORY),
                                       load(args.search_history, SEARCH_HISTORY),
                                       load(args.search_genotypes, SEARCH_GENOTYPES), nb201=nb201, trained=trained))
        for p in [*args.search_trajectory, *args.search_history, *args.search_genotypes]:
            inputs[f"{Path(p).parent.parent.parent.name}/{Path(p).parent.parent.name}/{Path(p).stem}"] = Path(p)
    if args.train:
        import pandas as pd

        from cellprobe.report.train_section import train_section
        from cellprobe.tables import TRAIN_RESULT

        frames = [read_frame(path, TRAIN_RESULT) for path in args.train]
        sections.append(train_section(pd.concat(frames, ignore_index=True)))
        inputs.update({f"train_result ({Path(p).stem})": Path(p) for p in args.train})
    if args.importance_oi:
        import pandas as pd

        from cellprobe.report.importance_section import importance_section
        from cellprobe.tables import IMPORTANCE_RESULTS, IMPORTANCE_TESTS, OPERATOR_IMPORTANCE

        def load_all(paths, schema):
            return pd.concat([read_frame(p, schema) for p in paths], ignore_index=True) if paths else None

        from cellprobe.tables import PREDICTOR_EVALUATION, PREDICTOR_SEARCH

        sections.append(importance_section(load_all(args.importance_oi, OPERATOR_IMPORTANCE),
                                           load_all(args.importance_results, IMPORTANCE_RESULTS),
                                           load_all(args.importance_tests, IMPORTANCE_TESTS),
                                           load_all(args.predictors, PREDICTOR_EVALUATION),
                                           load_all(args.predictor_search, PREDICTOR_SEARCH)))
        inputs.update({f"predictors/{Path(p).parent.name}": Path(p) for p in args.predictors})
        inputs.update({f"predictor_search/{Path(p).parent.name}": Path(p) for p in args.predictor_search})
        for p in [*args.importance_oi, *args.importance_results, *args.importance_tests]:
            inputs[f"importance/{Path(p).parent.name}/{Path(p).stem}"] = Path(p)
    out = render_report(sections, args.out, title=args.title, provenance=provenance(inputs, params))
    print(f"wrote {out}", file=sys.stderr)


def _cmd_prep(args) -> None:
    from cellprobe.data import prepare_dataset

    options = _json_arg(args.options, "--options")
    paths = prepare_dataset(args.dataset, args.out_dir, seed=args.seed, **options)
    print(f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr)


def _cmd_sample(args) -> None:
    from cellprobe.sampling import sample_table
    from cellprobe.tables import SAMPLE_SET, write_table

    if args.from_importance:
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
                    "tag": {"seed": args.seed}, "trajectory": [], "history": [], "snapshots": state.snapshots}, tmp)
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
    import pandas as pd

    from cellprobe.tables import TRAIN_RESULT, read_frame

    rows = pd.concat([read_frame(p, TRAIN_RESULT) for p in paths], ignore_index=True)
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
    p.add_argument("--predictor-search", type=Path, nargs="*", default=[], help="predictor_search tables")
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
