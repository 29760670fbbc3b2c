"""Every artifact's Parquet schema, and the one way to write and read them.

Each table is declared once as a :class:`TableSchema` (name, version, typed fields). The schema's
name and version are stored in the Parquet file's metadata, so a reader knows exactly what it holds.

* :func:`write_table` refuses undeclared, missing and mistyped columns and nulls in non-nullable
  columns, and writes atomically (temporary file in the same folder, then rename): a failed write
  leaves no partial file and an older file, if any, untouched.
* :func:`read_table` checks that the file is readable Parquet, was written under the expected schema
  and version, and has the declared columns and types; any problem is one :class:`TableError` line.

>>> import pandas as pd, tempfile, os
>>> demo = TableSchema("demo", 1, (pa.field("x", pa.int64(), nullable=False),), "a demo table")
>>> path = os.path.join(tempfile.mkdtemp(), "demo.parquet")
>>> _ = write_table(pd.DataFrame({"x": [1, 2]}), path, demo)
>>> read_frame(path, demo)["x"].tolist()
[1, 2]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cellprobe.errors import TableError
from cellprobe.io import atomic_output
from cellprobe.registry import Registry


_KEY_NAME = b"cellprobe.schema"
_KEY_VERSION = b"cellprobe.schema_version"
_KEY_META = b"cellprobe.metadata"


@dataclass(frozen=True)
class TableSchema:
    """A declared table: ``name`` and ``version`` identify it, ``fields`` type its columns."""

    name: str
    version: int
    fields: tuple[pa.Field, ...]
    description: str = ""

    def __post_init__(self):
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"schema {self.name!r} declares a column twice")
        if not isinstance(self.version, int) or self.version < 1:
            raise ValueError(f"schema {self.name!r}: version must be a positive integer")

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def arrow_schema(self, metadata: dict | None = None) -> pa.Schema:
        meta = {_KEY_NAME: self.name.encode(), _KEY_VERSION: str(self.version).encode()}
        if metadata:
            meta[_KEY_META] = json.dumps(metadata, sort_keys=True).encode()
        return pa.schema(list(self.fields), metadata=meta)


SCHEMAS: Registry = Registry("table schema", TableError)


def register(schema: TableSchema) -> TableSchema:
    """Add a schema to :data:`SCHEMAS`; a second schema of the same name is refused."""
    return SCHEMAS.add(schema.name, schema)


def get_schema(name: str) -> TableSchema:
    return SCHEMAS.lookup(name)


# -- type checks -------------------------------------------------------------------------------------------


def _compatible(actual: pa.DataType, declared: pa.DataType, n_rows: int) -> bool:
    """Whether a column inferred as ``actual`` may be stored as ``declared`` without loss of meaning."""
    if actual == declared or n_rows == 0:
        return True
    if pa.types.is_null(actual):  # an all-null or empty column: nullability is checked separately
        return True
    if pa.types.is_integer(declared):
        return pa.types.is_integer(actual)  # value range checked by a safe cast
    if pa.types.is_floating(declared):
        return pa.types.is_integer(actual) or pa.types.is_floating(actual)
    if pa.types.is_string(declared) or pa.types.is_large_string(declared):
        return pa.types.is_string(actual) or pa.types.is_large_string(actual)
    if pa.types.is_list(declared) and pa.types.is_list(actual):
        return _compatible(actual.value_type, declared.value_type, n_rows)
    return False


def _to_arrow(data, schema: TableSchema, where: str) -> pa.Table:
    if isinstance(data, pd.DataFrame):
        if data.columns.duplicated().any():
            raise TableError(f"{where}: duplicate column names {sorted(set(data.columns[data.columns.duplicated()]))}")
        try:
            table = pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise TableError(f"{where}: cannot convert to Arrow: {exc}") from None
    elif isinstance(data, pa.Table):
        table = data
    else:
        raise TableError(f"{where}: expected a pandas DataFrame or a pyarrow Table, got {type(data).__name__}")

    present = set(table.column_names)
    undeclared = [c for c in table.column_names if c not in schema.columns]
    if undeclared:
        raise TableError(f"{where}: undeclared column(s) {undeclared} for table {schema.name!r} v{schema.version}")
    missing = [c for c in schema.columns if c not in present]
    if missing:
        raise TableError(f"{where}: missing column(s) {missing} for table {schema.name!r} v{schema.version}")

    arrays = []
    for f in schema.fields:
        column = table.column(f.name)
        if not _compatible(column.type, f.type, table.num_rows):
            raise TableError(f"{where}: column {f.name!r} has type {column.type}, schema {schema.name!r} declares {f.type}")
        if not f.nullable and column.null_count:
            raise TableError(f"{where}: column {f.name!r} has {column.null_count} null value(s) but is not nullable")
        try:
            arrays.append(column.cast(f.type, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise TableError(f"{where}: column {f.name!r} does not fit {f.type}: {exc}") from None
    return pa.Table.from_arrays(arrays, schema=schema.arrow_schema())


# -- write / read ---------------------------------------------------------------------------------------------


def write_table(data, path, schema: TableSchema, metadata: dict | None = None) -> Path:
    """Validate ``data`` against ``schema`` and write it to ``path`` atomically.

    ``metadata`` (JSON-serialisable) is stored with the table, e.g. the seed or the split recipe.
    Returns the path written.
    """
    path = Path(path)
    table = _to_arrow(data, schema, str(path))
    try:
        table = table.replace_schema_metadata(schema.arrow_schema(metadata).metadata)
    except TypeError as exc:
        raise TableError(f"{path}: metadata is not JSON-serialisable: {exc}") from None
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)
    return path


def _open_schema(path: Path) -> pa.Schema:
    if not path.exists():
        raise TableError(f"{path}: file not found")
    if not path.is_file():
        raise TableError(f"{path}: not a file")
    try:
        return pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None


def read_table(path, schema: TableSchema) -> pa.Table:
    """Read ``path`` and check that it holds ``schema``'s table, of the same version, with its columns."""
    path = Path(path)
    found = _open_schema(path)
    meta = found.metadata or {}
    name = meta.get(_KEY_NAME, b"").decode()
    version = meta.get(_KEY_VERSION, b"").decode()
    if not name:
        raise TableError(f"{path}: not a cellprobe table (no schema tag); expected {schema.name!r} v{schema.version}")
    if name != schema.name:
        raise TableError(f"{path}: holds table {name!r} v{version}, expected {schema.name!r}")
    if version != str(schema.version):
        raise TableError(
            f"{path}: written under {name!r} v{version}, this cellprobe reads v{schema.version}; "
            "rerun the stage that makes it"
        )
    for f in schema.fields:
        if f.name not in found.names:
            raise TableError(f"{path}: column {f.name!r} is missing (table {name!r} v{version})")
        if found.field(f.name).type != f.type:
            raise TableError(f"{path}: column {f.name!r} is {found.field(f.name).type}, schema declares {f.type}")
    extra = [n for n in found.names if n not in schema.columns]
    if extra:
        raise TableError(f"{path}: undeclared column(s) {extra} in table {name!r} v{version}")
    try:
        return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableError(f"{path}: corrupt Parquet data ({str(exc).splitlines()[0]})") from None


