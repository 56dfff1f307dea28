"""Rendered athletes with exact ground truth: a side-view figure doing each drill, and what is true of it.

    from kneedrive_cv.synth import render, RenderSettings
    clip, truth_path, truth = render("piston_run", "p.mp4", {"cadence_hz": 4.5}, RenderSettings(fps=60))

The pipeline: a drill's parameters (a dataclass per drill, defaults a clean rep; faults planted through
them) -> a motion program poses a 2-D sagittal skeleton for every frame (:mod:`.body`, :mod:`.gait`,
:mod:`.on_the_spot`, :mod:`.travelling`) -> the figure is drawn over a textured set (:mod:`.draw`,
:mod:`.scene`) -> frames go to an H.264 MP4 through :class:`kneedrive_cv.video.VideoSink` with exact times
``i / fps`` -> ``CLIP.truth.json`` is written beside it (:mod:`.truth`).

Left and right are the athlete's own. The camera sees the athlete's right side when they face image-right
and their left side when they face image-left (``near_side`` = ``facing`` in the truth); the near limbs
are drawn over the body, the far ones behind it and darker. Facing left is drawn as the mirror image of
facing right with the other side of the body toward the camera: the motion, and so the truth angles of
each named leg, are the same.

Truth file (JSON, ``format`` = ``kneedrive-synth-truth``, ``version`` = 1), top-level keys:
``drill``, ``expected_drill`` (what an analysis should report; ``none`` for walking), ``facing``,
``near_side``, ``fps``, ``width``, ``height``, ``n_frames``, ``duration_s``, ``px_per_m``,
``thigh_length_px``, ``stature_m``, ``travelling``, ``parameters`` (the drill's dataclass), ``derived``
(values the program worked out, e.g. the lean a posture implies), ``faults`` (docs/DRILLS.md codes planted),
``knee_drives`` (list of ``side``, ``t_start_s``, ``t_peak_s``, ``t_end_s``, ``thigh_peak_deg``,
``complete``, ``faults``), ``rep_count``, ``cadence_spm`` with ``cadence_basis`` (``foot_contacts`` for
travelling drills, ``knee_drives`` on the spot), ``hold_s`` (the longest hold seen in the clip),
``holds`` (``side``, ``t_start_s``, ``t_end_s``, ``hold_s``), ``contacts`` (``side``, ``t_on_s``,
``t_off_s``, null where outside the clip; ``ball_ahead_m``, ``heel_ahead_thighs`` at touchdown), ``frames``
(per-frame lists: ``t_s``, the docs/METRICS.md columns ``thigh_angle_left/right``, ``knee_height_left/right``,
``dorsiflexion_left/right``, ``trunk_lean``, ``body_line``, ``elbow_angle_left/right``, plus
``body_angle``, ``contact_left/right``, ``stance_side``) and ``landmarks_px`` (MediaPipe names in lower
case -> per-frame ``[x, y]`` pixels of the true points).
"""

from kneedrive_cv.synth.registry import SYNTH_DRILLS, get_synth_drill, make_params, parse_assignments
from kneedrive_cv.synth.render import RenderSettings, plan, render
from kneedrive_cv.synth.truth import load_truth, truth_path_for

__all__ = ["SYNTH_DRILLS", "RenderSettings", "get_synth_drill", "load_truth", "make_params", "parse_assignments",
           "plan", "render", "truth_path_for"]
