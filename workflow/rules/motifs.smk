# Motif mining: gSpan over the top cells of each motif set's ground truth (the NB201 benchmark's cells, or
# this run's trained DARTS samples), each motif's over-representation against random cells and random
# same-size subgraphs.

include: "helpers/motifs.smk"


rule motifs_mine:
    message:
        "[motifs] {rule} {wildcards}"
    input:
        scores=lambda w: truth_inputs(motif_spec(w)["truth"], w.space),
        code=code("analysis/motifs.py", "gspan.py", "ground_truth.py", "sampling", "cli/motifs.py"),
    output:
        motifs=f"{RESULTS}/motifs/{{space}}/{{mset}}/motifs.parquet",
        occurrences=f"{RESULTS}/motifs/{{space}}/{{mset}}/occurrences.parquet",
    params:
        args=motif_args,
        spec=lambda w: as_json(motif_spec(w)),
        encoding=MOT["encoding"],
        min_vertices=MOT["min_vertices"],
        reference_size=MOT["reference_size"],
        seed=MOT["seed"],
    log:
        f"{RESULTS}/motifs/logs/{{space}}-{{mset}}.log",
    benchmark:
        f"{RESULTS}/motifs/benchmarks/{{space}}-{{mset}}.tsv"
    wildcard_constraints:
        mset="|".join(map(re.escape, MOT["sets"])) or "^$",
    conda:
        "../envs/cellprobe.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "cellprobe motifs mine {params.args} --set {wildcards.mset} --encoding {params.encoding}"
        " --min-vertices {params.min_vertices} --reference-size {params.reference_size} --seed {params.seed}"
        " --motifs {output.motifs} --occurrences {output.occurrences} 2> {log}"
