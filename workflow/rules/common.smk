# Small helpers shared by the rules files: input/parameter functions that read the config.

SEARCH_DATA = f"{PREPARED}/{config['search']['dataset']}"
SEARCH_DIR = f"{RESULTS}/search/{{space}}/{{method}}/{{seed}}"


def search_settings(wildcards):
    """The shared search settings with the space's supernet size (C, depth)."""
    return json.dumps({**config["search"]["settings"], **config["search"]["spaces"][wildcards.space]}, sort_keys=True)


def search_targets(name):
    return [
        f"{RESULTS}/search/{space}/{method}/{seed}/{name}"
        for space, methods in config["search"]["runs"].items()
        for method in methods
        for seed in config["search"]["seeds"]
    ]


def sample_spec(wildcards):
    return config["sample"]["sets"][wildcards.name]


def sample_inputs(wildcards):
    spec = sample_spec(wildcards)
    if spec["sampler"] != "search":
        return []
    return [p for p in search_targets("genotype.parquet") if f"/search/{spec['space']}/" in p]


def sample_args(wildcards, input):
    spec = sample_spec(wildcards)
    if spec["sampler"] == "search":
        return f"--from-search {' '.join(input)} --space {spec['space']}"
    return f"--sampler {spec['sampler']} --size {spec['size']} --seed {spec['seed']}"
