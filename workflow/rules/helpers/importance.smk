# The input and argument helpers of the importance rules (importance.smk includes this file first).

IMP = config["importance"]
IMP_DIR = f"{RESULTS}/importance/{{space}}"
IMP_CODE = ("importance.py", "ground_truth.py", "cli/importance.py")


def imp_truth(wildcards):
    return IMP[wildcards.space]["truth"]


def from_benchmark(space):
    """OI looked up in a table that holds every architecture (NB201); otherwise a surrogate learns the truth."""
    return looked_up(IMP[space]["truth"])


def verify_set(space):
    """The sample set that trains the variants, if any (without one, the surrogate scores them)."""
    return None if from_benchmark(space) else IMP[space].get("verify_set")


def importance_targets(table=None):
    """OI, verification and tests of every importance space, the surrogates' cross-validation tables and
    predictions, and the benchmark spaces' predictor tables and predictor-based searches (or only the
    tables named ``table``)."""
    per_space = {"oi": rules.importance_oi.output.oi, "verification": rules.importance_verify.output.results,
                 "tests": rules.importance_verify.output.tests}
    targets = {name: [path.format(space=space) for space in IMP["spaces"]] for name, path in per_space.items()}
    benchmarks = [space for space in IMP["spaces"] if from_benchmark(space)]
    # the predictor study: over a whole-space benchmark, or over a sampled one (the held-out rest)
    targets["predictors"] = [rules.importance_predictors.output.table.format(space=space) for space in IMP["spaces"]
                             if IMP[space]["predictors"]["names"] and IMP[space]["truth"]["source"] == "benchmark"]
    targets["search"] = [rules.importance_search.output.table.format(space=space) for space in benchmarks
                         if IMP[space]["search"]["stages"] > 0]
    targets["surrogate_folds"] = [rules.importance_surrogate.output.folds.format(space=space)
                                  for space in IMP["spaces"] if not from_benchmark(space)]
    targets["predicted"] = [rules.importance_predict.output.table.format(space=space)
                            for space in IMP["spaces"] if not from_benchmark(space) and IMP[space]["predict"]]
    return targets[table] if table else [p for paths in targets.values() for p in paths]


def oi_source(wildcards):
    if from_benchmark(wildcards.space):
        return truth_inputs(imp_truth(wildcards), wildcards.space)
    return [rules.importance_surrogate.output.surrogate.format(space=wildcards.space)]


def oi_args(wildcards, input):
    if from_benchmark(wildcards.space):
        return truth_args(imp_truth(wildcards), input.source)
    pool = IMP[wildcards.space]["pool"]
    return f"--surrogate {input.source[0]} --pool-size {pool['size']}" + (
        f" --pool-sampler {pool['sampler']}" if pool.get("sampler") else "")


def verify_inputs(wildcards):
    """What scores the variants: the benchmark table, the trained verify_set, or the surrogate."""
    if from_benchmark(wildcards.space):
        return truth_inputs(imp_truth(wildcards), wildcards.space)
    if verify_set(wildcards.space):
        return trained([verify_set(wildcards.space)])
    return [rules.importance_surrogate.output.surrogate.format(space=wildcards.space)]


def verify_args(wildcards, input):
    truth = imp_truth(wildcards)
    if from_benchmark(wildcards.space):
        return truth_args(truth, input.source)
    if verify_set(wildcards.space):
        return f"--train {' '.join(input.source)} --metric {truth.get('metric', 'valid_acc')}"
    return f"--surrogate {input.source[0]}"
