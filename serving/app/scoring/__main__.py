"""`python -m app.scoring`: see app/scoring/cli.py."""

import sys

from app.scoring.cli import main

sys.exit(main())
