"""Loading and validating ``params.yaml`` against its JSON Schema (defaults filled in).

Validation errors are one line naming the offending key, e.g.
``base.seed: 'x' is not of type 'integer'``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

from cellprobe.errors import ParamsError

__all__ = ["load_schema", "validate_params", "load_params", "check_references", "apply_preset", "merge",
           "settings_from_dict"]


def settings_from_dict(cls, data, where: str, error: type[Exception] = ParamsError):
    """The settings dataclass ``cls`` from a mapping; a non-mapping, unknown keys or a value ``cls`` refuses
    is one ``error`` whose message starts with ``where``."""
    import dataclasses

    if not isinstance(data, dict):
        raise error(f"{where}: expected a mapping, got {type(data).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise error(f"{where}: unknown setting(s) {unknown}; known: {sorted(known)}")
    try:
        return cls(**data)
    except (TypeError, ValueError) as exc:
        raise error(f"{where}: {exc}") from None


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


def _fill_defaults(instance, schema) -> None:
    """Insert the schema's defaults for absent keys, recursively (objects only)."""
    if not isinstance(instance, dict) or schema.get("type") != "object":
        return
    properties = schema.get("properties", {})
    for key, sub in properties.items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in instance.items():
            if key not in properties:
                _fill_defaults(value, extra)


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def merge(base: dict, overrides: dict) -> dict:
    """``base`` updated by ``overrides``: mappings merge key by key, anything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


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


def check_references(params: dict) -> None:
    """Cross-group checks a JSON Schema cannot express: names that must exist in another group."""
    datasets = params.get("prep", {}).get("datasets", {})
    sets = params.get("sample", {}).get("sets", {})
    train = params.get("train", {})
    if train.get("sets") and train.get("dataset") not in datasets:
        raise ParamsError(
            f"train.dataset: {train.get('dataset')!r} is not a prepared dataset (prep.datasets has: {', '.join(datasets) or 'none'})"
        )
    for name in train.get("sets", []):
        if name not in sets:
            raise ParamsError(f"train.sets: {name!r} is not a sample set (sample.sets has: {', '.join(sets) or 'none'})")
    search = params.get("search", {})
    runs = search.get("runs", {})
    if any(runs.values()) and search.get("dataset") not in datasets:
        raise ParamsError(
            f"search.dataset: {search.get('dataset')!r} is not a prepared dataset (prep.datasets has: {', '.join(datasets) or 'none'})"
        )
    for space, methods in runs.items():
        if methods and space not in search.get("spaces", {}):
            raise ParamsError(f"search.spaces: no supernet size for space {space!r}")
    for space, names in search.get("scoring", {}).get("sets", {}).items():
        for name in names:
            if name not in sets:
                raise ParamsError(f"search.scoring.sets.{space}: {name!r} is not a sample set "
                                  f"(sample.sets has: {', '.join(sets) or 'none'})")
            if sets[name].get("sampler") == "search":
                raise ParamsError(f"search.scoring.sets.{space}: {name!r} holds the searches' own selections; "
                                  "score independently sampled sets")
            sampler_space = "nb201" if sets[name].get("sampler", "").startswith("nb201") else "darts"
            if sampler_space != space:
                raise ParamsError(f"search.scoring.sets.{space}: {name!r} holds {sampler_space} architectures")
    importance = params.get("importance", {})
    imp_spaces = importance.get("spaces", [])
    if "darts" in imp_spaces:
        darts_imp = importance["darts"]
        for name in darts_imp["surrogate"]["sets"]:
            if name not in train.get("sets", []):
                raise ParamsError(f"importance.darts.surrogate.sets: {name!r} is not trained (train.sets has: "
                                  f"{', '.join(train.get('sets', [])) or 'none'})")
        verify = darts_imp["verify_set"]
        if sets.get(verify, {}).get("sampler") != "importance" or sets[verify].get("space") != "darts":
            raise ParamsError(f"importance.darts.verify_set: {verify!r} must be a sample set with "
                              "sampler: importance and space: darts")
        if verify not in train.get("sets", []):
            raise ParamsError(f"importance.darts.verify_set: {verify!r} must be in train.sets to be trained")
    for name, spec in sets.items():
        if spec.get("sampler") == "importance" and spec.get("space") not in imp_spaces:
            raise ParamsError(f"sample.sets.{name}: importance.spaces does not list {spec.get('space')!r} to take variants from")
    for name, spec in sets.items():
        if spec.get("sampler") == "search" and not runs.get(spec.get("space")):
            raise ParamsError(f"sample.sets.{name}: no search runs on space {spec.get('space')!r} to take architectures from")
    controller = params.get("controller", {})
    if controller.get("spaces") and controller.get("variants") and controller.get("dataset") not in datasets:
        raise ParamsError(f"controller.dataset: {controller.get('dataset')!r} is not a prepared dataset "
                          f"(prep.datasets has: {', '.join(datasets) or 'none'})")
    if controller.get("settings"):
        from cellprobe.search.controller import ControllerError, ControllerSettings

        try:
            ControllerSettings.from_dict(controller["settings"])
        except (ControllerError, TypeError, ValueError) as exc:
            raise ParamsError(f"controller.settings: {exc}") from None
    motif_sets = params.get("motifs", {}).get("sets", {})
    for name, spec in motif_sets.items():
        if spec.get("source") == "benchmark" and spec.get("space") != "nb201":
            raise ParamsError(f"motifs.sets.{name}: source benchmark is the NB201 table; use space nb201")
        for trained in spec.get("sets", []) if spec.get("source") == "train" else []:
            if trained not in train.get("sets", []):
                raise ParamsError(f"motifs.sets.{name}: {trained!r} is not trained (train.sets has: "
                                  f"{', '.join(train.get('sets', [])) or 'none'})")
    for name, spec in sets.items():
        if spec.get("sampler") == "motif":
            source = motif_sets.get(spec.get("motifs"))
            if source is None:
                raise ParamsError(f"sample.sets.{name}: {spec.get('motifs')!r} is not a motif set "
                                  f"(motifs.sets has: {', '.join(motif_sets) or 'none'})")
            if source["space"] != spec.get("space"):
                raise ParamsError(f"sample.sets.{name}: motif set {spec.get('motifs')!r} mines {source['space']} cells")
            if spec.get("motifs") and name in source.get("sets", []):
                raise ParamsError(f"sample.sets.{name}: a motif-constrained set cannot feed its own motif set")
    evaluators = params.get("evaluators", {})
    if evaluators.get("spaces"):
        dataset = evaluators.get("zero_cost", {}).get("dataset")
        if dataset not in datasets:
            raise ParamsError(f"evaluators.zero_cost.dataset: {dataset!r} is not a prepared dataset "
                              f"(prep.datasets has: {', '.join(datasets) or 'none'})")
    if "darts" in evaluators.get("spaces", []):
        for name in evaluators.get("darts_sets", []):
            if name not in train.get("sets", []):
                raise ParamsError(f"evaluators.darts_sets: {name!r} is not trained (train.sets has: "
                                  f"{', '.join(train.get('sets', [])) or 'none'})")
