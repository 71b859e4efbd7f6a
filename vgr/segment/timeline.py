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


CLIP = 4.0  # |log-odds| of one window is capped here: one overconfident window cannot outvote its neighbours


def log_odds(p_male: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p_male, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.clip(np.log(p / (1 - p)), -CLIP, CLIP)


def two_state_path(evidence: np.ndarray, switch_cost: float) -> np.ndarray:
    """The most likely female (0) / male (1) sequence for windows with these log-odds of male (Viterbi).

    Each window scores +-evidence/2 for male/female; every change of state costs ``switch_cost``. A change
    needs contrary evidence worth more than the cost; one that comes and goes again, more than twice it.
    """
    if evidence.size == 0:
        return np.zeros(0, dtype=np.int8)
    emission = np.stack([-evidence / 2, evidence / 2], axis=1)
    score = emission[0].copy()
    switched = np.zeros((evidence.size, 2), dtype=bool)  # whether the best way into (t, state) changed state
    for t in range(1, evidence.size):
        stay, switch = score, score[::-1] - switch_cost
        switched[t] = switch > stay
        score = np.maximum(stay, switch) + emission[t]
    path = np.empty(evidence.size, dtype=np.int8)
    path[-1] = int(score[1] > score[0])
    for t in range(evidence.size - 1, 0, -1):
        path[t - 1] = 1 - path[t] if switched[t, path[t]] else path[t]
    return path


def stretches(regions, join: float) -> list[list[int]]:
    """Indices of the ``regions`` smoothed together: consecutive ones less than ``join`` seconds apart."""
    groups: list[list[int]] = []
    for index, (start, _) in enumerate(regions):
        if groups and start - regions[groups[-1][-1]][1] < join:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def label_regions(regions, windows, p_male, switch_cost: float,
                  join: float = 0.0) -> list[tuple[float, float, str, float]]:
    """(start, end, label, probability) runs of one sex within each region, by ``two_state_path`` over the
    judged windows of its stretch (regions less than ``join`` s apart are one stretch: a speaker's words
    separated by short pauses lend each other their evidence); a change of sex within a region falls mid-way
    between the centres of the two windows either side of it. The probability is the label's, from the mean
    log-odds of the windows of its run of one sex in the stretch. Windows never judged (NaN) are skipped; a
    region with no judged window gives no segment."""
    p_male = np.asarray(p_male, dtype=np.float64)
    owners = np.array([w[2] for w in windows], dtype=np.int64)
    centres = np.array([(w[0] + w[1]) / 2 for w in windows])
    judged = ~np.isnan(p_male)
    segments = []
    for group in stretches(regions, join):
        mine = np.flatnonzero(np.isin(owners, group) & judged)
        if mine.size == 0:
            continue
        evidence = log_odds(p_male[mine])
        whole_path = two_state_path(evidence, switch_cost)
        run = np.concatenate([[0], np.cumsum(np.diff(whole_path) != 0)])  # which run of one sex each window is in
        run_p = 1 / (1 + np.exp(-np.bincount(run, evidence) / np.bincount(run)))
        for index in group:
            ours = owners[mine] == index
            if not ours.any():
                continue
            start, end = regions[index]
            path, region_runs, region_centres = whole_path[ours], run[ours], centres[mine][ours]
            change = np.flatnonzero(np.diff(path)) + 1
            cuts = [start, *((region_centres[change - 1] + region_centres[change]) / 2).tolist(), end]
            for lo, seg_start, seg_end in zip([0, *change], cuts, cuts[1:]):
                male, p = bool(path[lo]), float(run_p[region_runs[lo]])
                segments.append((float(seg_start), float(seg_end), "male" if male else "female", p if male else 1 - p))
    return segments


def bridge_pauses(segments, longest: float, agree=None) -> list[tuple[float, float, str, float]]:
    """Join consecutive segments of one sex with less than ``longest`` seconds between them: a speaker's pauses
    between words and sentences are part of their speaking time. With ``agree(joined_so_far, next_segment)``,
    only where it says so. The probability is the time-weighted mean."""
    joined: list[tuple[float, float, str, float]] = []
    for segment in segments:
        if joined and joined[-1][2] == segment[2] and segment[0] - joined[-1][1] < longest \
                and (agree is None or agree(joined[-1], segment)):
            a, b, label, q = joined[-1]
            weight = (b - a) / max(b - a + segment[1] - segment[0], 1e-9)
            joined[-1] = (a, segment[1], label, weight * q + (1 - weight) * segment[3])
        else:
            joined.append(segment)
    return joined


def bridge_same_voice(segments, windows, embeddings: np.ndarray, longest: float,
                      threshold: float) -> list[tuple[float, float, str, float]]:
    """``bridge_pauses`` for pauses under ``longest`` seconds whose two sides sound like one speaker: the cosine
    of the voiceprints of the last window before the pause and the first after it is at least ``threshold``.
    ``windows`` are (start, end, region) in time order, ``embeddings`` their unit-length voiceprints."""
    starts = np.array([w[0] for w in windows])
    ends = np.array([w[1] for w in windows])

    def one_voice(first, second) -> bool:
        before = np.searchsorted(ends, first[1] + 1e-6) - 1  # the last window ending by the pause
        after = np.searchsorted(starts, second[0] - 1e-6)  # the first starting after it
        return 0 <= before < after < len(windows) and float(embeddings[before] @ embeddings[after]) >= threshold

    return bridge_pauses(segments, longest, one_voice)


def widen(segments, pad: float, seconds: float) -> list[tuple[float, float, str, float]]:
    """Each segment ``pad`` seconds longer at either end, within the file and never past the middle of the gap to
    its neighbour: the speech detector's frames start after a word's quiet onset and stop before its decay,
    which are speech time all the same."""
    widened = []
    for k, (start, end, label, p) in enumerate(segments):
        before = (segments[k - 1][1] + start) / 2 if k else 0.0
        after = (end + segments[k + 1][0]) / 2 if k + 1 < len(segments) else seconds
        widened.append((max(start - pad, before, 0.0), min(end + pad, after, seconds), label, p))
    return widened


POOL_BLOCK = 512  # windows compared at a time: a block's similarities are POOL_BLOCK x windows


def pool_by_voice(p_male: np.ndarray, windows, embeddings: np.ndarray, cosine: float, weight: float) -> np.ndarray:
    """Each window's p(male) moved ``weight`` of the way (in log-odds) to the mean of every window of the file
    whose voiceprint is at least ``cosine`` like its own (itself included), weighted by their lengths: a speaker's
    short words, wherever they fall in the file, lend each other their evidence. Windows not judged (NaN) neither
    lend nor take."""
    p_male = np.asarray(p_male, dtype=np.float64)
    judged = np.flatnonzero(~np.isnan(p_male))
    if weight <= 0 or judged.size == 0:
        return p_male
    unit = embeddings[judged].astype(np.float64)
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    lengths = np.array([windows[i][1] - windows[i][0] for i in judged])
    evidence = log_odds(p_male[judged])
    pooled = np.empty_like(evidence)
    for start in range(0, judged.size, POOL_BLOCK):
        alike = (unit[start:start + POOL_BLOCK] @ unit.T >= cosine) * lengths
        alike[np.arange(alike.shape[0]), start + np.arange(alike.shape[0])] = lengths[start:start + POOL_BLOCK]
        pooled[start:start + POOL_BLOCK] = alike @ evidence / alike.sum(axis=1)
    moved = (1 - weight) * evidence + weight * pooled
    out = p_male.copy()
    out[judged] = 1 / (1 + np.exp(-moved))
    return out
