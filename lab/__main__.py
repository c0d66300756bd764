"""`python3 -m lab ...` is the same as the `nslab` console script."""

import sys

from lab.cli import main

sys.exit(main())
