# Small helpers shared by the rules files: input/parameter functions that read the config.

import cellprobe

CODE = Path(cellprobe.__file__).parent  # the installed library (the repository's src/ in an editable install)


def library_code(*parts):
    """The library modules behind a step, to be declared as its inputs (so editing one reruns the step
    and what follows from it). The shared layers (spaces, tables, io, cli) are left out, since a change
    there concerns every step (use --forcerun)."""
    files = []
    for part in parts:
        path = CODE / part
        files += sorted(str(p) for p in path.rglob("*.py")) if path.is_dir() else [str(path)]
    return files


SEARCH_DATA = f"{PREPARED}/{config['search']['dataset']}"
SEARCH_DIR = f"{RESULTS}/search/{{space}}/{{method}}/{{seed}}"


def search_settings(wildcards):
    """The shared search settings, then the space's supernet size (C, depth, epochs), then the
    overrides for the method and for "space/method" (search.overrides)."""
    search = config["search"]
    overrides = search.get("overrides", {})
    return json.dumps({
        **search["settings"],
        **search["spaces"][wildcards.space],
        **overrides.get(wildcards.method, {}),
        **overrides.get(f"{wildcards.space}/{wildcards.method}", {}),
    }, sort_keys=True)


def search_targets(name):
    return [
        f"{RESULTS}/search/{space}/{method}/{seed}/{name}"
        for space, methods in config["search"]["runs"].items()
        for method in methods
        for seed in config["search"]["seeds"]
    ]


def scoring_inputs(wildcards):
    """The sample sets a supernet of this space scores (search.scoring.sets)."""
    names = config["search"]["scoring"]["sets"].get(wildcards.space, [])
    return [f"{RESULTS}/sample/{name}.parquet" for name in names]


def scoring_targets():
    """scores.parquet of every search run whose space has sets to score."""
    return [
        f"{RESULTS}/search/{space}/{method}/{seed}/scores.parquet"
        for space, methods in config["search"]["runs"].items()
        if config["search"]["scoring"]["sets"].get(space)
        for method in methods
        for seed in config["search"]["seeds"]
    ]


def sample_spec(wildcards):
    return config["sample"]["sets"][wildcards.name]


def sample_inputs(wildcards):
    spec = sample_spec(wildcards)
    if spec["sampler"] == "importance":
        return [f"{RESULTS}/importance/{spec['space']}/variants.parquet"]
    if spec["sampler"] == "motif":
        return [f"{RESULTS}/motifs/{spec['space']}/{spec['motifs']}/motifs.parquet"]
    if spec["sampler"] != "search":
        return []
    return [p for p in search_targets("genotype.parquet") if f"/search/{spec['space']}/" in p]


def sample_args(wildcards, input):
    spec = sample_spec(wildcards)
    if spec["sampler"] == "importance":
        return f"--from-importance {input[0]}"
    if spec["sampler"] == "motif":
        return f"--from-motifs {input[0]} --motif-rank {spec['rank']} --size {spec['size']} --seed {spec['seed']}"
    if spec["sampler"] == "search":
        return f"--from-search {' '.join(input)} --space {spec['space']}"
    return f"--sampler {spec['sampler']} --size {spec['size']} --seed {spec['seed']}"


def importance_targets(table=None):
    """OI, verification and tests of every configured importance space, NB201's predictor table and
    multi-stage search (or only the tables named ``table``)."""
    spaces = config["importance"]["spaces"]
    targets = {name: [f"{RESULTS}/importance/{space}/{name}.parquet" for space in spaces]
               for name in ("oi", "verification", "tests")}
    nb201 = config["importance"]["nb201"] if "nb201" in spaces else None
    targets["predictors"] = [f"{RESULTS}/importance/nb201/predictors.parquet"] if nb201 and nb201["predictors"]["names"] else []
    targets["search"] = [f"{RESULTS}/importance/nb201/search.parquet"] if nb201 and nb201["search"]["stages"] > 0 else []
    return targets[table] if table else [p for paths in targets.values() for p in paths]


# -- importance -------------------------------------------------------------------------------------

IMP = config["importance"]
IMP_DIR = f"{RESULTS}/importance/{{space}}"


def importance_oi_args(wildcards, input):
    spec = IMP[wildcards.space]
    if wildcards.space == "nb201":
        return f"--benchmark {input.source} --column {spec['column']}"
    pool = spec["pool"]
    return f"--surrogate {input.source} --pool-sampler {pool['sampler']} --pool-size {pool['size']}"


def importance_oi_source(wildcards):
    if wildcards.space == "nb201":
        return rules.benchmarks_nb201.output.table
    return f"{RESULTS}/importance/{wildcards.space}/surrogate"


def importance_verify_inputs(wildcards):
    if wildcards.space == "nb201":
        return {"source": rules.benchmarks_nb201.output.table}
    return {"source": f"{RESULTS}/train/{IMP[wildcards.space]['verify_set']}.parquet"}


