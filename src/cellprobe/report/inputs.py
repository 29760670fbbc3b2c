"""The report's inputs, a plain mapping the command line reads to declare its options (without importing the
page builders, pandas or matplotlib)."""

__all__ = ["INPUTS"]

#: The report's inputs: name → schema name (each a list of table files).
INPUTS = {
    "nb201": "nb201_benchmark",
    "nb301": "nb301_benchmark",
    "train": "train_result",
    "search_trajectory": "search_trajectory",
    "search_history": "search_history",
    "search_genotypes": "search_genotypes",
    "importance_oi": "operator_importance",
    "importance_results": "importance_results",
    "importance_tests": "importance_tests",
    "surrogate_folds": "surrogate_folds",
    "surrogate_predictions": "surrogate_predictions",
    "predictors": "predictor_evaluation",
    "predictor_search": "predictor_search",
    "motifs": "motifs",
    "motif_occurrences": "motif_occurrences",
    "evaluators_criteria": "evaluator_criteria",
    "evaluators_flops_groups": "flops_groups",
    "zero_cost_reference": "zero_cost_reference",
    "pool_study": "pool_study",
    "controller_architectures": "controller_architectures",
    "controller_step_probs": "controller_step_probs",
    "controller_hidden": "controller_hidden",
    "controller_hidden_variance": "controller_hidden_variance",
    "controller_correlations": "controller_correlations",
    "controller_history": "controller_history",
    "controller_retrained": "controller_retrained",
}
