"""`python3 -m lab ...` is the same as the `nslab` console script.

Exit 1 means "the experiment ran and found mismatches", which Python also uses for a crash: an
unexpected error (a bug, or a package shipped incomplete) exits 3 instead, so a caller such as
the namespace_lab role never reads a crash as a result.
"""

import sys
import traceback

INTERNAL_ERROR = 3

try:
    from lab.cli import main

    status = main()
except (KeyboardInterrupt, SystemExit):
    raise
except BaseException:
    traceback.print_exc()
    print("nslab: internal error (a bug in nslab; the traceback above says where)", file=sys.stderr)
    status = INTERNAL_ERROR
sys.exit(status)
