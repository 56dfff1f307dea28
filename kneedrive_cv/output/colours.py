"""The colours every output shares.

A coach reads the athlete's left and right, and a good or poor rep, the same way in the overlay, the plots,
the report and the web pages.
"""

from __future__ import annotations

from kneedrive_cv.landmarks import Side

RGB = tuple[int, int, int]

#: The athlete's own left (azure) and right (magenta).
SIDE_RGB: dict[Side, RGB] = {Side.LEFT: (40, 165, 255), Side.RIGHT: (255, 70, 200)}
#: Rep scores: good at or above GOOD_SCORE, fair at or above FAIR_SCORE, poor below; grey when unscored.
GOOD_SCORE = 80.0
FAIR_SCORE = 60.0
GOOD_RGB: RGB = (60, 205, 90)
FAIR_RGB: RGB = (255, 185, 0)
POOR_RGB: RGB = (240, 60, 50)
UNSCORED_RGB: RGB = (170, 170, 170)


def hex_colour(rgb: RGB) -> str:
    """``#rrggbb`` for matplotlib and CSS."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def score_rgb(score: float | None) -> RGB:
    """The colour of a rep score."""
    if score is None or score != score:  # None or NaN
        return UNSCORED_RGB
    return GOOD_RGB if score >= GOOD_SCORE else FAIR_RGB if score >= FAIR_SCORE else POOR_RGB


def score_grade(score: float | None) -> str:
    """``good``, ``fair``, ``poor`` or ``na``: the CSS class of a score."""
    if score is None or score != score:
        return "na"
    return "good" if score >= GOOD_SCORE else "fair" if score >= FAIR_SCORE else "poor"
