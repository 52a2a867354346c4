"""Exact DSP32 number formats: 32-bit memory floats, 40-bit accumulators, IEEE, integers, G.711.

Everything here follows machine §2 (number formats) and encodings §6.8/§6.9 (special functions,
flags, dauc), with the project's pinned choices (reference README, "The board the project
emulates"). docs/numbers.md states every rule with its reason; this docstring is the summary.

Two halves:

* Vectorised NumPy conversions for the host, the firmware driver and the reference network:
  `dsp_to_float`, `float_to_dsp`, `round_to_dsp`, `ieee_to_dsp`, `dsp_to_ieee`.
* Scalar ``@njit(cache=True)`` helpers for the emulator core. They take and return int64 only
  (tuples of int64); no host float touches a value. Callable from Python too (Numba compiles
  them on first use) and through ``.py_func`` (pure Python, same results).

The exact value representation used by every scalar helper (a DAU value: accumulator or
memory float) is a pair of integers ``(m, e)``::

    value = m * 2**(e - 128 - 31)

* ``m``: the 33-bit two's-complement mantissa *including* the hidden bit, scaled by 2**31.
  Positive normal values have m in [2**31, 2**32), negative ones m in [-2**32, -2**31)
  (M = m / 2**31 in [1, 2) or [-2, -1), as machine §2.1). So -1.0 * 2**k is m = -2**32 with
  the exponent one lower, exactly as the memory word 0x8000007F is -1.0.
* ``e``: the biased exponent, 1..255. Zero is (0, 0) and is the only value with e == 0.
* A 40-bit accumulator is this pair with 32 significant mantissa bits below the sign (24 + 8
  guard). A 32-bit memory word is the same pair with the low 8 (guard) bits of m zero.

DAU flags (bit masks): FLAG_N = 1, FLAG_Z = 2, FLAG_U = 4, FLAG_V = 8.

Arithmetic rule (`dau_op`): the exact value of (+-A) +- (B*C) is rounded once toward minus
infinity to the 40-bit accumulator format; an exponent above 255 saturates to the largest
accumulator of that sign (packs to 0x7FFFFFFF / 0x800000FF) and sets V; a nonzero result with
exponent below 1 flushes to zero and sets U (and Z).

Imports nothing else of this project.
"""
import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

__all__ = [
    "FLAG_N", "FLAG_Z", "FLAG_U", "FLAG_V",
    "COMPAND_MU_LAW", "COMPAND_A_LAW", "COMPAND_LINEAR",
    "WORD_MAX", "WORD_MIN", "WORD_SMALLEST", "WORD_SMALLEST_NEG", "WORD_ONE", "WORD_MINUS_ONE",
    "dsp_to_float", "float_to_dsp", "round_to_dsp", "ieee_to_dsp", "dsp_to_ieee",
    "unpack_word", "pack_word", "to_multiplier", "dau_op", "round_acc", "flags_nz",
    "int_from_acc", "float_from_int", "dsp_word_to_ieee", "ieee_word_to_dsp",
    "ieee_word_from_acc", "acc_from_ieee_word", "seed_word", "ic_mode", "oc_mode",
    "int_truncates", "ic_byte", "oc_byte", "acc_to_float",
]

# --- constants ------------------------------------------------------------------------------

FLAG_N = 1  # result negative
FLAG_Z = 2  # result zero
FLAG_U = 4  # underflow: a nonzero result below the smallest normal, flushed to 0
FLAG_V = 8  # overflow: exponent above 255, result saturated

COMPAND_MU_LAW = 0  # ic/oc byte formats (see ic_mode / oc_mode for the dauc bits)
COMPAND_A_LAW = 1
COMPAND_LINEAR = 2

WORD_MAX = 0x7FFFFFFF           # (2 - 2**-23) * 2**127, the positive saturation word
WORD_MIN = 0x800000FF           # -2**128, the negative saturation word
WORD_SMALLEST = 0x00000001      # 2**-127
WORD_SMALLEST_NEG = 0xFFFFFF01  # -(1 + 2**-23) * 2**-127, the negative closest to zero
WORD_ONE = 0x00000080
WORD_MINUS_ONE = 0x8000007F