def read_frame(path, schema: TableSchema) -> pd.DataFrame:
    """:func:`read_table` as a pandas DataFrame (without the Arrow metadata)."""
    return read_table(path, schema).to_pandas()


def read_frames(paths, schema: TableSchema) -> pd.DataFrame | None:
    """The tables at ``paths`` (each checked as by :func:`read_table`) as one DataFrame; ``None`` for no paths."""
    paths = list(paths)
    return pd.concat([read_frame(p, schema) for p in paths], ignore_index=True) if paths else None


def read_metadata(path) -> dict:
    """The metadata dict stored by :func:`write_table` (empty if none)."""
    meta = _open_schema(Path(path)).metadata or {}
    raw = meta.get(_KEY_META)
    return json.loads(raw) if raw else {}


# -- the declared tables ---------------------------------------------------------------------------------------

NB201_BENCHMARK = register(
    TableSchema(
        "nb201_benchmark",
        1,
        (
            pa.field("index", pa.int32(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("arch_str", pa.string(), nullable=False),
            pa.field("canonical_key", pa.string(), nullable=False),
            pa.field("reachable", pa.bool_(), nullable=False),
            pa.field("cifar10_test_acc", pa.float64(), nullable=False),
            pa.field("cifar100_test_acc", pa.float64(), nullable=False),
            pa.field("imagenet16_120_test_acc", pa.float64(), nullable=False),
        ),
        "NAS-Bench-201 test accuracies (%) of all 15,625 cells, in the benchmark's index order, "
        "with each cell's isomorphism key and whether its output is reachable.",
    )
)

NB301_BENCHMARK = register(
    TableSchema(
        "nb301_benchmark",
        1,
        (
            pa.field("naslib_idx", pa.int32(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("cifar10_val_acc", pa.float64(), nullable=False),
        ),
        "NAS-Bench-301 CIFAR-10 validation accuracies (%) of a sample of DARTS-space architectures (compact "
        "genotype strings, unique arch_id), sorted by arch_id; where they come from in the metadata.",
    )
)

IMAGE_SPLIT = register(
    TableSchema(
        "image_split",
        1,
        (
            pa.field("source_index", pa.int32(), nullable=False),
            pa.field("image", pa.binary(), nullable=False),
            pa.field("label", pa.int16(), nullable=False),
        ),
        "One split (train/valid/test) of a prepared image dataset: each row one image as raw C×H×W bytes "
        "(dtype, shape, normalisation, split seed and corruption recipe in the table metadata).",
    )
)

TOKEN_SPLIT = register(
    TableSchema(
        "token_split",
        1,
        (pa.field("token", pa.int32(), nullable=False),),
        "One split (train/valid/test) of a prepared text corpus: each row one token, as its index into the "
        "vocabulary the metadata holds (with the level, word or char, the sizes and the source files' SHA-256).",
    )
)

CIFAR10_JPEG = register(
    TableSchema(
        "cifar10_jpeg",
        1,
        (
            pa.field("split", pa.string(), nullable=False),
            pa.field("index", pa.int32(), nullable=False),
            pa.field("label", pa.int8(), nullable=False),
            pa.field("class_name", pa.string(), nullable=False),
            pa.field("file", pa.string(), nullable=False),
            pa.field("jpeg", pa.binary(), nullable=False),
        ),
        "CIFAR-10 images as JPEG files: the official split (train/test), the position within it, the label "
        "(CIFAR-10's class order) and its name, the source file's path and its bytes (provenance in the metadata).",
    )
)

SAMPLE_SET = register(
    TableSchema(
        "sample_set",
        1,
        (
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("space", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("sampler", pa.string(), nullable=False),
            pa.field("seed", pa.int64(), nullable=False),
        ),
        "A named set of architectures drawn by one sampler (compact genotype strings, unique arch_id).",
    )
)

TRAIN_RESULT = register(
    TableSchema(
        "train_result",
        2,
        (
            pa.field("sample", pa.string(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("space", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("sampler", pa.string(), nullable=False),
            pa.field("dataset", pa.string(), nullable=False),
            pa.field("seed", pa.int64(), nullable=False),
            pa.field("epochs", pa.int32(), nullable=False),
            pa.field("train_acc", pa.float64(), nullable=False),
            pa.field("train_loss", pa.float64(), nullable=False),
            pa.field("valid_acc", pa.float64(), nullable=False),
            pa.field("valid_loss", pa.float64(), nullable=False),
            pa.field("test_acc", pa.float64(), nullable=False),
            pa.field("test_loss", pa.float64(), nullable=False),
            pa.field("params_m", pa.float64(), nullable=False),
            pa.field("flops_m", pa.float64(), nullable=False),
            pa.field("device", pa.string(), nullable=False),
        ),
        "One architecture trained from scratch with one seed: accuracies (%) and mean cross-entropy losses "
        "after the last epoch and size (M params, M multiply-accumulates). Timings are not results: each job's "
        "are in its Snakemake benchmark file.",
    )
)

_SEARCH_KEYS = (
    pa.field("space", pa.string(), nullable=False),
    pa.field("method", pa.string(), nullable=False),
    pa.field("seed", pa.int64(), nullable=False),
)

SEARCH_TRAJECTORY = register(
    TableSchema(
        "search_trajectory",
        1,
        (
            *_SEARCH_KEYS,
            pa.field("epoch", pa.int32(), nullable=False),
            pa.field("cell", pa.string(), nullable=False),
            pa.field("edge", pa.int32(), nullable=False),
            pa.field("source", pa.int32(), nullable=False),
            pa.field("target", pa.int32(), nullable=False),
            pa.field("op", pa.string(), nullable=False),
            pa.field("alpha", pa.float64(), nullable=True),
            pa.field("prob", pa.float64(), nullable=False),
            pa.field("cost_mean", pa.float64(), nullable=True),
            pa.field("cost_var", pa.float64(), nullable=True),
            pa.field("cost_mean_correct", pa.float64(), nullable=True),
            pa.field("cost_mean_wrong", pa.float64(), nullable=True),
            pa.field("cost_running_mean", pa.float64(), nullable=True),
        ),
        "Wiring evolution of one search: per epoch (0 = before any update), cell type, edge and op, α (null when the "
        "method learns none), the op probability and the edge cost C(Z) = Σ ∂L/∂X·X on validation samples "
        "(mean, variance, mean over correctly and wrongly classified samples, running mean over epochs).",
    )
)

SEARCH_HISTORY = register(
    TableSchema(
        "search_history",
        2,
        (
            *_SEARCH_KEYS,
            pa.field("epoch", pa.int32(), nullable=False),
            pa.field("lr", pa.float64(), nullable=False),
            pa.field("tau", pa.float64(), nullable=True),
            pa.field("train_loss", pa.float64(), nullable=False),
            pa.field("train_acc", pa.float64(), nullable=False),
            pa.field("valid_loss", pa.float64(), nullable=False),
            pa.field("valid_acc", pa.float64(), nullable=False),
        ),
        "Per-epoch supernet losses and accuracies (%) of one search; tau is null for methods without a temperature.",
    )
)

SEARCH_GENOTYPES = register(
    TableSchema(
        "search_genotypes",
        1,
        (
            *_SEARCH_KEYS,
            pa.field("selection", pa.string(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("supernet_valid_acc", pa.float64(), nullable=False),
            pa.field("supernet_valid_loss", pa.float64(), nullable=False),
        ),
        "Architectures selected from one trained supernet (by α magnitude and/or by perturbation), with their "
        "validation accuracy (%) and loss under the shared weights.",
    )
)

SUPERNET_SCORES = register(
    TableSchema(
        "supernet_scores",
        2,
        (
            *_SEARCH_KEYS,
            pa.field("epoch", pa.int64(), nullable=False),
            pa.field("bn_recalibrated", pa.bool_(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("valid_acc", pa.float64(), nullable=False),
            pa.field("valid_loss", pa.float64(), nullable=False),
        ),
        "A trained supernet used as an evaluator: validation accuracy (%) and loss of sub-networks under the shared "
        "weights after a search epoch, with batch-norm statistics of each batch or recalibrated per sub-network.",
    )
)

OPERATOR_IMPORTANCE = register(
    TableSchema(
        "operator_importance",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("group", pa.string(), nullable=False),
            pa.field("score", pa.float64(), nullable=False),
            pa.field("cell", pa.string(), nullable=False),
            pa.field("edge", pa.int64(), nullable=False),
            pa.field("op", pa.string(), nullable=False),
            pa.field("input", pa.int64(), nullable=False),
            pa.field("oi", pa.float64(), nullable=True),
            pa.field("n_neighbours", pa.int64(), nullable=False),
            pa.field("important", pa.bool_(), nullable=False),
        ),
        "Operator importance of every edge of the top/middle/bottom architectures: mean accuracy loss (points) over "
        "the neighbours that change the edge, from a benchmark table or a surrogate (source).",
    )
)

IMPORTANCE_VARIANTS = register(
    TableSchema(
        "importance_variants",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("experiment", pa.string(), nullable=False),
            pa.field("base_arch_id", pa.string(), nullable=False),
            pa.field("variant", pa.string(), nullable=False),
            pa.field("n_disabled", pa.int64(), nullable=False),
            pa.field("disabled", pa.string(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
        ),
        "Architectures derived from good ones: ops disabled in increasing/decreasing OI order (experiment disabling) "
        "and cell ablations (experiment ablation); variant 'original' is the base architecture itself.",
    )
)

IMPORTANCE_RESULTS = register(
    TableSchema(
        "importance_results",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("experiment", pa.string(), nullable=False),
            pa.field("base_arch_id", pa.string(), nullable=False),
            pa.field("variant", pa.string(), nullable=False),
            pa.field("n_disabled", pa.int64(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("acc", pa.float64(), nullable=False),
            pa.field("acc_source", pa.string(), nullable=False),
        ),
        "Accuracy (%) of every importance variant: from-scratch validation accuracy averaged over seeds, or the "
        "benchmark's (acc_source).",
    )
)

IMPORTANCE_TESTS = register(
    TableSchema(
        "importance_tests",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("experiment", pa.string(), nullable=False),
            pa.field("hypothesis", pa.string(), nullable=False),
            pa.field("n", pa.int64(), nullable=False),
            pa.field("mean_difference", pa.float64(), nullable=True),
            pa.field("statistic", pa.float64(), nullable=True),
            pa.field("p_value", pa.float64(), nullable=True),
        ),
        "One-sided Wilcoxon signed-rank tests of the importance experiments (disabling order, cell ablations).",
    )
)

PREDICTOR_EVALUATION = register(
    TableSchema(
        "predictor_evaluation",
        3,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("predictor", pa.string(), nullable=False),
            pa.field("loss", pa.string(), nullable=False),
            pa.field("n_train", pa.int64(), nullable=False),
            pa.field("criterion", pa.string(), nullable=False),
            pa.field("k", pa.float64(), nullable=True),
            pa.field("mean", pa.float64(), nullable=True),
            pa.field("std", pa.float64(), nullable=True),
            pa.field("runs", pa.int64(), nullable=False),
            pa.field("n_scored", pa.int64(), nullable=False),
            pa.field("holdout", pa.bool_(), nullable=False),
        ),
        "The predictor study: predictors trained on n_train random architectures of a benchmark, ranking n_scored "
        "(every architecture, or with holdout the rest of a sampled benchmark) against its accuracy; per criterion "
        "(kendall; precision and best_ranking at the top-K fraction k) the mean ± std over training sets × seeds "
        "(fit and predict times: benchmarks/bench_predictors.py).",
    )
)

SURROGATE_FOLDS = register(
    TableSchema(
        "surrogate_folds",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("predictor", pa.string(), nullable=False),
            pa.field("loss", pa.string(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
            pa.field("fold", pa.int64(), nullable=False),
            pa.field("n_train", pa.int64(), nullable=False),
            pa.field("n_test", pa.int64(), nullable=False),
            pa.field("tau", pa.float64(), nullable=True),
            pa.field("rho", pa.float64(), nullable=True),
        ),
        "The OI surrogate's held-out ranking quality: per cross-validation fold, Kendall τ and Spearman ρ of its "
        "predictions against the ground truth it learns from (source) on the architectures left out.",
    )
)

SURROGATE_PREDICTIONS = register(
    TableSchema(
        "surrogate_predictions",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("set", pa.string(), nullable=False),
            pa.field("sampler", pa.string(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("predicted_acc", pa.float64(), nullable=False),
        ),
        "Sample sets scored by the OI surrogate (a predictor fitted on the space's ground truth): its prediction in "
        "accuracy points, calibrated on its training set. The DARTS-space oracle of the redundancy paper "
        "(NAS-Bench-301): sampler distributions, motifs of the predicted best, supernets ranked against it.",
    )
)

PREDICTOR_SEARCH = register(
    TableSchema(
        "predictor_search",
        2,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("predictor", pa.string(), nullable=False),
            pa.field("loss", pa.string(), nullable=False),
            pa.field("seed", pa.int64(), nullable=False),
            pa.field("method", pa.string(), nullable=False),
            pa.field("stage", pa.int64(), nullable=False),
            pa.field("order", pa.int64(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("predicted", pa.float64(), nullable=True),
            pa.field("acc", pa.float64(), nullable=False),
            pa.field("true_rank", pa.float64(), nullable=True),
            pa.field("best_acc", pa.float64(), nullable=False),
            pa.field("k", pa.float64(), nullable=False),
            pa.field("pool_precision", pa.float64(), nullable=True),
        ),
        "Multi-stage predictor-based search: every architecture the oracle scored, in query order, for the "
        "predictor-guided search (method predictor) and a random search of the same budget (method random); "
        "true_rank is the rank in the candidate pool (1 = best) when the pool's truth is known; pool_precision "
        "the P@K (K = k of the pool) of the predictor fitted at that stage over the whole pool.",
    )
)

# -- evaluators (zero-cost proxies, evaluator scores, ranking criteria) -----------------------------------------


#: The zero-cost proxies (cellprobe.analysis.zero_cost computes them), in the column order of ``zero_cost``;
#: params and flops are counts. The twelve of NAS-Bench-Suite-Zero.
ZERO_COST_PROXIES = ("grad_norm", "snip", "synflow", "jacov", "nwot", "params", "flops",
                     "grasp", "fisher", "l2_norm", "plain", "epe_nas")

ZERO_COST = register(
    TableSchema(
        "zero_cost",
        2,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            *(pa.field(proxy, pa.int64() if proxy in ("params", "flops") else pa.float64(), nullable=False)
              for proxy in ZERO_COST_PROXIES),
            pa.field("computed_for", pa.string(), nullable=False),
            pa.field("preset", pa.string(), nullable=False),
            pa.field("dataset", pa.string(), nullable=False),
            pa.field("batch_size", pa.int64(), nullable=False),
            pa.field("seed", pa.int64(), nullable=False),
        ),
        "Zero-cost proxies of each architecture's untrained network (preset, seed) on one minibatch of batch_size "
        "images of a dataset split (image indices in the metadata); params and flops (multiply-accumulates of one "
        "image) of the same network; computed_for names the isomorphic architecture whose network was scored.",
    )
)

ZERO_COST_BENCHMARK = register(
    TableSchema(
        "zero_cost_benchmark",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("val_acc", pa.float64(), nullable=False),
            *(pa.field(proxy, pa.float64(), nullable=True) for proxy in ZERO_COST_PROXIES),
        ),
        "NAS-Bench-Suite-Zero's zero-cost proxy scores of a sample of architectures (NASLib's networks, one CPU "
        "batch of 64 CIFAR-10 images; null where the file has none) with the benchmark's CIFAR-10 validation "
        "accuracy (%), sorted by arch_id; the source file in the metadata.",
    )
)

ZERO_COST_REFERENCE = register(
    TableSchema(
        "zero_cost_reference",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("proxy", pa.string(), nullable=False),
            pa.field("preset", pa.string(), nullable=False),
            pa.field("batch_size", pa.int64(), nullable=False),
            pa.field("resolution", pa.int64(), nullable=False),
            pa.field("n", pa.int64(), nullable=False),
            pa.field("vs_reference", pa.float64(), nullable=True),
            pa.field("noise_ceiling", pa.float64(), nullable=True),
            pa.field("threshold", pa.float64(), nullable=True),
            pa.field("rule", pa.string(), nullable=False),
            pa.field("agrees", pa.bool_(), nullable=True),
            pa.field("ours_vs_accuracy", pa.float64(), nullable=True),
            pa.field("reference_vs_accuracy", pa.float64(), nullable=True),
            pa.field("reference_vs_accuracy_all", pa.float64(), nullable=True),
            pa.field("n_all", pa.int64(), nullable=False),
            pa.field("published", pa.float64(), nullable=True),
            pa.field("published_source", pa.string(), nullable=False),
        ),
        "Each zero-cost proxy of cellprobe (network preset, batch_size images of resolution² pixels) beside "
        "NAS-Bench-Suite-Zero's on the same n architectures (Spearman correlations): vs_reference between the two scores, noise_ceiling between two cellprobe runs with other "
        "batches and initialisations, agrees = vs_reference >= threshold (the rule); each score's Spearman with the "
        "benchmark's validation accuracy on the n, the reference's over all n_all of its file, and a published "
        "value (|Spearman|, its protocol in published_source) where one exists.",
    )
)

POOL_STUDY = register(
    TableSchema(
        "pool_study",
        1,
        (
            pa.field("question", pa.string(), nullable=False),
            pa.field("role", pa.string(), nullable=False),
            pa.field("evaluator", pa.string(), nullable=False),
            pa.field("on", pa.string(), nullable=False),
            pa.field("seed", pa.int64(), nullable=False),
            pa.field("bn_recalibrated", pa.bool_(), nullable=False),
            pa.field("epoch", pa.int64(), nullable=False),
            pa.field("n", pa.int64(), nullable=False),
            pa.field("kendall", pa.float64(), nullable=True),
            pa.field("precision_5", pa.float64(), nullable=True),
            pa.field("best_ranking_1", pa.float64(), nullable=True),
            pa.field("paper_kendall", pa.float64(), nullable=True),
            pa.field("paper_best_ranking_1", pa.float64(), nullable=True),
        ),
        "The evaluator surgery's questions about a pool of cells (cellprobe.analysis.pool_study): each evaluator "
        "(role: the whole-space supernet, the supernet trained on the pool only, a predictor fitted on the "
        "whole-space supernet's scores of the pool) on the pool or on the rest of the scored cells, per seed and "
        "batch-norm mode at the last scored epoch: Kendall tau, P@5% and BR@1% against the ground truth, beside "
        "the paper's NB201 figures where it gives them.",
    )
)

EVALUATOR_SCORES = register(
    TableSchema(
        "evaluator_scores",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("evaluator", pa.string(), nullable=False),
            pa.field("seed", pa.int64(), nullable=True),
            pa.field("epoch", pa.int64(), nullable=True),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("score", pa.float64(), nullable=False),
            pa.field("flops_m", pa.float64(), nullable=True),
        ),
        "Architectures scored by evaluators (kind supernet, predictor or zero_cost; higher = better), one instance "
        "per (evaluator, seed, epoch), with the FLOPs (M multiply-accumulates) used to group them.",
    )
)

_EVALUATOR_KEYS = (
    pa.field("space", pa.string(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),
    pa.field("evaluator", pa.string(), nullable=False),
    pa.field("seed", pa.int64(), nullable=True),
    pa.field("epoch", pa.int64(), nullable=True),
    pa.field("deiso", pa.bool_(), nullable=False),
)

EVALUATOR_CRITERIA = register(
    TableSchema(
        "evaluator_criteria",
        1,
        (
            *_EVALUATOR_KEYS,
            pa.field("criterion", pa.string(), nullable=False),
            pa.field("k", pa.float64(), nullable=True),
            pa.field("value", pa.float64(), nullable=True),
            pa.field("n", pa.int64(), nullable=False),
        ),
        "Ranking criteria of each evaluator instance against the ground truth over n architectures: correlations "
        "(k null), top-K criteria (k = fraction of the set), isomorphism spread (NB201); deiso = scores averaged "
        "within isomorphism classes first.",
    )
)

FLOPS_GROUPS = register(
    TableSchema(
        "flops_groups",
        1,
        (
            *_EVALUATOR_KEYS,
            pa.field("group", pa.int64(), nullable=False),
            pa.field("flops_m_min", pa.float64(), nullable=False),
            pa.field("flops_m_max", pa.float64(), nullable=False),
            pa.field("n", pa.int64(), nullable=False),
            pa.field("rank_diff", pa.float64(), nullable=False),
            pa.field("kendall_tau", pa.float64(), nullable=True),
        ),
        "Each evaluator instance per FLOPs group (0 = fewest FLOPs): mean true − predicted rank over the whole set, "
        "divided by its size (positive = ranked better than it is), and Kendall τ within the group.",
    )
)

# -- motifs (frequent subgraphs of top cells and their over-representation) ------------------------------------


MOTIFS = register(
    TableSchema(
        "motifs",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("set", pa.string(), nullable=False),
            pa.field("cells", pa.string(), nullable=False),
            pa.field("encoding", pa.string(), nullable=False),
            pa.field("motif_id", pa.string(), nullable=False),
            pa.field("pattern", pa.string(), nullable=False),
            pa.field("n_vertices", pa.int64(), nullable=False),
            pa.field("n_edges", pa.int64(), nullable=False),
            pa.field("support", pa.float64(), nullable=False),
            pa.field("support_count", pa.int64(), nullable=False),
            pa.field("n_cells", pa.int64(), nullable=False),
            pa.field("reference", pa.string(), nullable=False),
            pa.field("reference_size", pa.int64(), nullable=False),
            pa.field("reference_count", pa.int64(), nullable=False),
            pa.field("reference_incidence", pa.float64(), nullable=False),
            pa.field("enrichment", pa.float64(), nullable=True),
            pa.field("odds_ratio", pa.float64(), nullable=False),
            pa.field("odds_ratio_low", pa.float64(), nullable=False),
            pa.field("odds_ratio_high", pa.float64(), nullable=False),
            pa.field("p_value", pa.float64(), nullable=False),
            pa.field("q_value", pa.float64(), nullable=False),
            pa.field("rank", pa.int64(), nullable=False),
        ),
        "Frequent connected subgraphs (gSpan) of the cells of a set of architectures (e.g. the top 5%), one row per "
        "motif and reference: support (share of the set's n_cells cells holding it, non-induced), its incidence in "
        "the reference (random: a seeded random set of cells of the space; subgraphs: random same-size subgraphs of "
        "the same cells, found in another of them), enrichment = support / incidence (inf when the incidence is 0), "
        "sample odds ratio with a 95% Woolf interval, one-sided Fisher exact p, Benjamini–Hochberg q over the "
        "motifs of the reference, and rank (1 = most significant). pattern is the canonical pattern string.",
    )
)

MOTIF_OCCURRENCES = register(
    TableSchema(
        "motif_occurrences",
        1,
        (
            pa.field("space", pa.string(), nullable=False),
            pa.field("set", pa.string(), nullable=False),
            pa.field("motif_id", pa.string(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("cell", pa.string(), nullable=False),
        ),
        "Where each mined motif occurs: one row per (motif, architecture, cell) of the mined set.",
    )
)

# -- controller stage (ENAS controller and its analysis) -------------------------------------------------------

_CONTROLLER_KEYS = (
    pa.field("space", pa.string(), nullable=False),
    pa.field("variant", pa.string(), nullable=False),
    pa.field("seed", pa.int64(), nullable=False),
)

CONTROLLER_HISTORY = register(
    TableSchema(
        "controller_history",
        3,
        (
            *_CONTROLLER_KEYS,
            pa.field("epoch", pa.int32(), nullable=False),
            pa.field("lr", pa.float64(), nullable=False),
            pa.field("shared_loss", pa.float64(), nullable=False),
            pa.field("shared_acc", pa.float64(), nullable=True),
            pa.field("shared_ppl", pa.float64(), nullable=True),
            pa.field("reward_acc_mean", pa.float64(), nullable=True),
            pa.field("reward_acc_std", pa.float64(), nullable=True),
            pa.field("reward_ppl_mean", pa.float64(), nullable=True),
            pa.field("reward_ppl_std", pa.float64(), nullable=True),
            pa.field("reward_mean", pa.float64(), nullable=False),
            pa.field("baseline", pa.float64(), nullable=False),
            pa.field("entropy_mean", pa.float64(), nullable=False),
            pa.field("log_prob_mean", pa.float64(), nullable=False),
            pa.field("policy_loss", pa.float64(), nullable=False),
            pa.field("recon_loss", pa.float64(), nullable=True),
            pa.field("buffer_size", pa.int64(), nullable=False),
            pa.field("distinct_archs", pa.int64(), nullable=False),
        ),
        "Per-epoch record of one ENAS controller run: the shared weights' training loss and accuracy (%, image spaces) "
        "or perplexity (text spaces) on sampled cells, the sampled cells' validation accuracy (%) or perplexity under "
        "them (the reward before the entropy bonus: accuracy / 100, or c / perplexity; the other kind null), mean reward, "
        "EMA baseline, mean entropy and log-probability per architecture (nats), policy loss, reconstruction loss "
        "(regularised variant, null otherwise), buffer size and distinct architectures sampled.",
    )
)

CONTROLLER_ARCHITECTURES = register(
    TableSchema(
        "controller_architectures",
        2,
        (
            *_CONTROLLER_KEYS,
            pa.field("sample", pa.int64(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("log_prob", pa.float64(), nullable=False),
            pa.field("entropy", pa.float64(), nullable=False),
            pa.field("benchmark_acc", pa.float64(), nullable=True),
            pa.field("supernet_acc", pa.float64(), nullable=True),
            pa.field("supernet_ppl", pa.float64(), nullable=True),
        ),
        "Architectures sampled from a trained controller: log-probability and summed step entropy, accuracy (%) from "
        "the NB201 benchmark (null for DARTS or without a benchmark) and under the controller's shared weights "
        "(image spaces), validation perplexity under the shared language model (text spaces).",
    )
)

CONTROLLER_STEP_PROBS = register(
    TableSchema(
        "controller_step_probs",
        1,
        (
            *_CONTROLLER_KEYS,
            pa.field("sample", pa.int64(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("step", pa.int32(), nullable=False),
            pa.field("cell", pa.string(), nullable=False),
            pa.field("node", pa.int32(), nullable=False),
            pa.field("edge", pa.int32(), nullable=False),
            pa.field("decision", pa.string(), nullable=False),
            pa.field("choice", pa.string(), nullable=False),
            pa.field("argmax_prob", pa.float64(), nullable=False),
            pa.field("chosen_prob", pa.float64(), nullable=False),
            pa.field("entropy", pa.float64(), nullable=False),
        ),
        "Per sampled architecture and controller time step: the decision (op or input of a cell's edge), the choice "
        "made, the probability of the most likely action, of the chosen one, and the step's entropy (nats).",
    )
)

CONTROLLER_HIDDEN = register(
    TableSchema(
        "controller_hidden",
        1,
        (
            *_CONTROLLER_KEYS,
            pa.field("sample", pa.int64(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("unit", pa.int32(), nullable=False),
            pa.field("value", pa.float64(), nullable=False),
        ),
        "The controller's final hidden state (LSTM output after the last decision) of each sampled architecture, "
        "one row per hidden unit.",
    )
)

CONTROLLER_HIDDEN_VARIANCE = register(
    TableSchema(
        "controller_hidden_variance",
        1,
        (
            *_CONTROLLER_KEYS,
            pa.field("unit", pa.int32(), nullable=False),
            pa.field("mean", pa.float64(), nullable=False),
            pa.field("variance", pa.float64(), nullable=False),
            pa.field("n", pa.int64(), nullable=False),
        ),
        "Per hidden unit: mean and variance (ddof 1) of the final hidden state across n sampled architectures.",
    )
)

CONTROLLER_PAIRS = register(
    TableSchema(
        "controller_pairs",
        1,
        (
            *_CONTROLLER_KEYS,
            pa.field("sample_a", pa.int64(), nullable=False),
            pa.field("sample_b", pa.int64(), nullable=False),
            pa.field("arch_id_a", pa.string(), nullable=False),
            pa.field("arch_id_b", pa.string(), nullable=False),
            pa.field("hidden_distance", pa.float64(), nullable=False),
            pa.field("common_ops", pa.int64(), nullable=False),
            pa.field("common_connections", pa.int64(), nullable=False),
            pa.field("graph_edit_distance", pa.float64(), nullable=False),
            pa.field("ged_exact", pa.bool_(), nullable=False),
            pa.field("perf_difference", pa.float64(), nullable=True),
        ),
        "A seeded sample of pairs of sampled architectures: L2 distance of their final hidden states, common ops, "
        "common connections, graph edit distance (exact unless ged_exact is false: timeout) and absolute performance "
        "difference (accuracy points, or perplexity for text spaces; null without a performance source). For "
        "enas-rnn, common_ops counts the nodes with the same activation.",
    )
)

CONTROLLER_CORRELATIONS = register(
    TableSchema(
        "controller_correlations",
        2,
        (
            *_CONTROLLER_KEYS,
            pa.field("similarity", pa.string(), nullable=False),
            pa.field("n_pairs", pa.int64(), nullable=False),
            pa.field("spearman_rho", pa.float64(), nullable=True),
            pa.field("p_value", pa.float64(), nullable=True),
            pa.field("ci_low", pa.float64(), nullable=True),
            pa.field("ci_high", pa.float64(), nullable=True),
            pa.field("detail", pa.string(), nullable=False),
        ),
        "Spearman correlation between the hidden-state distance and each similarity notion over the sampled pairs, "
        "with a 95 % percentile-bootstrap interval over the pairs (null where undefined: too few pairs or a constant "
        "side). The first notion is common_ops, or common_activations for enas-rnn.",
    )
)


CONTROLLER_RETRAINED = register(
    TableSchema(
        "controller_retrained",
        1,
        (
            *_CONTROLLER_KEYS,
            pa.field("sample", pa.int64(), nullable=False),
            pa.field("arch_id", pa.string(), nullable=False),
            pa.field("genotype", pa.string(), nullable=False),
            pa.field("shared_ppl", pa.float64(), nullable=False),
            pa.field("epochs", pa.int32(), nullable=False),
            pa.field("valid_ppl", pa.float64(), nullable=False),
            pa.field("test_ppl", pa.float64(), nullable=False),
        ),
        "Cells sampled from each controller of a text space, retrained alone from scratch: their validation "
        "perplexity under the controller's shared weights, then the validation and test perplexity of the cell "
        "trained for `epochs` epochs on fresh weights.",
    )
)


FINDINGS = register(
    TableSchema(
        "findings",
        1,
        (
            pa.field("claim_id", pa.string(), nullable=False),
            pa.field("paper", pa.string(), nullable=False),
            pa.field("claim", pa.string(), nullable=False),
            pa.field("paper_figure", pa.string(), nullable=False),
            pa.field("run_figure", pa.string(), nullable=False),
            pa.field("n", pa.int64(), nullable=True),
            pa.field("rule", pa.string(), nullable=False),
            pa.field("verdict", pa.string(), nullable=False),
            pa.field("evidence", pa.string(), nullable=False),
        ),
        "One row per headline claim of the reproduced papers: the paper's figure, this run's figure and sample size "
        "(null: not measured), the rule applied and its verdict (reproduced, contradicted, inconclusive at this "
        "scale), and the tables it read (cellprobe.findings).",
    )
)

#: The public names: the helpers and one constant per registered schema (named as the schema, upper-cased).
__all__ = ["ZERO_COST_PROXIES", "TableSchema", "SCHEMAS", "register", "get_schema", "write_table", "read_table",
           "read_frame", "read_frames", "read_metadata", *(name.upper() for name in SCHEMAS)]
