# The input and argument helpers of the evaluators rules (evaluators.smk includes this file first).

EVA = config["evaluators"]
EVA_DIR = f"{RESULTS}/evaluators/{{space}}"
EVA_CODE = ("analysis/evaluators.py", "ground_truth.py", "cli/evaluators.py")


def eva_truth(wildcards):
    return EVA["truth"][wildcards.space]


def evaluator_targets(table=None):
    """Criteria and FLOPs-group tables of every evaluated space (or only the table ``table``)."""
    outputs = {"criteria": rules.evaluators_criteria.output.criteria,
               "flops_groups": rules.evaluators_criteria.output.flops_groups}
    return [path.format(space=space) for space in EVA["spaces"] for name, path in outputs.items()
            if table in (None, name)]


def zero_cost_inputs(wildcards):
    """The minibatch's split and, for a ground truth of sample sets (trained, or scored by the surrogate),
    those sets."""
    truth = eva_truth(wildcards)
    inputs = {"split": prepared(EVA["zero_cost"]["dataset"])}
    if truth["source"] != "benchmark":
        inputs["sample"] = [rules.sample_set.output.table.format(name=name) for name in truth["sets"]]
    return inputs


def zero_cost_args(wildcards, input):
    spec = EVA["zero_cost"]
    if eva_truth(wildcards)["source"] != "benchmark":
        return f"--sample {' '.join(input.sample)}"
    return f"--archs {spec['archs']}" + (" --dedupe" if spec["dedupe"] else "")


def reference_targets():
    """The zero-cost reference tables of every space in evaluators.reference.spaces."""
    return [rules.evaluators_reference.output.table.format(space=space) for space in EVA["reference"]["spaces"]]


def predictions(space):
    """The predictors-as-evaluators tables of a space (evaluators.predictors)."""
    return [rules.evaluators_predict.output.table.format(space=space, pred=name)
            for name, spec in EVA["predictors"].items() if spec["space"] == space]


def criteria_inputs(wildcards):
    space = wildcards.space
    return {
        "zero_cost": rules.evaluators_zero_cost.output.table.format(space=space),
        "supernet": search_targets("scores", space),
        "predictions": predictions(space),
        "truth": truth_inputs(eva_truth(wildcards), space),
    }


def criteria_args(wildcards, input):
    args = f"--zero-cost {input.zero_cost} {truth_args(eva_truth(wildcards), input.truth)}"
    if input.supernet:
        args += f" --supernet-scores {' '.join(input.supernet)}"
    if input.predictions:
        args += f" --scores {' '.join(input.predictions)}"
    return args + (" --deiso" if EVA["criteria"]["deiso"] else "")


def pool_study_targets():
    """The pool-study tables of every space in evaluators.pool_study."""
    return [rules.evaluators_pool_study.output.table.format(space=space) for space in EVA["pool_study"]]


def pool_study_inputs(wildcards):
    """The ground truth, the pool's sample set and both supernets' scores (every seed)."""
    spec = EVA["pool_study"][wildcards.space]

    def scores(run):
        return [rules.search_score.output.scores.format(space=wildcards.space, method=run, seed=seed)
                for seed in SEARCH["seeds"]]

    return {"truth": truth_inputs(eva_truth(wildcards), wildcards.space),
            "pool": rules.sample_set.output.table.format(name=SEARCH_VARIANTS[spec["pool_run"]]["pool"]),
            "space_scores": scores(spec["space_run"]), "pool_scores": scores(spec["pool_run"])}
