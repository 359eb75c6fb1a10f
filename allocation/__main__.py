"""``python -m allocation FILE.json``: the same as ``costshare allocate FILE.json``."""

import sys

from allocation.cli import main

sys.exit(main())
