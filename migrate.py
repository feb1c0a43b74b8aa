#!/usr/bin/env python3
"""Copy a SQLite database into PostgreSQL in one transaction. Run with --help for the options."""

import sys

from pgparity.cli import main

if __name__ == "__main__":
    sys.exit(main())
