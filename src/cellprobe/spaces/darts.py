"""The DARTS search space: genotypes of a normal and a reduce cell.

A cell has two inputs (nodes 0 and 1: the outputs of the two previous cells) and four
intermediate nodes 2..5. Each intermediate node sums two edges ``(op, input)`` whose inputs
are distinct earlier nodes. The cell's output concatenates the nodes in ``concat``.

Two string forms are understood and printed:

* the DARTS reference repr::

    Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], normal_concat=range(2, 6),
             reduce=[...], reduce_concat=range(2, 6))

  (``normal_concat``/``reduce_concat`` may also be lists such as ``[2, 3, 4, 5]``);
* a compact one-line form, nodes separated by ``|``, a node's two edges by ``,``::

    normal=sep_conv_3x3~0,sep_conv_3x3~1|...;reduce=max_pool_3x3~0,max_pool_3x3~1|...

  A cell whose concat is not ``2,3,4,5`` carries it after ``@`` (``...|skip_connect~0,sep_conv_3x3~2@2,3,5``).

Example:

>>> g = DartsGenotype.parse("normal=sep_conv_3x3~1,skip_connect~0|sep_conv_3x3~0,sep_conv_3x3~1|"
...     "skip_connect~0,sep_conv_3x3~1|skip_connect~0,dil_conv_3x3~2;"
...     "reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,max_pool_3x3~1|"
...     "max_pool_3x3~0,skip_connect~2|skip_connect~2,max_pool_3x3~1")
>>> len(g.neighbours())
120
>>> g.arch_id == DartsGenotype.parse(g.to_repr()).arch_id
True
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from math import comb, prod
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from cellprobe.errors import GenotypeError
from cellprobe.spaces.arrays import ArchArrays
from cellprobe.spaces.base import Decision, Edit, OpVocabulary, Space, stable_id
from cellprobe.spaces.registry import register_space

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "PRIMITIVES",
    "CELL_TYPES",
    "N_NODES",
    "DEFAULT_CONCAT",
    "DartsCell",
    "DartsGenotype",
    "count_cells",
    "info",
    "DartsSpace",
    "SPACE",
]

#: The 8 DARTS primitives, in the order of the DARTS reference code.
PRIMITIVES = OpVocabulary(
    "darts",
    [
        "none",
        "max_pool_3x3",
        "avg_pool_3x3",
        "skip_connect",
        "sep_conv_3x3",
        "sep_conv_5x5",
        "dil_conv_3x3",
        "dil_conv_5x5",
    ],
)
CELL_TYPES = ("normal", "reduce")
N_NODES = 4  # intermediate nodes per cell
N_INPUTS = 2  # the two previous cells
DEFAULT_CONCAT = tuple(range(N_INPUTS, N_INPUTS + N_NODES))
NEIGHBOUR_OPS = PRIMITIVES.without("none")


def _node_of(edge: int) -> int:
    """Intermediate node (0-based) that edge ``edge`` feeds."""
    return edge // 2


@dataclass(frozen=True)
class DartsCell:
    """One DARTS cell: 8 ``(op, input)`` edges (two per intermediate node) and the concat list.

    Edges keep the order they were given in (so string forms round-trip exactly);
    :meth:`canonical` sorts each node's two edges, which is what identity is based on.
    """

    edges: tuple[tuple[str, int], ...]
    concat: tuple[int, ...] = DEFAULT_CONCAT
    name: str = field(default="cell", compare=False, repr=False)

    def __post_init__(self):
        try:
            edges = tuple((op, inp) for op, inp in self.edges)
        except (TypeError, ValueError):
            raise GenotypeError(f"{self.name} cell: edges must be (op, input) pairs") from None
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "concat", tuple(self.concat))
        self._validate()

    def _validate(self) -> None:
        where = f"{self.name} cell"
        if len(self.edges) != 2 * N_NODES:
            raise GenotypeError(
                f"{where} has {len(self.edges)} edges, expected {2 * N_NODES} "
                f"(2 for each of its {N_NODES} intermediate nodes)"
            )
        for e, (op, inp) in enumerate(self.edges):
            node = _node_of(e)
            PRIMITIVES.check(op, where=f"{where} edge {e}")
            if isinstance(inp, bool) or not isinstance(inp, int):
                raise GenotypeError(f"{where} edge {e}: input must be an integer, got {inp!r}")
            if not 0 <= inp < node + N_INPUTS:
                raise GenotypeError(
                    f"{where} edge {e}: input {inp} out of range for node {node + N_INPUTS} "
                    f"(allowed 0..{node + N_INPUTS - 1})"
                )
        for node in range(N_NODES):
            (_, a), (_, b) = self.edges[2 * node : 2 * node + 2]
            if a == b:
                raise GenotypeError(
                    f"{where} node {node + N_INPUTS}: both edges come from input {a}; "
                    "a node's two edges must come from distinct inputs"
                )
        if not self.concat:
            raise GenotypeError(f"{where}: concat list is empty")
        for c in self.concat:
            if isinstance(c, bool) or not isinstance(c, int) or c not in DEFAULT_CONCAT:
                raise GenotypeError(
                    f"{where}: concat entry {c!r} is not an intermediate node "
                    f"({DEFAULT_CONCAT[0]}..{DEFAULT_CONCAT[-1]})"
                )
        if list(self.concat) != sorted(set(self.concat)):
            raise GenotypeError(f"{where}: concat {list(self.concat)} must be increasing, without repeats")

    # -- structure -------------------------------------------------------------------------
    def node_edges(self, node: int) -> tuple[tuple[str, int], tuple[str, int]]:
        """The two edges of intermediate node ``node`` (0-based, i.e. cell node ``node + 2``)."""
        return self.edges[2 * node], self.edges[2 * node + 1]

    def canonical(self) -> DartsCell:
        """The same cell with each node's two edges sorted by (input, op)."""
        edges = []
        for node in range(N_NODES):
            a, b = self.edges[2 * node], self.edges[2 * node + 1]
            edges.extend((a, b) if (a[1], a[0]) <= (b[1], b[0]) else (b, a))
        return self._trusted(tuple(edges))

    def _trusted(self, edges: tuple[tuple[str, int], ...]) -> DartsCell:
        """A cell with this one's concat and name and ``edges`` known to be valid (no re-validation).

        Only for edges that are a permutation of this (valid) cell's edges within each node.
        """
        cell = object.__new__(DartsCell)
        object.__setattr__(cell, "edges", edges)
        object.__setattr__(cell, "concat", self.concat)
        object.__setattr__(cell, "name", self.name)
        return cell

    def replace_edge(self, edge: int, op: str | None = None, inp: int | None = None) -> DartsCell:
        old_op, old_inp = self.edges[edge]
        edges = list(self.edges)
        edges[edge] = (old_op if op is None else op, old_inp if inp is None else inp)
        return DartsCell(tuple(edges), self.concat, self.name)

    # -- string forms ------------------------------------------------------------------------
    def to_str(self) -> str:
        nodes = "|".join(
            ",".join(f"{op}~{inp}" for op, inp in self.node_edges(n)) for n in range(N_NODES)
        )
        if self.concat != DEFAULT_CONCAT:
            nodes += "@" + ",".join(map(str, self.concat))
        return nodes

    @classmethod
    def parse(cls, text: str, name: str = "cell") -> DartsCell:
        where = f"{name} cell"
        body, sep, concat_text = text.strip().partition("@")
        concat = DEFAULT_CONCAT
        if sep:
            try:
                concat = tuple(int(c) for c in concat_text.split(","))
            except ValueError:
                raise GenotypeError(f"{where}: malformed concat list {concat_text!r}") from None
        nodes = body.split("|")
        if len(nodes) != N_NODES:
            raise GenotypeError(f"{where} has {len(nodes)} nodes, expected {N_NODES} separated by '|'")
        edges = []
        for n, node in enumerate(nodes):
            parts = node.split(",")
            if len(parts) != 2:
                raise GenotypeError(
                    f"{where} node {n + N_INPUTS} has {len(parts)} edges, expected 2 separated by ','"
                )
            for part in parts:
                op, tilde, inp = part.strip().partition("~")
                if not tilde or not inp.strip().lstrip("-").isdigit():
                    raise GenotypeError(f"{where} node {n + N_INPUTS}: malformed edge {part!r}, expected op~input")
                edges.append((op.strip(), int(inp)))
        return cls(tuple(edges), concat, name)

    # -- graphs ---------------------------------------------------------------------------------
    def to_graph(self, encoding: str = "edge", *, output: bool = True) -> nx.DiGraph:
        """The cell as a labelled DAG (``none`` edges dropped).

        ``encoding="edge"``: nodes ``0``/``1`` (label ``input0``/``input1``) and the intermediate
        nodes ``2..5`` (label ``node``); each edge carries its op as ``label``.
        ``encoding="node"``: each op becomes a node ``(node, edge)`` labelled by the op, with
        unlabelled edges input → op → node. With ``output=True`` an ``output`` node receives an
        edge labelled ``concat`` from every node of the concat list.
        """
        if encoding not in ("edge", "node"):
            raise ValueError(f"encoding must be 'edge' or 'node', got {encoding!r}")
        import networkx as nx  # only graph users pay for it (every job builds the CLI's space list)

        g = nx.DiGraph(space="darts", cell=self.name, encoding=encoding)
        for i in range(N_INPUTS):
            g.add_node(i, label=f"input{i}")
        for n in range(N_NODES):
            g.add_node(n + N_INPUTS, label="node")
        for e, (op, inp) in enumerate(self.edges):
            if op == "none":
                continue
            target = _node_of(e) + N_INPUTS
            if encoding == "edge":
                g.add_edge(inp, target, label=op)
            else:
                g.add_node(("op", e), label=op)
                g.add_edge(inp, ("op", e), label="")
                g.add_edge(("op", e), target, label="")
        if output:
            g.add_node("output", label="output")
            for c in self.concat:
                g.add_edge(c, "output", label="concat" if encoding == "edge" else "")
        return g


