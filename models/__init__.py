"""The pose model bundle that ships with kneedrive_cv (installed as ``kneedrive_cv.models``; see README.md)."""
