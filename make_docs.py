#!/usr/bin/env python3
"""Build the handout PDFs and the EPUB: `python make_docs.py --help` explains everything.

This file lives in the project folder, so it builds this project wherever it is run from
(`--project DIR` builds another); `make-docs` and `python -m muscledocs` build the project
in the current folder.
"""

import sys
from pathlib import Path

from muscledocs.cli import main

if __name__ == "__main__":
    sys.exit(main(default_project=Path(__file__).resolve().parent))
