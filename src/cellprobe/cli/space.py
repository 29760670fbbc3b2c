"""``cellprobe space info|neighbours|canonical``: inspect a search space and its architectures."""

from __future__ import annotations

import json

from cellprobe.cli.common import add_space, space_choices

__all__ = ["register"]


def _info(args) -> None:
    from cellprobe.spaces import get_space

    space = get_space(args.space)
    info = space.info()
    if args.json:
        print(json.dumps(info, indent=2))
        return
    print(f"space: {info['space']}")
    print(f"ops: {', '.join(info['ops'])}")
    for key, label in space.info_labels:
        print(f"{label}: {info[key]:,}")


def _neighbours(args) -> None:
    from cellprobe.spaces import parse_genotype

    for edit, neighbour in parse_genotype(args.space, args.arch).edits():
        if args.edits:
            print(f"{edit.cell}\t{edit.edge}\t{edit.kind}\t{edit.old}\t{edit.new}\t{neighbour.to_str()}")
        else:
            print(neighbour.to_str())


def _canonical(args) -> None:
    from cellprobe.spaces import parse_genotype

    genotype = parse_genotype(args.space, args.arch)
    print(f"arch_id: {genotype.arch_id}")
    print(f"canonical_key: {genotype.canonical_key}")


def register(commands) -> None:
    space = commands.add_parser("space", help="inspect a search space and its architectures")
    sub = space.add_subparsers(dest="space_command", required=True, metavar="<subcommand>")
    p = sub.add_parser("info", help="counts of a search space")
    p.add_argument("space", choices=space_choices())
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=_info)
    p = sub.add_parser("neighbours", help="the single-edge neighbours of an architecture, one per line")
    add_space(p)
    p.add_argument("arch", help="architecture string (DARTS: Genotype(...) or compact form; NB201: |op~0|+...)")
    p.add_argument("--edits", action="store_true", help="prefix each neighbour with its edit: cell, edge, kind, old, new")
    p.set_defaults(func=_neighbours)
    p = sub.add_parser("canonical", help="the canonical key and id of an architecture")
    add_space(p)
    p.add_argument("arch")
    p.set_defaults(func=_canonical)
