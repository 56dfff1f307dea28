"""Gap-aware, zero-lag smoothing of landmark series.

Pose-model jitter is removed with a Butterworth low-pass run forwards and backwards (no lag), only within
runs of frames without gaps (filtering across a gap invents motion). Short gaps are filled by interpolation
and marked; longer ones stay NaN. Isolated outliers are rejected first with a Hampel filter. Every
setting is in seconds or hertz and scaled by the clip's true frame rate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from kneedrive_cv.runs import runs_of


def scipy_signal() -> Any:
    """scipy.signal, imported on first use.

    It takes a second to import, which ``analyse`` overlaps with the pose model instead of paying up front.
    """
    import scipy.signal

    return scipy.signal


@dataclass(frozen=True)
class FilterSettings:
    """Smoothing settings, in seconds and hertz (the clip's frame rate turns them into frames)."""

    cutoff_hz: float = 8.0
    order: int = 2
    max_gap_s: float = 0.15
    hampel_window_s: float = 0.1
    hampel_sigmas: float = 4.0


def close_short_breaks(mask: np.ndarray, t: np.ndarray, max_s: float) -> np.ndarray:
    """``mask`` with its False runs no longer than ``max_s`` (between two True frames) made True."""
    out = mask.copy()
    for a, b in runs_of(~mask):
        if a > 0 and b < len(mask) and t[b] - t[a - 1] <= max_s:
            out[a:b] = True
    return out


def running_median(values: np.ndarray, window: int) -> np.ndarray:
    """Median of each ``window`` frames centred on a frame, NaN ignored (NaN where the frame itself is NaN)."""
    if window <= 1 or len(values) < window:
        return values.copy()
    half = window // 2
    padded = np.concatenate([np.full(half, np.nan), values, np.full(half, np.nan)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN window: NaN
        out = np.nanmedian(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1)
    out[np.isnan(values)] = np.nan
    return np.asarray(out)


def running_mean(values: np.ndarray, frames: float) -> np.ndarray:
    """``values`` averaged over ``frames`` (rounded to an odd count) centred on each frame, its ends held."""
    n = max(1, round(frames)) | 1
    if n == 1 or len(values) < n:
        return values
    return np.convolve(np.pad(values, n // 2, mode="edge"), np.ones(n) / n, mode="valid")


def fill_gaps(t_s: np.ndarray, values: np.ndarray, max_gap_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Linearly interpolate NaN gaps no longer than ``max_gap_s`` between valid samples.

    Args:
        t_s: (frames,) times.
        values: (frames, ...) series; NaN marks missing. Each trailing column is treated alone.
        max_gap_s: longest gap (time between the valid samples either side, minus one frame) that is filled.

    Returns:
        The filled copy and a boolean (frames, ...) mask of the samples that were filled.

    """
    out = np.array(values, dtype=np.float64, copy=True)
    flat = out.reshape(len(out), -1)
    filled = np.zeros(flat.shape, bool)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        ok = ~np.isnan(col)
        if ok.sum() < 2:
            continue
        idx = np.flatnonzero(ok)
        gaps = np.flatnonzero(np.diff(idx) > 1)
        for g in gaps.tolist():
            a, b = int(idx[g]), int(idx[g + 1])
            frame_s = (t_s[b] - t_s[a]) / (b - a)
            if t_s[b] - t_s[a] - frame_s <= max_gap_s + 1e-9:
                col[a + 1:b] = np.interp(t_s[a + 1:b], [t_s[a], t_s[b]], [col[a], col[b]])
                filled[a + 1:b, j] = True
    return out, filled.reshape(out.shape)


def hampel(values: np.ndarray, window: int, sigmas: float, floor: float = 0.0) -> np.ndarray:
    """Replace isolated outliers by NaN: samples further than ``sigmas`` robust SDs from the running median.

    ``floor`` is the smallest deviation ever called an outlier (in the values' units), so still periods with
    a tiny spread keep their small jitter.
    """
    x = np.asarray(values, np.float64)
    half = max(1, window // 2)
    n = len(x)
    if n < 3:
        return x.copy()
    # point-reflected (trend continued), so the first and last samples are judged against their real
    # neighbours without a repeated value collapsing the spread in fast, steady motion
    padded = np.pad(x, half, mode="reflect", reflect_type="odd") if n > half else np.pad(x, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)[:n]
    with warnings.catch_warnings():  # all-NaN windows (long gaps) give NaN, which is what we want
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(windows, axis=1)
        mad = np.nanmedian(np.abs(windows - med[:, None]), axis=1)
    limit = np.maximum(sigmas * 1.4826 * mad, floor)
    out = x.copy()
    out[np.abs(x - med) > limit] = np.nan
    return out


def lowpass(t_s: np.ndarray, values: np.ndarray, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-lag Butterworth low-pass of a gap-free series sampled at times ``t_s`` (1-D)."""
    n = len(values)
    if n < 4:
        return np.asarray(values, np.float64).copy()
    fs = (n - 1) / (t_s[-1] - t_s[0])
    wn = cutoff_hz / (fs / 2)
    if wn >= 0.95:  # the frame rate is too low for this cut-off: nothing to remove
        return np.asarray(values, np.float64).copy()
    sos = scipy_signal().butter(order, wn, output="sos")
    padlen = min(n - 1, 3 * (2 * len(sos) + 1))
    return np.asarray(scipy_signal().sosfiltfilt(sos, values, padlen=padlen))


def smooth_series(t_s: np.ndarray, values: np.ndarray, settings: FilterSettings,
                  outlier_floor: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Outlier rejection, short-gap filling and zero-lag low-pass of one 1-D series.

    Returns:
        The smoothed series (NaN where the gap was too long) and the boolean mask of filled samples.

    """
    fps = (len(t_s) - 1) / (t_s[-1] - t_s[0]) if len(t_s) > 1 else 30.0
    window = max(3, round(settings.hampel_window_s * fps) | 1)
    cleaned = hampel(values, window, settings.hampel_sigmas, outlier_floor)
    filled_values, filled = fill_gaps(t_s, cleaned, settings.max_gap_s)
    out = np.full(len(values), np.nan)
    for a, b in runs_of(~np.isnan(filled_values)):
        out[a:b] = lowpass(t_s[a:b], filled_values[a:b], settings.cutoff_hz, settings.order)
    return out, filled


def smooth_landmarks(t_s: np.ndarray, xy: np.ndarray, settings: FilterSettings,
                     scale_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Smooth every landmark's x and y. ``scale_px`` (a body size) sets the outlier floor (5 % of it).

    Returns:
        (frames, n, 2) smoothed positions and a (frames, n) mask of frames filled by interpolation.

    """
    out = np.full(xy.shape, np.nan)
    filled = np.zeros(xy.shape[:2], bool)
    for k in range(xy.shape[1]):
        for c in range(2):
            out[:, k, c], f = smooth_series(t_s, xy[:, k, c], settings, outlier_floor=0.05 * scale_px)
            filled[:, k] |= f
    return out, filled
