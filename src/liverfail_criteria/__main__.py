"""``python -m liverfail_criteria`` runs the command line."""

import sys

from .cli import main

sys.exit(main())
