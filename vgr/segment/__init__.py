"""Male and female speech along a long recording: who speaks when, by sex, and each sex's share.

``segment_file(path, model)`` reads the file in blocks (never all of it), finds speech by its energy, judges
overlapping windows over the speech with the model (the 20 features and the voiceprint, blended as
``Ensemble.predict`` does), smooths the verdicts and merges them into segments.
"""

from __future__ import annotations

from vgr.segment.core import FileSegments, Segment, Settings, segment_file

__all__ = ["FileSegments", "Segment", "Settings", "segment_file"]
