"""What every search space shares: op vocabularies, single-edge edits, stable ids, controller decisions and
the :class:`Space` interface each space implements."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from cellprobe.errors import GenotypeError

__all__ = ["Edit", "OpVocabulary", "stable_id", "EDIT_KINDS", "Decision", "Space"]

EDIT_KINDS = ("op", "input")


class OpVocabulary(tuple):
    """An ordered, duplicate-free tuple of op names.

    >>> ops = OpVocabulary("demo", ["none", "skip_connect"])
    >>> ops.check("skip_connect", where="edge 0")
    'skip_connect'
    """

    def __new__(cls, space: str, names):
        names = tuple(names)
        seen = set()
        for name in names:
            if not isinstance(name, str) or not name:
                raise ValueError(f"{space}: op names must be non-empty strings, got {name!r}")
            if name in seen:
                raise ValueError(f"{space}: duplicate op name {name!r}")
            seen.add(name)
        self = super().__new__(cls, names)
        self.space = space
        return self

    def check(self, op, *, where: str) -> str:
        """Return ``op`` if it belongs to the vocabulary, else raise a :class:`GenotypeError`."""
        if op not in self:
            raise GenotypeError(
                f"unknown op {op!r} at {where}; {self.space} ops are: {', '.join(self)}"
            )
        return op

    def without(self, *names: str) -> tuple[str, ...]:
        return tuple(op for op in self if op not in names)


@dataclass(frozen=True)
class Edit:
    """One single-edge change that turns an architecture into one of its neighbours.

    ``cell`` is ``"normal"``/``"reduce"`` in the DARTS space and ``"cell"`` in NB201;
    ``edge`` indexes the edge in the genotype's own edge order; ``kind`` is ``"op"`` (op swap)
    or ``"input"`` (rewiring); ``old``/``new`` are op names or input-node numbers.
    """

    cell: str
    edge: int
    kind: str
    old: str | int
    new: str | int

    def __post_init__(self):
        if self.kind not in EDIT_KINDS:
            raise ValueError(f"edit kind must be one of {EDIT_KINDS}, got {self.kind!r}")


def stable_id(space: str, canonical: str) -> str:
    """A short id that is the same on every machine and Python run for one canonical string."""
    digest = hashlib.blake2b(f"{space}\n{canonical}".encode(), digest_size=8).hexdigest()
    return f"{space}-{digest}"


@dataclass(frozen=True)
class Decision:
    """One time step of an ENAS-style controller that builds a genotype decision by decision.

    ``cell``: the cell the decision belongs to (a name of :attr:`Space.cell_names`); ``node``: the node the
    decision feeds (the array numbering: the cell inputs first); ``edge``: the edge's index in the genotype's
    own edge order; ``kind``: ``"op"`` or ``"input"``; ``choices``: the options, op names or input node numbers
    in the same numbering (action ``i`` = ``choices[i]``).
    """

    step: int
    cell: str
    node: int
    edge: int
    kind: str
    choices: tuple


class Space:
    """Everything cellprobe knows about one search space, in one place (torch-free).

    One instance per space (:data:`cellprobe.spaces.SPACES`); its torch parts (supernet, networks,
    presets) are registered under the same name in :mod:`cellprobe.nn`. Subclasses set the attributes
    and implement the genotype-specific methods.

    Structure, as the array form (:mod:`cellprobe.spaces.arrays`) lays it out: a genotype is
    ``len(cell_names)`` cells of ``edges_per_cell`` edges over ``nodes_per_cell`` nodes, the first
    ``n_inputs`` of them cell inputs; :meth:`edge_targets` gives the node each edge feeds. With
    ``free_inputs`` each edge also chooses its source node (DARTS), and neighbours include rewirings;
    otherwise an edge's source is fixed by its position (NB201).
    """

    name: str
    ops: OpVocabulary
    genotype: type
    #: The cells of a genotype, in array order (as :class:`Edit` and the tables name them).
    cell_names: tuple[str, ...]
    edges_per_cell: int
    nodes_per_cell: int
    n_inputs: int
    free_inputs: bool
    #: The sampler whose draws are "a random architecture of the space" (uniform).
    default_sampler: str
    #: Whether isomorphic cells are identified (canonical keys that are isomorphism classes).
    isomorphism_classes: bool = False
    #: Whether every architecture of the space can be enumerated (:meth:`population`).
    enumerable: bool = False
    #: The sampler drawing isomorphism classes uniformly (spaces with :attr:`isomorphism_classes`).
    class_sampler: str | None = None
    #: How many incoming edges an intermediate node has, when the space fixes it (DARTS: 2).
    inputs_per_node: int | None = None
    #: The benchmark table that holds every architecture of the space (None: no benchmark ships with cellprobe).
    benchmark: str | None = None
    #: Which cells motif mining may look at: each cell name, or ``both`` (pooled).
    motif_cells: tuple[str, ...]
    #: Cell-node labels of the graph encoding and the nodes each may sit on.
    graph_nodes: dict[str, tuple[int, ...]]
    #: Whether an edge can be cut (:meth:`disable`: set to ``none``), which operator-importance verification needs.
    can_disable: bool = True
    #: What the space's shared weights learn from (:mod:`cellprobe.search.shared`): ``image`` (a supernet
    #: classifying prepared images) or ``text`` (a recurrent language model on a prepared corpus).
    task: str = "image"
    #: What a cell's edges (or nodes) choose, in the plural, as the analysis names the similarity of two cells
    #: (``common_ops``; ENAS' recurrent cell: ``common_activations``).
    op_noun: str = "ops"
    #: ``(info key, label)`` of :meth:`info` as ``cellprobe space info`` prints it.
    info_labels: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        return f"<space {self.name}>"

    # -- genotypes -------------------------------------------------------------------------------------
    def parse(self, text: str):
        """The genotype written as ``text`` (one :class:`GenotypeError` line if malformed)."""
        return self.genotype.parse(text)

    def cells(self, genotype) -> list[tuple[str, object]]:
        """``(name, cell)`` of each cell of ``genotype``, in :attr:`cell_names` order."""
        raise NotImplementedError

    def disable(self, genotype, cell: str, edge: int):
        """``genotype`` with edge ``edge`` of ``cell`` set to ``none`` (disconnected)."""
        raise NotImplementedError

    def cell_graph(self, genotype, cell: str, encoding: str = "edge"):
        """One cell of ``genotype`` as a labelled DAG without ``none`` edges (nodes labelled by :attr:`graph_nodes`)."""
        raise NotImplementedError

    def from_ops(self, ops):
        """The genotype whose edges, in array order, carry ``ops`` (spaces whose edges have fixed inputs)."""
        raise GenotypeError(f"a {self.name} genotype is more than its ops: its edges choose their inputs")

    def from_naslib(self, arch):
        """The genotype of NASLib's compact encoding ``arch`` (NAS-Bench-Suite-Zero's ``arch`` keys), already
        parsed from its string form; one :class:`GenotypeError` line if it is not one of this space."""
        raise GenotypeError(f"the {self.name} space has no NASLib encoding")

    def fair_draws(self, rng) -> list:
        """FairNAS' strict fairness (Chu et al., ICCV 2021): as many genotypes as an edge has candidate ops, in
        which every edge takes each candidate op exactly once (a random permutation per edge); ``rng`` a
        :class:`numpy.random.Generator`."""
        raise GenotypeError(f"the {self.name} space has no fair sampling")

    def population(self) -> list:
        """Every architecture of the space (enumerable spaces only), in the benchmark's order where it has one."""
        raise GenotypeError(f"the {self.name} space is too large to enumerate; draw a sample instead")

    def info(self) -> dict:
        """Summary counts of the space."""
        raise NotImplementedError

    def benchmark_indices(self, batch):
        """The benchmark's row index of each architecture of an array batch (spaces with a :attr:`benchmark`)."""
        raise GenotypeError(f"the {self.name} space has no benchmark table")

    # -- structure -------------------------------------------------------------------------------------
    @property
    def without_none(self) -> tuple[str, ...]:
        """The ops that carry a signal (every op but ``none``)."""
        return self.ops.without("none")

    @property
    def neighbour_ops(self) -> tuple[str, ...]:
        """The ops an op swap may put on an edge (:meth:`edits` of the genotypes)."""
        raise NotImplementedError

    @property
    def array_shape(self) -> tuple[int, int, int, int]:
        """``(cells, edges per cell, nodes per cell, input nodes)``."""
        return len(self.cell_names), self.edges_per_cell, self.nodes_per_cell, self.n_inputs

    @property
    def possible_inputs(self) -> int:
        """How many nodes an edge may come from (every node but the last)."""
        return self.nodes_per_cell - 1

    def edge_targets(self):
        """The node each edge feeds, an int64 array ``(edges,)``; nodes are numbered in topological order."""
        raise NotImplementedError

    def fixed_sources(self):
        """The source node of each edge when :attr:`free_inputs` is false, an int64 array ``(edges,)``."""
        raise NotImplementedError

    def resolve_cells(self, cells: str | None) -> str:
        """A check of a motif-cells choice (``None``: the first of :attr:`motif_cells`)."""
        if cells is None:
            return self.motif_cells[0]
        if cells not in self.motif_cells:
            raise GenotypeError(f"cells must be one of {', '.join(self.motif_cells)} in the {self.name} space, "
                                f"got {cells!r}")
        return cells

    def cells_of(self, cells: str) -> tuple[str, ...]:
        """The cell names a motif-cells choice stands for (``both``: every cell)."""
        return self.cell_names if cells == "both" else (cells,)

    # -- the ENAS controller's decisions ---------------------------------------------------------------------
    @property
    def controller_ops(self) -> tuple[str, ...]:
        """The ops the controller chooses from."""
        raise NotImplementedError

    def decisions(self) -> tuple[Decision, ...]:
        """The controller's time steps, in order."""
        raise NotImplementedError

    def decode(self, row) -> object:
        """The genotype of one action sequence (indices into each decision's choices)."""
        raise NotImplementedError

    def encode(self, genotype) -> list[int]:
        """The action sequence that produces ``genotype``."""
        raise NotImplementedError

    # -- array form (:mod:`cellprobe.spaces.arrays`) -----------------------------------------------------------
    @cached_property
    def op_index(self) -> dict[str, int]:
        """Op name → its index in :attr:`ops`."""
        return {op: i for i, op in enumerate(self.ops)}

    def to_arrays(self, genotypes: list):
        """The :class:`~cellprobe.spaces.arrays.ArchArrays` of a list of this space's genotypes."""
        raise NotImplementedError

    def from_arrays(self, batch) -> list:
        """The genotypes of a batch of this space (validated as any genotype is)."""
        raise NotImplementedError

    def canonical_arrays(self, batch):
        """``batch`` in canonical edge order (spaces whose edges have one order return it as it is)."""
        return batch

    @cached_property
    def neighbour_slots(self):
        """Per edge, the candidate slots of its neighbours in :meth:`edits` order: ``(new_op, new_input)``.

        Each is an int64 array ``(edges, slots)``: an op slot sets ``new_op`` (``new_input = -1``), a
        rewiring slot — spaces with free inputs only — sets ``new_input`` (``new_op = -1``).
        """
        import numpy as np

        ops = np.array([self.op_index[op] for op in self.neighbour_ops], dtype=np.int64)
        edges = self.edges_per_cell
        new_op = np.tile(ops, (edges, 1))
        new_input = np.full((edges, len(ops)), -1, dtype=np.int64)
        if self.free_inputs:
            k = self.possible_inputs
            new_op = np.concatenate([new_op, np.full((edges, k), -1, dtype=np.int64)], axis=1)
            new_input = np.concatenate([new_input, np.tile(np.arange(k, dtype=np.int64), (edges, 1))], axis=1)
        return new_op, new_input

    def valid_slots(self, batch, new_op, new_input):
        """Which neighbour slots apply to each edge of ``batch``: bool ``(n, cells, edges, slots)``.

        An op slot applies when it changes the op; rewirings are for spaces with free inputs to decide.
        """
        return (new_op >= 0) & (new_op != batch.ops[:, :, :, None])
