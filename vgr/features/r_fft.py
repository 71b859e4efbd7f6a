"""Bit-exact emulation of R's ``stats::fft`` (Singleton's mixed-radix FFT), vectorised across frames.

Why this exists: the cepstral-F0 and dominant-frequency tracks take an argmax per frame. On "tie
frames" (e.g. a frame with a single non-zero sample after the amplitude gate) several candidates are
mathematically equal, so the winner R reported is decided purely by the rounding of R's FFT. To
reproduce those frames we have to repeat R's floating-point operations exactly, in the same order.

How: R's FFT is a sequence of passes (one per factor of n, plus a rotation pass after odd factors),
then a data permutation. The control flow of the algorithm depends only on n and the direction, so
``_program`` walks it once per (n, direction) as plain Python integer/float code, and records each
butterfly (its element indices and the twiddle factors, computed with the same libm sin/cos calls and
the same recurrences as R). Within a pass every element belongs to exactly one butterfly, so the
butterflies of a pass are independent and run as numpy operations over (frames x butterflies), each
output computed with the same operations in the same order as R (numpy never fuses or reassociates).
The final permutation only moves data; it is derived once per n by matching against numpy's FFT.

R calls the algorithm on interleaved complex data with ``isn = -2`` (forward) / ``+2`` (inverse,
unnormalised); the walk below uses R's 1-based indices into that interleaved array (step ``inc = 2``)
and converts them to element indices when recording.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

_M_PI_4 = math.pi / 4  # pi/4 is exact in binary given pi: same double as C's M_PI_4
_M_SQRT_3 = 1.732050807568877293527  # Rmath's M_SQRT_3


def _factor(n: int) -> tuple[list[int], int]:
    """R's ``fft_factor``: factors of n, square factors first and mirrored last; returns (factors, kt)."""
    factors: list[int] = []
    k = n
    while k % 16 == 0:
        factors.append(4)
        k //= 16
    j = 3
    sqrtk = math.isqrt(k)
    while j <= sqrtk:
        changed = False
        while k % (j * j) == 0:
            factors.append(j)
            k //= j * j
            changed = True
        if changed:
            sqrtk = math.isqrt(k)
        j += 2
    if k <= 4:
        kt = len(factors)
        if k != 1:
            factors.append(k)
    else:
        if k % 4 == 0:
            factors.append(2)
            k //= 4
        kt = len(factors)
        j = 2
        while j <= k:
            if k % j == 0:
                factors.append(j)
                k //= j
            j = ((j + 1) // 2) * 2 + 1
    factors += factors[:kt][::-1]
    return factors, kt


class _Pass:
    """The butterflies of one pass, grouped by kind; each kind's records become numpy arrays."""

    def __init__(self) -> None:
        self.groups: dict[str, list[tuple]] = {}
        self.params: dict[str, object] = {}

    def add(self, kind: str, *record: object) -> None:
        self.groups.setdefault(kind, []).append(record)


def _program(n: int, isn: int) -> list[_Pass]:
    """Walk R's ``fftmx`` butterfly stage for length n and record every butterfly, pass by pass."""
    nfac, _ = _factor(n)
    nfac = [0] + nfac  # 1-based like the C code
    m = len(nfac) - 1
    inc = abs(isn)
    nt = inc * n
    ks = inc * n
    rad = _M_PI_4
    s72 = rad / 0.625
    c72 = math.cos(s72)
    s72 = math.sin(s72)
    s120 = 0.5 * _M_SQRT_3
    if isn <= 0:
        s72, s120, rad = -s72, -s120, -rad
    kspan = ks
    nn = nt - inc
    jc = ks // n
    klim = 32 * jc  # sin/cos are recomputed from scratch every 32 recurrence steps
    i = 0
    jf = 0
    ck: dict[int, float] = {}
    sk: dict[int, float] = {}
    passes: list[_Pass] = []

    def e(k: int) -> int:  # 1-based index into the interleaved array -> element index
        return (k - 1) // inc

    label = "start"
    while True:
        if label == "start":
            dr = (8.0 * jc) / kspan
            cd = math.sin(0.5 * dr * rad)
            cd = 2.0 * cd * cd
            sd = math.sin(dr * rad)
            kk = 1
            i += 1
            p = _Pass()
            passes.append(p)
            if nfac[i] == 4:
                label = "f4"
                continue
            if nfac[i] != 2:
                label = "odd"
                continue
            # factor 2, first the butterflies with a unit rotation factor
            kspan //= 2
            k1 = kspan + 2
            while True:
                while True:
                    k2 = kk + kspan
                    p.add("r2", e(kk), e(k2))
                    kk = k2 + kspan
                    if kk > nn:
                        break
                kk -= nn
                if kk > jc:
                    break
            if kk > kspan:
                break
            label = "L60"
        elif label == "L60":
            c1 = 1.0 - cd
            s1 = sd
            mm = min(k1 // 2, klim)
            label = "L80"
        elif label == "L70":
            ak = c1 - (cd * c1 + sd * s1)
            s1 = (sd * c1 - cd * s1) + s1
            c1 = ak
            label = "L80"
        elif label == "L80":
            while True:
                k2 = kk + kspan
                p.add("r2rot", e(kk), e(k2), c1, s1)
                kk = k2 + kspan
                if kk >= nt:
                    break
            k2 = kk - nt
            c1 = -c1
            kk = k1 - k2
            if kk > k2:
                continue
            kk += jc
            if kk <= mm:
                label = "L70"
                continue
            if kk >= k2:
                k1 = k1 + inc + inc
                kk = (k1 - kspan) // 2 + jc
                label = "L60" if kk <= jc + jc else "start"
                continue
            s1 = float((kk - 1) // jc) * dr * rad
            c1 = math.cos(s1)
            s1 = math.sin(s1)
            mm = min(k1 // 2, mm + klim)
        elif label == "f4":
            kspnn = kspan
            kspan //= 4
            label = "L120"
        elif label == "L120":
            c1, s1 = 1.0, 0.0
            mm = min(kspan, klim)
            label = "L150"
        elif label == "L130":
            c2 = c1 - (cd * c1 + sd * s1)
            s1 = (sd * c1 - cd * s1) + s1
            c1 = c2
            label = "L140"
        elif label == "L140":
            c2 = c1 * c1 - s1 * s1
            s2 = c1 * s1 * 2.0
            c3 = c2 * c1 - s2 * s1
            s3 = c2 * s1 + s2 * c1
            label = "L150"
        elif label == "L150":
            while True:
                k1 = kk + kspan
                k2 = k1 + kspan
                k3 = k2 + kspan
                if s1 == 0.0:  # R skips the multiplication by a unit rotation
                    p.add("r4", e(kk), e(k1), e(k2), e(k3))
                else:
                    p.add("r4rot", e(kk), e(k1), e(k2), e(k3), c1, s1, c2, s2, c3, s3)
                kk = k3 + kspan
                if kk > nt:
                    break
            kk = kk - nt + jc
            if kk <= mm:
                label = "L130"
            elif kk < kspan:
                s1 = float((kk - 1) // jc) * dr * rad
                c1 = math.cos(s1)
                s1 = math.sin(s1)
                mm = min(kspan, mm + klim)
                label = "L140"
            else:
                kk = kk - kspan + inc
                if kk <= jc:
                    label = "L120"
                elif kspan == jc:
                    break
                else:
                    label = "start"
        elif label == "odd":
            k = nfac[i]
            kspnn = kspan
            kspan //= k
            p.params.update(kspan=kspan // inc, kspnn=kspnn // inc, s120=s120, c72=c72, s72=s72)
            if k in (3, 5):
                step = (k - 1) * kspan
                while True:
                    p.add(f"r{k}", e(kk))
                    kk = kk + step + kspan
                    if kk < nn:
                        continue
                    kk -= nn
                    if kk > kspan:
                        break
            else:
                if k != jf:
                    jf = k
                    s1 = rad / (k / 8.0)
                    c1 = math.cos(s1)
                    s1 = math.sin(s1)
                    ck[jf], sk[jf] = 1.0, 0.0
                    j = 1
                    while j < k:
                        ck[j] = ck[k] * c1 + sk[k] * s1
                        sk[j] = ck[k] * s1 - sk[k] * c1
                        k -= 1
                        ck[k] = ck[j]
                        sk[k] = -sk[j]
                        j += 1
                p.params.update(jf=jf, ck=dict(ck), sk=dict(sk))
                while True:
                    p.add("rodd", e(kk))
                    kk += kspnn
                    if kk <= nn:
                        continue
                    kk -= nn
                    if kk > kspan:
                        break
            # rotation factors applied in a separate pass (except after the last factor)
            if i == m:
                break
            p = _Pass()
            passes.append(p)
            kk = jc + 1
            label = "L300"
        elif label == "L300":
            c2 = 1.0 - cd
            s1 = sd
            mm = min(kspan, klim)
            while True:
                c1 = c2
                s2 = s1
                kk += kspan
                while True:
                    while True:
                        p.add("rot", e(kk), c2, s2)
                        kk += kspnn
                        if kk > nt:
                            break
                    ak = s1 * s2
                    s2 = s1 * c2 + c1 * s2
                    c2 = c1 * c2 - ak
                    kk += -nt + kspan
                    if kk > kspnn:
                        break
                kk += -kspnn + jc
                if kk <= mm:
                    c2 = c1 - (cd * c1 + sd * s1)
                    s1 = s1 + (sd * c1 - cd * s1)
                    continue
                if kk >= kspan:
                    kk = kk - kspan + jc + inc
                    label = "L300" if kk <= jc + jc else "start"
                    break
                s1 = float((kk - 1) // jc) * dr * rad
                c2 = math.cos(s1)
                s1 = math.sin(s1)
                mm = min(kspan, mm + klim)
    return passes


def _arrays(p: _Pass) -> _Pass:
    """Turn each group's records into index / twiddle columns (and check the pass is parallel)."""
    touched: list[np.ndarray] = []
    for kind, records in p.groups.items():
        columns = list(zip(*records))
        n_index = {"r2": 2, "r2rot": 2, "r4": 4, "r4rot": 4, "rot": 1}.get(kind, 1)
        index = [np.array(c, dtype=np.intp) for c in columns[:n_index]]
        twiddle = [np.array(c, dtype=np.float64)[:, None] for c in columns[n_index:]]  # broadcast over frames
        p.groups[kind] = (index, twiddle)
        if kind in ("r3", "r5", "rodd"):
            size = {"r3": 3, "r5": 5}.get(kind) or p.params["jf"]
            touched += [index[0] + j * p.params["kspan"] for j in range(size)]
        else:
            touched += index
    allidx = np.concatenate(touched)
    assert np.unique(allidx).size == allidx.size, "butterflies of a pass overlap"
    return p


def _run(passes: list[_Pass], a: np.ndarray, b: np.ndarray, isn: int) -> None:
    """Apply the recorded passes in place to a, b of shape (n, frames)."""
    for p in passes:
        for kind, (idx, tw) in p.groups.items():
            if kind == "r2":
                kk, k2 = idx
                ak, bk = a[k2], b[k2]
                a0, b0 = a[kk], b[kk]
                a[k2], b[k2] = a0 - ak, b0 - bk
                a[kk], b[kk] = a0 + ak, b0 + bk
            elif kind == "r2rot":
                kk, k2 = idx
                c1, s1 = tw
                a0, b0, a2, b2 = a[kk], b[kk], a[k2], b[k2]
                ak, bk = a0 - a2, b0 - b2
                a[kk], b[kk] = a0 + a2, b0 + b2
                a[k2] = c1 * ak - s1 * bk
                b[k2] = s1 * ak + c1 * bk
            elif kind in ("r4", "r4rot"):
                kk, k1, k2, k3 = idx
                a0, a1, a2, a3 = a[kk], a[k1], a[k2], a[k3]
                b0, b1, b2, b3 = b[kk], b[k1], b[k2], b[k3]
                akp, akm, ajp, ajm = a0 + a2, a0 - a2, a1 + a3, a1 - a3
                a[kk] = akp + ajp
                ajp = akp - ajp
                bkp, bkm, bjp, bjm = b0 + b2, b0 - b2, b1 + b3, b1 - b3
                b[kk] = bkp + bjp
                bjp = bkp - bjp
                if isn < 0:
                    akp, akm, bkp, bkm = akm + bjm, akm - bjm, bkm - ajm, bkm + ajm
                else:
                    akp, akm, bkp, bkm = akm - bjm, akm + bjm, bkm + ajm, bkm - ajm
                if kind == "r4":
                    a[k1], b[k1], a[k2], b[k2], a[k3], b[k3] = akp, bkp, ajp, bjp, akm, bkm
                else:
                    c1, s1, c2, s2, c3, s3 = tw
                    a[k1] = akp * c1 - bkp * s1
                    b[k1] = akp * s1 + bkp * c1
                    a[k2] = ajp * c2 - bjp * s2
                    b[k2] = ajp * s2 + bjp * c2
                    a[k3] = akm * c3 - bkm * s3
                    b[k3] = akm * s3 + bkm * c3
            elif kind == "r3":
                (kk,) = idx
                k1 = kk + p.params["kspan"]
                k2 = k1 + p.params["kspan"]
                s120 = p.params["s120"]
                ak, bk = a[kk], b[kk]
                a1, a2, b1, b2 = a[k1], a[k2], b[k1], b[k2]
                aj, bj = a1 + a2, b1 + b2
                a[kk], b[kk] = ak + aj, bk + bj
                ak, bk = -0.5 * aj + ak, -0.5 * bj + bk
                aj, bj = (a1 - a2) * s120, (b1 - b2) * s120
                a[k1], b[k1] = ak - bj, bk + aj
                a[k2], b[k2] = ak + bj, bk - aj
            elif kind == "r5":
                (kk,) = idx
                sp = p.params["kspan"]
                k1, k2, k3, k4 = kk + sp, kk + 2 * sp, kk + 3 * sp, kk + 4 * sp
                c72, s72 = p.params["c72"], p.params["s72"]
                c2 = c72 * c72 - s72 * s72
                s2 = 2.0 * c72 * s72
                a1, a2, a3, a4 = a[k1], a[k2], a[k3], a[k4]
                b1, b2, b3, b4 = b[k1], b[k2], b[k3], b[k4]
                akp, akm, bkp, bkm = a1 + a4, a1 - a4, b1 + b4, b1 - b4
                ajp, ajm, bjp, bjm = a2 + a3, a2 - a3, b2 + b3, b2 - b3
                aa, bb = a[kk], b[kk]
                a[kk] = aa + akp + ajp
                b[kk] = bb + bkp + bjp
                ak = akp * c72 + ajp * c2 + aa
                bk = bkp * c72 + bjp * c2 + bb
                aj = akm * s72 + ajm * s2
                bj = bkm * s72 + bjm * s2
                a[k1], a[k4], b[k1], b[k4] = ak - bj, ak + bj, bk + aj, bk - aj
                ak = akp * c2 + ajp * c72 + aa
                bk = bkp * c2 + bjp * c72 + bb
                aj = akm * s2 - ajm * s72
                bj = bkm * s2 - bjm * s72
                a[k2], a[k3], b[k2], b[k3] = ak - bj, ak + bj, bk + aj, bk - aj
            elif kind == "rodd":
                _odd(a, b, idx[0], p.params)
            elif kind == "rot":
                (kk,) = idx
                c2, s2 = tw
                ak, bk = a[kk], b[kk]
                a[kk] = c2 * ak - s2 * bk
                b[kk] = s2 * ak + c2 * bk


def _odd(a: np.ndarray, b: np.ndarray, kk: np.ndarray, params: dict) -> None:
    """Butterfly for an odd factor other than 3 and 5 (R's generic Singleton kernel)."""
    jf, kspan, kspnn = params["jf"], params["kspan"], params["kspnn"]
    ck, sk = params["ck"], params["sk"]
    aa, bb = a[kk], b[kk]
    ak, bk = aa, bb
    at: dict[int, np.ndarray] = {}
    bt: dict[int, np.ndarray] = {}
    j, o1, o2 = 1, kspan, kspnn
    while True:
        o2 -= kspan
        j += 1
        at[j] = a[kk + o1] + a[kk + o2]
        ak = at[j] + ak
        bt[j] = b[kk + o1] + b[kk + o2]
        bk = bt[j] + bk
        j += 1
        at[j] = a[kk + o1] - a[kk + o2]
        bt[j] = b[kk + o1] - b[kk + o2]
        o1 += kspan
        if o1 >= o2:
            break
    a[kk], b[kk] = ak, bk
    j, o1, o2 = 1, 0, kspnn
    while True:
        o1 += kspan
        o2 -= kspan
        jj = j
        ak, bk = aa, bb
        aj = bj = 0.0
        k = 2
        while k < jf:
            ak = ak + at[k] * ck[jj]
            bk = bk + bt[k] * ck[jj]
            k += 1
            aj = aj + at[k] * sk[jj]
            bj = bj + bt[k] * sk[jj]
            jj += j
            if jj > jf:
                jj -= jf
            k += 1
        a[kk + o1], b[kk + o1] = ak - bj, bk + aj
        a[kk + o2], b[kk + o2] = ak + bj, bk - aj
        j += 1
        if j >= jf - (j - 1):  # C: k = jf - j (old j); j++; loop while j < k
            break


@lru_cache(maxsize=8)
def _plan(n: int, inverse: bool) -> tuple[list[_Pass], np.ndarray]:
    """Recorded passes for (n, direction) and the output permutation (read off an impulse response)."""
    isn = 2 if inverse else -2
    passes = [_arrays(p) for p in _program(n, isn)]
    # an impulse at index 1 transforms to exp(-+2*pi*i*k/n): each output's angle names its frequency k
    a, b = np.zeros((n, 1)), np.zeros((n, 1))
    a[1] = 1.0
    _run(passes, a, b, isn)
    sign = 1.0 if inverse else -1.0
    k = np.rint(sign * np.arctan2(b[:, 0], a[:, 0]) * n / (2 * np.pi)).astype(np.int64) % n
    perm = np.empty(n, dtype=np.int64)
    perm[k] = np.arange(n)
    assert np.unique(k).size == n, "permutation not found"
    return passes, perm


def r_fft(re: np.ndarray, im: np.ndarray | None = None, inverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """R's ``fft(z, inverse)`` of each row of ``re + 1j * im`` (shape (frames, n)); returns (re, im).

    Bit-identical to R's ``stats::fft`` (unnormalised in both directions, like R).
    """
    re = np.array(re, dtype=np.float64, ndmin=2)
    im = np.zeros_like(re) if im is None else np.array(im, dtype=np.float64, ndmin=2)
    n = re.shape[1]
    if n <= 1 or re.shape[0] == 0:
        return re, im
    passes, perm = _plan(n, inverse)
    # work on (n, frames): each butterfly index then gathers a contiguous row of frames
    a, b = np.ascontiguousarray(re.T), np.ascontiguousarray(im.T)
    with np.errstate(all="ignore"):  # inf/NaN propagate exactly as in C, silently
        _run(passes, a, b, 2 if inverse else -2)
    return a[perm].T.copy(), b[perm].T.copy()


def libm_log(x: np.ndarray) -> np.ndarray:
    """Natural log through the C library, as R computes it (log(0) = -inf).

    numpy's SIMD ``np.log`` can differ from libm by an ulp, which is enough to flip a tie.
    """
    flat = np.ravel(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(flat)  # right for 0, negative and NaN input; positive values are redone below
    positive = flat > 0
    out[positive] = np.fromiter(map(math.log, flat[positive]), float, int(positive.sum()))
    return out.reshape(np.shape(x))


def top_two_gap(values: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Per row: (largest - second largest) / scale; tiny where the argmax is decided by rounding."""
    top = np.partition(values, -2, axis=1)[:, -2:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (top[:, 1] - top[:, 0]) / scale
