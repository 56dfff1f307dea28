"""``python -m kneedrive_cv`` runs the command line."""

import sys

from kneedrive_cv.cli import main

sys.exit(main())