def importance_verify_args(wildcards, input):
    if wildcards.space == "nb201":
        return f"--benchmark {input.source} --column {IMP['nb201']['column']}"
    return f"--train {input.source}"


# -- motifs -----------------------------------------------------------------------------------------

MOT = config["motifs"]


def motif_spec(wildcards):
    return MOT["sets"][wildcards.mset]


def motif_targets(table=None):
    """Motif and occurrence tables of every motif set (or only the table ``table``)."""
    return [f"{RESULTS}/motifs/{spec['space']}/{name}/{t}.parquet"
            for name, spec in MOT["sets"].items() for t in ("motifs", "occurrences") if table in (None, t)]


def motif_inputs(wildcards):
    spec = motif_spec(wildcards)
    if spec["source"] == "benchmark":
        return {"scores": rules.benchmarks_nb201.output.table}
    return {"scores": [f"{RESULTS}/train/{name}.parquet" for name in spec["sets"]]}


def motif_args(wildcards, input):
    spec = motif_spec(wildcards)
    if spec["source"] == "benchmark":
        args = f"--benchmark {input.scores} --column {spec['column']} --cells cell"
    else:
        args = f"--train {' '.join(input.scores)} --space {spec['space']} --cells {MOT['cells']}"
    max_vertices = spec.get("max_vertices", MOT["max_vertices"])
    if max_vertices:
        args += f" --max-vertices {max_vertices}"
    return args + f" --top {spec['top']} --min-support {spec.get('min_support', MOT['min_support'])}"


# -- evaluators -------------------------------------------------------------------------------------

EVA = config["evaluators"]
EVA_DIR = f"{RESULTS}/evaluators/{{space}}"


def evaluator_targets(table=None):
    """Criteria and FLOPs-group tables of every evaluated space (or only the table ``table``)."""
    return [f"{RESULTS}/evaluators/{space}/{name}.parquet" for space in EVA["spaces"]
            for name in ("criteria", "flops_groups") if table in (None, name)]


def zero_cost_inputs(wildcards):
    inputs = {"split": f"{PREPARED}/{EVA['zero_cost']['dataset']}/train.parquet"}
    if wildcards.space == "darts":
        inputs["sample"] = [f"{RESULTS}/sample/{name}.parquet" for name in EVA["darts_sets"]]
    return inputs


def zero_cost_args(wildcards, input):
    spec = EVA["zero_cost"]
    if wildcards.space == "darts":
        return f"--sample {' '.join(input.sample)}"
    return f"--archs {spec['nb201_archs']}" + (" --dedupe" if spec["dedupe"] else "")


def prediction_targets(space):
    """Predictor evaluator tables: NB201 only (trained on cells of the benchmark, scoring all the others)."""
    if space != "nb201":
        return []
    return [f"{RESULTS}/evaluators/nb201/predictions/{name}.parquet" for name in EVA["nb201_predictors"]]


def criteria_inputs(wildcards):
    space = wildcards.space
    inputs = {
        "zero_cost": rules.evaluators_zero_cost.output.table.format(space=space),
        "supernet": [p for p in scoring_targets() if f"/search/{space}/" in p],
        "predictions": prediction_targets(space),
    }
    if space == "nb201":
        inputs["truth"] = rules.benchmarks_nb201.output.table
    else:
        inputs["truth"] = [f"{RESULTS}/train/{name}.parquet" for name in EVA["darts_sets"]]
    return inputs


def criteria_args(wildcards, input):
    spec = EVA["criteria"]
    args = f"--zero-cost {input.zero_cost}"
    if input.supernet:
        args += f" --supernet-scores {' '.join(input.supernet)}"
    if input.predictions:
        args += f" --scores {' '.join(input.predictions)}"
    if wildcards.space == "nb201":
        args += f" --benchmark {input.truth} --column {spec['nb201_column']}" + (" --deiso" if spec["deiso"] else "")
    else:
        args += f" --train {' '.join(input.truth)} --column {spec['train_column']}"
    return args


# -- controller -------------------------------------------------------------------------------------

CTL = config["controller"]
CTL_DATA = f"{PREPARED}/{CTL['dataset']}"
CTL_DIR = f"{RESULTS}/controller/{{space}}/{{variant}}"
CTL_TABLES = ("architectures", "step_probs", "hidden", "hidden_variance", "pairs", "correlations")


def controller_targets(name=None):
    """Every configured (space, variant) controller's analysis tables (or only the table ``name``)."""
    names = [name] if name else CTL_TABLES
    return [f"{RESULTS}/controller/{space}/{variant}/{n}.parquet"
            for space in CTL["spaces"] for variant in CTL["variants"] for n in names]


def controller_benchmark(wildcards):
    return {"benchmark": rules.benchmarks_nb201.output.table} if wildcards.space == "nb201" else {}
