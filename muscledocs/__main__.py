"""`python -m muscledocs`: the command line, for the project in the current folder."""

import sys

from .cli import main

sys.exit(main())
