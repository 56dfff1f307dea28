"""Side by side: two reps, two clips, before and after, lined up at the knee drive's peak.

:func:`write_compare` writes into one folder:

- ``compare.mp4``: A left and B right, cropped around each athlete, scaled to one body height, B mirrored
  if it faces the other way, each pair of reps aligned so their peaks land on the same frame, skeletons
  drawn, the pair's numbers in a strip below (:mod:`.video`);
- ``compare.png``: each pair at its peak, A above B, with the numbers (:mod:`.picture`);
- ``compare.json``: ``{"pairs": [...]}``, each pair's two reps (index, score, metrics named as in report.json)
  and ``delta`` (B minus A), with both clips' own numbers and how the video was made.

Which reps are paired is :func:`.pairs.pair_reps`'s rule.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kneedrive_cv.errors import CompareError
from kneedrive_cv.files import json_ready, write_atomic
from kneedrive_cv.output.compare.pairs import Pair, clip_delta, clip_dict, pair_reps, rep_dict

if TYPE_CHECKING:
    from kneedrive_cv.analysis import AnalysisResult
    from kneedrive_cv.output.compare.video import CompareVideo

#: The slowest slow motion allowed (a tenth of normal speed).
MAX_SLOW = 10.0


def compare_dict(a: AnalysisResult, b: AnalysisResult, pairing: str, pairs: list[Pair],
                 video: CompareVideo | None, names: tuple[str, str] | None = None) -> dict[str, Any]:
    """The content of compare.json (``names``: the clips' names as the coach knows them; default their files')."""
    na, nb = names or (a.clip.name, b.clip.name)
    ca, cb = clip_dict(a, na), clip_dict(b, nb)
    out_pairs = []
    for k, p in enumerate(pairs):
        entry: dict[str, Any] = {"a": rep_dict(p.a, na), "b": rep_dict(p.b, nb),
                                 "delta": p.delta()}
        if video is not None:
            entry["video_peak_frame"] = video.peaks[k]
            entry["video_peak_s"] = round(video.peaks[k] / video.fps, 3)
        out_pairs.append(entry)
    doc: dict[str, Any] = {"pairing": pairing, "a": ca, "b": cb, "clip_delta": clip_delta(ca, cb),
                           "pairs": out_pairs}
    if video is not None:
        doc["video"] = {"file": video.path.name, "fps": round(video.fps, 3), "slow_motion": video.slow,
                        "width": video.width, "height": video.height, "frames": video.frames,
                        "b_mirrored": _mirrored(a, b)}
    return doc


def _mirrored(a: AnalysisResult, b: AnalysisResult) -> bool:
    fa, fb = a.kinematics.facing, b.kinematics.facing
    return fa is not None and fb is not None and fa is not fb


def write_compare(a: AnalysisResult, b: AnalysisResult, out_dir: str | os.PathLike[str],
                  reps: tuple[int, int] | None = None, slow: float = 1.0, ghost: bool = False,
                  names: tuple[str, str] | None = None) -> dict[str, Path]:
    """Compare ``a`` with ``b`` and write compare.mp4, compare.png and compare.json into ``out_dir``.

    ``reps``: (rep of A, rep of B) to compare just those two; ``slow``: slow-motion factor of the video
    (2: half speed); ``ghost``: also draw B's skeleton over A's picture, hips on hips; ``names``: the clips'
    names as the coach knows them (default: their file names).

    Raises:
        CompareError: nothing to compare (no reps), a rep that is not there, or a bad slow-motion factor.
        VideoError: a clip cannot be read.
        OutputError: the folder cannot be written.

    """
    from kneedrive_cv.output import ready_folder
    from kneedrive_cv.output.compare.picture import render_compare_picture
    from kneedrive_cv.output.compare.video import render_compare_video

    if not 1.0 <= slow <= MAX_SLOW:
        raise CompareError(f"slow motion must be between 1 (normal speed) and {MAX_SLOW:g}, not {slow:g}.")
    names = names or (a.clip.name, b.clip.name)
    pairing, pairs = pair_reps(a, b, reps, names)
    out = Path(out_dir)
    ready_folder(out)
    video = render_compare_video(a, b, pairs, out / "compare.mp4", slow=slow, ghost=ghost, names=names)
    title = f"A {names[0]} against B {names[1]}: {len(pairs)} pair{'s' if len(pairs) != 1 else ''}, {pairing}"
    picture = render_compare_picture(a, b, pairs, out / "compare.png", title)
    doc = compare_dict(a, b, pairing, pairs, video, names)
    data = write_atomic(out / "compare.json", json.dumps(json_ready(doc), indent=2))
    return {"compare.mp4": video.path, "compare.png": picture, "compare.json": data}


__all__ = ["MAX_SLOW", "compare_dict", "write_compare"]
