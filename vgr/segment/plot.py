"""A picture of the timelines: one row per file, female and male segments coloured along a time axis.

Needs matplotlib (in ``vgr[train]``), imported here only.
"""

from __future__ import annotations

from typing import IO

from vgr.segment.core import FileSegments

COLOURS = {"female": "#c2185b", "male": "#1976d2"}


def draw_timelines(results: list[FileSegments], stream: IO[bytes]) -> None:
    """Write a PNG of ``results``' timelines to the binary ``stream``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    results = [r for r in results if r.ok]
    figure, axes = plt.subplots(figsize=(10, 1.2 + 0.45 * max(1, len(results))))
    try:
        for row, result in enumerate(results):
            axes.broken_barh([(0, result.seconds)], (row - 0.4, 0.8), facecolors="#eeeeee")
            for label, colour in COLOURS.items():
                spans = [(s.start, s.seconds) for s in result.segments if s.label == label]
                axes.broken_barh(spans, (row - 0.4, 0.8), facecolors=colour)
        axes.set_yticks(range(len(results)), [_short(r.file) for r in results])
        axes.set_ylim(-0.6, max(1, len(results)) - 0.4)
        axes.invert_yaxis()
        axes.set_xlabel("seconds")
        axes.set_xlim(0, max([r.seconds for r in results] + [1.0]))
        axes.set_title("vgr segment", loc="left", fontsize=10)
        figure.legend(handles=[Patch(color=c, label=l) for l, c in COLOURS.items()], loc="upper right", ncols=2,
                      frameon=False)
        figure.tight_layout()
        figure.savefig(stream, format="png", dpi=100)
    finally:
        plt.close(figure)


def _short(name: str, width: int = 28) -> str:
    name = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name if len(name) <= width else "…" + name[-(width - 1):]
