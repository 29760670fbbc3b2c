"""The package's structure, held to docs/architecture.md: rooms, import direction, no cycles, no private
imports, thin CLI modules, a short common.smk, and no space named in a comparison outside the spaces layer."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "cellprobe"


def _modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """``(module, names, line)`` of every ``cellprobe`` import of a file (function-level ones included)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(alias.name, [], node.lineno) for alias in node.names if alias.name.startswith("cellprobe")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("cellprobe"):
            out.append((node.module, [alias.name for alias in node.names], node.lineno))
    return out


def _targets(module: str, names: list[str]) -> list[str]:
    """The modules an import statement depends on (``from pkg import submodule`` names the submodule)."""
    subs = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
    rest = [n for n in names if f"{module}.{n}" not in MODULES]
    found = subs + ([module] if rest or not names else [])
    return [m for m in found if m in MODULES]


def _graph() -> dict[str, set[str]]:
    return {name: {t for module, names, _ in _imports(path) for t in _targets(module, names) if t != name}
            for name, path in MODULES.items()}


def _rooms() -> dict[str, int]:
    """Top-level module or package name → room, from the table of docs/architecture.md."""
    rooms = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        match = re.match(r"\| (\d+) \| ([^|]+) \|", line)
        if match:
            for name in re.findall(r"`([a-z_]+)`", match.group(2)):
                rooms[name] = int(match.group(1))
    return rooms


def _room_of(module: str, rooms: dict[str, int]) -> int:
    top = module.split(".")[1] if "." in module else "errors"  # the package's face holds nothing but a version
    return rooms[top]


def test_every_module_has_a_room():
    rooms = _rooms()
    assert rooms, "docs/architecture.md has no room table"
    tops = {m.split(".")[1] for m in MODULES if "." in m}
    assert tops == set(rooms), (sorted(tops - set(rooms)), sorted(set(rooms) - tops))


def test_imports_only_go_down_or_across_a_room():
    rooms = _rooms()
    wrong = [f"{module} (room {_room_of(module, rooms)}) imports {target} (room {_room_of(target, rooms)})"
             for module, targets in _graph().items() for target in targets
             if _room_of(target, rooms) > _room_of(module, rooms)]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("folder", ["src", "tests", "benchmarks"])
def test_no_private_name_is_imported_from_another_module(folder):
    wrong = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for module, names, line in _imports(path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and MODULES.get(module) != path:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: from {module} import {', '.join(private)}")
    assert not wrong, "\n".join(wrong)


def test_cli_modules_are_thin_and_common_smk_is_short():
    long = {p.name: n for p in (PACKAGE / "cli").glob("*.py") if (n := len(p.read_text().splitlines())) > 300}
    assert not long, long
    assert len((ROOT / "workflow/rules/common.smk").read_text().splitlines()) <= 80


def test_no_space_is_named_in_a_comparison_outside_the_spaces_layer():
    """What a space is belongs on its Space object: code asks it, instead of comparing names."""
    from cellprobe.spaces import SPACES

    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "spaces"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                names = [c.value for c in [node.left, *node.comparators] if isinstance(c, ast.Constant)]
                if set(names) & set(SPACES):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not wrong, wrong
