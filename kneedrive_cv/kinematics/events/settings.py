"""What every event detector shares: its thresholds, and small helpers on the per-frame series.

Every threshold is in degrees, thigh lengths or seconds, never frames, so a 29.97 fps phone clip and a
120 fps one give the same answer; times come from the container, never index / fps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.filtering import fill_gaps
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side, sided

#: Data starting (ending) this close to the clip's start (end) is cut by the clip, not by a gap.
CLIP_EDGE_S = 0.15

#: A knee drive cut by the clip's edge is whole when, between that edge and its peak, the thigh comes within this
#: share of the swing of the leg's low point: the start or end that is missing is then only a sliver.
#: (``synth.truth.drives_seen_whole`` counts the truth's drives by the same rule.)
EDGE_SWING_SHARE = 0.15


@dataclass(frozen=True)
class EventSettings:
    """Event detection thresholds."""

    drive_prominence_deg: float = 20.0
    # a dragged leg drives to about 30 deg, and the far leg, half hidden, reads up to 10 deg low (docs/DRILLS.md):
    # the floor sits that error below it, or a dragged drive comes and goes with encoding noise
    drive_min_peak_deg: float = 20.0
    #: A knee drive lifts its foot: a thigh peaking at drive_lifts_foot_deg or more has its ankle above the other
    #: ankle (by drive_min_foot_lift_thighs, thigh lengths; a vertical shank alone lifts it 0.43 at 55 deg). A
    #: thigh raised with its foot on the floor ahead (the front leg of a lunge, measured 0.12-0.22 below the back
    #: ankle) is no drive; a half-hidden far leg's drive measured 0.11 above at the least.
    drive_lifts_foot_deg: float = 55.0
    drive_min_foot_lift_thighs: float = 0.0
    #: ... and its ankle at its own floor: within drive_floor_tol_thighs of its lowest point within
    #: drive_floor_window_s either side (a lunge's front ankle measured 0.02-0.08 above it; a pocket run's driven
    #: ankle, the other foot in the air behind after its push, 0.15 and more).
    drive_floor_window_s: float = 0.6
    drive_floor_tol_thighs: float = 0.12
    drive_min_interval_s: float = 0.15
    hold_min_thigh_deg: float = 60.0
    hold_min_s: float = 0.8
    hold_max_speed_deg_s: float = 60.0
    hold_bridge_s: float = 0.4  # a tracking glitch this short inside a hold does not end it
    hold_rejoin_s: float = 0.8  # holds of one leg this close are one the model split (see holds._joined_by_the_foot)
    #: A heel raise plantarflexes the standing ankle by at least raise_min_deg (a coach's smallest is about 10 deg),
    #: no sooner than raise_min_interval_s after the last, and lifts the heel at least raise_min_thighs (1 cm);
    #: a heel rising less than raise_min_px in the picture is too small there to measure (its rise is then "not
    #: measured", and a figure too small to show raise_min_thighs is not held to it).
    raise_min_deg: float = 6.0
    raise_min_thighs: float = 0.02
    #: ... and no more than the foot is long (heel to toe about 0.45 thigh lengths, the toe staying down): a heel
    #: "rising" further is the model drawing the standing foot where the raised one is.
    raise_max_thighs: float = 0.45
    raise_min_px: float = 2.0
    raise_min_interval_s: float = 0.25
    #: ... and stays up at least this long at half its height: two raises a second stay up about 0.25 s, a
    #: landmark glitch of a few frames under 0.1 s.
    raise_min_width_s: float = 0.12
    #: Raises are looked for on the ankle's angle averaged over this long: the model's ankle flickers by a frame or
    #: two, and a raise it splits with a dip of 8-15 deg reads as two narrow peaks, neither wide enough for a raise
    #: (on the randomised calves renders, averaging over 0.1-0.25 s counted 305 -> 308-313 of 346 raises, false ones
    #: 8 -> 4-8; 0.15 s gave 313 and 5). Half a quick raise: two raises are never merged by it. The raise is then
    #: measured on the angle and the heel as read.
    raise_smooth_s: float = 0.15
    #: A foot stands while its thigh is under this (a standing leg's thigh, even behind a wall lean, points down
    #: or back; a driven knee comes up through it), and from raise_clear_s after its knee came down.
    raise_stance_max_thigh_deg: float = 30.0
    raise_clear_s: float = 0.4
    #: ... and this far from the model swapping the feet's labels (the standing foot is read through the swap);
    #: both labels reading up or down for no longer than raise_swap_gap_s between two stretches of one foot up is
    #: such a swap (a knee coming down and up again takes far longer).
    raise_swap_clear_s: float = 0.1
    raise_swap_gap_s: float = 0.15
    #: The rest level of a raise: the heel over this long before it leaves, within raise_max_up_s of the top
    #: (the slowest raise a coach sets, one in two seconds, takes about 0.7 s to rise).
    raise_rest_s: float = 0.1
    raise_max_up_s: float = 1.0
    contact_ground_tol: float = 0.12
    contact_max_speed: float = 1.5
    bridge_gap_s: float = 0.3


def bridged(t_s: np.ndarray, values: np.ndarray, gap_s: float) -> np.ndarray:
    """``values`` with gaps up to ``gap_s`` filled (see :func:`fill_gaps`)."""
    out, _ = fill_gaps(t_s, values, gap_s)
    return out


def crossing(seg: np.ndarray, base: int, peak: int, share: float) -> int:
    """Index between ``base`` and ``peak`` where the series first passes ``share`` of the way up to the peak."""
    level = seg[base] + share * (seg[peak] - seg[base])
    step = 1 if peak > base else -1
    i = base
    while i != peak and seg[i] < level:
        i += step
    return i



def foot_point(kinematics: Kinematics, side: Side, part: str) -> np.ndarray:
    """(frames, 2) positions of one foot landmark (``HEEL`` or ``FOOT_INDEX``)."""
    return kinematics.xy[:, int(sided(side, part))]
