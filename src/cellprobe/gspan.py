"""Frequent connected subgraphs of labelled directed graphs, mined with gSpan.

gSpan (Yan & Han, ICDM 2002) enumerates the connected subgraphs that occur in at least a given number of
the graphs of a database, growing patterns edge by edge along minimal DFS codes. This module drives the
pinned ``gspan-mining`` package (0.2.3) through a subclass, without forking it:

* graphs are handed over in memory (no temporary file in its text format): vertex and edge labels are
  mapped to integers, vertices are numbered by position;
* results are collected instead of reported: the package's ``_report`` prints every pattern and builds a
  DataFrame with ``DataFrame.append``, which pandas 2 removed; the subclass overrides ``_report`` and
  ``_report_size1`` and keeps, for each pattern, the ids of the graphs that hold it (graph id = position
  in the input list, so the caller maps them back to architectures);
* whatever the package still prints is swallowed.

**Direction.** gSpan's minimal DFS codes are defined for undirected graphs. The package's
``is_undirected=False`` mode only grows patterns along out-edges, so it misses every pattern that is not
reachable from one root, such as a cell node fed by two inputs (``input0 → node ← input1``: checked on
0.2.3, it reports the two single edges and not the pair). So the graphs are mined as undirected
skeletons, and every frequent skeleton is then split by direction, exactly: gSpan's projection of a
pattern lists *all* its embeddings (code edge ``i`` ↦ graph edge), so the direction of each embedded
graph edge tells which directed pattern that embedding is. Embeddings are grouped by their directed
pattern (in canonical form, :meth:`Pattern.canonical`), and a directed pattern is frequent when the
graphs holding it reach the minimum support. This is complete: a
frequent directed pattern has a skeleton at least as frequent, which gSpan therefore finds. Support is
non-induced (a pattern occurs in a graph when it maps injectively onto vertices and edges with equal
labels), i.e. networkx's ``DiGraphMatcher.subgraph_is_monomorphic`` with label matching
(:meth:`Pattern.occurs_in`); the tests check both agree.

Input graphs are :class:`networkx.DiGraph` with a string ``label`` on every vertex and edge, without
self-loops or pairs of opposite edges (cells are DAGs).

>>> import networkx as nx
>>> g = nx.DiGraph()
>>> g.add_nodes_from([(0, {"label": "input"}), (1, {"label": "node"}), (2, {"label": "node"})])
>>> g.add_edges_from([(0, 1, {"label": "conv"}), (1, 2, {"label": "skip"})])
>>> [(f.pattern.to_str(), f.support_count) for f in mine([g, g], min_support=1.0)]
[('input,node;0>1:conv', 2), ('node,node;0>1:skip', 2), ('input,node,node;0>1:conv,1>2:skip', 2)]
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
from gspan_mining.graph import AUTO_EDGE_ID, VACANT_VERTEX_LABEL, Graph
from gspan_mining.gspan import gSpan
from networkx.algorithms.isomorphism import DiGraphMatcher

from cellprobe.errors import CellprobeError

__all__ = ["MiningError", "Pattern", "FrequentPattern", "mine", "min_count"]

_RESERVED = set(",;>: \t\n|")


class MiningError(CellprobeError, ValueError):
    """Graphs or parameters that frequent-subgraph mining cannot use."""


# -- patterns ------------------------------------------------------------------------------------------------


def _refined_colours(labels: Sequence[str], edges: Sequence[tuple[int, int, str]]) -> list[int]:
    """Colour refinement (1-WL on labelled digraphs): isomorphism-invariant vertex classes as integers."""
    n = len(labels)
    out = [[] for _ in range(n)]
    inc = [[] for _ in range(n)]
    for s, t, lab in edges:
        out[s].append((lab, t))
        inc[t].append((lab, s))
    ranks = {lab: i for i, lab in enumerate(sorted(set(labels)))}
    colour = [ranks[lab] for lab in labels]
    while True:
        signature = [
            (colour[v], tuple(sorted((lab, colour[u]) for lab, u in inc[v])),
             tuple(sorted((lab, colour[w]) for lab, w in out[v])))
            for v in range(n)
        ]
        ranks = {sig: i for i, sig in enumerate(sorted(set(signature)))}
        new = [ranks[sig] for sig in signature]
        if len(ranks) == len(set(colour)):
            return new
        colour = new


@dataclass(frozen=True)
class Pattern:
    """A connected labelled directed graph: vertex ``i`` has label ``labels[i]``; edges are ``(source, target, label)``.

    A value: two patterns are equal when written the same way; :meth:`canonical` (or :attr:`key`) is the
    same for isomorphic patterns. The string form lists the vertex labels, then the edges::

        input0,node,node;0>1:sep_conv_3x3,1>2:skip_connect

    (an edge with an empty label is written ``0>1``). Labels may not contain ``, ; > :``, ``|`` or spaces.

    >>> p = Pattern.parse("node,input0;1>0:skip_connect")
    >>> p.canonical().to_str()
    'input0,node;0>1:skip_connect'
    >>> p.key == Pattern.parse("input0,node;0>1:skip_connect").key
    True
    """

    labels: tuple[str, ...]
    edges: tuple[tuple[int, int, str], ...]

    def __post_init__(self):
        labels = tuple(self.labels)
        try:
            edges = tuple((int(s), int(t), str(lab)) for s, t, lab in self.edges)
        except (TypeError, ValueError):
            raise MiningError("pattern edges must be (source, target, label) triples") from None
        for lab in labels:
            if not isinstance(lab, str) or not lab or _RESERVED & set(lab):
                raise MiningError(f"pattern vertex label {lab!r} must be a non-empty string "
                                  "without , ; > : | or spaces")
        if not edges:
            raise MiningError("a pattern needs at least one edge")
        pairs = set()
        for s, t, lab in edges:
            if not (0 <= s < len(labels) and 0 <= t < len(labels)):
                raise MiningError(f"pattern edge {s}>{t} names a vertex outside 0..{len(labels) - 1}")
            if s == t:
                raise MiningError(f"pattern edge {s}>{t} is a self-loop")
            if _RESERVED & set(lab):
                raise MiningError(f"pattern edge label {lab!r} contains one of , ; > : | or a space")
            if (s, t) in pairs or (t, s) in pairs:
                raise MiningError(f"pattern has two edges between vertices {s} and {t}")
            pairs.add((s, t))
        skeleton = nx.Graph()
        skeleton.add_nodes_from(range(len(labels)))
        skeleton.add_edges_from((s, t) for s, t, _ in edges)
        if not nx.is_connected(skeleton):
            raise MiningError("a pattern must be connected (every vertex on an edge, one piece)")
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "edges", edges)

    @property
    def n_vertices(self) -> int:
        return len(self.labels)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    # -- canonical form ----------------------------------------------------------------------------------
    def canonical(self) -> Pattern:
        """The isomorphic pattern with the lexicographically smallest edge list among colour-sorted numberings.

        Vertices are ordered by their refined colour (label and neighbourhood); only vertices of equal
        colour are permuted, so this stays cheap for the small patterns mining produces.
        """
        colour = _refined_colours(self.labels, self.edges)
        classes = [sorted(v for v in range(self.n_vertices) if colour[v] == c) for c in sorted(set(colour))]
        labels = tuple(self.labels[cls[0]] for cls in classes for _ in cls)
        best = None
        for orders in itertools.product(*(itertools.permutations(cls) for cls in classes)):
            position = {v: i for i, v in enumerate(itertools.chain.from_iterable(orders))}
            code = tuple(sorted((position[s], position[t], lab) for s, t, lab in self.edges))
            if best is None or code < best:
                best = code
        return Pattern(labels, best)

    @cached_property
    def key(self) -> str:
        """:meth:`to_str` of the canonical form: equal for isomorphic patterns."""
        return self.canonical().to_str()

    # -- string form -------------------------------------------------------------------------------------
    def to_str(self) -> str:
        edges = ",".join(f"{s}>{t}" + (f":{lab}" if lab else "") for s, t, lab in self.edges)
        return f"{','.join(self.labels)};{edges}"

    def __str__(self) -> str:
        return self.to_str()

    @classmethod
    def parse(cls, text: str) -> Pattern:
        if not isinstance(text, str) or ";" not in text:
            raise MiningError(f"malformed pattern {text!r}: expected 'label,label,...;s>t:label,...'")
        vertices, _, edge_text = text.strip().partition(";")
        labels = tuple(vertices.split(","))
        edges = []
        for item in edge_text.split(","):
            ends, _, lab = item.partition(":")
            s, gt, t = ends.partition(">")
            if not gt or not s.strip().isdigit() or not t.strip().isdigit():
                raise MiningError(f"malformed pattern edge {item!r} in {text!r}: expected s>t or s>t:label")
            edges.append((int(s), int(t), lab))
        return cls(labels, tuple(edges))

    # -- graphs ------------------------------------------------------------------------------------------
    def to_graph(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from((i, {"label": lab}) for i, lab in enumerate(self.labels))
        g.add_edges_from((s, t, {"label": lab}) for s, t, lab in self.edges)
        return g

    @classmethod
    def from_graph(cls, graph: nx.DiGraph, edges=None) -> Pattern:
        """The pattern of ``graph`` (every edge, or the given subset of its edges, with their end vertices)."""
        edges = list(graph.edges) if edges is None else list(edges)
        vertices = sorted({v for e in edges for v in e[:2]}, key=repr)
        index = {v: i for i, v in enumerate(vertices)}
        return cls(tuple(graph.nodes[v]["label"] for v in vertices),
                   tuple((index[s], index[t], graph.edges[s, t]["label"]) for s, t in edges))

    @cached_property
    def _graph(self) -> nx.DiGraph:
        return self.to_graph()

    def occurs_in(self, graph: nx.DiGraph) -> bool:
        """Whether the pattern maps injectively into ``graph`` with equal labels (non-induced: extra edges allowed)."""
        if graph.number_of_edges() < self.n_edges:
            return False
        matcher = DiGraphMatcher(graph, self._graph, node_match=_same_label, edge_match=_same_label)
        return matcher.subgraph_is_monomorphic()


def _same_label(a: dict, b: dict) -> bool:
    return a.get("label") == b.get("label")


@dataclass(frozen=True)
class FrequentPattern:
    """A mined pattern (canonical form) and the ids (input positions) of the graphs that hold it."""

    pattern: Pattern
    graphs: tuple[int, ...]

    @property
    def support_count(self) -> int:
        return len(self.graphs)


# -- the gSpan driver ------------------------------------------------------------------------------------------


class _CollectingGSpan(gSpan):
    """``gspan_mining.gSpan`` fed from memory, reporting into :attr:`found` instead of printing."""

    def __init__(self, database: dict[int, Graph], arcs: dict[int, set], labels: list[str], *, min_count: int,
                 min_vertices: int, max_vertices: float):
        super().__init__(database_file_name="", min_support=min_count, min_num_vertices=min_vertices,
                         max_num_vertices=max_vertices, is_undirected=True, verbose=False, visualize=False,
                         where=False)
        self._database = database
        self._arcs = arcs  # per graph id: the directed (source, target) vertex pairs
        self._label_names = labels  # integer label -> string
        self.found: dict[str, tuple[Pattern, set[int]]] = {}

    def _read_graphs(self):  # the package reads a text file here
        self.graphs = dict(self._database)
        return self

    def _report_size1(self, g, support):  # single vertices are not motifs
        pass

    def _report(self, projected):
        code = self._DFScode
        n_vertices = code.get_num_vertices()
        if n_vertices < self._min_num_vertices:
            return
        vertex_label = {}
        for e in code:
            vlb1, _, vlb2 = e.vevlb
            if vlb1 != VACANT_VERTEX_LABEL:
                vertex_label[e.frm] = vlb1
            if vlb2 != VACANT_VERTEX_LABEL:
                vertex_label[e.to] = vlb2
        # Code edge i is embedded as graph edge (edge.frm, edge.to) in the direction of the code (frm, to);
        # the graph's own direction of that edge says how to orient the pattern edge.
        by_direction: dict[tuple[bool, ...], set[int]] = defaultdict(set)
        for p in projected:
            arcs, bits, q = self._arcs[p.gid], [], p
            while q is not None:
                bits.append((q.edge.frm, q.edge.to) in arcs)
                q = q.prev
            by_direction[tuple(reversed(bits))].add(p.gid)
        name = self._label_names
        labels = tuple(name[vertex_label[v]] for v in range(n_vertices))
        merged: dict[str, tuple[Pattern, set[int]]] = {}
        for bits, gids in by_direction.items():
            edges = tuple((e.frm, e.to, name[e.vevlb[1]]) if forward else (e.to, e.frm, name[e.vevlb[1]])
                          for e, forward in zip(code, bits))
            pattern = Pattern(labels, edges).canonical()
            key = pattern.to_str()
            merged.setdefault(key, (pattern, set()))[1].update(gids)
        for key, (pattern, gids) in merged.items():
            if len(gids) >= self._min_support:
                if key in self.found:  # cannot happen (one minimal code per skeleton); merge to be safe
                    self.found[key][1].update(gids)
                else:
                    self.found[key] = (pattern, gids)


def min_count(min_support: float, n_graphs: int) -> int:
    """The number of graphs a fraction ``min_support`` of ``n_graphs`` means (rounded up, at least 1)."""
    if isinstance(min_support, bool) or not isinstance(min_support, (int, float)) or not 0 < min_support <= 1:
        raise MiningError(f"min support must be a fraction in (0, 1], got {min_support!r}")
    return max(1, math.ceil(min_support * n_graphs - 1e-9))


def _database(graphs: Sequence[nx.DiGraph]):
    vertex_labels, edge_labels = set(), set()
    for i, g in enumerate(graphs):
        if not isinstance(g, nx.DiGraph) or g.is_multigraph():
            raise MiningError(f"graph {i}: expected a networkx DiGraph, got {type(g).__name__}")
        for v, data in g.nodes(data=True):
            if not isinstance(data.get("label"), str):
                raise MiningError(f"graph {i}: vertex {v!r} has no string label")
            vertex_labels.add(data["label"])
        for s, t, data in g.edges(data=True):
            if not isinstance(data.get("label"), str):
                raise MiningError(f"graph {i}: edge {s!r}->{t!r} has no string label")
            if s == t:
                raise MiningError(f"graph {i}: self-loop at {s!r}")
            if g.has_edge(t, s):
                raise MiningError(f"graph {i}: edges {s!r}->{t!r} and {t!r}->{s!r}; "
                                  "mining needs at most one edge per pair")
            edge_labels.add(data["label"])
    names = sorted(vertex_labels | edge_labels)
    code = {lab: i for i, lab in enumerate(names)}
    database, arcs = {}, {}
    for gid, g in enumerate(graphs):
        index = {v: i for i, v in enumerate(g.nodes)}
        graph = Graph(gid, is_undirected=True, eid_auto_increment=True)
        for v, data in g.nodes(data=True):
            graph.add_vertex(index[v], code[data["label"]])
        for s, t, data in g.edges(data=True):
            graph.add_edge(AUTO_EDGE_ID, index[s], index[t], code[data["label"]])
        database[gid] = graph
        arcs[gid] = {(index[s], index[t]) for s, t in g.edges}
    return database, arcs, names


def mine(graphs: Sequence[nx.DiGraph], min_support: float = 0.05, *, min_vertices: int = 2,
         max_vertices: int | None = None) -> list[FrequentPattern]:
    """Every connected directed pattern held by at least ``min_support`` (a fraction) of ``graphs``.

    ``min_vertices``/``max_vertices`` bound the patterns' vertex counts (a pattern has at least one edge,
    so at least 2 vertices; ``None`` = no upper bound). Patterns are returned in canonical form, most
    frequent first, then smaller first, then by their string form.

    Cost grows with the number of patterns, not only of graphs: when the minimum support comes to one
    graph, every connected subgraph of every graph is a pattern (100 DARTS cells in the node encoding
    at 1% give 417,236 patterns and take minutes); bound ``max_vertices`` or raise the support there.
    """
    graphs = list(graphs)
    if not graphs:
        raise MiningError("no graphs to mine")
    for name, value in (("min_vertices", min_vertices), ("max_vertices", max_vertices)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 2):
            raise MiningError(f"{name} must be an integer of at least 2 (a pattern has an edge), got {value!r}")
    if max_vertices is not None and max_vertices < min_vertices:
        raise MiningError(f"max_vertices ({max_vertices}) is below min_vertices ({min_vertices})")
    count = min_count(min_support, len(graphs))
    database, arcs, names = _database(graphs)
    miner = _CollectingGSpan(database, arcs, names, min_count=count, min_vertices=min_vertices,
                             max_vertices=float("inf") if max_vertices is None else max_vertices)
    with contextlib.redirect_stdout(io.StringIO()):
        miner.run()
    found = [FrequentPattern(p, tuple(sorted(gids))) for p, gids in miner.found.values()]
    found.sort(key=lambda f: (-f.support_count, f.pattern.n_edges, f.pattern.n_vertices, f.pattern.to_str()))
    return found