def _literal_pairs(node: ast.expr, where: str) -> tuple[tuple[str, int], ...]:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise GenotypeError(f"{where}: expected a list of ('op', input) pairs") from None
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(p, (list, tuple)) and len(p) == 2 for p in value
    ):
        raise GenotypeError(f"{where}: expected a list of ('op', input) pairs")
    return tuple((op, inp) for op, inp in value)


def _literal_concat(node: ast.expr, where: str) -> tuple[int, ...]:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and not node.keywords
        and 1 <= len(node.args) <= 3
    ):
        try:
            return tuple(range(*(ast.literal_eval(a) for a in node.args)))
        except (ValueError, TypeError):
            raise GenotypeError(f"{where}: range(...) needs integer arguments") from None
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise GenotypeError(f"{where}: expected range(a, b) or a list of node numbers") from None
    if not isinstance(value, (list, tuple)):
        raise GenotypeError(f"{where}: expected range(a, b) or a list of node numbers")
    return tuple(value)


_REPR_FIELDS = ("normal", "normal_concat", "reduce", "reduce_concat")


@dataclass(frozen=True)
class DartsGenotype:
    """A DARTS-space architecture: a normal and a reduce :class:`DartsCell`.

    ``arch_id`` and ``canonical_key`` do not depend on the order of a node's two edges.
    """

    normal: DartsCell
    reduce: DartsCell
    space: ClassVar[str] = "darts"
    ops: ClassVar[OpVocabulary] = PRIMITIVES

    def __post_init__(self):
        for name in CELL_TYPES:
            cell = getattr(self, name)
            if not isinstance(cell, DartsCell):
                raise GenotypeError(f"{name} must be a DartsCell, got {type(cell).__name__}")
            if cell.name != name:
                object.__setattr__(self, name, DartsCell(cell.edges, cell.concat, name))

    # -- constructors -------------------------------------------------------------------------------
    @classmethod
    def from_pairs(cls, normal, reduce, normal_concat=DEFAULT_CONCAT, reduce_concat=DEFAULT_CONCAT):
        """Build from ``[(op, input), ...]`` lists, as in DARTS' ``genotypes.py`` or JSON files."""
        return cls(
            DartsCell(_pairs(normal, "normal"), _concat(normal_concat, "normal"), "normal"),
            DartsCell(_pairs(reduce, "reduce"), _concat(reduce_concat, "reduce"), "reduce"),
        )

    @classmethod
    def parse(cls, text: str) -> DartsGenotype:
        """Parse either the DARTS reference repr (``Genotype(...)``) or the compact form."""
        if not isinstance(text, str) or not text.strip():
            raise GenotypeError("empty DARTS genotype string")
        text = text.strip()
        if text.startswith("Genotype"):
            return cls._parse_repr(text)
        return cls._parse_compact(text)

    @classmethod
    def _parse_repr(cls, text: str) -> DartsGenotype:
        try:
            tree = ast.parse(text, mode="eval").body
        except SyntaxError as exc:
            raise GenotypeError(f"malformed Genotype(...) string: {exc.msg} at column {exc.offset}") from None
        if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "Genotype"):
            raise GenotypeError("malformed Genotype(...) string: expected a single Genotype(...) call")
        if len(tree.args) > len(_REPR_FIELDS):
            raise GenotypeError(f"Genotype(...) takes {len(_REPR_FIELDS)} fields, got {len(tree.args)}")
        fields = dict(zip(_REPR_FIELDS, tree.args))
        for kw in tree.keywords:
            if kw.arg not in _REPR_FIELDS:
                raise GenotypeError(f"Genotype(...) has unknown field {kw.arg!r}; fields are {', '.join(_REPR_FIELDS)}")
            if kw.arg in fields:
                raise GenotypeError(f"Genotype(...) gives field {kw.arg!r} twice")
            fields[kw.arg] = kw.value
        missing = [f for f in _REPR_FIELDS if f not in fields]
        if missing:
            raise GenotypeError(f"Genotype(...) is missing field(s): {', '.join(missing)}")
        cells = {}
        for name in CELL_TYPES:
            edges = _literal_pairs(fields[name], f"{name} cell")
            concat = _literal_concat(fields[f"{name}_concat"], f"{name}_concat")
            cells[name] = DartsCell(edges, concat, name)
        return cls(**cells)

    @classmethod
    def _parse_compact(cls, text: str) -> DartsGenotype:
        parts = [p.strip() for p in text.split(";")]
        if len(parts) != 2:
            raise GenotypeError(
                "malformed DARTS genotype: expected 'normal=...;reduce=...' or 'Genotype(...)', "
                f"got {len(parts)} part(s) separated by ';'"
            )
        cells = {}
        for part, expected in zip(parts, CELL_TYPES):
            key, eq, body = part.partition("=")
            if not eq or key.strip() != expected:
                raise GenotypeError(f"malformed DARTS genotype: part {part[:30]!r} should start with '{expected}='")
            cells[expected] = DartsCell.parse(body, expected)
        return cls(**cells)

    # -- string forms -----------------------------------------------------------------------------------
    def to_str(self) -> str:
        """The compact one-line form."""
        return f"normal={self.normal.to_str()};reduce={self.reduce.to_str()}"

    def to_repr(self) -> str:
        """The DARTS reference ``Genotype(...)`` repr."""

        def concat(c):
            return "range(2, 6)" if c == DEFAULT_CONCAT else repr(list(c))

        def pairs(cell):
            return "[" + ", ".join(f"({op!r}, {inp})" for op, inp in cell.edges) + "]"

        return (
            f"Genotype(normal={pairs(self.normal)}, normal_concat={concat(self.normal.concat)}, "
            f"reduce={pairs(self.reduce)}, reduce_concat={concat(self.reduce.concat)})"
        )

    def __str__(self) -> str:
        return self.to_str()

    # -- identity -------------------------------------------------------------------------------------
    def cell(self, name: str) -> DartsCell:
        if name not in CELL_TYPES:
            raise ValueError(f"cell must be one of {CELL_TYPES}, got {name!r}")
        return getattr(self, name)

    def canonical(self) -> DartsGenotype:
        return DartsGenotype(self.normal.canonical(), self.reduce.canonical())

    @cached_property
    def canonical_key(self) -> str:
        """Compact string of :meth:`canonical`: equal for genotypes that differ only in edge order."""
        return self.canonical().to_str()

    @cached_property
    def arch_id(self) -> str:
        return stable_id(self.space, self.canonical_key)

    # -- neighbours ------------------------------------------------------------------------------------
    def edits(self) -> list[tuple[Edit, DartsGenotype]]:
        """Every single-edge neighbour with the edit that makes it (the redundancy paper's definition).

        For each of the 16 edges: (a) every other primitive except ``none`` (6 alternatives for an edge
        whose op is not ``none``), (b) every rewiring to another input of the same node that is neither
        the edge's own input nor its partner edge's input (node ``k`` = 0..3 has ``k`` alternatives).
        120 neighbours for a genotype without ``none``.
        """
        out = []
        for name in CELL_TYPES:
            cell = self.cell(name)
            for e, (op, inp) in enumerate(cell.edges):
                for new_op in NEIGHBOUR_OPS:
                    if new_op != op:
                        out.append((Edit(name, e, "op", op, new_op), self.with_cell(name, cell.replace_edge(e, op=new_op))))
                node = _node_of(e)
                partner_inp = cell.edges[e ^ 1][1]
                for new_inp in range(node + N_INPUTS):
                    if new_inp not in (inp, partner_inp):
                        out.append(
                            (Edit(name, e, "input", inp, new_inp), self.with_cell(name, cell.replace_edge(e, inp=new_inp)))
                        )
        return out

    def neighbours(self) -> list[DartsGenotype]:
        return [g for _, g in self.edits()]

    def with_cell(self, name: str, cell: DartsCell) -> DartsGenotype:
        """This genotype with its ``name`` cell replaced by ``cell``."""
        cells = {"normal": self.normal, "reduce": self.reduce, name: cell}
        return DartsGenotype(**cells)

    def to_graph(self, cell: str = "normal", encoding: str = "edge", *, output: bool = True) -> nx.DiGraph:
        return self.cell(cell).to_graph(encoding, output=output)


