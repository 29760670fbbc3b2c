"""``cellprobe motifs mine``: frequent subgraphs of the top cells of a ground truth and their over-representation."""

from __future__ import annotations

from pathlib import Path

from cellprobe.cli.common import add_space, add_truth_options, load_truth, say

__all__ = ["register"]


def _mine(args) -> None:
    from cellprobe.analysis.motifs import mine_motifs
    from cellprobe.tables import MOTIF_OCCURRENCES, MOTIFS, write_table

    truth = load_truth(args, args.space)
    motifs, occurrences, meta = mine_motifs(
        truth, top=args.top, set_name=args.set, encoding=args.encoding, cells=args.cells,
        min_support=args.min_support, min_vertices=args.min_vertices, max_vertices=args.max_vertices,
        reference_size=args.reference_size, reference_sampler=args.reference_sampler, seed=args.seed)
    meta["inputs"] = [str(p) for p in ([args.benchmark] if args.benchmark else args.train)]
    write_table(motifs, args.motifs, MOTIFS, meta)
    write_table(occurrences, args.occurrences, MOTIF_OCCURRENCES, meta)
    significant = motifs[(motifs["reference"] == "random") & (motifs["q_value"] < 0.05)]
    say(f"wrote {args.motifs}, {args.occurrences}: {motifs['motif_id'].nunique()} motifs of {meta['architectures']} "
        f"{truth.space} architectures, {len(significant)} over-represented against random cells (q < 0.05)")


def register(commands) -> None:
    motifs = commands.add_parser("motifs", help="frequent subgraphs of top cells and their over-representation")
    sub = motifs.add_subparsers(dest="motifs_command", required=True, metavar="<subcommand>")
    p = sub.add_parser("mine", help="mine the motifs of the top architectures (gSpan) and test them")
    add_truth_options(p)
    add_space(p, required=False, help="the space to take (needed when the train_result tables hold two)")
    p.add_argument("--top", type=float, default=0.05, help="fraction of the architectures mined (default 0.05)")
    p.add_argument("--set", default="", help="name of the mined set (default top<percent>, e.g. top5)")
    p.add_argument("--min-support", type=float, default=0.05, help="fraction of the mined cells (default 0.05)")
    p.add_argument("--encoding", default="edge", choices=["edge", "node"], help="ops on edges or as vertices")
    p.add_argument("--cells", help="DARTS: normal (default), reduce or both; NB201: cell")
    p.add_argument("--min-vertices", type=int, default=2)
    p.add_argument("--max-vertices", type=int, default=None, help="largest motif (vertices; default no bound)")
    p.add_argument("--reference-size", type=int, default=1000,
                   help="random reference architectures, and random subgraphs per motif size (default 1000)")
    p.add_argument("--reference-sampler", help="sampler of the random reference (default uniform over the space)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--motifs", required=True, type=Path, help="output motifs table")
    p.add_argument("--occurrences", required=True, type=Path, help="output motif_occurrences table")
    p.set_defaults(func=_mine)
