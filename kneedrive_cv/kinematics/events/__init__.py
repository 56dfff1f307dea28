"""Events from the per-frame metrics: knee drives, foot contacts, holds and heel raises, all in one :class:`Events`.

One module per kind: ``drives``, ``contacts``, ``holds``, ``raises``; ``cadence`` turns event times into
rates; ``settings`` holds the thresholds they share.
"""

from __future__ import annotations

from dataclasses import dataclass

from kneedrive_cv.kinematics.events.cadence import body_step_rate, scissor_step_s
from kneedrive_cv.kinematics.events.contacts import (
    FootContact,
    contacts_from_ground,
    contacts_from_pelvis,
    feet_cycle_through,
    travels_over_the_ground,
)
from kneedrive_cv.kinematics.events.drives import KneeDrive, knee_drives
from kneedrive_cv.kinematics.events.holds import Hold, holds
from kneedrive_cv.kinematics.events.raises import HeelRaise, heel_raises
from kneedrive_cv.kinematics.events.settings import EventSettings
from kneedrive_cv.kinematics.measure import Kinematics


@dataclass(frozen=True)
class Events:
    """All events of a clip, sorted by time."""

    drives: tuple[KneeDrive, ...]
    contacts: tuple[FootContact, ...]
    holds: tuple[Hold, ...]
    contact_method: str
    raises: tuple[HeelRaise, ...] = ()

    @property
    def complete_drives(self) -> tuple[KneeDrive, ...]:
        """Drives seen from start to finish."""
        return tuple(d for d in self.drives if not d.partial)


def detect_events(kinematics: Kinematics, settings: EventSettings | None = None,
                  travelling: bool | None = None, holds_expected: bool = False) -> Events:
    """Knee drives, holds, heel raises and foot contacts.

    ``travelling`` picks the contact method (None: decide from motion: the feet sweeping well behind the hips,
    or the hips travelling over the planted foot, as walking does with its shorter sweep). ``holds_expected``:
    the drill is a hold, so a hold the legs' labels hide is looked for too (see :func:`holds`).
    """
    s = settings or EventSettings()
    if travelling is None:
        travelling = feet_cycle_through(kinematics) or travels_over_the_ground(kinematics)
    contacts = contacts_from_pelvis(kinematics, s) if travelling else contacts_from_ground(kinematics, s)
    # the step the whole body keeps, whichever leg the model calls which: it tells a drive read twice from two
    # drives a step apart that the model gave one leg's label
    body_spm = body_step_rate(kinematics)
    drives = knee_drives(kinematics, s, None if body_spm is None else 60.0 / body_spm,
                         scissor_step_s(kinematics) if body_spm is None else None)
    return Events(tuple(drives), tuple(contacts), tuple(holds(kinematics, s, holds_expected)),
                  "foot relative to pelvis (Zeni 2008)" if travelling else "foot height above its ground level",
                  tuple(heel_raises(kinematics, s)))


__all__ = ["EventSettings", "Events", "FootContact", "HeelRaise", "Hold", "KneeDrive", "detect_events"]