def _pairs(value, name):
    if not isinstance(value, (list, tuple)) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value):
        raise GenotypeError(f"{name} cell: expected a list of (op, input) pairs")
    return tuple((op, inp) for op, inp in value)


def _concat(value, name):
    if isinstance(value, range):
        value = tuple(value)
    if not isinstance(value, (list, tuple)):
        raise GenotypeError(f"{name}_concat: expected a list of node numbers")
    return tuple(value)


def count_cells(with_none: bool = False) -> int:
    """Number of distinct cells of one type (normal or reduce) with the default concat.

    Node ``k`` (0-based) chooses an unordered pair of distinct inputs among ``k + 2`` and an op
    for each of the two edges.

    >>> count_cells()
    1037664180
    """
    n_ops = len(PRIMITIVES) if with_none else len(NEIGHBOUR_OPS)
    return prod(comb(k + N_INPUTS, 2) * n_ops**2 for k in range(N_NODES))


def info() -> dict:
    """Summary counts of the DARTS space."""
    return {
        "space": "darts",
        "ops": list(PRIMITIVES),
        "intermediate_nodes": N_NODES,
        "edges_per_cell": 2 * N_NODES,
        "cells_per_type_without_none": count_cells(False),
        "cells_per_type_with_none": count_cells(True),
        "genotypes_without_none": count_cells(False) ** 2,
        "neighbours_per_genotype": len(CELL_TYPES)
        * (2 * N_NODES * (len(NEIGHBOUR_OPS) - 1) + 2 * sum(range(N_NODES))),
    }