_EXP_OFFSET = 128 + 31     # value = m * 2**(e - _EXP_OFFSET)
_ACC_MAX_M = (1 << 32) - 1  # largest 40-bit mantissa: packs to 0x7FFFFFFF
_ACC_MIN_M = -(1 << 32)     # -2.0: packs (with e = 255) to 0x800000FF
# Grid exponent given to a zero operand of dau_op so that it is never the larger one; far
# below every real operand's grid (-300 at the least) yet small enough that differences of
# grid exponents stay exact int64.
_ZERO_GRID = -(1 << 20)


# --- bit length: Python for .py_func / NUMBA_DISABLE_JIT, one LLVM ctlz when compiled --------

def _bit_length(x):
    """Number of significant bits of a nonnegative integer (0 for 0)."""
    return int(x).bit_length()


@intrinsic
def _ctlz64(typingctx, x):
    """LLVM count-leading-zeros of an int64 (64 for 0)."""
    if not isinstance(x, types.Integer):
        return None
    sig = types.int64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.ctlz(args[0], ir.Constant(ir.IntType(1), 0))

    return sig, codegen


@overload(_bit_length)
def _bit_length_compiled(x):
    if isinstance(x, types.Integer):
        def impl(x):
            return 64 - _ctlz64(np.int64(x))
        return impl
    return None


# --- vectorised NumPy conversions (host side) -----------------------------------------------

def _as_words(words):
    """Integer input (any shape, signed 32-bit views allowed) as int64 32-bit patterns."""
    a = np.asarray(words)
    if a.dtype.kind not in "iub":
        raise TypeError(f"DSP32 words must be integers, got dtype {a.dtype}")
    w = a.astype(np.int64)
    if w.size and (w.min() < -(1 << 31) or w.max() > 0xFFFFFFFF):
        raise ValueError("DSP32 words must fit 32 bits")
    return w & 0xFFFFFFFF


def _out(a):
    """A 0-d result becomes a NumPy scalar, anything else stays an array."""
    return a[()] if a.ndim == 0 else a


def dsp_to_float(words):
    """DSP32 words -> their exact values as float64 (machine §2.1); e == 0 words are 0.0."""
    w = _as_words(words)
    e = w & 0xFF
    field = (w >> 8) & 0xFFFFFF
    q = (field ^ 0x800000) - ((field >> 23) << 24)  # 25-bit mantissa incl. hidden bit, * 2**23
    v = np.ldexp(q.astype(np.float64), (e - 151).astype(np.int32))
    return _out(np.where(e == 0, 0.0, v))


def float_to_dsp(x):
    """Nearest DSP32 word (uint32) of each float64 value.

    * Normal range: round to nearest, ties to the even 24-bit mantissa field (the project's
      float-literal and host-conversion rule).
    * Beyond the largest magnitude (including +-inf): saturate to 0x7FFFFFFF / 0x800000FF.
    * Below the smallest normal magnitude: the nearest of 0 and the smallest value of that sign
      (0x00000001 = 2**-127, 0xFFFFFF01 = -(1 + 2**-23) * 2**-127); a tie goes to 0. A value that
      rounds up into the normal range (e.g. 2**-127 * (1 - 2**-30)) is normal and gives 0x00000001.
    * NaN: ValueError (the DSP32 has none).
    """
    x = np.asarray(x, dtype=np.float64)
    if np.isnan(x).any():
        raise ValueError("NaN has no DSP32 representation")
    finite = np.isfinite(x)
    xf = np.where(finite, x, 0.0)
    fr, ex = np.frexp(xf)                       # xf = fr * 2**ex, |fr| in [0.5, 1)
    k = ex.astype(np.int64) - 1                 # xf = (2 fr) * 2**k
    q = np.rint(fr * float(1 << 24))            # exact: ties to even on the 24-bit field
    carry = q == float(1 << 24)                 # positive mantissa rounded up to 2.0
    neg_one = q == -float(1 << 23)              # negative mantissa at -1.0: renormalise
    q = np.where(carry, float(1 << 23), np.where(neg_one, -float(1 << 24), q))
    k = k + carry - neg_one
    e = k + 128
    field = (q.astype(np.int64) & 0xFFFFFF) ^ 0x800000
    word = (field << 8) | (e & 0xFF)
    # below the smallest normal: nearest of 0 and the smallest value of that sign, ties to 0
    tiny = np.where(xf > 0, np.where(xf > 2.0 ** -128, WORD_SMALLEST, 0),
                    np.where(xf < -(1 + 2.0 ** -23) * 2.0 ** -128, WORD_SMALLEST_NEG, 0))
    word = np.where((e < 1) | (xf == 0), tiny, word)
    word = np.where((e > 255) | ~finite, np.where(x > 0, WORD_MAX, WORD_MIN), word)
    return _out(word.astype(np.uint32))


