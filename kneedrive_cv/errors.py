"""The exceptions a user can cause, each with a message that says what was expected, what was found and what to do.

The CLI turns any :class:`KneedriveError` into one line and a non-zero exit; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations


class KneedriveError(Exception):
    """Base class for problems with the user's input, files or settings (not bugs)."""


class VideoError(KneedriveError):
    """The file is missing, empty, not a video, or cannot be decoded."""


class NoPersonError(KneedriveError):
    """No person was found in (enough of) the clip."""


class ModelError(KneedriveError):
    """The pose model file is missing, unreadable or of the wrong kind."""


class UnknownDrillError(KneedriveError):
    """A drill name that is not in the registry."""


class ConfigError(KneedriveError):
    """A drill/threshold file with unknown keys, bad values or bad syntax."""


class OutputError(KneedriveError):
    """An output folder or file that cannot be written."""


class TrackFormatError(KneedriveError):
    """A saved pose track that is not one this version can read."""


class UnknownAthleteError(KneedriveError):
    """An athlete id that is not one of the people seen in the clip."""


class CompareError(KneedriveError):
    """Two analyses that cannot be compared: no reps, or a rep number that is not there."""
