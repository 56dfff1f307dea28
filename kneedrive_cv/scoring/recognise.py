"""Which drill a clip shows (``--drill auto``), with a confidence and the reasons, or ``none``.

A front-on camera is ``none`` at once. Otherwise every drill, and ``none``, gets a fit (0-1) from soft evidence
on clip-level features (:class:`ClipFeatures`): is a knee held up, or seen up while the hips stay still (a held
thigh the pose model scrambles); are there real knee drives (thigh well above
what walking or running give) and do both legs take them; is the body leaning into a wall; do the hips travel
over the planted foot, in steps as short as a drill's or as long as running's; is one arm kept still; does the
trunk lean like a start's. No single feature vetoes the rest (:func:`candidates`); the best fit wins, with its
share of all the fits as the confidence and the next one as the runner-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from kneedrive_cv.kinematics.events import Events, EventSettings, KneeDrive
from kneedrive_cv.kinematics.events.cadence import (
    HIPS_STILL_THIGHS,
    hip_bounce_thighs,
    periodic_rate_per_min,
    swing_rate_per_min,
)
from kneedrive_cv.kinematics.events.contacts import feet_cycle_through, foot_sweep_behind, ground_speed
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.kinematics.metrics import View
from kneedrive_cv.landmarks import Side
from kneedrive_cv.scoring.rep_metrics import frozen_side_of

#: Median peak thigh angle that separates knee-drive drills (60-110 deg) from walking and running (25-45 deg).
DRIVE_PEAK_DEG = 55.0
MIN_DRIVES = 3
HOLD_MIN_S = 1.5
#: Body angle (stance ankle to shoulder, from the image vertical) of a wall drill: 35-60 deg, read 25-70 with
#: the phone rolled up to 10 deg; an upright drill reads under 18 rolled that much.
WALL_BODY_ANGLE_DEG = 22.0
UPRIGHT_LEAN_DEG = 30.0
TRAVEL_THIGHS = 3.0
#: A start's trunk leans about 45 deg at the first step (docs/DRILLS.md), read 35-55 with the phone rolled up
#: to 10 deg; a piston run leans up to 25 and reads up to 35 rolled.
START_LEAN_DEG = 40.0
#: Feet swept further than this behind the hips (thigh lengths) mean running or sprinting: a piston run keeps
#: them under the body. Measured: treadmill and track running 1.15-1.7, drills on the spot under 0.55.
RUNNING_SWEEP_THIGHS = 1.0
#: ... and further per degree the knees peak above DRIVE_PEAK_DEG (a drill's higher knees allow a longer push).
RUNNING_SWEEP_PER_DEG = 0.01
#: Hips travelling over the ground faster than this (thigh lengths per second) are travelling: drills on
#: the spot stay under 1, walking and running give 1.5 and more.
TRAVEL_SPEED_THIGHS_S = 1.2
#: Shorter steps than this (thigh lengths over the ground) are knee drives on the spot.
MIN_STEP_THIGHS = 0.65
#: Steps longer than this (thigh lengths over the ground) are running: a piston run's are 0.8-1.5, a jog's 2.
RUNNING_STEP_THIGHS = 1.8
#: A step over the ground under this share of how far the feet sweep behind the hips is misread (measured on the
#: randomised renders: travelling drills 0.79 and up, runs 0.86 and up; a sprint played at half speed 0.32).
STEP_UNDER_SWEEP = 0.6
#: Travelling drills may peak lower than on-the-spot ones where the steps are quick (over QUICK_STEPS_PER_MIN
#: a minute) and short, or one arm is kept still: a piston run's knees reach 50-95 deg, read from about 45 with
#: the phone rolled and the far leg half hidden; a jog's reach 35-50, read up to about 50. Between the two the
#: step length over the ground decides where it is measured well, and it is not always (a phone following the
#: runner): measured on the randomised benchmark, 40 gave 18 % of runs and walks a drill, 48 gave 11 % while
#: piston runs recognised fell from 88 to 84 %.
TRAVEL_DRIVE_PEAK_DEG = 48.0
QUICK_STEPS_PER_MIN = 140.0
#: Running drills alternate the legs (both_legs_share about 0.5); under this share one leg does the driving.
ONE_LEG_SHARE = 0.3
#: The thighs' own swing says how many steps each drive is (``swing_steps_per_drive``): one when the legs take
#: turns, two when one leg drives each time (its thigh cycles once a drive; the other steps and lunges between).
#: Within this share of one or two it decides whether both legs drive, whatever the drives' leg labels say.
SWING_STEPS_AGREE = 0.15
#: Drives keep a beat when their rhythm (1 less the median change between successive intervals over the
#: median interval) is at least this.
ON_THE_BEAT = 0.6
#: A hold keeps one thigh up (at or above the hold threshold, 60 deg) for most of the clip while the other leg
#: stands: knee drives of any kind lift each thigh over 60 deg for under half of its own cycle, and a stride
#: takes two steps. Measured on the randomised renders (even seeds): holds 0.47-0.71 of the clip, high knees
#: whose far thigh is lost 0.32-0.36; the standing thigh of a hold is up under a quarter as often as the held one.
HELD_UP_SHARE = 0.42
STANDING_UP_RATIO = 0.25
#: The hips' bounce (:func:`~kneedrive_cv.kinematics.events.cadence.hip_bounce_thighs`, thigh lengths) tells a
#: knee held up from knees driven in turn, whatever the model makes of a thigh at or above the horizontal (read
#: swinging 40-90 deg frame by frame, or its labels trading): under HIPS_STILL_THIGHS the hips are still (a knee
#: seen up is held); over HIPS_STEPPING_THIGHS they step (a thigh read up most of the clip is a driving leg's
#: labels, not a hold). Slow motion slows the bounce too: a treadmill run played eight times slower bounces 0.008
#: at a real step's pace, but 0.05 over its own (slowed) steps, where holds measured over the interval of the
#: drives read in them give at most 0.028: still hips must stay under HIPS_SWAY_THIGHS over that interval too.
HIPS_STEPPING_THIGHS = 0.02
HIPS_SWAY_THIGHS = 0.035
#: A still arm: a pocket arm drifts 0-15 deg and reads up to 32 (5th to 95th percentile, a small or blurred arm's
#: noise included); a running or piston arm swings 25-60 deg and reads from 35 (measured on the randomised renders,
#: even seeds). Over this the arm :func:`frozen_side_of` called still is weighed as a swinging one.
STILL_ARM_DEG = 34.0
#: Lower knees (48-55 deg) on a travelling drill with one arm still: the pocket run is run at 180-270 steps a
#: minute, a jog at 150-180 with knees of 35-50 deg, so under this rate the lower knees are a jog's.
POCKET_QUICK_STEPS_PER_MIN = 175.0
#: Very quick short steps: over this rate only drills step short (a jog takes 150-180 steps a minute, a run
#: 165-200; a sprint's 220-276 take 4 thigh lengths each), so knees read as low as DRILL_KNEE_FLOOR_DEG still
#: make a piston run (its knees reach 50-95 deg, read 5-10 lower by a large figure filmed close and rolled).
#: Measured on the randomised renders: no walk or run of either seed parity steps over 190 a minute under 1.8
#: thigh lengths; walking's knees read 20-45 deg, so the floor alone would not tell them apart, the rate does.
VERY_QUICK_STEPS_PER_MIN = 210.0
DRILL_KNEE_FLOOR_DEG = 38.0
#: Very short steps: under this (thigh lengths over the ground) at a quick rate no run steps, so knees read as low as
#: DRILL_KNEE_FLOOR_DEG make a piston run there too, at any quick rate. Measured on the 199 runs and walks of the
#: four randomised sets: steps read 1.49 and up on every run; a walk's shorter steps come under QUICK_STEPS_PER_MIN
#: or with a step shorter than its feet's sweep allows (STEP_UNDER_SWEEP: misread). Piston runs step 0.8-1.5
#: (their knees, 50-95 deg, read down to 43 where the far leg is read short).
SHORT_STEP_THIGHS = 1.3
#: A start's first steps keep the body a near-straight line from the driving ankle to the shoulders (the lean
#: "from the ankles": trunk and body line within about 15 deg); a trunk reading further than this from the body
#: line is a misread trunk (a lost shoulder or hip), not a start's lean.
START_BODY_LINE_DEG = 25.0
#: A best guess less sure than this is reported as uncertain, with the runner-up.
UNCERTAIN_BELOW = 0.6
#: A clip called ``none`` whose runner-up is a drill this sure or more names it as the closest drill, so a coach who
#: filmed that drill (done with low knees, say) can have it scored as one. Measured on the 550 randomised clips:
#: 13 of the 17 drill clips called ``none`` name a drill (7 their own), and 17 of the 176 runs and walks do (the
#: piston run each time: a quick jog is the nearest drill to one).
CLOSEST_SHOWN = 0.1


@dataclass(frozen=True)
class ClipFeatures:
    """The clip-level features recognition reasons on (report.json's ``recognition_features``).

    Attributes:
        view: where the camera stands.
        complete_drives: knee drives seen from start to finish.
        median_peak_thigh_deg: the better side's median peak thigh angle (None with under two drives a side).
        longest_hold_s: the longest knee hold, 0 when none.
        median_body_angle_deg: stance ankle to shoulder line from vertical, median over the clip.
        median_trunk_lean_deg: trunk lean from vertical, forward positive, median over the clip.
        early_trunk_lean_deg: the same over the clip's first second (a start's set position), on the frames
            whose trunk agrees with the body line (:data:`START_BODY_LINE_DEG`).
        travel_thighs: net travel of the hips, thigh lengths, forward positive.
        feet_cycle_through: the feet sweep well behind the hips (a running or walking gait).
        foot_sweep_behind_thighs: how far behind the hips the heels sweep, thigh lengths.
        frozen_side: the side whose arm is kept still (a pocket run), or None.
        arm_swing_deg: each arm's swing against the trunk (None where never seen).
        ground_speed_thighs_s: how fast the hips travel over the foot on the ground (thigh lengths per second;
            holds with a panning phone and on a treadmill, and through a run's flight phase:
            :func:`~kneedrive_cv.kinematics.events.contacts.ground_speed`), None where no foot was seen planted.
        step_thighs: step length over the ground, thigh lengths: ground speed over the knee-drive rate.
        drive_rate_per_min: knee drives a minute (one a step in the running drills), None under three.
        highest_peak_thigh_deg: the highest complete drive's peak thigh angle (None without one).
        drive_rhythm: how steadily the drives come, 0-1 (:func:`_drive_rhythm`; None under four): a running
            drill's drives keep a beat, a held knee read as flickering drives does not.
        both_legs_share: how evenly both legs take part: the smaller side's share of the knee drives (of the
            foot contacts without three drives): 0.5 when they alternate, 0 when one leg does all the driving.
        swing_steps_per_drive: the thighs' swing rate in steps (:func:`~kneedrive_cv.kinematics.events.cadence.
            swing_rate_per_min`: each thigh's own period, whichever leg the model calls which) over the drive
            rate: 1 when the legs drive in turn, 2 when one leg drives each time; None where either is unknown.
        thigh_up_share: the share of the clip's frames with the more raised thigh at or above the hold threshold
            (60 deg), and ``other_thigh_up_share`` the other thigh's: a hold the model reads as flickering drives
            still keeps one thigh up most of the time and the other down.
        hip_bounce_thighs: how much the hips rise and fall at a real step's pace, thigh lengths (:func:`~kneedrive_cv.
            kinematics.events.cadence.hip_bounce_thighs`; None with under a second of hips seen): still in a hold,
            bouncing with every step of a stepping drill; ``hip_bounce_per_drive_thighs`` the same over the knee
            drives' own interval (None without a drive rate), which a slow-motion clip's slowed steps show.

    """

    view: View
    complete_drives: int
    median_peak_thigh_deg: float | None
    longest_hold_s: float
    median_body_angle_deg: float | None
    median_trunk_lean_deg: float | None
    early_trunk_lean_deg: float | None
    travel_thighs: float
    feet_cycle_through: bool
    foot_sweep_behind_thighs: float | None
    frozen_side: Side | None
    arm_swing_deg: dict[str, float | None]
    both_legs_share: float = 0.5
    ground_speed_thighs_s: float | None = None
    step_thighs: float | None = None
    drive_rate_per_min: float | None = None
    highest_peak_thigh_deg: float | None = None
    drive_rhythm: float | None = None
    thigh_up_share: float = 0.0
    other_thigh_up_share: float = 0.0
    swing_steps_per_drive: float | None = None
    hip_bounce_thighs: float | None = None
    hip_bounce_per_drive_thighs: float | None = None


@dataclass(frozen=True)
class Candidate:
    """A drill the clip may show: how well the evidence fits it (0-1) and the evidence in words."""

    drill: str
    fit: float
    why: str


@dataclass(frozen=True)
class Recognition:
    """The drill recognised (or ``none``), a confidence 0-1 and the features and reasons behind it.

    ``runner_up`` is the next most likely drill (or ``none``) and its confidence; ``uncertain`` says the best
    guess was taken with little to spare (the report says so beside the scores).
    """

    drill: str
    confidence: float
    reasons: tuple[str, ...]
    features: ClipFeatures
    runner_up: Candidate | None = None
    uncertain: bool = False

    @property
    def closest_drill(self) -> Candidate | None:
        """For a clip called ``none``, the drill it came nearest to (at least CLOSEST_SHOWN sure); else None."""
        second = self.runner_up
        if self.drill != "none" or second is None or second.drill == "none" or second.fit < CLOSEST_SHOWN:
            return None
        return second


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


#: The furthest a thigh can be read from straight down and be one (a hip flexes to about 120-135 deg with the knee
#: bent; the randomised renders' tops reach 120): a peak read beyond is the model's misread (a jog's thigh read at
#: 175 deg, randomised seed 6008, whose one leg had two drives: their median said the knees reached 99 deg under
#: another leg repair tried), no evidence of how high the knees go.
MAX_THIGH_DEG = 150.0


#: A drive of a held leg whose top lies this far (s) or more inside that leg's own hold is the held thigh read
#: dipping and coming back up, not a drive: the drive that began the hold tops out at its start.
INSIDE_HOLD_S = 0.25


def _drives_not_holds(events: Events) -> tuple[KneeDrive, ...]:
    """The complete drives, less those of a held leg read inside a hold of its own (:data:`INSIDE_HOLD_S`).

    Only a hold long enough to be one (HOLD_MIN_S) counts; where the model traded the legs' labels through it, a
    dip of either name inside it is the held leg's (the other stands on the floor throughout). The model can read
    a thigh held up for seconds as dipping now and then (its labels flickering as the other foot rises onto its
    toes: a sprinter's calves render, seed 26, read three "drives" of the held leg in step with the raises), and
    those dips kept a beat well enough to doubt the hold and call the set a wall drill.
    """
    return tuple(d for d in events.complete_drives
                 if not any((h.side is d.side or h.labels_mixed) and h.duration_s >= HOLD_MIN_S
                            and h.t_start_s + INSIDE_HOLD_S <= d.t_peak_s <= h.t_end_s - INSIDE_HOLD_S
                            for h in events.holds))


def clip_features(kinematics: Kinematics, events: Events) -> ClipFeatures:
    """The features recognition looks at."""
    drives = _drives_not_holds(events)
    # a drive whose top the model hid still reached the least it was read at: evidence of the knees' height
    # ... up to the furthest a hip flexes: a thigh read further up (a knee drawn above the shoulder) is a misread
    seen = [d for d in drives if np.isfinite(d.peak_seen_deg) and d.peak_seen_deg <= MAX_THIGH_DEG]
    by_side = [[d.peak_seen_deg for d in seen if d.side is s] for s in Side]
    # the better side's typical peak: a dragged pocket-run leg must not hide the drill
    medians = [float(np.median(p)) for p in by_side if len(p) >= 2]
    t = kinematics.t_s
    early = t <= t[0] + 1.0 if len(t) else np.zeros(0, bool)
    lean = kinematics.frames["trunk_lean"]
    with np.errstate(invalid="ignore"):
        early &= np.abs(lean - kinematics.frames["body_angle"]) <= START_BODY_LINE_DEG
    frozen, motion = frozen_side_of(kinematics)
    speed = ground_speed(kinematics)
    rate = periodic_rate_per_min([d.t_peak_s for d in drives]) if len(drives) >= MIN_DRIVES else None
    up = sorted(_thigh_up_share(kinematics, side) for side in Side)
    swing = swing_rate_per_min(kinematics) if rate else None
    bounce = hip_bounce_thighs(kinematics)
    bounce_per_drive = hip_bounce_thighs(kinematics, 60.0 / rate) if rate else None
    with np.errstate(all="ignore"):
        return ClipFeatures(
            view=kinematics.view,
            complete_drives=len(drives),
            median_peak_thigh_deg=max(medians) if medians else None,
            longest_hold_s=max((h.duration_s for h in events.holds), default=0.0),
            median_body_angle_deg=_nanmedian(kinematics.frames["body_angle"]),
            median_trunk_lean_deg=_nanmedian(lean),
            early_trunk_lean_deg=_nanmedian(lean[early]) if early.any() else None,
            travel_thighs=round(kinematics.travel_thighs, 2),
            feet_cycle_through=feet_cycle_through(kinematics),
            foot_sweep_behind_thighs=foot_sweep_behind(kinematics),
            frozen_side=frozen,
            arm_swing_deg=motion,
            both_legs_share=_both_legs_share(events),
            ground_speed_thighs_s=None if speed is None else round(speed, 2),
            step_thighs=_step_thighs(speed, rate),
            drive_rate_per_min=None if rate is None else round(rate, 1),
            drive_rhythm=_drive_rhythm(drives),
            highest_peak_thigh_deg=max((d.peak_seen_deg for d in seen),
                                       default=None),
            thigh_up_share=up[1],
            other_thigh_up_share=up[0],
            swing_steps_per_drive=None if swing is None or not rate else round(float(swing[0]) / rate, 2),
            hip_bounce_thighs=None if bounce is None else round(bounce, 4),
            hip_bounce_per_drive_thighs=None if bounce_per_drive is None else round(bounce_per_drive, 4),
        )


def _thigh_up_share(kinematics: Kinematics, side: Side) -> float:
    """The share of the clip's frames with ``side``'s thigh at or above the hold threshold (unseen counts as down)."""
    theta = kinematics.frames.side("thigh_angle", side)
    if not len(theta):
        return 0.0
    return round(float(np.mean(np.nan_to_num(theta, nan=-np.inf) >= EventSettings().hold_min_thigh_deg)), 3)


def _drive_rhythm(drives: tuple[KneeDrive, ...]) -> float | None:
    """1 less the median change between successive drive intervals over the median interval (None under four).

    A steady beat gives about 1, and so does a beat that slows through the set (each interval close to the one
    before); drives that come at random give 0.5 or less.
    """
    times = np.sort([d.t_peak_s for d in drives])
    if len(times) < MIN_DRIVES + 1:
        return None
    gaps = np.diff(times)
    return round(float(np.clip(1 - np.median(np.abs(np.diff(gaps))) / np.median(gaps), 0, 1)), 2)


def _step_thighs(speed: float | None, rate: float | None) -> float | None:
    """Step length over the ground (thigh lengths): one knee drive a step, at the drives' own rate."""
    if speed is None or not rate:
        return None
    return round(abs(speed) / (rate / 60.0), 2)


def _both_legs_share(events: Events) -> float:
    """The smaller side's share of the knee drives (of the contacts without three drives); 0.5 when they alternate."""
    sides = [d.side for d in events.complete_drives]
    if len(sides) >= MIN_DRIVES:  # the drives decide: in a lunge and drive both feet step, one leg drives
        return round(min(sides.count(s) for s in Side) / len(sides), 2)
    sides = [c.side for c in events.contacts]
    return round(min(sides.count(s) for s in Side) / len(sides), 2) if len(sides) >= MIN_DRIVES else 0.5


def both_legs_drive(f: ClipFeatures) -> float:
    """How surely both legs take turns at driving (0-1).

    The drives' leg labels say it (the smaller side's share, :data:`ONE_LEG_SHARE`), but the model can give one
    leg's label to both thighs for a second or more (the far thigh hidden behind the near one), and a pocket run
    then reads as one leg driving. The thighs' own swing does not depend on the labels: each thigh cycles once
    a stride, so when the legs take turns the swing counts one step a drive, and when one leg drives again and
    again (a lunge and drive) it counts two. Where the swing is that clear (:data:`SWING_STEPS_AGREE`), it decides.
    """
    ratio = f.swing_steps_per_drive
    if ratio is not None and abs(ratio - 1) <= SWING_STEPS_AGREE:
        return 1.0
    if ratio is not None and abs(ratio / 2 - 1) <= SWING_STEPS_AGREE:
        return 0.0
    return _fit((f.both_legs_share - ONE_LEG_SHARE) / 0.04)


def _nanmedian(x: np.ndarray) -> float | None:
    x = x[~np.isnan(x)]
    return float(np.median(x)) if len(x) else None


def _fit(x: float) -> float:
    """A soft yes: 0.5 at ``x`` = 0, 0.95 at ``x`` = 3 (a logistic, kept clear of overflow)."""
    return _sigmoid(float(np.clip(x, -30, 30)))


def running_fit(peak_thigh_deg: float | None, sweep_thighs: float | None, step_thighs: float | None) -> float:
    """How much the legs move like running or sprinting rather than a piston run.

    Where the step length over the ground is known: a piston run takes short quick steps (0.35-0.65 m, about
    0.8-1.5 thigh lengths), running from a jog to a sprint takes 2 thigh lengths and more. Otherwise the feet:
    running and sprinting push them 1.15-1.7 thigh lengths behind the hips (measured), a piston run keeps
    them under the body or finishes a short push behind; the higher the knees, the further a drill's push
    may go before it reads as running. A step read far shorter than the feet sweep behind the hips cannot be
    right (the hips travel at least that far over the planted foot, less a foot's length) and is not used: in
    slow motion every foot looks planted and the speed over the ground reads low.
    """
    if step_thighs is not None and (sweep_thighs is None or step_thighs >= STEP_UNDER_SWEEP * sweep_thighs):
        return _fit((step_thighs - RUNNING_STEP_THIGHS) / 0.08)
    if sweep_thighs is None:
        return 0.0
    reach = RUNNING_SWEEP_THIGHS + RUNNING_SWEEP_PER_DEG * max(0.0, (peak_thigh_deg or 0.0) - DRIVE_PEAK_DEG)
    return _fit((sweep_thighs - reach) / 0.05)


def candidates(f: ClipFeatures, raises: int) -> list[Candidate]:
    """How well each drill, and ``none``, fits the clip's evidence; no single rule vetoes the rest."""
    drives, peak, hold, body = f.complete_drives, f.median_peak_thigh_deg, f.longest_hold_s, f.median_body_angle_deg
    lean, early_lean = f.median_trunk_lean_deg, f.early_trunk_lean_deg
    driven = _fit((drives - MIN_DRIVES + 0.5) * 3)
    knees_up = 0.0 if peak is None else _fit((peak - DRIVE_PEAK_DEG) / 3)
    driving = driven * knees_up
    # a knee held up is a hold however many drives are read: a held knee read as flickering drives keeps no beat
    # (measured: flickering holds 0.25-0.58, running drills 0.32-1, most over 0.6)
    rhythmic = 0.0 if f.drive_rhythm is None else _fit((f.drive_rhythm - ON_THE_BEAT) / 0.08)
    leaning = 0.0 if body is None else _fit((body - WALL_BODY_ANGLE_DEG) / 2)
    knee_held = _fit((hold - HOLD_MIN_S) / 0.1) * max(_fit((4.5 - drives) * 3), 1 - rhythmic)
    # ... and so is one thigh kept up most of the clip while the other stands, however the hold was read
    # (unless the hips bounce with every step: then the thigh read up is a driving leg's, its labels lost) ...
    bounce = f.hip_bounce_thighs
    still = 0.0 if bounce is None else _fit((HIPS_STILL_THIGHS - bounce) / 0.002)
    if f.hip_bounce_per_drive_thighs is not None:
        still *= _fit((HIPS_SWAY_THIGHS - f.hip_bounce_per_drive_thighs) / 0.002)
    hips_step = 0.0 if bounce is None else _fit((bounce - HIPS_STEPPING_THIGHS) / 0.002)
    up, other_up = f.thigh_up_share, f.other_thigh_up_share
    kept_up = _fit((up - HELD_UP_SHARE) / 0.02) * _fit((STANDING_UP_RATIO * up - other_up) / 0.01) * (1 - hips_step)
    # ... and so is a knee seen up while the hips stay still, upright: no stepping drill keeps them still
    seen_up = 0.0 if f.highest_peak_thigh_deg is None else _fit((f.highest_peak_thigh_deg - DRIVE_PEAK_DEG) / 3)
    knee_held = max(knee_held, kept_up, still * seen_up * (1 - leaning))
    # heel raises of the standing foot at the wall: sprinter's calves, whose driven knee is held (a hold, one drive,
    # or a held knee the model loses now and then, read as drives off any beat)
    calves_raises = leaning * _fit((raises - MIN_DRIVES + 0.5) * 3)
    held = knee_held * (1 - calves_raises)
    # a single drive held at the wall is a wall drill too
    one_drive = _fit((drives - 0.5) * 3) * (0.0 if f.highest_peak_thigh_deg is None else
                                            _fit((f.highest_peak_thigh_deg - DRIVE_PEAK_DEG) / 3))
    moves = _fit((abs(f.travel_thighs) - TRAVEL_THIGHS) / 0.3)
    upright = lean is not None and abs(lean) < UPRIGHT_LEAN_DEG
    # feet sweeping behind the hips mean travelling only when upright: leaning into a wall puts them there too
    speed = f.ground_speed_thighs_s
    if speed is None:
        travelling = max(moves, 1.0 if f.feet_cycle_through and upright else 0.0)
    else:  # over the ground: a phone following the athlete or a treadmill does not fool it
        # ... and with real steps: knee drives on the spot tracked with some noise can read a little speed, but
        # their "steps" are a fraction of a piston run's shortest (0.8 thigh lengths)
        stepping = 1.0 if f.step_thighs is None else _fit((f.step_thighs - MIN_STEP_THIGHS) / 0.05)
        travelling = max(moves, _fit((abs(speed) - TRAVEL_SPEED_THIGHS_S) / 0.1) * stepping)
    frozen = _still_arm(f)
    # knee drives on the spot keep the feet under the body (measured 0.4-0.8 thigh lengths behind the hips);
    # feet pushed further back are a gait, even where the hips do not seem to travel (a poor track of a run)
    sweeping = 0.0 if f.foot_sweep_behind_thighs is None else _fit((f.foot_sweep_behind_thighs - 1.0) / 0.05)
    # travelling drills done with lower knees (48-55 deg) still show quick short steps, or the pocket arm;
    # walking's steps are as short but slow (under 130 a minute), running's long
    rate, step = f.drive_rate_per_min, f.step_thighs
    quick_short = (0.0 if rate is None or step is None else
                   _fit((rate - QUICK_STEPS_PER_MIN) / 6) * _fit((RUNNING_STEP_THIGHS - step) / 0.08))
    knees_lower = 0.0 if peak is None else _fit((peak - TRAVEL_DRIVE_PEAK_DEG) / 3)
    very_quick_short = (0.0 if rate is None or step is None or peak is None else
                        _fit((rate - VERY_QUICK_STEPS_PER_MIN) / 6) * _fit((RUNNING_STEP_THIGHS - step) / 0.08)
                        * _fit((peak - DRILL_KNEE_FLOOR_DEG) / 1.5))
    step_sure = step is not None and (f.foot_sweep_behind_thighs is None
                                      or step >= STEP_UNDER_SWEEP * f.foot_sweep_behind_thighs)
    quick_very_short = (0.0 if rate is None or step is None or peak is None or not step_sure else
                        _fit((rate - QUICK_STEPS_PER_MIN) / 6) * _fit((SHORT_STEP_THIGHS - step) / 0.08)
                        * _fit((peak - DRILL_KNEE_FLOOR_DEG) / 1.5))
    piston_knees = max(knees_up, quick_short * knees_lower, very_quick_short, quick_very_short)
    # ... a pocket run's lower knees only at a pocket run's cadence: a jog with an arm read still is no drill
    pocket_quick = 1.0 if rate is None else _fit((rate - POCKET_QUICK_STEPS_PER_MIN) / 6)
    pocket_knees = max(knees_up, pocket_quick * knees_lower)
    running = running_fit(peak, f.foot_sweep_behind_thighs, f.step_thighs)
    # running drills alternate the legs; one leg driving again and again (a lunge and drive) is not one of them
    both = both_legs_drive(f)
    start = 0.0 if early_lean is None or drives < 1 else _fit((early_lean - START_LEAN_DEG) / 2) * travelling
    calves = (1 - moves) * calves_raises * max(1 - driven, knee_held)
    knees = "no knee drives" if peak is None else f"knees to {peak:.0f} deg"
    sweep = f.foot_sweep_behind_thighs
    swept = "" if sweep is None else f", feet {sweep:.1f} thigh lengths behind the hips"
    out = [
        Candidate("hip_flexion_hold", held, f"a knee held up for {hold:.1f} s"),
        Candidate("wall_calves", calves, f"body leaning {body or 0:.0f} deg on the spot with {raises} heel raises: "
                                         "sprinter's calves"),
        Candidate("wall_drill", max(driving, one_drive) * leaning * (1 - travelling) * (1 - calves),
                  f"body leaning {body or 0:.0f} deg on the spot, {knees}: wall drill"),
        Candidate("sprint_start", start,
                  f"trunk {early_lean or 0:.0f} deg forward in the first second, travelling: a start"),
        Candidate("pocket_run", driven * pocket_knees * both * travelling * frozen * (1 - start),
                  f"travelling, {knees}, with the {f.frozen_side.value if f.frozen_side else '?'} arm "
                  f"{_arm_how(f)}: pocket run"),
        Candidate("piston_run", driven * piston_knees * both * travelling * (1 - frozen) * (1 - running) * (1 - start),
                  f"travelling knee drives, {knees}{swept}: piston run"),
        Candidate("high_knees", driving * both * (1 - held) * (1 - travelling) * (1 - leaning) * (1 - sweeping),
                  f"alternating knee drives on the spot, {knees}"),
    ]
    if drives < MIN_DRIVES or peak is None:
        why = f"{drives} knee drives"
    elif peak < DRIVE_PEAK_DEG:
        why = f"knees peak at {peak:.0f} deg (under {DRIVE_PEAK_DEG:.0f}): walking or running, not a drill"
    else:
        why = f"{knees}{swept}: running or sprinting, not a drill"
    if both < 0.5 and drives >= MIN_DRIVES:
        why = f"knee drives of one leg only ({f.complete_drives}): not a running drill"
    no_drill = max(1 - max(c.fit for c in out), running * travelling * (1 - frozen),
                   driving * (1 - both) * (1 - leaning) * (1 - held))
    return [*out, Candidate("none", max(no_drill, 1e-3), why)]


def _still_arm(f: ClipFeatures) -> float:
    """How surely one arm is kept still: 1 for an arm never seen swinging, less the more the still arm swings."""
    if f.frozen_side is None:
        return 0.0
    swing = f.arm_swing_deg.get(f.frozen_side.value)
    return 1.0 if swing is None else _fit((STILL_ARM_DEG - swing) / 1.0)


def _arm_how(f: ClipFeatures) -> str:
    if f.frozen_side is None:
        return "still"
    hidden = f.arm_swing_deg.get(f.frozen_side.value) is None
    return "never seen swinging (hidden behind the body)" if hidden else "still"


def recognise(kinematics: Kinematics, events: Events) -> Recognition:
    """The drill the clip shows, or ``none`` when no knee-drive drill is seen.

    Every drill's fit to the evidence is weighed (:func:`candidates`); the best one is taken with its share of
    the total as the confidence, and the runner-up is kept. A best guess under :data:`UNCERTAIN_BELOW` is
    still reported (and scored), marked uncertain, with the runner-up in the reasons.
    """
    f = clip_features(kinematics, events)
    if kinematics.view is View.FRONT:
        return Recognition("none", round(_sigmoid((kinematics.view_ratio - 0.4) * 20), 2),
                           ("camera is front-on: knee-drive drills are judged from the side",), f)
    ranked = sorted(candidates(f, len(events.raises)), key=lambda c: -c.fit)
    total = sum(c.fit for c in ranked) or 1.0
    best, second = ranked[0], ranked[1]
    confidence, second_conf = best.fit / total, second.fit / total
    runner_up = Candidate(second.drill, round(second_conf, 2), second.why)
    uncertain = confidence < UNCERTAIN_BELOW and best.drill != "none"
    called = Recognition(best.drill, round(confidence, 2), (best.why,), f, runner_up, uncertain)
    if called.closest_drill is not None:
        return replace(called, reasons=(best.why, f"closest drill: {second.drill}, {100 * second_conf:.0f} % "
                                                  f"({second.why})"))
    if uncertain:
        return replace(called, reasons=(best.why, f"uncertain: the best guess, {100 * confidence:.0f} % sure; next "
                                                  f"{second.drill} ({100 * second_conf:.0f} %: {second.why})"))
    return called