def round_to_dsp(x):
    """float64 value of float_to_dsp(x): x rounded to the nearest DSP32 float."""
    return dsp_to_float(float_to_dsp(x))


def dsp_to_ieee(words):
    """DSP32 words -> IEEE-754 single words (uint32), machine §2.4 (same rules as dsp_word_to_ieee).

    Exact except: e == 0 -> +0; magnitudes below 2**-126 (DSP e == 1, except -2**-126) flush to
    a zero of their sign; 0x800000FF (-2**128) -> -inf (0xFF800000).
    """
    w = _as_words(words)
    e = w & 0xFF
    f = (w >> 8) & 0x7FFFFF
    neg = (w >> 31) == 1
    pos_word = np.where(e <= 1, 0, ((e - 1) << 23) | f)
    neg_pow2 = 0x80000000 | (e << 23)                      # M = -2: -2**(e-127), exponent e
    neg_word = np.where(e <= 1, 0x80000000, 0x80000000 | ((e - 1) << 23) | ((1 << 23) - f))
    neg_word = np.where(f == 0, neg_pow2, neg_word)
    out = np.where(e == 0, 0, np.where(neg, neg_word, pos_word))
    return _out(out.astype(np.uint32))


def ieee_to_dsp(words):
    """IEEE-754 single words -> DSP32 words (uint32), machine §2.4 (same rules as ieee_word_to_dsp).

    Every IEEE normal converts exactly; +-0 and denormals -> 0; +-inf -> 0x7FFFFFFF / 0x800000FF;
    NaN (DSP32C behaviour unknown) saturates by its sign bit like an infinity (see docs/numbers.md).
    """
    w = _as_words(words)
    x = (w >> 23) & 0xFF
    fr = w & 0x7FFFFF
    neg = (w >> 31) == 1
    pos_word = (fr << 8) | (x + 1)
    neg_word = np.where(fr == 0, 0x80000000 | x, 0x80000000 | (((1 << 23) - fr) << 8) | (x + 1))
    out = np.where(neg, neg_word, pos_word)
    out = np.where(x == 255, np.where(neg, WORD_MIN, WORD_MAX), out)
    out = np.where(x == 0, 0, out)
    return _out(out.astype(np.uint32))


# --- scalar helpers for the emulator core (@njit, int64 only) --------------------------------

@njit(cache=True, inline="always")
def _finish(s, grid):
    """Exact value s * 2**grid (s int64) -> (m, e, flags) in the 40-bit accumulator format.

    Rounds toward minus infinity (floor: an arithmetic right shift) to the 33-bit mantissa, then
    saturates (V) above exponent 255 or flushes (U) below 1. The floor never leaves the binade
    found from s: for s > 0 it cannot rise; for s < 0 the binade [-2**n, -2**(n-1)) includes its
    lower end. So the exponent is final before rounding.

    Normalisation needs no branch on the shift direction: with z the leading zeros of t (at
    least 1), s << (z - 1) puts the sign at bit 63 and the top magnitude bit at bit 62 without
    losing a bit, and the arithmetic >> 31 then floors it to the 33-bit mantissa. Inlined (as
    dau_op) because it sits on the emulator's accumulator dependency chain.
    """
    if s == 0:
        return np.int64(0), np.int64(0), np.int64(FLAG_Z)
    t = s ^ (s >> 63)                  # s for s >= 0, ~s for s < 0
    z = 64 - _bit_length(t)            # t < 2**(64 - z): m in [2**31, 2**32) or [-2**32, -2**31)
    m = (s << (z - 1)) >> 31
    e = grid + (_EXP_OFFSET + 32) - z
    if e > 255:
        if m < 0:
            return np.int64(_ACC_MIN_M), np.int64(255), np.int64(FLAG_N | FLAG_V)
        return np.int64(_ACC_MAX_M), np.int64(255), np.int64(FLAG_V)
    if e < 1:
        return np.int64(0), np.int64(0), np.int64(FLAG_Z | FLAG_U)
    return m, e, (m >> 63) & FLAG_N    # FLAG_N is bit 0: the sign alone


