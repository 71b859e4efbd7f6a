"""From speech regions to windows, and from window verdicts to smoothed, merged segments. Pure functions."""

from __future__ import annotations

import numpy as np


def plan_windows(regions: list[tuple[float, float]], window: float, hop: float) -> list[tuple[float, float, int]]:
    """(start, end, region index) of the windows over each region: every ``hop`` s, the last one flush with the
    region's end; a region shorter than ``window`` is one window."""
    planned = []
    for index, (start, end) in enumerate(regions):
        if end - start <= window:
            planned.append((start, end, index))
            continue
        count = int(np.floor((end - start - window) / hop + 1e-9)) + 1
        starts = [start + k * hop for k in range(count)]
        if starts[-1] + window < end - 1e-9:
            starts.append(end - window)
        planned += [(s, s + window, index) for s in starts]
    return planned


def median_smooth(values: np.ndarray, size: int) -> np.ndarray:
    """Running median of ``size`` (odd) neighbours, ignoring NaN; shorter at the ends; NaN where all are NaN."""
    values = np.asarray(values, dtype=np.float64)
    if size <= 1 or values.size == 0:
        return values.copy()
    half = size // 2
    padded = np.pad(values, half, constant_values=np.nan)
    stacked = np.lib.stride_tricks.sliding_window_view(padded, size)
    out = np.full(values.size, np.nan)
    defined = ~np.all(np.isnan(stacked), axis=1)
    out[defined] = np.nanmedian(stacked[defined], axis=1)
    return out


def label_regions(regions, windows, p_male, median: int, step: float = 0.02) -> list[tuple[float, float, str, float]]:
    """(start, end, label, probability) runs: within each region, each ``step`` takes the smoothed p(male) of
    the window whose centre is nearest; consecutive steps of one sex merge. Windows never judged are skipped;
    a region with no judged window gives no segment."""
    p_male = np.asarray(p_male, dtype=np.float64)
    owners = np.array([w[2] for w in windows], dtype=np.int64)
    centres = np.array([(w[0] + w[1]) / 2 for w in windows])
    segments = []
    for index, (start, end) in enumerate(regions):
        mine = np.flatnonzero(owners == index)
        smoothed = median_smooth(p_male[mine], median)
        known = ~np.isnan(smoothed)
        if not known.any():
            continue
        mine, smoothed = mine[known], smoothed[known]
        edges = np.arange(start, end, step)
        times = np.minimum(edges + step / 2, end)
        nearest = np.abs(times[:, None] - centres[mine][None, :]).argmin(axis=1)
        p = smoothed[nearest]
        male = p >= 0.5
        change = np.flatnonzero(np.diff(male.astype(np.int8))) + 1
        for lo, hi in zip(np.concatenate([[0], change]), np.concatenate([change, [p.size]])):
            seg_start = float(edges[lo])
            seg_end = float(min(end, edges[hi]) if hi < p.size else end)
            mean = float(p[lo:hi].mean())
            label = "male" if male[lo] else "female"
            segments.append((seg_start, seg_end, label, mean if label == "male" else 1.0 - mean))
    return segments
