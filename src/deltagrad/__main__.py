"""``python -m deltagrad`` is the same as the ``deltagrad`` command."""

import sys

from deltagrad.cli import main

sys.exit(main())
