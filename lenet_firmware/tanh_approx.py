"""The squashing function as the DSP32C firmware computes it: design and exact error analysis.

The network squashes every unit with f(a) = A * tanh(S * a) (A = S = 1 for plain tanh, or
LeCun's A = 1.7159, S = 2/3; model.ACTIVATIONS). The DSP has no divide and no exponential, so
the firmware evaluates, with only its multiply-add, `seed` and `ifalt`/`ifagt` operations:

    a_c = clamp(a, -B, B)                        4 instructions, inline after a unit's MACs
    z   = a_c * a_c                              \
    P   = p0 + z * (p1 + z * p2)                  |
    Q   = q0 + z * (q1 + z * (q2 + z * q3))       |  13 "stages", each one instruction per
    y   = 1 / Q  by seed + two Newton steps       |  unit, looped over a block of units
    f  ~= (a_c * P) * y                          /

    1. x P(x^2) / Q(x^2) is a minimax rational fit of tanh(x) on [0, C] (BASE_P, BASE_Q;
       C = BASE_C = 6). Beyond C the clamp holds the output at the fit's value at C, which
       the fit also pulls towards 1 (fit_rational's extra point), so the tail error is small.
    2. A and S are folded into the coefficients: p_k' = A S / G p_k S^2k, q_k' = q_k S^2k,
       B = C / S. So both activations cost the same.
    3. `seed(Q)` flips every bit but the sign: for Q > 0 it overestimates 1/Q by a factor
       v0 = Q * seed(Q) in [1, 1.125] that depends only on Q's mantissa. Two Newton steps
       with tuned constants, y <- y * (alpha - Q * y), map v0 into a band around a gain G:
       alpha1 = 2.125 centres [1, 1.125] (v1 in [1.125, 1.12890625]), alpha2 = the sum of
       v1's ends centres that band; v2 = Q * y2 stays within 1.6e-6 (relative) of G, and
       1/G is folded into P. Ordinary Newton steps (alpha = 2) would need three steps.

Every intermediate is a DSP32 float written to memory and read back (the Z write truncates
the 40-bit accumulator toward minus infinity). `simulate()` replays the firmware's exact
instruction sequence with dsp32c.numbers (the emulator's own arithmetic), so its results are
bit for bit what the emulated firmware produces, and `error_sweep()` measures the maximum
error over the whole input range from them. docs/firmware.md quotes the numbers.
"""
from dataclasses import dataclass

import numpy as np
from numba import njit

from dsp32c.numbers import (
    FLAG_N, FLAG_Z, dau_op, dsp_to_float, float_to_dsp, pack_word, seed_word, unpack_word,
)

# --- the base fit: tanh(x) ~ x P(x^2) / Q(x^2) on [0, BASE_C], clamped beyond -------------
# From fit_rational(2, 3, 6.0) (Lawson's iteration on 6,000 Chebyshev points plus the tail
# point; test_tanh_approx refits and checks these are at least as good). Kept as literals so
# the DSP image does not depend on the host's linear-algebra library.
BASE_C = 6.0
BASE_P = (0.9999636731665241, 0.11402057084157607, 0.0014675098081087107)
BASE_Q = (1.0, 0.4472408192746342, 0.017319342457868536, 5.344173966850829e-05)

# --- Newton constants for seed(Q) (see the module docstring, step 3) ------------------------
SEED_SPAN = (1.0, 1.125)              # v0 = Q * seed(Q) for any positive Q (up to 2^-23)
ALPHA1 = SEED_SPAN[0] + SEED_SPAN[1]  # 2.125: the parabola v (alpha - v) peaks mid-span
_V1 = (SEED_SPAN[0] * (ALPHA1 - SEED_SPAN[0]), ALPHA1 * ALPHA1 / 4)
ALPHA2 = _V1[0] + _V1[1]              # 2.25390625
_V2 = (_V1[0] * _V1[1], ALPHA2 * ALPHA2 / 4)
NEWTON_GAIN = (_V2[0] + _V2[1]) / 2   # G: Q * y2 / G = 1 within 1.6e-6

# Documented maximum |error| of the firmware's squashing function over every DSP32 input
# (error_sweep at its default density gives 9.72e-6 and 1.670e-5; docs/firmware.md).
ERROR_BOUND = {"tanh": 1.0e-5, "1.7159*tanh(2x/3)": 1.7e-5}

# the order of the constants in the firmware's table (pack.py writes them, lenet.s reads them)
CONSTANT_NAMES = ("bound", "neg_bound", "p2", "p1", "p0", "q3", "q2", "q1", "q0",
                  "alpha1", "alpha2")

ACTIVATION_SCALES = {"tanh": (1.0, 1.0), "1.7159*tanh(2x/3)": (1.7159, 2.0 / 3.0)}


