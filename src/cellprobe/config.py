"""Loading and validating ``params.yaml`` against its JSON Schema (defaults filled in).

Validation errors are one line naming the offending key, e.g.
``base.seed: 'x' is not of type 'integer'``.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import jsonschema
import yaml

from cellprobe.errors import ParamsError

__all__ = ["load_schema", "validate_params", "load_params", "check_references", "apply_preset", "merge", "resolve_ref",
           "controller_spec"]


def _read_yaml(path: Path, what: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise ParamsError(f"{path}: {what} not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamsError(f"{path}: invalid YAML{where}: {problem}") from None


def load_schema(path) -> dict:
    schema = _read_yaml(Path(path), "params schema")
    if not isinstance(schema, dict):
        raise ParamsError(f"{path}: a JSON Schema must be a mapping")
    return schema


def resolve_ref(schema: dict, root: dict) -> dict:
    """``schema`` with a local ``$ref`` (``#/$defs/...``) replaced by its target, sibling keys kept."""
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ParamsError(f"params schema: only local references are supported, got {ref!r}")
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _fill_defaults(instance, schema, root=None) -> None:
    """Insert the schema's defaults for absent keys, recursively (objects only; local ``$ref`` followed)."""
    root = schema if root is None else root
    schema = resolve_ref(schema, root)
    if not isinstance(instance, dict) or schema.get("type") != "object":
        return
    properties = schema.get("properties", {})
    for key, sub in properties.items():
        sub = resolve_ref(sub, root)
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in instance.items():
            if key not in properties:
                _fill_defaults(value, extra, root)


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def _check_fractions(where: str, values) -> None:
    """A non-empty list of fractions in (0, 1] (the points of a search at which its supernet is scored)."""
    if (not isinstance(values, list) or not values
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 1 for v in values)):
        raise ParamsError(f"{where}: give a non-empty list of fractions in (0, 1], got {values!r}")


def merge(base: dict, overrides: dict) -> dict:
    """``base`` updated by ``overrides``: mappings merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def controller_spec(controller: dict, space: str) -> dict:
    """The controller block as it applies to ``space``: ``dataset``, ``settings``, ``analysis`` and ``retrain``
    with ``controller.overrides[space]`` merged over them (mappings key by key)."""
    keys = ("dataset", "settings", "analysis", "retrain")
    base = {key: copy.deepcopy(controller.get(key)) for key in keys}
    return merge(base, controller.get("overrides", {}).get(space, {}))


def apply_preset(params: dict) -> dict:
    """Merge the preset named by ``params['preset']`` (from ``params['presets']``) over ``params``."""
    name = params.get("preset")
    if not name:
        return params
    presets = params.get("presets") or {}
    if not isinstance(presets, dict) or name not in presets:
        known = ", ".join(presets) if isinstance(presets, dict) and presets else "none"
        raise ParamsError(f"preset: {name!r} is not defined under presets (defined: {known})")
    if not isinstance(presets[name], dict):
        raise ParamsError(f"presets.{name}: a preset must be a mapping of parameter groups")
    overrides = {k: v for k, v in presets[name].items() if k not in ("preset", "presets")}
    return merge(params, overrides)


def validate_params(params, schema: dict) -> dict:
    """Return a validated copy of ``params`` (preset applied, defaults filled in); raise :class:`ParamsError`."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ParamsError(f"expected a mapping of stage groups, got {type(params).__name__}")
    params = apply_preset(copy.deepcopy(params))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(params))
    if error is not None:
        raise ParamsError(f"{_key_path(error)}: {error.message}")
    _fill_defaults(params, schema)
    check_references(params)
    return params


def load_params(path, schema_path) -> dict:
    """Read ``params.yaml`` at ``path`` and validate it against the schema at ``schema_path``."""
    path = Path(path)
    params = _read_yaml(path, "params file")
    try:
        return validate_params(params, load_schema(schema_path))
    except ParamsError as exc:
        raise ParamsError(f"{path}: {exc}") from None


def _set_space(spec: dict) -> str | None:
    """The space a sample set's architectures come from: its sampler's, or the ``space`` it names."""
    from cellprobe.sampling import SAMPLERS

    sampler = SAMPLERS.get(spec.get("sampler", ""))
    return sampler.space if sampler is not None else spec.get("space")


def _names(values) -> str:
    return ", ".join(values) or "none"