@njit(cache=True)
def flags_nz(m, e):
    """The N and Z flags of a value (for ic, whose result cannot leave the range)."""
    if e == 0 or m == 0:
        return np.int64(FLAG_Z)
    if m < 0:
        return np.int64(FLAG_N)
    return np.int64(0)


@njit(cache=True)
def unpack_word(w):
    """32-bit DSP32 word -> (m, e); any word with e == 0 is zero (0, 0)."""
    w = np.int64(w) & 0xFFFFFFFF
    e = w & 0xFF
    if e == 0:
        return np.int64(0), np.int64(0)
    field = (w >> 8) & 0xFFFFFF                       # s.f, 24-bit two's complement
    q = (field ^ 0x800000) - ((field >> 23) << 24)    # s.(~s)f as a signed 25-bit integer
    return q << 8, e


@njit(cache=True)
def pack_word(m, e):
    """(m, e) -> 32-bit DSP32 word; the 8 guard bits are dropped by truncating the
    two's-complement mantissa (toward minus infinity). Expects a normal value or zero."""
    m = np.int64(m)
    e = np.int64(e)
    if e <= 0 or m == 0:
        return np.int64(0)
    field = ((m >> 8) & 0xFFFFFF) ^ 0x800000
    return (field << 8) | (e & 0xFF)


@njit(cache=True)
def to_multiplier(m, e):
    """An accumulator as a multiplier input: guard bits truncated (toward minus infinity)."""
    m = np.int64(m)
    e = np.int64(e)
    if e == 0 or m == 0:
        return np.int64(0), np.int64(0)
    return (m >> 8) << 8, e


