# The HTML report: one page from the tables that exist.


rule report:
    input:
        nb201=rules.benchmarks_nb201.output.table,
        train=expand(rules.train_gather.output.table, name=config["train"]["sets"]),
        trajectories=search_targets("trajectory.parquet"),
        histories=search_targets("history.parquet"),
        genotypes=search_targets("genotype.parquet"),
        importance_oi=importance_targets("oi"),
        importance_results=importance_targets("verification"),
        importance_tests=importance_targets("tests"),
        predictors=importance_targets("predictors"),
        predictor_search=importance_targets("search"),
        motifs=motif_targets("motifs"),
        motif_occurrences=motif_targets("occurrences"),
        known_cells="data/benchmarks/darts_known_cells.json",
        evaluators_criteria=evaluator_targets("criteria"),
        evaluators_flops_groups=evaluator_targets("flops_groups"),
        controller_architectures=controller_targets("architectures"),
        controller_step_probs=controller_targets("step_probs"),
        controller_hidden=controller_targets("hidden"),
        controller_hidden_variance=controller_targets("hidden_variance"),
        controller_correlations=controller_targets("correlations"),
        controller_history=controller_targets("history"),
        code=library_code("report"),
    output:
        html=f"{RESULTS}/report/index.html",
        metrics=f"{RESULTS}/report/metrics.json",
    params:
        title=config["report"]["title"],
        top_k=config["report"]["nb201_top_k"],
        config=json.dumps({k: v for k, v in config.items() if k != "presets"}, sort_keys=True),
    log:
        f"{RESULTS}/report/logs/report.log",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    shell:
        "cellprobe report --out {output.html} --metrics {output.metrics} --nb201 {input.nb201} --nb201-top-k {params.top_k}"
        " --train {input.train} --search-trajectory {input.trajectories}"
        " --search-history {input.histories} --search-genotypes {input.genotypes}"
        " --importance-oi {input.importance_oi} --importance-results {input.importance_results}"
        " --importance-tests {input.importance_tests} --predictors {input.predictors}"
        " --predictor-search {input.predictor_search}"
        " --motifs {input.motifs} --motif-occurrences {input.motif_occurrences} --known-cells {input.known_cells}"
        " --evaluators-criteria {input.evaluators_criteria}"
        " --evaluators-flops-groups {input.evaluators_flops_groups}"
        " --controller-architectures {input.controller_architectures}"
        " --controller-step-probs {input.controller_step_probs} --controller-hidden {input.controller_hidden}"
        " --controller-hidden-variance {input.controller_hidden_variance}"
        " --controller-correlations {input.controller_correlations}"
        " --controller-history {input.controller_history}"
        " --title {params.title:q} --config-json {params.config:q} 2> {log}"
