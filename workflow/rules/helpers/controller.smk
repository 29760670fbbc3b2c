# The input and argument helpers of the controller rules (controller.smk includes this file first).

from cellprobe.config import controller_spec

CTL = config["controller"]
CTL_DIR = f"{RESULTS}/controller/{{space}}/{{variant}}"
CTL_TABLES = ("architectures", "step_probs", "hidden", "hidden_variance", "pairs", "correlations")
CTL_CODE = ("search/controller.py", "search/controller_settings.py", "search/settings.py", "search/shared.py",
            "cli/controller.py")


def ctl_spec(wildcards):
    """The controller block as it applies to this space (controller.overrides merged over it)."""
    return controller_spec(CTL, wildcards.space)


def ctl_data(wildcards):
    """The prepared dataset (images or a corpus) this space's controller learns from."""
    dataset = ctl_spec(wildcards)["dataset"]
    return {"train": prepared(dataset), "valid": prepared(dataset, "valid"), "test": prepared(dataset, "test")}


def retrain_spaces():
    """The controller spaces whose cells are retrained from scratch (retrain.cells > 0)."""
    return [space for space in CTL["spaces"] if CTL["variants"]
            and controller_spec(CTL, space)["retrain"].get("cells", 0) > 0]


def controller_targets(name=None):
    """Every configured (space, variant) controller's analysis tables (or only the table ``name``; ``retrained``:
    the retrained-cells table of each space that has one)."""
    if name == "retrained":
        return [rules.controller_retrain.output.table.format(space=space) for space in retrain_spaces()]
    outputs = {**{n: getattr(rules.controller_analyse.output, n) for n in CTL_TABLES},
               "history": rules.controller_train.output.history}
    return [outputs[n].format(space=space, variant=variant)
            for space in CTL["spaces"] for variant in CTL["variants"] for n in ([name] if name else CTL_TABLES)] + (
        [] if name else controller_targets("retrained"))


def controller_benchmark(wildcards):
    """The benchmark table of the space, where it has one: the sampled cells' true accuracy."""
    benchmark = get_space(wildcards.space).benchmark
    return {"benchmark": benchmark_table(benchmark)} if benchmark else {}


def space_controllers(wildcards):
    """The trained controllers of this space whose cells are retrained (retrain.variants that run)."""
    variants = [v for v in ctl_spec(wildcards)["retrain"].get("variants", []) if v in CTL["variants"]]
    return expand(rules.controller_train.output.controller, space=wildcards.space, variant=variants)
