import pytest
import yaml

from cellprobe.config import apply_preset, load_params, load_schema, validate_params
from cellprobe.errors import ParamsError


@pytest.fixture(scope="module")
def schema(root):
    return load_schema(root / "workflow" / "schemas" / "params.schema.yaml")


@pytest.fixture(scope="module")
def params(root):
    return yaml.safe_load((root / "params.yaml").read_text())


def test_shipped_params_are_valid(root, params, schema):
    validated = validate_params(params, schema)

    def kept(given, filled):  # every value given in params.yaml survives validation unchanged
        if isinstance(given, dict):
            return all(k in filled and kept(v, filled[k]) for k, v in given.items())
        return given == filled

    assert kept(params, validated)
    assert load_params(root / "params.yaml", root / "workflow/schemas/params.schema.yaml")["base"]["seed"] == 0


def test_defaults_are_filled_in(schema):
    filled = validate_params({}, schema)
    assert filled["base"] == {"results": "results", "prepared": "data/prepared", "seed": 0, "device": "auto"}
    assert filled["report"]["nb201_top_k"] == 10
    assert filled["benchmarks"]["nb201"]["source"].endswith("nb201_test_accuracy.csv")


def test_every_schema_property_is_documented(schema):
    from cellprobe.config import resolve_ref

    def walk(node, path):
        node = resolve_ref(node, schema)
        for key, sub in node.get("properties", {}).items():
            sub = resolve_ref(sub, schema)
            assert "description" in sub or sub.get("type") == "object", f"{path}{key} has no description"
            assert "default" in sub or key in node.get("required", []), f"{path}{key} has no default"
            walk(sub, f"{path}{key}.")

    walk(schema, "")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"base": {"seed": "x"}}, "base.seed: 'x' is not of type 'integer'"),
        ({"base": {"seed": -1}}, "base.seed: -1 is less than the minimum of 0"),
        ({"base": {"device": "tpu"}}, "base.device: 'tpu' is not one of ['auto', 'cpu', 'cuda']"),
        ({"reprot": {}}, "(top level): Additional properties are not allowed ('reprot' was unexpected)"),
        ({"report": {"nb201_top_k": 0}}, "report.nb201_top_k: 0 is less than the minimum of 1"),
    ],
)
def test_invalid_params_give_one_line(schema, change, message):
    with pytest.raises(ParamsError) as info:
        validate_params(change, schema)
    assert str(info.value) == message


def test_params_file_errors(tmp_path, root):
    schema = root / "workflow/schemas/params.schema.yaml"
    with pytest.raises(ParamsError, match="params file not found"):
        load_params(tmp_path / "missing.yaml", schema)
    bad = tmp_path / "params.yaml"
    bad.write_text("base:\n  seed: [1\n")
    with pytest.raises(ParamsError, match=r"invalid YAML \(line \d+, column \d+\)"):
        load_params(bad, schema)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ParamsError, match="expected a mapping of stage groups, got list"):
        load_params(bad, schema)


def test_prep_entries_name_a_known_dataset(schema, params):
    from cellprobe.data import DATASET_NAMES

    enum = schema["properties"]["prep"]["properties"]["datasets"]["additionalProperties"]["properties"]["dataset"]["enum"]
    assert sorted(enum) == sorted(DATASET_NAMES)  # the schema's list is the library's
    entry = {"dataset": "cifar10-jpeg", "seed": 0, "options": {"file": "data/images/cifar10_jpeg_subset.parquet"}}
    renamed = params | {"prep": {"datasets": params["prep"]["datasets"] | {"cifar-small": entry}}}
    validate_params(renamed, schema)  # any name, with its dataset: key
    unnamed = params | {"prep": {"datasets": params["prep"]["datasets"] | {"cifar-small": {"seed": 0}}}}
    with pytest.raises(ParamsError, match="prep.datasets.cifar-small: no dataset 'cifar-small'"):
        validate_params(unnamed, schema)


def test_a_search_space_or_method_may_name_its_own_prepared_dataset(schema, params):
    search = params["search"]
    space = next(iter(search["spaces"]))
    method = search["runs"][space][0]
    known = next(iter(params["prep"]["datasets"]))
    own = params | {"search": search | {"spaces": search["spaces"] | {space: search["spaces"][space] | {"dataset": known}}}}
    validate_params(own, schema)
    missing = params | {"search": search | {"overrides": {f"{space}/{method}": {"dataset": "no-such-data"}}}}
    with pytest.raises(ParamsError, match=f"search.overrides.{space}/{method}.dataset: 'no-such-data' is not a prepared"):
        validate_params(missing, schema)


