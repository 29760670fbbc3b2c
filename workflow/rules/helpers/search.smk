# The input and argument helpers of the search rules (search.smk includes this file first).

from cellprobe.search.settings import ONE_SHOT

SEARCH = config["search"]
#: {method} is the run's name: a method, or a named variant of one (search.variants)
SEARCH_DIR = f"{RESULTS}/search/{{space}}/{{method}}/{{seed}}"
SEARCH_CODE = ("search/loop.py", "search/settings.py", "search/weighting.py", "nn", "cli/search.py")
SEARCH_VARIANTS = SEARCH.get("variants", {})


def run_method(wildcards):
    """The method of a run: itself, or the method a named variant (search.variants) runs."""
    return SEARCH_VARIANTS.get(wildcards.method, {}).get("method", wildcards.method)


def search_config(wildcards):
    """The shared search settings, then the space's supernet size (C, depth, epochs, dataset), then the
    overrides for the method and for "space/method" (search.overrides), then a named variant's own entries."""
    overrides, method = SEARCH.get("overrides", {}), run_method(wildcards)
    variant = SEARCH_VARIANTS.get(wildcards.method)
    return {
        **SEARCH["settings"],
        **SEARCH["spaces"][wildcards.space],
        **overrides.get(method, {}),
        **overrides.get(f"{wildcards.space}/{method}", {}),
        **({k: v for k, v in variant.items() if k not in ("method", "experiment", "pool")} | {"run": wildcards.method}
           if variant else {}),
    }


def search_pool(wildcards):
    """The sample set a named variant trains on alone (its ``pool``), if it names one."""
    name = SEARCH_VARIANTS.get(wildcards.method, {}).get("pool")
    return [rules.sample_set.output.table.format(name=name)] if name else []


def search_settings(wildcards):
    """The run's SearchSettings as JSON (its dataset is an input and its scoring fractions an output, not settings)."""
    return as_json({k: v for k, v in search_config(wildcards).items() if k not in ("dataset", "at")})


def search_snapshots(wildcards):
    """Fractions of the search at which its supernet is kept and scored: search.scoring.at unless its space or
    method names its own ``at``."""
    return " ".join(str(f) for f in search_config(wildcards).get("at", SEARCH["scoring"]["at"]))


def search_data(split="train"):
    """A split of the run's prepared dataset: search.dataset unless its space or method names another."""
    return lambda w: prepared(search_config(w).get("dataset", SEARCH["dataset"]), split)


def search_runs(space=None):
    """``(space, method, seed)`` of every configured search (of one space)."""
    return [(s, method, seed) for s, methods in SEARCH["runs"].items() if space in (None, s)
            for method in methods for seed in SEARCH["seeds"]]


def search_targets(name, space=None):
    """One output (``genotypes``, ``scores``, ...) of every search run (of one space)."""
    outputs = {"trajectory": rules.search_run.output.trajectory, "history": rules.search_run.output.history,
               "genotypes": rules.search_select.output.genotypes, "scores": rules.search_score.output.scores}
    return [outputs[name].format(space=s, method=m, seed=seed) for s, m, seed in search_runs(space)
            if name != "scores" or SEARCH["scoring"]["sets"].get(s)]


def scoring_inputs(wildcards):
    """The sample sets a supernet of this space scores (search.scoring.sets)."""
    return [rules.sample_set.output.table.format(name=name) for name in SEARCH["scoring"]["sets"].get(wildcards.space, [])]


def selections(wildcards):
    """Magnitude, and perturbation for the methods (or space/methods) of search.selection.perturbation_for;
    one-shot methods learn no α, so perturbation is their only selection."""
    chosen, method = SEARCH["selection"], run_method(wildcards)
    names = {wildcards.method, method}
    perturbed = (names | {f"{wildcards.space}/{name}" for name in names}) & set(chosen["perturbation_for"])
    return " ".join(m for m in chosen["methods"] if m != "perturbation" or perturbed or method in ONE_SHOT)
