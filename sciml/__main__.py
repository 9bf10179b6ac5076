"""``python -m sciml``: the command-line interface."""

import sys

from sciml.cli import main

sys.exit(main())