class _References:
    """The cross-group checks of one params mapping (:func:`check_references`), one method per group."""

    def __init__(self, params: dict):
        self.params = params
        self.datasets = params.get("prep", {}).get("datasets", {})
        self.sets = params.get("sample", {}).get("sets", {})
        self.train = params.get("train", {})
        self.trained = self.train.get("sets", [])

    def dataset(self, where: str, name) -> None:
        if name not in self.datasets:
            raise ParamsError(f"{where}: {name!r} is not a prepared dataset (prep.datasets has: {_names(self.datasets)})")

    def truth(self, where: str, truth: dict, space: str) -> None:
        """A ground truth of ``space``: a benchmark table of that space with the column, trained sets of it, or
        sets its importance surrogate scores."""
        if truth.get("source") == "benchmark":
            from cellprobe.ground_truth import BENCHMARKS

            column = truth.get("column", "cifar10_test_acc")
            tables = [b for b in BENCHMARKS.values() if b.space == space]
            if not tables:
                raise ParamsError(f"{where}.truth: the {space} space has no benchmark table; use source: train")
            if not any(column in b.columns for b in tables):
                columns = ", ".join(c for b in tables for c in b.columns)
                raise ParamsError(f"{where}.truth.column: {column!r} is not a {space} benchmark column ({columns})")
            return
        if truth.get("source") == "surrogate":
            from cellprobe.ground_truth import looked_up

            group = self.params.get("importance", {}).get(space, {})
            if space not in self.params.get("importance", {}).get("spaces", []) or looked_up(group.get("truth", {})):
                raise ParamsError(f"{where}.truth: source surrogate needs importance.spaces to list {space!r} with a "
                                  "truth that a surrogate learns (a sample benchmark or trained sets)")
            for name in truth.get("sets", []):
                if name not in group.get("predict", []):
                    raise ParamsError(f"{where}.truth.sets: {name!r} is not scored by the {space} surrogate "
                                      f"(importance.{space}.predict has: {_names(group.get('predict', []))})")
            return
        for name in truth.get("sets", []):
            if name not in self.trained:
                raise ParamsError(f"{where}.truth.sets: {name!r} is not trained (train.sets has: {_names(self.trained)})")
            if _set_space(self.sets[name]) != space:
                raise ParamsError(f"{where}.truth.sets: {name!r} holds {_set_space(self.sets[name])} architectures, "
                                  f"not {space}")

    def check(self) -> None:
        for group in (self.check_prep, self.check_train, self.check_search, self.check_importance, self.check_motifs,
                      self.check_evaluators, self.check_controller):
            group()

    def check_prep(self) -> None:
        from cellprobe.data.prep import DATASET_NAMES

        for name, entry in self.datasets.items():
            kind = entry.get("dataset", name)
            if kind not in DATASET_NAMES:
                raise ParamsError(f"prep.datasets.{name}: no dataset {kind!r}; name one of {', '.join(DATASET_NAMES)} "
                                  "(or set its dataset: key)")

    def check_train(self) -> None:
        if self.trained:
            self.dataset("train.dataset", self.train.get("dataset"))
        for name in self.trained:
            if name not in self.sets:
                raise ParamsError(f"train.sets: {name!r} is not a sample set (sample.sets has: {_names(self.sets)})")

    def check_search(self) -> None:
        from cellprobe.search.settings import METHODS, POOLED, SearchSettings
        from cellprobe.spaces import get_space

        search = self.params.get("search", {})
        runs, variants = search.get("runs", {}), search.get("variants", {})
        if any(runs.values()):
            self.dataset("search.dataset", search.get("dataset"))
        settings = {f.name for f in dataclasses.fields(SearchSettings)} - {"method", "run"}
        for name, variant in variants.items():
            if name in METHODS:
                raise ParamsError(f"search.variants.{name}: a variant needs a name of its own, not a method's")
            unknown = sorted(set(variant) - settings - {"method", "experiment", "dataset", "at", "pool"})
            if unknown:
                raise ParamsError(f"search.variants.{name}: unknown setting(s) {unknown}")
            if "pool" in variant:
                if variant["method"] not in POOLED:
                    raise ParamsError(f"search.variants.{name}.pool: training on a pool needs one of "
                                      f"{', '.join(POOLED)}, not {variant['method']}")
                if variant["pool"] not in self.sets:
                    raise ParamsError(f"search.variants.{name}.pool: {variant['pool']!r} is not a sample set "
                                      f"(sample.sets has: {_names(self.sets)})")
        overrides = search.get("overrides", {})
        for space, names in runs.items():
            if names and space not in search.get("spaces", {}):
                raise ParamsError(f"search.spaces: no supernet size for space {space!r}")
            for name in names or []:
                if name not in METHODS and name not in variants:
                    raise ParamsError(f"search.runs.{space}: {name!r} is neither a method ({_names(METHODS)}) "
                                      f"nor a search.variants name ({_names(variants)})")
                method = variants.get(name, {}).get("method", name)
                pool = variants.get(name, {}).get("pool")
                if pool and _set_space(self.sets[pool]) != space:
                    raise ParamsError(f"search.variants.{name}.pool: {pool!r} holds {_set_space(self.sets[pool])} "
                                      f"architectures, not {space} ones")
                if method == "spos-deiso" and not get_space(space).isomorphism_classes:
                    raise ParamsError(f"search.runs.{space}: {name!r} samples one cell per isomorphism class, "
                                      f"which {space} cells do not have")
                for where, entry in ((f"search.spaces.{space}", search["spaces"][space]),
                                     (f"search.overrides.{method}", overrides.get(method, {})),
                                     (f"search.overrides.{space}/{method}", overrides.get(f"{space}/{method}", {})),
                                     (f"search.variants.{name}", variants.get(name, {}))):
                    if "dataset" in entry:
                        self.dataset(f"{where}.dataset", entry["dataset"])
                    if "at" in entry:
                        _check_fractions(f"{where}.at", entry["at"])
        for space, names in search.get("scoring", {}).get("sets", {}).items():
            for name in names:
                where = f"search.scoring.sets.{space}"
                if name not in self.sets:
                    raise ParamsError(f"{where}: {name!r} is not a sample set (sample.sets has: {_names(self.sets)})")
                if self.sets[name].get("sampler") == "search":
                    raise ParamsError(f"{where}: {name!r} holds the searches' own selections; "
                                      "score independently sampled sets")
                if _set_space(self.sets[name]) != space:
                    raise ParamsError(f"{where}: {name!r} holds {_set_space(self.sets[name])} architectures")
        for name, spec in self.sets.items():
            if spec.get("sampler") == "search" and not runs.get(spec.get("space")):
                raise ParamsError(f"sample.sets.{name}: no search runs on space {spec.get('space')!r} to take "
                                  "architectures from")

    def check_importance(self) -> None:
        importance = self.params.get("importance", {})
        spaces = importance.get("spaces", [])
        for space in spaces:
            where, group = f"importance.{space}", importance.get(space, {})
            if group["truth"].get("source") == "surrogate":
                raise ParamsError(f"{where}.truth: the surrogate learns this truth; it cannot be its own source")
            self.truth(where, group["truth"], space)
            from cellprobe.ground_truth import looked_up

            benchmark = looked_up(group["truth"])
            if not benchmark and group.get("verify_set") is not None:  # null: the surrogate scores the variants
                verify = group["verify_set"]
                spec = self.sets.get(verify, {})
                if spec.get("sampler") != "importance" or spec.get("space") != space:
                    raise ParamsError(f"{where}.verify_set: {verify!r} must be a sample set with sampler: importance "
                                      f"and space: {space}")
                if verify not in self.trained:
                    raise ParamsError(f"{where}.verify_set: {verify!r} must be in train.sets to be trained")
            if not benchmark and group["search"]["stages"]:
                raise ParamsError(f"{where}: the predictor-based search runs over a whole benchmark; this space's "
                                  "truth is learnt by a surrogate (set search.stages: 0)")
            if group["predictors"]["names"] and group["truth"].get("source") != "benchmark":
                raise ParamsError(f"{where}: the predictor study needs a benchmark truth (source: benchmark); "
                                  "set predictors.names: [] for a trained one")
            for name in group.get("predict", []):
                if name not in self.sets:
                    raise ParamsError(f"{where}.predict: {name!r} is not a sample set (sample.sets has: "
                                      f"{_names(self.sets)})")
                if _set_space(self.sets[name]) != space:
                    raise ParamsError(f"{where}.predict: {name!r} holds {_set_space(self.sets[name])} architectures")
                if benchmark:
                    raise ParamsError(f"{where}.predict: the {space} truth is looked up in its table; there is no "
                                      "surrogate to score sets")
        for name, spec in self.sets.items():
            if spec.get("sampler") == "importance" and spec.get("space") not in spaces:
                raise ParamsError(f"sample.sets.{name}: importance.spaces does not list {spec.get('space')!r} to "
                                  "take variants from")

    def check_motifs(self) -> None:
        motif_sets = self.params.get("motifs", {}).get("sets", {})
        for name, spec in motif_sets.items():
            self.truth(f"motifs.sets.{name}", spec["truth"], spec["space"])
        for name, spec in self.sets.items():
            if spec.get("sampler") != "motif":
                continue
            source = motif_sets.get(spec.get("motifs"))
            if source is None:
                raise ParamsError(f"sample.sets.{name}: {spec.get('motifs')!r} is not a motif set "
                                  f"(motifs.sets has: {_names(motif_sets)})")
            if source["space"] != spec.get("space"):
                raise ParamsError(f"sample.sets.{name}: motif set {spec.get('motifs')!r} mines {source['space']} cells")
            if name in source["truth"].get("sets", []):
                raise ParamsError(f"sample.sets.{name}: a motif-constrained set cannot feed its own motif set")

    def check_evaluators(self) -> None:
        evaluators = self.params.get("evaluators", {})
        spaces = evaluators.get("spaces", [])
        if spaces:
            self.dataset("evaluators.zero_cost.dataset", evaluators.get("zero_cost", {}).get("dataset"))
        for space in spaces:
            truth = evaluators.get("truth", {}).get(space)
            if truth is None:
                raise ParamsError(f"evaluators.truth: no ground truth for space {space!r}")
            self.truth(f"evaluators.truth.{space}", truth, space)
        for name, spec in evaluators.get("predictors", {}).items():
            if spec["space"] not in spaces:
                raise ParamsError(f"evaluators.predictors.{name}: evaluators.spaces does not list {spec['space']!r}")
        reference = evaluators.get("reference", {})
        if reference.get("spaces"):
            self.dataset("evaluators.reference.dataset", reference.get("dataset"))
        files = self.params.get("benchmarks", {}).get("zero_cost", {})
        for space in reference.get("spaces", {}):
            if space not in files:
                raise ParamsError(f"evaluators.reference.spaces.{space}: benchmarks.zero_cost has no file for it")
        search = self.params.get("search", {})
        for space, spec in evaluators.get("pool_study", {}).items():
            where, runs = f"evaluators.pool_study.{space}", search.get("runs", {}).get(space) or []
            if space not in spaces:
                raise ParamsError(f"{where}: evaluators.spaces does not list {space!r} (its ground truth)")
            for key in ("pool_run", "space_run"):
                if spec[key] not in runs:
                    raise ParamsError(f"{where}.{key}: {spec[key]!r} is not a run of search.runs.{space}")
            pool = search.get("variants", {}).get(spec["pool_run"], {}).get("pool")
            if not pool:
                raise ParamsError(f"{where}.pool_run: {spec['pool_run']!r} is not a search.variants entry with a pool")
            scored = search.get("scoring", {}).get("sets", {}).get(space, [])
            if pool not in scored or len(scored) < 2:
                raise ParamsError(f"{where}: search.scoring.sets.{space} must list the pool {pool!r} and another set "
                                  f"(the rest of the space), has {_names(scored)}")

    def check_controller(self) -> None:
        from cellprobe.data.prep import DATASET_TASKS
        from cellprobe.search.controller_settings import ControllerError, ControllerSettings
        from cellprobe.spaces import get_space

        controller = self.params.get("controller", {})
        unknown = sorted(set(controller.get("overrides", {})) - set(controller.get("spaces", [])))
        if unknown:
            raise ParamsError(f"controller.overrides: {', '.join(unknown)} not in controller.spaces "
                              f"({_names(controller.get('spaces', []))})")
        if not controller.get("variants"):
            return
        for space in controller.get("spaces", []):
            spec = controller_spec(controller, space)
            where = f"controller.overrides.{space}" if space in controller.get("overrides", {}) else "controller"
            self.dataset(f"{where}.dataset", spec["dataset"])
            entry = self.datasets[spec["dataset"]]
            holds, wants = DATASET_TASKS.get(entry.get("dataset", spec["dataset"]), "image"), get_space(space).task
            if holds != wants:
                raise ParamsError(f"{where}.dataset: the {space} controller learns from {wants} data; "
                                  f"{spec['dataset']!r} holds {holds}")
            try:
                ControllerSettings.from_dict(spec["settings"] or {})
            except (ControllerError, TypeError, ValueError) as exc:
                raise ParamsError(f"{where}.settings: {exc}") from None
            for block, known in (("analysis", ("n_archs", "n_pairs", "score_images", "ged_timeout", "ged")),
                                 ("retrain", ("cells", "epochs", "variants"))):
                unknown = sorted(set(spec[block] or {}) - set(known))
                if unknown:
                    raise ParamsError(f"{where}.{block}: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}")
            retrain = spec["retrain"] or {}
            if retrain.get("cells", 0) and get_space(space).task != "text":
                raise ParamsError(f"{where}.retrain: {space} cells are retrained by the train stage; set cells: 0")
            if retrain.get("cells", 0) and not set(retrain.get("variants", [])) & set(controller["variants"]):
                raise ParamsError(f"{where}.retrain.variants: none of {_names(retrain.get('variants', []))} runs "
                                  f"(controller.variants: {_names(controller['variants'])})")


def check_references(params: dict) -> None:
    """Cross-group checks a JSON Schema cannot express: names that must exist in another group, ground truths
    that must exist for their space."""
    _References(params).check()