def test_a_search_space_or_method_may_name_its_own_scoring_fractions(schema, params):
    search = params["search"]
    space = next(iter(search["spaces"]))
    method = search["runs"][space][0]
    own = params | {"search": search | {"overrides": {f"{space}/{method}": {"at": [1.0]}}}}
    validate_params(own, schema)
    for bad in ([], [0.0], [1.5], "1.0", [True]):
        wrong = params | {"search": search | {"overrides": {f"{space}/{method}": {"at": bad}}}}
        with pytest.raises(ParamsError, match=f"search.overrides.{space}/{method}.at: give a non-empty list"):
            validate_params(wrong, schema)


def _with_search(params, **changes):
    return params | {"search": params["search"] | changes}


def test_search_variants_are_runs_of_their_method(schema, params):
    runs = params["search"]["runs"] | {"nb201": ["spos", "spos-wide"]}
    good = {"spos-wide": {"method": "spos", "experiment": "width", "C": 16, "epochs": 2}}
    validate_params(_with_search(params, runs=runs, variants=good), schema)
    validate_params(apply_preset(params | {"preset": "cifar10-proxy"}), schema)  # the proxy-size experiment
    cases = [
        (runs | {"nb201": ["spos-narrow"]}, good, "search.runs.nb201: 'spos-narrow' is neither a method"),
        (runs, {"spos-wide": {"method": "spos", "lr": 0.1}}, r"search.variants.spos-wide: unknown setting\(s\) \['lr'\]"),
        (runs | {"nb201": ["spos"]}, {"spos": {"method": "spos-mc3"}}, "search.variants.spos: a variant needs a name of its own"),
        (runs, {"spos-wide": {"C": 16}}, "'method' is a required property"),
        (runs | {"darts": ["deiso-darts"]}, {"deiso-darts": {"method": "spos-deiso"}},
         "search.runs.darts: 'deiso-darts' samples one cell per isomorphism class"),
        (runs | {"darts": ["spos-deiso"]}, good, "search.runs.darts: 'spos-deiso' samples one cell per isomorphism"),
        (runs, {"spos-wide": {"method": "spos", "dataset": "no-such-data"}},
         "search.variants.spos-wide.dataset: 'no-such-data' is not a prepared"),
    ]
    for bad_runs, variants, message in cases:
        with pytest.raises(ParamsError, match=message):
            validate_params(_with_search(params, runs=bad_runs, variants=variants), schema)


def test_the_zero_cost_reference_needs_its_batch_and_its_files(schema, params):
    evaluators, benchmarks = params["evaluators"], params["benchmarks"]
    reference = evaluators["reference"]
    assert set(reference["spaces"]) <= set(benchmarks["zero_cost"])
    no_data = params | {"evaluators": evaluators | {"reference": reference | {"dataset": "no-such-data"}}}
    with pytest.raises(ParamsError, match="evaluators.reference.dataset: 'no-such-data' is not a prepared"):
        validate_params(no_data, schema)
    space = next(iter(reference["spaces"]))
    no_file = params | {"benchmarks": benchmarks | {"zero_cost": {k: v for k, v in benchmarks["zero_cost"].items()
                                                                   if k != space}}}
    with pytest.raises(ParamsError, match=f"evaluators.reference.spaces.{space}: benchmarks.zero_cost has no file"):
        validate_params(no_file, schema)
    for bad in ({"archs": 2, "preset": "standard"}, {"archs": 10, "preset": "huge"}, {"archs": "most", "preset": "tiny"},
                {"archs": 10}):
        wrong = params | {"evaluators": evaluators | {"reference": reference | {"spaces": {space: bad}}}}
        with pytest.raises(ParamsError, match=f"evaluators.reference.spaces.{space}"):
            validate_params(wrong, schema)


def test_the_cluster_preset_runs_enas_rnn_at_the_papers_scale(params):
    from cellprobe.config import controller_spec
    from cellprobe.search.controller_settings import ControllerSettings

    proxy = apply_preset(params | {"preset": "cifar10-proxy"})
    spec = controller_spec(proxy["controller"], "enas-rnn")
    assert spec["dataset"] == "wikitext-word" and spec["dataset"] in proxy["prep"]["datasets"]
    assert proxy["prep"]["datasets"]["wikitext-word"]["options"]["level"] == "word"
    s = ControllerSettings.from_dict(spec["settings"])
    # Adam & Lorraine: store 1,000 cells per epoch after epoch 5 up to 10,000, replace 100 once full, and from
    # epoch 10 reconstruct 100 stored cells
    assert (s.buffer_start_epoch, s.buffer_per_epoch, s.buffer_capacity, s.buffer_replace, s.recon_start_epoch,
            s.recon_batch) == (5, 1000, 10000, 100, 10, 100)
    assert s.lm.epochs == 150 and s.lm.bptt == 35 and s.controller_steps == 2000
    assert spec["analysis"]["n_archs"] >= 100 and spec["analysis"]["ged"] == "exact"
    # the default stays at CPU scale
    default = controller_spec(params["controller"], "enas-rnn")
    assert default["dataset"] == "wikitext-char" and ControllerSettings.from_dict(default["settings"]).lm.epochs <= 3
