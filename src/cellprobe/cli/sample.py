"""``cellprobe sample``: a named set of distinct architectures (drawn, searched, importance variants or motif-built)."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import say, space_choices

__all__ = ["register"]


def _sample(args) -> None:
    from cellprobe.sampling import build_set
    from cellprobe.tables import (IMPORTANCE_VARIANTS, MOTIFS, SAMPLE_SET, SEARCH_GENOTYPES, read_frame, read_frames,
                                  write_table)

    sources = [*(args.from_search or []), *([args.from_importance] if args.from_importance else []),
               *([args.from_motifs] if args.from_motifs else [])]
    table, meta = build_set(
        args.name, sampler=args.sampler, size=args.size, seed=args.seed, space=args.space,
        search=read_frames(args.from_search, SEARCH_GENOTYPES) if args.from_search else None,
        variants=read_frame(args.from_importance, IMPORTANCE_VARIANTS) if args.from_importance else None,
        motifs=read_frame(args.from_motifs, MOTIFS) if args.from_motifs else None,
        motif_rank=args.motif_rank, motif_id=args.motif_id, motif_reference=args.motif_reference)
    if sources:
        meta["sources"] = [str(p) for p in sources]
    write_table(table, args.out, SAMPLE_SET, metadata=meta)
    say(f"wrote {args.out}: {len(table)} architectures")


def register(commands) -> None:
    p = commands.add_parser("sample", help="draw a named set of distinct architectures")
    p.add_argument("--sampler", help="sampler name (uniform, prim, skip, primskip, nb201, nb201-iso, nb201-reachable)")
    p.add_argument("--size", type=int, help="number of architectures")
    p.add_argument("--from-search", type=Path, nargs="+", help="search_genotypes tables: take their architectures")
    p.add_argument("--from-importance", type=Path, help="importance_variants table: take its variants")
    p.add_argument("--from-motifs", type=Path, help="motifs table: draw --size architectures around one of its motifs")
    p.add_argument("--motif-rank", type=int, default=1, help="with --from-motifs: the motif's rank (default 1)")
    p.add_argument("--motif-id", help="with --from-motifs: the motif's id (instead of --motif-rank)")
    p.add_argument("--motif-reference", default="random", choices=["random", "subgraphs"],
                   help="with --from-motifs: the reference the rank is against (default random)")
    p.add_argument("--space", choices=space_choices(), help="with --from-search: the space to take")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--name", default="", help="name of the set, recorded in the table metadata")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=_sample)