# inline="always": inlined into the core's DA handler at the Numba level (as a plain call
# LLVM kept it out of line in the core's large run loop); with _finish's branch-free
# normalisation about 6% on the MAC-heavy benchmark (docs/numbers.md)
@njit(cache=True, inline="always")
def dau_op(am, ae, neg_a, bm, be, cm, ce, sub, use_product):
    """The DA operation (+-A) +- (B*C) -> (m, e, flags), exact then rounded once.

    A = (am, ae) is the adder input at full 40-bit precision, negated when neg_a. B and C are
    the multiplier inputs; their guard bits are truncated here (toward minus infinity, as
    to_multiplier), so a memory word or an accumulator may be passed. The product is
    subtracted when sub. With use_product == 0 the result is just +-A (the M = 0.0 case).

    The exact value of +-A +- B*C is rounded toward minus infinity to the 40-bit format, then
    saturated (V) or flushed (U) as in _finish.

    Exactness. Both terms are integers on their own grids: A = ma * 2**la with |ma| <= 2**48
    (am << 16), the product P = mp * 2**lp with |mp| <= 2**48 (25-bit x 25-bit). Nonzero terms
    also have |ma| >= 2**47, |mp| >= 2**46. Let the larger grid be lb, d = lb - (other grid).
    The sum is formed on the grid L = lb - 12, where the larger term is exact (<< 12).
    * d <= 12: the smaller term is shifted left, exact; the sum is exact.
    * d > 12: the smaller term Y is floor-shifted onto the L grid: Y' = floor(Y / 2**L) * 2**L,
      Y' <= Y < Y' + 2**L. Here |Y| <= 2**(48-13) * 2**lb = 2**35 * 2**lb, so the exact sum
      is at least 2**46 * 2**lb - 2**35 * 2**lb > 2**45 * 2**lb in magnitude, and the computed
      sum S = X + Y' (a multiple of 2**L) too exceeds 2**44 * 2**lb = 2**56 * 2**L: it has at
      least 57 bits on the L grid, so the result's last mantissa place 2**R (R = L + shift)
      has R >= L + 24. The exact sum lies in [S, S + 2**L); as 2**L divides 2**R and S is on
      the 2**L grid, that interval lies within one 2**R cell, and within S's binade (its ends
      are multiples of 2**L and the binade bounds are multiples of 2**R). So floor_R(exact) =
      floor_R(S): the truncated smaller operand changes nothing. A shift above 63 clamps to 63,
      which still gives floor (0 or -1) since |Y| < 2**50.
    Magnitudes stay below 2**61, so int64 never overflows.
    """
    am = np.int64(am)
    ae = np.int64(ae)
    bm = np.int64(bm)
    be = np.int64(be)
    cm = np.int64(cm)
    ce = np.int64(ce)
    ma = am << 16                       # adder input on grid la
    if neg_a:
        ma = -ma
    la = ae - (_EXP_OFFSET + 16)
    if ae == 0 or am == 0:
        ma = np.int64(0)
        la = np.int64(_ZERO_GRID)
    mp = (bm >> 8) * (cm >> 8)          # exact 25 x 25-bit product on grid lp
    if sub:
        mp = -mp
    lp = be + ce - 2 * (_EXP_OFFSET - 8)
    if use_product == 0 or be == 0 or ce == 0 or mp == 0:
        mp = np.int64(0)
        lp = np.int64(_ZERO_GRID)
    if la >= lp:
        big = ma
        small = mp
        grid = la
        d = la - lp
    else:
        big = mp
        small = ma
        grid = lp
        d = lp - la
    sh = d - 12
    if sh <= 0:
        small = small << (-sh)
    else:
        small = small >> min(sh, np.int64(63))
    return _finish((big << 12) + small, grid - 12)


@njit(cache=True)
def round_acc(m, e):
    """`round` (encodings §6.8 G = 4): 40 -> 32 bits, round to nearest, ties toward the larger
    value, guard bits cleared; can carry into the next binade, saturate (V, to the 32-bit
    largest magnitude) or, for a negative value rounding up to -2**-127, underflow (U)."""
    m = np.int64(m)
    e = np.int64(e)
    if e == 0 or m == 0:
        return np.int64(0), np.int64(0), np.int64(FLAG_Z)
    r = ((m + 128) >> 8) << 8
    rm, re, fl = _finish(r, e - _EXP_OFFSET)
    return (rm >> 8) << 8, re, fl


@njit(cache=True)
def int_from_acc(m, e, bits, truncate):
    """`int` (bits = 16) / `int24` (bits = 24), any bits in 1..32: value -> (integer, overflow).

    truncate == 0: round to nearest, ties up (floor(x + 1/2)); truncate == 1: floor (toward
    minus infinity), as dauc bit 4 selects. Saturates to [-2**(bits-1), 2**(bits-1) - 1] with
    overflow = 1."""
    m = np.int64(m)
    e = np.int64(e)
    lo = -(np.int64(1) << (bits - 1))
    hi = (np.int64(1) << (bits - 1)) - 1
    if e == 0 or m == 0:
        return np.int64(0), np.int64(0)
    k = _EXP_OFFSET - e                   # value = m / 2**k
    if k <= 0:                            # |value| >= 2**31: out of every range
        if m < 0:
            return lo, np.int64(1)
        return hi, np.int64(1)
    k = min(k, np.int64(63))              # beyond 63 both rules give the same (|m| <= 2**32)
    if truncate:
        v = m >> k
    else:
        v = (m + (np.int64(1) << (k - 1))) >> k
    if v > hi:
        return hi, np.int64(1)
    if v < lo:
        return lo, np.int64(1)
    return v, np.int64(0)


@njit(cache=True)
def float_from_int(v, bits):
    """`float` (bits = 16) / `float24` (bits = 24): the low `bits` bits of v as a signed
    integer -> (m, e, flags); always exact, N and Z only."""
    v = np.int64(v)
    half = np.int64(1) << (bits - 1)
    v = ((v + half) & ((half << 1) - 1)) - half
    return _finish(v, np.int64(0))


