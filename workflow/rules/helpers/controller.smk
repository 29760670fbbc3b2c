# The input and argument helpers of the controller rules (controller.smk includes this file first).

CTL = config["controller"]
CTL_DIR = f"{RESULTS}/controller/{{space}}/{{variant}}"
CTL_TABLES = ("architectures", "step_probs", "hidden", "hidden_variance", "pairs", "correlations")
CTL_CODE = ("search/controller.py", "search/settings.py", "cli/controller.py")


def controller_targets(name=None):
    """Every configured (space, variant) controller's analysis tables (or only the table ``name``)."""
    outputs = {**{n: getattr(rules.controller_analyse.output, n) for n in CTL_TABLES},
               "history": rules.controller_train.output.history}
    return [outputs[n].format(space=space, variant=variant)
            for space in CTL["spaces"] for variant in CTL["variants"] for n in ([name] if name else CTL_TABLES)]


def controller_benchmark(wildcards):
    """The benchmark table of the space, where it has one: the sampled cells' true accuracy."""
    benchmark = get_space(wildcards.space).benchmark
    return {"benchmark": benchmark_table(benchmark)} if benchmark else {}