#: NASLib's op indices of its compact DARTS form (no ``none``: NAS-Bench-301 cells never use it).
NASLIB_OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
              "dil_conv_5x5")


def _naslib_cell(cell) -> list[tuple[str, int]]:
    """One cell of NASLib's compact form, 8 ``(input node, op index)`` pairs, as DARTS ``(op, input)`` pairs."""
    if not isinstance(cell, (list, tuple)) or len(cell) != 2 * N_NODES:
        raise GenotypeError(f"a cell must be {2 * N_NODES} (input node, op index) pairs (NASLib's form), got {cell!r}")
    pairs = []
    for pair in cell:
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)):
            raise GenotypeError(f"{pair!r} is not an (input node, op index) pair of integers")
        node, op = pair
        if not 0 <= op < len(NASLIB_OPS):
            raise GenotypeError(f"NASLib DARTS op index {op} is not in 0..{len(NASLIB_OPS) - 1}")
        pairs.append((NASLIB_OPS[op], node))
    return pairs


class DartsSpace(Space):
    """The DARTS space as a :class:`~cellprobe.spaces.base.Space`: a normal and a reduce cell, free inputs."""

    name = "darts"
    ops = PRIMITIVES
    genotype = DartsGenotype
    cell_names = CELL_TYPES
    edges_per_cell = 2 * N_NODES
    nodes_per_cell = N_INPUTS + N_NODES
    n_inputs = N_INPUTS
    free_inputs = True
    inputs_per_node = 2
    default_sampler = "uniform"
    motif_cells = ("normal", "reduce", "both")
    graph_nodes = {"input0": (0,), "input1": (1,), "node": tuple(range(N_INPUTS, N_INPUTS + N_NODES))}
    info_labels = (
        ("intermediate_nodes", "intermediate nodes per cell"),
        ("edges_per_cell", "edges per cell"),
        ("cells_per_type_without_none", "cells per cell type (without none)"),
        ("cells_per_type_with_none", "cells per cell type (with none)"),
        ("genotypes_without_none", "genotypes, normal x reduce (without none)"),
        ("neighbours_per_genotype", "neighbours per genotype"),
    )

    def cells(self, genotype: DartsGenotype) -> list[tuple[str, DartsCell]]:
        return [(name, genotype.cell(name)) for name in CELL_TYPES]

    def disable(self, genotype: DartsGenotype, cell: str, edge: int) -> DartsGenotype:
        return genotype.with_cell(cell, genotype.cell(cell).replace_edge(edge, op="none"))

    def cell_graph(self, genotype: DartsGenotype, cell: str, encoding: str = "edge") -> nx.DiGraph:
        return genotype.cell(cell).to_graph(encoding, output=False)

    def info(self) -> dict:
        return info()

    def fair_draws(self, rng) -> list[DartsGenotype]:
        """Seven genotypes in which each of the 8 edge slots of each cell (two per node, in node order) takes
        each non-``none`` op once; every genotype draws its own inputs (two distinct per node, uniformly), as
        the uniform sampler does.

        >>> gs = SPACE.fair_draws(__import__("numpy").random.default_rng(0))
        >>> len(gs), all(sorted(g.normal.edges[s][0] for g in gs) == sorted(NEIGHBOUR_OPS) for s in range(8))
        (7, True)
        """
        ops = NEIGHBOUR_OPS
        perms = {ct: [rng.permutation(len(ops)) for _ in range(2 * N_NODES)] for ct in CELL_TYPES}
        out = []
        for j in range(len(ops)):
            cells = []
            for ct in CELL_TYPES:
                pairs = []
                for node in range(N_NODES):
                    inputs = rng.choice(node + N_INPUTS, size=2, replace=False)
                    pairs += [(ops[perms[ct][2 * node + i][j]], int(inputs[i])) for i in range(2)]
                cells.append(pairs)
            out.append(DartsGenotype.from_pairs(*cells))
        return out

    def from_naslib(self, arch) -> DartsGenotype:
        """NASLib's compact form ``[[normal cell], [reduce cell]]``: each cell 8 ``(input node, op index)``
        pairs, two per intermediate node, op indices into :data:`NASLIB_OPS`, concat nodes 2–5.

        >>> cell = [(0, 3), (1, 3), (0, 2), (1, 5), (0, 3), (2, 2), (1, 4), (3, 0)]
        >>> SPACE.from_naslib([cell, cell]).normal.edges[:2]
        (('sep_conv_3x3', 0), ('sep_conv_3x3', 1))
        """
        if not isinstance(arch, (list, tuple)) or len(arch) != len(CELL_TYPES):
            raise GenotypeError(f"a NASLib DARTS arch must be [normal cell, reduce cell], got {str(arch)[:80]}")
        return DartsGenotype.from_pairs(*(_naslib_cell(cell) for cell in arch))

    @property
    def neighbour_ops(self) -> tuple[str, ...]:
        return NEIGHBOUR_OPS

    def edge_targets(self) -> np.ndarray:
        return np.arange(2 * N_NODES, dtype=np.int64) // 2 + N_INPUTS

    # -- array form ------------------------------------------------------------------------------------------
    def to_arrays(self, genotypes: list) -> ArchArrays:
        cells, edges, nodes, _ = self.array_shape
        index = self.op_index
        n = len(genotypes)
        flat = [[(index[op], inp) for name in CELL_TYPES for op, inp in g.cell(name).edges] for g in genotypes]
        pairs = np.array(flat, dtype=np.int64).reshape(n, cells, edges, 2)
        concat = np.zeros((n, cells, nodes), dtype=bool)
        for b, g in enumerate(genotypes):
            for c, name in enumerate(CELL_TYPES):
                concat[b, c, list(g.cell(name).concat)] = True
        return ArchArrays(self.name, pairs[..., 0].copy(), pairs[..., 1].copy(), concat)

    def from_arrays(self, batch: ArchArrays) -> list[DartsGenotype]:
        names = self.ops
        out = []
        for ops, inputs, concat in zip(batch.ops.tolist(), batch.inputs.tolist(), batch.concat):
            cells = [DartsCell(tuple((names[o], i) for o, i in zip(ops[c], inputs[c])),
                               tuple(int(k) for k in np.flatnonzero(concat[c])), name)
                     for c, name in enumerate(CELL_TYPES)]
            out.append(DartsGenotype(*cells))
        return out

    def canonical_arrays(self, batch: ArchArrays) -> ArchArrays:
        """Each node's two edges sorted by input, as :meth:`DartsCell.canonical` orders them (a node's two
        inputs always differ, so the input alone decides the order)."""
        n, cells, edges = batch.ops.shape
        ops = batch.ops.reshape(n, cells, edges // 2, 2)
        inputs = batch.inputs.reshape(n, cells, edges // 2, 2)
        swap = (inputs[..., 0] > inputs[..., 1])[..., None]
        if not swap.any():  # already canonical (e.g. a batch canonicalised before)
            return batch

        def ordered(pairs):
            return np.where(swap, pairs[..., ::-1], pairs).reshape(n, cells, edges)

        return ArchArrays(self.name, ordered(ops), ordered(inputs), batch.concat)

    def valid_slots(self, batch: ArchArrays, new_op: np.ndarray, new_input: np.ndarray) -> np.ndarray:
        """Op swaps, and rewirings to an earlier node of the edge's node that is neither the edge's own
        input nor its partner edge's."""
        edges = batch.ops.shape[2]
        inputs = batch.inputs[:, :, :, None]
        partner = batch.inputs[:, :, np.arange(edges) ^ 1, None]
        reach = new_input < self.edge_targets()[:, None]  # inputs 0..node-1 of the edge's node
        rewire = (new_input >= 0) & reach & (new_input != inputs) & (new_input != partner)
        return super().valid_slots(batch, new_op, new_input) | rewire

    # -- the ENAS controller -------------------------------------------------------------------------------------
    @property
    def controller_ops(self) -> tuple[str, ...]:
        return NEIGHBOUR_OPS

    def decisions(self) -> tuple[Decision, ...]:
        """For the normal, then the reduce cell, for each intermediate node 2..5: its first input, its second
        input (a different earlier node), the op of its first edge, the op of its second edge (2 × 4 × 4 = 32)."""
        out: list[Decision] = []
        for cell in CELL_TYPES:
            for k in range(N_NODES):
                node = k + N_INPUTS
                for slot in range(2):
                    out.append(Decision(len(out), cell, node, 2 * k + slot, "input", tuple(range(node))))
                for slot in range(2):
                    out.append(Decision(len(out), cell, node, 2 * k + slot, "op", tuple(NEIGHBOUR_OPS)))
        return tuple(out)

    def decode(self, row) -> DartsGenotype:
        cells = {}
        for c, cell in enumerate(CELL_TYPES):
            part = row[c * 4 * N_NODES : (c + 1) * 4 * N_NODES]
            edges = []
            for k in range(N_NODES):
                in0, in1, op0, op1 = part[4 * k : 4 * k + 4]
                edges += [(NEIGHBOUR_OPS[op0], in0), (NEIGHBOUR_OPS[op1], in1)]
            cells[cell] = DartsCell(tuple(edges), name=cell)
        return DartsGenotype(**cells)

    def encode(self, genotype: DartsGenotype) -> list[int]:
        row = []
        for cell in CELL_TYPES:
            for k in range(N_NODES):
                (op0, in0), (op1, in1) = genotype.cell(cell).node_edges(k)
                if "none" in (op0, op1):
                    raise GenotypeError(f"{genotype.to_str()}: the controller's ops exclude 'none'")
                row += [in0, in1, NEIGHBOUR_OPS.index(op0), NEIGHBOUR_OPS.index(op1)]
        return row


#: The DARTS space.
SPACE = register_space(DartsSpace())
