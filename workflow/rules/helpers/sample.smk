# The input and argument helpers of the sample rules (sample.smk includes this file first).

SETS = config["sample"]["sets"]


def sample_inputs(wildcards):
    spec = SETS[wildcards.name]
    if spec["sampler"] == "importance":
        return [rules.importance_variants.output.variants.format(space=spec["space"])]
    if spec["sampler"] == "motif":
        return [rules.motifs_mine.output.motifs.format(space=spec["space"], mset=spec["motifs"])]
    if spec["sampler"] == "search":
        return search_targets("genotypes", spec["space"])
    return []


def sample_args(wildcards, input):
    spec, sources = SETS[wildcards.name], list(input.sources)
    if spec["sampler"] == "importance":
        return f"--from-importance {sources[0]}"
    if spec["sampler"] == "motif":
        return f"--from-motifs {sources[0]} --motif-rank {spec['rank']} --size {spec['size']} --seed {spec['seed']}"
    if spec["sampler"] == "search":
        return f"--from-search {' '.join(sources)} --space {spec['space']}"
    return f"--sampler {spec['sampler']} --size {spec['size']} --seed {spec['seed']}"