@njit(cache=True)
def dsp_word_to_ieee(w):
    """`ieee` at word level (machine §2.4): DSP32 word -> IEEE-754 single word. Sets no flags.

    Exact except: e == 0 -> +0; magnitudes below 2**-126 (e == 1, other than -2**-126) flush
    to a zero of their sign; 0x800000FF (-2**128) -> -inf."""
    w = np.int64(w) & 0xFFFFFFFF
    e = w & 0xFF
    f = (w >> 8) & 0x7FFFFF
    if e == 0:
        return np.int64(0)
    if (w >> 31) == 0:
        if e == 1:
            return np.int64(0)
        return ((e - 1) << 23) | f
    if f == 0:                              # M = -2: -2**(e-127), IEEE exponent e
        return 0x80000000 | (e << 23)
    if e == 1:
        return np.int64(0x80000000)
    return 0x80000000 | ((e - 1) << 23) | ((1 << 23) - f)


@njit(cache=True)
def ieee_word_to_dsp(w):
    """`dsp` at word level (machine §2.4): IEEE-754 single word -> (DSP32 word, flags).

    Normals convert exactly (N); +-0 -> 0 (Z); denormals -> 0 (Z, and U: a nonzero value
    flushed); +-inf and NaN (exponent field 255) saturate by the sign bit (V)."""
    w = np.int64(w) & 0xFFFFFFFF
    x = (w >> 23) & 0xFF
    fr = w & 0x7FFFFF
    neg = (w >> 31) == 1
    if x == 0:
        if fr != 0:
            return np.int64(0), np.int64(FLAG_Z | FLAG_U)
        return np.int64(0), np.int64(FLAG_Z)
    if x == 255:
        if neg:
            return np.int64(WORD_MIN), np.int64(FLAG_N | FLAG_V)
        return np.int64(WORD_MAX), np.int64(FLAG_V)
    if not neg:
        return (fr << 8) | (x + 1), np.int64(0)
    if fr == 0:                             # -2**(x-127): M = -2, DSP exponent x
        return 0x80000000 | x, np.int64(FLAG_N)
    return 0x80000000 | (((1 << 23) - fr) << 8) | (x + 1), np.int64(FLAG_N)


@njit(cache=True)
def ieee_word_from_acc(m, e):
    """`ieee` on an accumulator: narrowed to 32 bits (truncation), then dsp_word_to_ieee."""
    return dsp_word_to_ieee(pack_word(m, e))


@njit(cache=True)
def acc_from_ieee_word(w):
    """`dsp`: IEEE-754 single word -> (m, e, flags) as ieee_word_to_dsp."""
    d, fl = ieee_word_to_dsp(w)
    m, e = unpack_word(d)
    return m, e, fl


@njit(cache=True)
def seed_word(w):
    """`seed` (encodings §6.8 G = 14): pattern XOR 0x7FFFFFFF -> (pattern, flags).

    The pattern is what a Z write stores; the accumulator receives unpack_word(pattern). An
    input exponent of 0xFF gives exponent 0, a zero: Z and U. Otherwise N from the sign bit."""
    r = (np.int64(w) & 0xFFFFFFFF) ^ 0x7FFFFFFF
    if (r & 0xFF) == 0:
        return r, np.int64(FLAG_Z | FLAG_U)
    if (r >> 31) == 1:
        return r, np.int64(FLAG_N)
    return r, np.int64(0)


# --- ic / oc: G.711 mu-law and A-law, linear 8-bit -----------------------------------------

@njit(cache=True)
def _compand_mode(dauc, linear_bit, alaw_bit):
    if dauc & linear_bit:
        return np.int64(COMPAND_LINEAR)
    if dauc & alaw_bit:
        return np.int64(COMPAND_A_LAW)
    return np.int64(COMPAND_MU_LAW)


@njit(cache=True)
def ic_mode(dauc):
    """Byte format of `ic` from dauc (DSP3210 assignment, encodings §6.9): bit 2 set -> linear,
    else bit 0 set -> A-law, else mu-law."""
    return _compand_mode(dauc, 4, 1)


