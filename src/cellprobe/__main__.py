import sys

from cellprobe.cli import main

sys.exit(main())
