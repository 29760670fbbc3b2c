# The input and argument helpers of the motifs rules (motifs.smk includes this file first).

MOT = config["motifs"]


def motif_spec(wildcards):
    return MOT["sets"][wildcards.mset]


def motif_targets(table=None):
    """Motif and occurrence tables of every motif set (or only the table ``table``)."""
    outputs = {"motifs": rules.motifs_mine.output.motifs, "occurrences": rules.motifs_mine.output.occurrences}
    return [path.format(space=spec["space"], mset=name) for name, spec in MOT["sets"].items()
            for t, path in outputs.items() if table in (None, t)]


def motif_args(wildcards, input):
    spec = motif_spec(wildcards)
    space = get_space(spec["space"])
    cells = MOT["cells"] if MOT["cells"] in space.motif_cells else space.motif_cells[0]
    max_vertices = spec.get("max_vertices", MOT["max_vertices"])
    return (f"{truth_args(spec['truth'], input.scores)} --space {spec['space']} --cells {cells}"
            + (f" --max-vertices {max_vertices}" if max_vertices else "")
            + f" --top {spec['top']} --min-support {spec.get('min_support', MOT['min_support'])}")
