# Small helpers shared by the rules files: input/parameter functions that read the config.

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


def importance_targets():
    """OI, verification and tests of every configured importance space (and NB201's predictor table)."""
    spaces = config["importance"]["spaces"]
    targets = [f"{RESULTS}/importance/{space}/{name}.parquet" for space in spaces
               for name in ("oi", "verification", "tests")]
    if "nb201" in spaces and config["importance"]["nb201"]["predictors"]["names"]:
        targets.append(f"{RESULTS}/importance/nb201/predictors.parquet")
    if "nb201" in spaces and config["importance"]["nb201"]["search"]["stages"] > 0:
        targets.append(f"{RESULTS}/importance/nb201/search.parquet")
    return targets
