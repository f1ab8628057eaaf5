#!/usr/bin/env python3
"""Build the handout PDFs and the EPUB: `python make_docs.py --help` explains everything."""

import sys

from muscledocs.cli import main

if __name__ == "__main__":
    sys.exit(main())