@dataclass(frozen=True)
class TanhDesign:
    """The DSP constants for one activation, as float64 values that are exact DSP32 floats."""
    activation: str
    amplitude: float   # A
    slope: float       # S
    constants: dict    # CONSTANT_NAMES -> value

    def words(self) -> np.ndarray:
        """The constant table as DSP32 words (uint32), in CONSTANT_NAMES order."""
        return float_to_dsp(np.array([self.constants[n] for n in CONSTANT_NAMES]))

    def reference(self, a) -> np.ndarray:
        """The exact function, float64."""
        return self.amplitude * np.tanh(self.slope * np.asarray(a, dtype=np.float64))


def design(activation: str) -> TanhDesign:
    """Fold the activation's A and S and the Newton gain into the base fit (exact DSP32 values)."""
    if activation not in ACTIVATION_SCALES:
        raise ValueError(f"no DSP squashing function for activation {activation!r}: expected "
                         f"one of {', '.join(ACTIVATION_SCALES)}")
    a, s = ACTIVATION_SCALES[activation]
    scale = a * s / NEWTON_GAIN
    c = {
        "bound": BASE_C / s,
        "p0": scale * BASE_P[0], "p1": scale * BASE_P[1] * s**2, "p2": scale * BASE_P[2] * s**4,
        "q0": BASE_Q[0], "q1": BASE_Q[1] * s**2, "q2": BASE_Q[2] * s**4, "q3": BASE_Q[3] * s**6,
        "alpha1": ALPHA1, "alpha2": ALPHA2,
    }
    c["neg_bound"] = -c["bound"]
    exact = {k: float(dsp_to_float(float_to_dsp(v))) for k, v in c.items()}
    return TanhDesign(activation, a, s, exact)


# --- exact replay of the firmware's instruction sequence ------------------------------------

_ONE_M, _ONE_E = 1 << 31, 128   # 1.0 as (m, e)


@njit(cache=True)
def _mul(bm, be, cm, ce):
    """`aN = Y * X` (format 3, M = 0.0), narrowed to the 32-bit word the Z write stores."""
    m, e, _ = dau_op(0, 0, 0, bm, be, cm, ce, 0, 1)
    return unpack_word(pack_word(m, e))


@njit(cache=True)
def _mac(am, ae, bm, be, cm, ce, sub):
    """`aN = aM +- Y * X` (aM a constant held in an accumulator), narrowed to 32 bits."""
    m, e, _ = dau_op(am, ae, 0, bm, be, cm, ce, sub, 1)
    return unpack_word(pack_word(m, e))


@njit(cache=True)
def _replay(xm, xe, k, out):
    """Run the firmware's squashing sequence on accumulator values (xm[i], xe[i]).

    k holds the constant words in CONSTANT_NAMES order; out receives the output words.
    Comments give the firmware instruction each line stands for (lenet.s)."""
    bm, be = unpack_word(k[0])
    nbm, nbe = unpack_word(k[1])
    p2m, p2e = unpack_word(k[2])
    p1m, p1e = unpack_word(k[3])
    p0m, p0e = unpack_word(k[4])
    q3m, q3e = unpack_word(k[5])
    q2m, q2e = unpack_word(k[6])
    q1m, q1e = unpack_word(k[7])
    q0m, q0e = unpack_word(k[8])
    a1m, a1e = unpack_word(k[9])
    a2m, a2e = unpack_word(k[10])
    for i in range(xm.shape[0]):
        am = xm[i]
        ae = xe[i]
        # a1 = a0 - a3              (a3 = B): flags of a - B
        _m, _e, fl = dau_op(am, ae, 0, _ONE_M, _ONE_E, bm, be, 1, 1)
        # a0 = ifagt(a3)            a0 = B if a - B > 0
        if (fl & (FLAG_N | FLAG_Z)) == 0:
            am = bm
            ae = be
        # a1 = a0 + a3              flags of min(a, B) + B
        _m, _e, fl = dau_op(am, ae, 0, _ONE_M, _ONE_E, bm, be, 0, 1)
        # *r++ = a0 = ifalt(a2)     (a2 = -B): a0 = -B if min(a, B) + B < 0; stored
        if fl & FLAG_N:
            am = nbm
            ae = nbe
        cm, ce = unpack_word(pack_word(am, ae))
        zm, ze = _mul(cm, ce, cm, ce)                      # z = a_c * a_c
        pm, pe = _mac(p1m, p1e, zm, ze, p2m, p2e, 0)       # p = p1 + z * p2
        pm, pe = _mac(p0m, p0e, pm, pe, zm, ze, 0)         # p = p0 + p * z
        qm, qe = _mac(q2m, q2e, zm, ze, q3m, q3e, 0)       # q = q2 + z * q3
        qm, qe = _mac(q1m, q1e, qm, qe, zm, ze, 0)         # q = q1 + q * z
        qm, qe = _mac(q0m, q0e, qm, qe, zm, ze, 0)         # q = q0 + q * z
        sw, _f = seed_word(pack_word(qm, qe))              # s = seed(q)
        sm, se = unpack_word(sw)
        tm, te = _mac(a1m, a1e, qm, qe, sm, se, 1)         # t = alpha1 - q * s
        sm, se = _mul(sm, se, tm, te)                      # s = s * t
        tm, te = _mac(a2m, a2e, qm, qe, sm, se, 1)         # t = alpha2 - q * s
        sm, se = _mul(sm, se, tm, te)                      # s = s * t
        pm, pe = _mul(cm, ce, pm, pe)                      # p = a_c * p
        om, oe = _mul(pm, pe, sm, se)                      # f = p * s
        out[i] = pack_word(om, oe)


