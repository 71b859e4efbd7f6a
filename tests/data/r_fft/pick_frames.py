"""Pick a few pitch-track tie frames from the shared audio for make_fixtures.R; writes frames.f64.

    python tests/data/r_fft/pick_frames.py     (from the repository root, ../shared beside it)

A tie frame is one whose cepstral winner is decided by FFT rounding (vgr.features.fundamental). The frames
kept are those where R's FFT emulation and numpy's pick different winners: the emulation matters there.
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
from vgr.features.audio import excerpt_length, read_audio  # noqa: E402
from vgr.features.framing import FRAME, amplitude_gate, frames  # noqa: E402
from vgr.features.fundamental import FMAX_HZ, TIE_GAP, _cepstra, _r_cepstra  # noqa: E402
from vgr.features.r_fft import top_two_gap  # noqa: E402

WANTED = 4
picked = []
for path in sorted((ROOT.parent / "shared" / "audio" / "real").rglob("*.wav")):
    audio = read_audio(path)
    gated = amplitude_gate(audio.samples[: excerpt_length(audio.sample_rate)])
    gated[gated == 0] = 1e-6
    framed = frames(gated, FRAME // 2)
    framed = framed[~np.all(framed == framed[:, :1], axis=1)]
    lowest = audio.sample_rate // FMAX_HZ
    cepstrum = _cepstra(framed.copy())
    ties = ~(top_two_gap(cepstrum[:, lowest:], np.abs(cepstrum).max(axis=1)) > TIE_GAP)
    for frame in framed[ties]:
        ours = np.argmax(_r_cepstra(frame[None])[0, lowest:])
        if ours != np.argmax(_cepstra(frame[None].copy())[0, lowest:]):
            picked.append(frame)
            print(path.name, "winner (emulation vs numpy) differs")
            break
    if len(picked) == WANTED:
        break
np.asarray(picked, dtype="<f8").tofile(Path(__file__).with_name("frames.f64"))
