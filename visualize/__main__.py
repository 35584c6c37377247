"""``python -m visualize ...`` runs the ``autograd-lite`` command."""

import sys

from visualize.cli import main

sys.exit(main())