def simulate(tanh: TanhDesign, a) -> np.ndarray:
    """The firmware's output for pre-activations `a` (float64 values, rounded to the nearest
    DSP32 float first, as a 40-bit accumulator holding that value): float64 results."""
    words = np.atleast_1d(float_to_dsp(np.asarray(a, dtype=np.float64))).astype(np.int64)
    return dsp_to_float(simulate_words(tanh, words))


def simulate_words(tanh: TanhDesign, words) -> np.ndarray:
    """As simulate(), from DSP32 words (any integer array) to DSP32 words (uint32)."""
    w = np.atleast_1d(np.asarray(words, dtype=np.int64)) & 0xFFFFFFFF
    e = w & 0xFF
    field = (w >> 8) & 0xFFFFFF
    m = np.where(e == 0, 0, ((field ^ 0x800000) - ((field >> 23) << 24)) << 8)
    out = np.zeros(len(w), np.int64)
    _replay(m.astype(np.int64), np.where(e == 0, 0, e).astype(np.int64),
            tanh.words().astype(np.int64), out)
    return out.astype(np.uint32)


# --- the error over the whole input range ---------------------------------------------------

def sweep_inputs(tanh: TanhDesign, per_binade: int = 4096, dense: int = 1 << 20) -> np.ndarray:
    """Inputs that cover every DSP32 float's behaviour: both signs of every binade from 2^-126
    to 2^127 (per_binade evenly spaced mantissas, both ends included), a dense uniform grid
    over the clamp region and just beyond, the words next to +-B, and the extremes."""
    k = np.arange(-126, 128)
    frac = np.linspace(1.0, 2.0 - 2.0**-23, per_binade)
    binades = (frac[None, :] * np.ldexp(1.0, k)[:, None]).ravel()
    b = tanh.constants["bound"]
    grid = np.linspace(-1.05 * b, 1.05 * b, dense)
    edge = np.array([b * (1 + d * 2.0**-23) for d in range(-4, 5)])
    extremes = np.array([0.0, 3.0e38, 2.0**-127])
    pos = np.concatenate([binades, edge, extremes])
    return np.concatenate([pos, -pos, grid])


def error_sweep(tanh: TanhDesign, **kw) -> dict:
    """Max |DSP output - A tanh(S a)| over sweep_inputs(), with where it happens.

    Compared with the exact function of the DSP32 input actually used (the rounding of the
    pre-activation itself is the MAC chain's, not the squashing function's)."""
    a = dsp_to_float(float_to_dsp(sweep_inputs(tanh, **kw)))
    err = np.abs(simulate(tanh, a) - tanh.reference(a))
    i = int(np.argmax(err))
    return {"max_abs_error": float(err[i]), "at": float(a[i]), "inputs": int(len(a))}


# --- the fit (how BASE_P/BASE_Q were made) --------------------------------------------------

def fit_rational(m: int, n: int, c: float, points: int = 6000, iterations: int = 300):
    """Minimax fit of tanh(x) by x P(x^2)/Q(x^2), deg P = m, deg Q = n, Q(0) = 1, on [0, c],
    with one more point asking R(c) = 1 (the clamped tail). Lawson's iteratively reweighted
    least squares on the linearised error, weights 1/Q. Returns (max error, p, q)."""
    x = c * (1 - np.cos(np.linspace(0, np.pi, points))) / 2
    f = np.tanh(x)
    x = np.append(x, c)
    f = np.append(f, 1.0)
    z = x * x
    q_val = np.ones_like(x)
    lw = np.full(len(x), 1.0 / len(x))
    best = None
    for _ in range(iterations):
        a = np.hstack([x[:, None] * z[:, None] ** np.arange(m + 1),
                       -f[:, None] * z[:, None] ** np.arange(1, n + 1)])
        wt = np.sqrt(lw) / q_val
        sol = np.linalg.lstsq(a * wt[:, None], f * wt, rcond=None)[0]
        p, q = sol[:m + 1], np.concatenate([[1.0], sol[m + 1:]])
        qz = np.polyval(q[::-1], z)
        err = np.abs(x * np.polyval(p[::-1], z) / qz - f)
        if best is None or err.max() < best[0]:
            best = (float(err.max()), p.copy(), q.copy())
        q_val = np.abs(qz)
        lw = lw * err
        lw /= lw.sum()
    return best
