# The input and argument helpers of the report rules (report.smk includes this file first).

REPORT_INPUTS = {
    "nb201": [rules.benchmarks_nb201.output.table],
    "nb301": [rules.benchmarks_nb301.output.table],
    "train": expand(rules.train_gather.output.table, name=config["train"]["sets"]),
    "search_trajectory": search_targets("trajectory"),
    "search_history": search_targets("history"),
    "search_genotypes": search_targets("genotypes"),
    "importance_oi": importance_targets("oi"),
    "importance_results": importance_targets("verification"),
    "importance_tests": importance_targets("tests"),
    "surrogate_folds": importance_targets("surrogate_folds"),
    "surrogate_predictions": importance_targets("predicted"),
    "predictors": importance_targets("predictors"),
    "predictor_search": importance_targets("search"),
    "motifs": motif_targets("motifs"),
    "motif_occurrences": motif_targets("occurrences"),
    "evaluators_criteria": evaluator_targets("criteria"),
    "evaluators_flops_groups": evaluator_targets("flops_groups"),
    "zero_cost_reference": reference_targets(),
    "pool_study": pool_study_targets(),
    **{f"controller_{name}": controller_targets(name) for name in (*CTL_TABLES, "history", "retrained")
       if name != "pairs"},
}


def report_args(wildcards, input):
    """One --<table> option per input table set (cellprobe.report.INPUTS)."""
    return " ".join(f"--{name.replace('_', '-')} {' '.join(getattr(input, name))}" for name in REPORT_INPUTS
                    if getattr(input, name))
