"""`python -m bot` runs the same command line as `csm-vs-pm`."""

import sys

from bot.cli import main

sys.exit(main())
