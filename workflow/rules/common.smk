# What the rules files share: the roots, each stage's library code as rule inputs, benchmark tables, and
# the ground-truth options (the one place that turns a truth spec of params.yaml into inputs and arguments).

from cellprobe.ground_truth import benchmark_of, looked_up
from cellprobe.spaces import get_space

RESULTS = config["base"]["results"]
PREPARED = config["base"]["prepared"]
#: The library, relative to the working directory (the checkout root): a moved checkout reruns nothing.
SRC = os.path.relpath(os.path.join(workflow.basedir, "src", "cellprobe"))
#: Resources of the rules whose jobs use a GPU (the SLURM profile sends exactly these to its GPU partition).
GPU = {"gpu": 1}


def code(*parts):
    """The library modules (files or folders under src/cellprobe) behind a stage, declared as its inputs so
    that editing one reruns that stage and what follows. Shared layers (spaces, tables, io) are left out:
    a change there concerns every stage (use --forcerun). Empty where the workflow runs without its source."""
    if not os.path.isdir(SRC):
        return []
    files = []
    for part in parts:
        path = os.path.join(SRC, part)
        files += sorted(glob.glob(os.path.join(path, "**", "*.py"), recursive=True)) if os.path.isdir(path) else [path]
    return files


def benchmark_table(name):
    """A benchmark table by name (nb201, nb301: rule benchmarks_<name>)."""
    return getattr(rules, f"benchmarks_{name}").output.table


def prepared(dataset, split="train"):
    """A split of a prepared dataset (rule prep_dataset)."""
    return getattr(rules.prep_dataset.output, split).format(dataset=dataset)


def trained(names):
    """The gathered results of trained sample sets (rule train_gather)."""
    return [rules.train_gather.output.table.format(name=name) for name in names]


def truth_inputs(truth, space):
    """The files behind a ground truth: the space's benchmark table, the trained sets' results, or the
    space's surrogate predictions (rule importance_predict)."""
    if truth["source"] == "benchmark":
        return [benchmark_table(benchmark_of(truth["column"]).name)]
    if truth["source"] == "surrogate":
        return [rules.importance_predict.output.table.format(space=space)]
    return trained(truth["sets"])


def truth_args(truth, files):
    """The CLI options of a ground truth (cellprobe.cli.common.add_truth_options) over its files."""
    if truth["source"] == "benchmark":
        return f"--benchmark {files[0]} --column {truth['column']}"
    if truth["source"] == "surrogate":
        return f"--predicted {files[0]} --predicted-sets {' '.join(truth['sets'])}"
    return f"--train {' '.join(files)} --metric {truth['metric']}"


def as_json(value):
    return json.dumps(value, sort_keys=True)