@njit(cache=True)
def oc_mode(dauc):
    """Byte format of `oc` from dauc: bit 3 set -> linear, else bit 1 set -> A-law, else mu-law."""
    return _compand_mode(dauc, 8, 2)


@njit(cache=True)
def int_truncates(dauc):
    """Float -> int rounding of `int`/`int24` from dauc bit 4: 1 = truncate toward minus
    infinity, 0 = round to nearest, ties up (reference README, "float to int")."""
    return np.int64((dauc >> 4) & 1)


@njit(cache=True)
def _byte_to_int(byte, mode):
    """The linear integer a byte stands for: mu-law -> 14-bit, A-law -> 13-bit, linear -> 8-bit."""
    b = np.int64(byte) & 0xFF
    if mode == COMPAND_LINEAR:
        return ((b + 128) & 0xFF) - 128
    if mode == COMPAND_A_LAW:
        a = b ^ 0x55                        # even bits are transmitted inverted
        seg = (a >> 4) & 7
        q = a & 15
        if seg == 0:
            mag = 2 * q + 1
        else:
            mag = (2 * q + 33) << (seg - 1)
        if a & 0x80:                        # sign bit 1: positive
            return mag
        return -mag
    u = b ^ 0xFF                            # every bit is transmitted inverted
    seg = (u >> 4) & 7
    q = u & 15
    mag = ((2 * q + 33) << seg) - 33
    if u & 0x80:                            # inverted sign bit 1: negative
        return -mag
    return mag


@njit(cache=True)
def ic_byte(byte, mode):
    """`ic`: byte -> (m, e) holding the linear integer the code stands for (exact)."""
    m, e, fl = _finish(_byte_to_int(byte, mode), np.int64(0))
    return m, e


@njit(cache=True)
def oc_byte(m, e, mode):
    """`oc`: (m, e) -> byte (0..255).

    mu-law / A-law: the float is read on the linear integer scale of ic (14-bit / 13-bit). The
    code is the one whose G.711 decision interval holds |value|, with the sign of the value
    (zero and -0.x encode as the zero of their sign); a value on a decision boundary takes the
    larger-magnitude interval; magnitudes past the last interval take the largest code.
    Linear: floor (toward minus infinity) saturated to -128..127, as a two's-complement byte."""
    m = np.int64(m)
    e = np.int64(e)
    if e == 0:
        m = np.int64(0)
    neg = m < 0
    k = _EXP_OFFSET - e                    # value = m / 2**k
    if mode == COMPAND_LINEAR:
        if m == 0:
            return np.int64(0)
        if k <= 0:
            v = np.int64(-128) if neg else np.int64(127)
        else:
            v = max(min(m >> min(k, np.int64(63)), np.int64(127)), np.int64(-128))
        return v & 0xFF
    a = -m if neg else m                   # |m| <= 2**32
    if a == 0:
        r = np.int64(0)
    elif k <= 0:
        r = np.int64(1 << 20)              # |value| >= 2**31: past every interval
    else:
        r = a >> min(k, np.int64(63))      # floor(|value|): decision values are integers
    if mode == COMPAND_A_LAW:
        if r >= 4096:
            code = np.int64(0x7F)
        else:
            seg = max(_bit_length(r) - 5, np.int64(0))
            code = (seg << 4) | ((r >> max(seg, np.int64(1))) & 15)
        return code ^ (0x55 if neg else 0xD5)
    y = r + 33                             # mu-law: biased magnitude
    if y >= 8192:
        code = np.int64(0x7F)
    else:
        seg = _bit_length(y) - 6           # y in [2**(seg+5), 2**(seg+6))
        code = (seg << 4) | ((y >> (seg + 1)) & 15)
    return code ^ (0x7F if neg else 0xFF)


# --- Python-side display --------------------------------------------------------------------

def acc_to_float(m, e):
    """Exact float value of (m, e) (Python side, for display and tests)."""
    m = int(m)
    e = int(e)
    if e == 0 or m == 0:
        return 0.0
    return math.ldexp(m, e - _EXP_OFFSET)
