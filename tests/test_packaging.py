"""The environment files agree: conda users get what pip users get."""

import re
import tomllib

import yaml


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_pins(root) -> dict[str, str]:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = {}
    for spec in specs:
        name, sep, version = spec.partition("==")
        assert sep, f"{spec!r} is not pinned with =="
        pins[_norm(name)] = version
    return pins


def environment_pins(root, path="environment.yml") -> dict[str, str]:
    env = yaml.safe_load((root / path).read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for spec in dep["pip"]:
                if spec.startswith("-e"):
                    continue
                name, sep, version = spec.partition("==")
                assert sep, f"pip entry {spec!r} is not pinned"
                pins[_norm(name)] = version
        else:
            name, _, version = dep.partition("=")
            if name in ("python", "pip"):
                continue
            pins[_norm(name)] = version
    return pins


def test_every_dependency_is_pinned_exactly(root):
    pins = pyproject_pins(root)
    for required in ("torch", "torchvision", "snakemake", "snakemake-executor-plugin-slurm", "dvc", "pandas",
                     "pyarrow", "networkx", "scipy", "scikit-learn", "gspan-mining", "matplotlib", "jinja2",
                     "tqdm", "pytest"):
        assert required in pins


def test_environment_yml_matches_pyproject(root):
    assert environment_pins(root) == pyproject_pins(root)


def test_snakemake_rule_environment_matches_pyproject(root):
    assert environment_pins(root, "workflow/envs/cellprobe.yaml") == pyproject_pins(root)
    assert (root / "workflow/envs/cellprobe.post-deploy.sh").read_text().count("pip install --no-deps -e .") == 1


def test_environment_python_matches_requires_python(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert "python=3.11" in env["dependencies"]
    assert project["requires-python"] == ">=3.11,<3.12"


def test_installed_versions_are_the_pinned_ones(root):
    from importlib.metadata import version

    for name, pinned in pyproject_pins(root).items():
        assert version(name).split("+")[0] == pinned, name
