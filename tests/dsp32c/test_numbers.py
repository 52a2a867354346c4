"""dsp32c.numbers against references written here from the fact sheets (machine §2, encodings
§6.8/§6.9) and G.711: exact values come from fractions.Fraction, never from the module."""
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dsp32c import numbers as nb
from dsp32c.numbers import FLAG_N, FLAG_U, FLAG_V, FLAG_Z

TWO = Fraction(2)
WORDS = st.integers(0, 2**32 - 1)

# --- independent references ----------------------------------------------------------------


def word_value(w):
    """machine §2.1: value = M * 2**(e-128), M = 1.f (s = 0) or -2 + 0.f (s = 1); e = 0 is zero."""
    e = w & 0xFF
    if e == 0:
        return Fraction(0)
    s, f = w >> 31, (w >> 8) & 0x7FFFFF
    return ((1 if s == 0 else -2) + Fraction(f, 2**23)) * TWO ** (e - 128)


def acc_value(m, e):
    return Fraction(0) if e == 0 else Fraction(m) * TWO ** (e - 159)


def binade(x):
    """k with x / 2**k in [1, 2) (x > 0) or [-2, -1) (x < 0)."""
    k = abs(x.numerator).bit_length() - x.denominator.bit_length()
    if x > 0:
        while x / TWO**k >= 2:
            k += 1
        while x / TWO**k < 1:
            k -= 1
    else:
        while x / TWO**k < -2:
            k += 1
        while x / TWO**k >= -1:
            k -= 1
    return k


def ref_acc(x, frac_bits=31, rounding="floor", sat_m=2**32 - 1):
    """Exact x -> (m, e, flags) by the documented rule: one rounding to frac_bits fraction bits
    (floor, or nearest with ties up), then saturation (V) / flush (U)."""
    if x == 0:
        return 0, 0, FLAG_Z
    k = binade(x)
    scaled = x / TWO**k * 2**frac_bits
    q = scaled.__floor__() if rounding == "floor" else (scaled + Fraction(1, 2)).__floor__()
    if q == 2 ** (frac_bits + 1):          # rounded up out of [1, 2)
        q, k = q // 2, k + 1
    if q == -(2**frac_bits):               # rounded up to -1.0: renormalise to -2 * 2**(k-1)
        q, k = 2 * q, k - 1
    e = k + 128
    m = q << (31 - frac_bits)
    if e > 255:
        return (sat_m, 255, FLAG_V) if x > 0 else (-(2**32), 255, FLAG_N | FLAG_V)
    if e < 1:
        return 0, 0, FLAG_Z | FLAG_U
    return m, e, FLAG_N if m < 0 else 0


def ref_word(x):
    """Nearest DSP32 word of an exact value (ties to the even field), saturating and rounding
    tiny magnitudes to the nearest of 0 and the smallest value (ties to 0)."""
    if x == 0:
        return 0
    k = binade(x)
    q = round(x / TWO**k * 2**23)          # Python's round on a Fraction: ties to even
    if q == 2**24:
        q, k = 2**23, k + 1
    if q == -(2**23):
        q, k = -(2**24), k - 1
    e = k + 128
    if e > 255:
        return 0x7FFFFFFF if x > 0 else 0x800000FF
    if e < 1:
        smallest = 0x00000001 if x > 0 else 0xFFFFFF01
        return smallest if abs(x) > abs(word_value(smallest)) / 2 else 0
    return ((q & 0xFFFFFF) ^ 0x800000) << 8 | e


def acc_strategy():
    """Normal 40-bit accumulators (any guard bits, both signs, every exponent) and zero."""
    pos = st.tuples(st.integers(2**31, 2**32 - 1), st.integers(1, 255))
    neg = st.tuples(st.integers(-(2**32), -(2**31) - 1), st.integers(1, 255))
    return st.one_of(pos, neg, st.just((0, 0)))


def word_strategy():
    """Multiplier inputs: (m, e) of 32-bit words (guard bits zero), including zero."""
    return WORDS.map(lambda w: tuple(int(v) for v in nb.unpack_word(w)))


def py(t):
    return tuple(int(v) for v in t)


# --- machine §2.1 worked examples -----------------------------------------------------------

EXAMPLES = [  # value, DSP32 word, IEEE single word (machine §2.1 table)
    (1.0, 0x00000080, 0x3F800000), (-1.0, 0x8000007F, 0xBF800000),
    (0.5, 0x0000007F, 0x3F000000), (2.0, 0x00000081, 0x40000000),
    (-0.75, 0xC000007F, 0xBF400000), (1.5, 0x40000080, 0x3FC00000),
    (-1.5, 0xC0000080, 0xBFC00000), (-2.0, 0x80000080, 0xC0000000),
    (3.0, 0x40000081, 0x40400000), (100.0, 0x48000086, 0x42C80000),
    (1024.0, 0x0000008A, 0x44800000),  # machine §2.1: ELDORA's end-of-frame marker
]


@pytest.mark.parametrize("value,word,ieee", EXAMPLES)
def test_worked_examples_both_directions(value, word, ieee):
    assert nb.float_to_dsp(value) == word
    assert nb.dsp_to_float(word) == value
    assert word_value(word) == Fraction(value)
    assert nb.dsp_to_ieee(word) == ieee
    assert nb.ieee_to_dsp(ieee) == word
    assert acc_value(*py(nb.unpack_word(word))) == Fraction(value)


def truncated_word(x):
    """Exact x narrowed to a 32-bit word by the project's rule: floor at 40 bits, then pack."""
    m, e, _ = ref_acc(x)
    return int(nb.pack_word(m, e))


def test_tenth_rows():
    # 0.1 truncated is 0x4CCCCC7C; nearest (the host/literal rule) rounds up as IEEE does
    assert truncated_word(Fraction(1, 10)) == 0x4CCCCC7C
    assert nb.float_to_dsp(0.1) == 0x4CCCCD7C
    # -0.1: two's-complement truncation (toward minus infinity) is 0xB333337C, not MAME's
    # magnitude truncation 0xB333347C; here nearest and truncation agree
    assert truncated_word(Fraction(-1, 10)) == 0xB333337C
    assert nb.float_to_dsp(-0.1) == 0xB333337C
    assert word_value(0xB333337C) < Fraction(-1, 10) < word_value(0xB333347C)
    for w in (0x4CCCCC7C, 0xB333337C, 0xB333347C):
        assert nb.float_to_dsp(nb.dsp_to_float(w)) == w


def test_range_ends():
    assert word_value(0x7FFFFFFF) == (2 - TWO**-23) * TWO**127
    assert word_value(0x800000FF) == -(TWO**128)
    assert word_value(0x00000001) == TWO**-127
    assert word_value(0xFFFFFF01) == -(1 + TWO**-23) * TWO**-127
    for w in (0x7FFFFFFF, 0x800000FF, 0x00000001, 0xFFFFFF01):
        assert Fraction(float(nb.dsp_to_float(w))) == word_value(w)
        assert nb.float_to_dsp(nb.dsp_to_float(w)) == w


# --- vectorised conversions -----------------------------------------------------------------

@settings(max_examples=2000, deadline=None)
@given(WORDS)
def test_word_round_trip_whole_space(w):
    x = nb.dsp_to_float(w)
    assert Fraction(float(x)) == word_value(w)
    assert nb.float_to_dsp(x) == (w if w & 0xFF else 0)


def test_word_round_trip_sweep():
    # every exponent with 2**14 mantissa fields spread over the whole field (incl. both ends)
    fields = np.unique(np.r_[np.linspace(0, 2**24 - 1, 2**14).astype(np.int64), 0x7FFFFF, 0x800000])
    w = ((fields[:, None] << 8) | np.arange(256)[None, :]).ravel().astype(np.uint32)
    back = nb.float_to_dsp(nb.dsp_to_float(w))
    assert np.array_equal(back, np.where(w & 0xFF, w, 0).astype(np.uint32))


def test_vectorised_shapes_and_types():
    assert nb.dsp_to_float(0x80).dtype == np.float64
    assert nb.float_to_dsp(1.0).dtype == np.uint32
    a = nb.float_to_dsp([[1.0, -1.0], [0.5, 0.0]])
    assert a.shape == (2, 2) and a.dtype == np.uint32
    assert np.array_equal(nb.dsp_to_float(a), [[1.0, -1.0], [0.5, 0.0]])
    assert nb.dsp_to_float(np.int32(-2147483521)) == -1.0   # 0x8000007F seen as int32
    assert nb.round_to_dsp(0.1) == float(word_value(0x4CCCCD7C))
    with pytest.raises(ValueError):
        nb.float_to_dsp([1.0, float("nan")])
    with pytest.raises(TypeError):
        nb.dsp_to_float(1.0)
    with pytest.raises(ValueError):
        nb.dsp_to_float(2**32)


@settings(max_examples=1000, deadline=None)
@given(st.floats(allow_nan=False, width=64))
def test_float_to_dsp_is_nearest_even(x):
    assert nb.float_to_dsp(x) == (ref_word(Fraction(x)) if np.isfinite(x)
                                  else (0x7FFFFFFF if x > 0 else 0x800000FF))


def _around(w):
    """float64 values at and next to the midpoints between w and its neighbours."""
    out = []
    for nxt in (w + 0x100, w - 0x100):
        mid = (word_value(w) + word_value(nxt & 0xFFFFFFFF)) / 2
        f = float(mid)
        out += [f, np.nextafter(f, np.inf), np.nextafter(f, -np.inf)]
    return out


@pytest.mark.parametrize("w", [0x00000080, 0x8000007F, 0x00000180, 0x80000180, 0xFFFFFF80,
                               0x7FFFFF80, 0x400000FE, 0x7FFFFFFE, 0x800000FE, 0x00000002,
                               0xFFFFFF02, 0x80000002, 0x12345602, 0xEDCBA402, 0x12345680])
def test_float_to_dsp_ties_and_binade_edges(w):
    for x in _around(w):
        assert nb.float_to_dsp(x) == ref_word(Fraction(x)), (hex(w), x)


def test_float_to_dsp_saturation_and_tiny():
    top = float(word_value(0x7FFFFFFF))
    assert nb.float_to_dsp(np.inf) == 0x7FFFFFFF and nb.float_to_dsp(-np.inf) == 0x800000FF
    assert nb.float_to_dsp(1e300) == 0x7FFFFFFF and nb.float_to_dsp(-1e300) == 0x800000FF
    assert nb.float_to_dsp(2.0**128) == 0x7FFFFFFF                 # rounds past the top
    assert nb.float_to_dsp(top + 2.0**102) == 0x7FFFFFFF           # below the midpoint to 2**128
    assert nb.float_to_dsp(-(2.0**128)) == 0x800000FF              # exact
    assert nb.float_to_dsp(-(2.0**128) * (1 + 2.0**-30)) == 0x800000FF
    assert nb.float_to_dsp(2.0**-127) == 0x00000001
    assert nb.float_to_dsp(2.0**-127 * (1 - 2.0**-30)) == 0x00000001  # rounds up into range
    assert nb.float_to_dsp(2.0**-128 * (1 + 2.0**-40)) == 0x00000001  # nearer 2**-127 than 0
    assert nb.float_to_dsp(2.0**-128) == 0                            # tie: to 0
    assert nb.float_to_dsp(2.0**-129) == 0
    assert nb.float_to_dsp(-(2.0**-127)) == 0xFFFFFF01                # nearest negative
    assert nb.float_to_dsp(-(1 + 2.0**-22) * 2.0**-128) == 0xFFFFFF01  # beyond half of it
    assert nb.float_to_dsp(-(2.0**-128)) == 0                         # short of half of it
    assert nb.float_to_dsp(-(1 + 2.0**-23) * 2.0**-128) == 0          # tie: to 0
    assert nb.float_to_dsp(5e-324) == 0 and nb.float_to_dsp(-5e-324) == 0
    assert nb.float_to_dsp(0.0) == 0 and nb.float_to_dsp(-0.0) == 0


# --- machine §2.4: IEEE <-> DSP32 -----------------------------------------------------------

IEEE_EDGES = [  # (DSP word, IEEE word) pairs from the §2.4 rules
    (0x00000000, 0x00000000), (0x12345600, 0x00000000),          # e = 0 -> +0
    (0x00000001, 0x00000000), (0x7FFFFF01, 0x00000000),          # positive e = 1: denormal range
    (0xFFFFFF01, 0x80000000), (0xC0000001, 0x80000000),          # negative e = 1, f != 0: -0
    (0x80000001, 0x80800000),                                    # -2**-126: IEEE normal
    (0x800000FF, 0xFF800000),                                    # -2**128 -> -inf
    (0x7FFFFFFF, 0x7F7FFFFF),                                    # largest positive
    (0x800000FE, 0xFF000000), (0xFFFFFFFF, 0xFF000001),
    (0x00000002, 0x00800000), (0xFFFFFF02, 0x80800001),
]


@pytest.mark.parametrize("dsp,ieee", IEEE_EDGES)
def test_dsp_to_ieee_edges(dsp, ieee):
    assert nb.dsp_to_ieee(dsp) == ieee
    assert nb.dsp_word_to_ieee(dsp) == ieee


IEEE_IN = [  # (IEEE word, DSP word, flags)
    (0x00000000, 0x00000000, FLAG_Z), (0x80000000, 0x00000000, FLAG_Z),
    (0x00000001, 0x00000000, FLAG_Z | FLAG_U), (0x807FFFFF, 0x00000000, FLAG_Z | FLAG_U),
    (0x7F800000, 0x7FFFFFFF, FLAG_V), (0xFF800000, 0x800000FF, FLAG_N | FLAG_V),
    (0x7FC00000, 0x7FFFFFFF, FLAG_V), (0xFFC00001, 0x800000FF, FLAG_N | FLAG_V),   # NaN: saturate
    (0x00800000, 0x00000002, 0), (0x80800000, 0x80000001, FLAG_N),
    (0x7F7FFFFF, 0x7FFFFFFF, 0), (0xFF7FFFFF, 0x800001FF, FLAG_N),
    (0x3F800000, 0x00000080, 0), (0xBF800000, 0x8000007F, FLAG_N),
]


@pytest.mark.parametrize("ieee,dsp,flags", IEEE_IN)
def test_ieee_to_dsp_edges(ieee, dsp, flags):
    assert nb.ieee_to_dsp(ieee) == dsp
    assert py(nb.ieee_word_to_dsp(ieee)) == (dsp, flags)
    m, e, fl = py(nb.acc_from_ieee_word(ieee))
    assert nb.pack_word(m, e) == dsp and fl == flags


def ieee_defined(w):
    """DSP words that §2.4 maps to an IEEE value of the same magnitude class (not flushed)."""
    e, neg, f = w & 0xFF, w >> 31, (w >> 8) & 0x7FFFFF
    return e >= 2 or (e == 1 and neg and f == 0)


@settings(max_examples=2000, deadline=None)
@given(WORDS)
def test_ieee_round_trips_whole_space(w):
    i = int(nb.dsp_to_ieee(w))
    assert nb.dsp_word_to_ieee(w) == i
    if ieee_defined(w):
        assert nb.ieee_to_dsp(i) == w
        if w != 0x800000FF:   # exact: compare with NumPy's own IEEE single
            assert np.array(i, np.uint32).view(np.float32).astype(np.float64) == word_value(w)
    else:
        assert i in (0, 0x80000000)
    # IEEE -> DSP -> IEEE: the identity on every IEEE normal
    j = w
    d = int(nb.ieee_to_dsp(j))
    assert py(nb.ieee_word_to_dsp(j))[0] == d
    if 0 < (j >> 23) & 0xFF < 255:
        assert nb.dsp_to_ieee(d) == j
        assert word_value(d) == Fraction(float(np.array(j, np.uint32).view(np.float32)))


def test_ieee_from_acc_truncates_guard_bits():
    m, e = 2**32 - 1, 128                   # 2 - 2**-31: narrows to 2 - 2**-23
    assert nb.ieee_word_from_acc(m, e) == 0x3FFFFFFF
    assert nb.ieee_word_from_acc(-(2**31) - 1, 128) == 0xBF800001   # toward minus infinity


# --- pack / unpack / to_multiplier ----------------------------------------------------------

@settings(max_examples=2000, deadline=None)
@given(WORDS)
def test_unpack_pack(w):
    m, e = py(nb.unpack_word(w))
    assert acc_value(m, e) == word_value(w)
    if e:
        assert m & 0xFF == 0 and (2**31 <= m < 2**32 or -(2**32) <= m < -(2**31))
        assert nb.pack_word(m, e) == w
    else:
        assert (m, e) == (0, 0)


@settings(max_examples=1000, deadline=None)
@given(acc_strategy())
def test_pack_truncates_toward_minus_infinity(acc):
    m, e = acc
    w = int(nb.pack_word(m, e))
    floor24 = ref_acc(acc_value(m, e), frac_bits=23)        # floor to a 24-bit mantissa
    assert word_value(w) == acc_value(*floor24[:2])
    assert word_value(w) <= acc_value(m, e)
    assert acc_value(m, e) - word_value(w) < (TWO ** (e - 151) if e else 1)
    assert py(nb.to_multiplier(m, e)) == py(nb.unpack_word(w))


# --- dau_op: the DA operation ---------------------------------------------------------------

def ref_dau(a, neg_a, b, c, sub, use_product):
    x = acc_value(*a) * (-1 if neg_a else 1)
    if use_product:
        bb = acc_value(*b) if b[1] == 0 else acc_value((b[0] >> 8) << 8, b[1])
        cc = acc_value(*c) if c[1] == 0 else acc_value((c[0] >> 8) << 8, c[1])
        x += (-1 if sub else 1) * bb * cc
    return ref_acc(x)


def check_dau(a, neg_a, b, c, sub, use_product, fn=nb.dau_op):
    got = py(fn(a[0], a[1], neg_a, b[0], b[1], c[0], c[1], sub, use_product))
    want = ref_dau(a, neg_a, b, c, sub, use_product)
    assert got == want, (a, neg_a, b, c, sub, use_product)


@settings(max_examples=1500, deadline=None)
@given(acc_strategy(), st.booleans(), acc_strategy(), word_strategy(), st.booleans(),
       st.sampled_from([1, 1, 1, 0]))
def test_dau_op_random(a, neg_a, b, c, sub, use_product):
    check_dau(a, int(neg_a), b, c, int(sub), use_product)


@settings(max_examples=1000, deadline=None)
@given(acc_strategy(), st.integers(-300, 300), word_strategy(), word_strategy(), st.booleans())
def test_dau_op_near_exponents(a, shift, b, c, sub):
    """A placed near the product's binade (shift bits away): the cancellation and
    exact-alignment region."""
    assume(b[1] != 0 and c[1] != 0 and a[1] != 0)   # (a silent return would count as a pass)
    pe = b[1] + c[1] - 128
    ae = min(max(pe + shift // 8, 1), 255)
    check_dau((a[0], ae), 0, b, c, int(sub), 1)


def adversarial_cases():
    """(a, neg_a, b, c, sub, use_product) aimed at cancellation, gaps and the range ends."""
    one = (2**31, 128)
    cases = []
    rng = np.random.default_rng(1989)
    for _ in range(400):
        b = py(nb.unpack_word(int(rng.integers(1, 2**32)) | 1))
        c = py(nb.unpack_word(int(rng.integers(1, 2**32)) | 1))
        p = acc_value(*b) * acc_value(*c)
        if abs(p) >= TWO**127 or abs(p) < TWO**-126:
            continue
        pm, pe, _ = ref_acc(p)                      # the product floored to 40 bits
        for dm in (-3, -1, 0, 1, 2):
            m = pm + dm
            if 2**31 <= abs(m) <= 2**32 and not (m > 0 and m == 2**32) and m != -(2**31):
                cases.append(((m, pe), 0, b, c, 1, 1))     # massive cancellation
        cases.append(((pm, pe), 1, b, c, 0, 1))             # -A + B*C
        k = binade(p)
        for j in (k - 1, k, k + 1, k + 2):                  # A = +-2**j: binade-crossing cancellation
            for sign in (1, -1):
                a = ref_acc(sign * TWO**j)[:2]
                cases.append((a, 0, b, c, int((sign > 0) == (p > 0)), 1))
    for _ in range(300):                                    # mantissas near +-2: products near 4
        b = py(nb.unpack_word(int(rng.integers(0x7FFF00, 0x800000)) << 8 | int(rng.integers(1, 256))))
        c = py(nb.unpack_word(int(rng.integers(0x800000, 0x800100)) << 8 | int(rng.integers(1, 256))))
        p = acc_value(*b) * acc_value(*c)
        if not TWO**-125 < abs(p) < TWO**126:
            continue
        k = binade(p)
        for j in (k, k + 1, k + 2):
            for sign in (1, -1):
                a = ref_acc(sign * TWO**j)[:2]
                cases.append((a, 0, b, c, int((sign > 0) == (p > 0)), 1))
    for gap in (0, 1, 2, 11, 12, 13, 14, 24, 25, 31, 32, 33, 40, 47, 48, 49, 60, 61, 62, 63, 64,
                65, 100, 200, 253, 254):
        for am in (2**31, 2**32 - 1, -(2**32), -(2**31) - 1, 2**31 + 1):
            for bw in (0x00000080, 0x8000007F, 0x7FFFFF80, 0x80000080):
                b = py(nb.unpack_word(bw))
                for ae, ce in ((min(1 + gap, 255), 1), (1, min(1 + gap, 255)),
                               (255, max(255 - gap, 1)), (max(255 - gap, 1), 255)):
                    c = (2**31, ce) if bw & 1 == 0 else (-(2**32), ce)
                    for sub in (0, 1):
                        cases.append(((am, ae), 0, b, c, sub, 1))
    top = (2**32 - 1, 255)
    ulp = (2**31, 224)                                      # 2**96: one 40-bit ulp of top
    cases += [
        (top, 0, ulp, one, 0, 1), (top, 0, ulp, one, 1, 1),         # 2**128 exactly: overflow
        (top, 1, ulp, one, 1, 1),                                   # -(2**128) - ulp: overflow
        ((-(2**32), 255), 0, ulp, one, 1, 1),                       # -2**128 - ulp: overflow
        ((-(2**32), 255), 0, ulp, one, 0, 1),                       # stays in range
        ((-(2**32), 255), 0, one, one, 1, 1),                       # floors to -2**128: in range
        ((2**31, 1), 0, (2**31, 1), (2**31, 1), 1, 1),              # 2**-127 - tiny: underflow
        ((2**31, 1), 0, (2**31, 1), (2**31, 1), 0, 1),
        ((-(2**32), 2), 0, (2**31, 1), (2**31, 1), 1, 1),           # -2**-126 - tiny
        ((-(2**31) - 1, 1), 0, one, one, 0, 0),                     # smallest-magnitude negative
        ((-(2**32), 1), 1, one, one, 0, 0),                         # negate -2**-126 -> 2**-126
        ((-(2**32), 255), 1, one, one, 0, 0),                       # negate -2**128: overflow
        ((2**31, 1), 1, one, one, 0, 0),                            # negate 2**-127: underflow
        ((0, 0), 0, (2**31, 255), (2**31, 255), 0, 1),              # product overflow
        ((0, 0), 0, (-(2**32), 255), (-(2**32), 255), 0, 1),        # (-2**128)**2
        ((0, 0), 0, (2**31, 1), (2**31, 1), 0, 1),                  # product underflow
        ((0, 0), 0, (2**31, 65), (2**31, 65), 0, 1),                # 2**-126: in range
        ((0, 0), 0, (2**31, 64), (2**31, 65), 0, 1),                # 2**-127: in range
        ((0, 0), 0, (-(2**32), 64), (2**31, 64), 0, 1),             # -2**-127: underflow
        ((2**31, 128), 0, one, one, 1, 1),                          # 1 - 1 = 0: Z only
        ((0, 0), 0, (0, 0), one, 0, 1), ((0, 0), 1, one, (0, 0), 1, 1),
    ]
    return cases


def test_dau_op_adversarial():
    cases = adversarial_cases()
    assert len(cases) > 5000
    for case in cases:
        check_dau(*case)


def test_dau_op_documented_examples():
    one = py(nb.unpack_word(0x80))
    two = py(nb.unpack_word(0x81))
    assert py(nb.dau_op(*one, 0, *one, *one, 0, 1)) == (2**31, 129, 0)        # 1 + 1 = 2
    assert py(nb.dau_op(*one, 0, *two, *one, 1, 1)) == (-(2**32), 127, FLAG_N)  # 1 - 2 = -1
    m, e, fl = py(nb.dau_op(2**32 - 1, 255, 0, 2**31, 255, *one, 0, 1))      # max + 2**127
    assert (m, e, fl) == (2**32 - 1, 255, FLAG_V) and nb.pack_word(m, e) == 0x7FFFFFFF
    assert py(nb.dau_op(2**32 - 1, 255, 0, *two, *two, 0, 1)) == (2**32 - 1, 255, 0)  # max + 4 floors to max
    m, e, fl = py(nb.dau_op(-(2**32), 255, 0, 2**31, 255, *one, 1, 1))      # -2**128 - 2**127
    assert (nb.pack_word(m, e), fl) == (0x800000FF, FLAG_N | FLAG_V)
    assert py(nb.dau_op(2**31, 1, 0, 0, 0, 0, 0, 0, 0)) == (2**31, 1, 0)
    # the product's B and C lose their guard bits, A keeps them: (1 + 2**-31) + 0.5
    assert py(nb.dau_op(2**31 + 1, 128, 0, 2**31 + 255, 127, *one, 0, 1)) == (3 * 2**30 + 1, 128, 0)



def test_finish_normalises_every_bit_length_both_ways():
    """The one-rounding normaliser behind dau_op, round and float: sums of every bit length
    1..61 (below 32 bits it shifts left, above it floors right), at both ends of a binade and
    at -2**n (the negative binade's lower end), on grids that keep the exponent in range and
    that push it just past 255 or below 1."""
    for n in range(1, 62):
        for s in (2**(n - 1), 2**n - 1, 2**(n - 1) + 1, -(2**(n - 1)), -(2**(n - 1)) - 1,
                  -(2**n) + 1, -(2**n)):
            for e_target in (1, 0, 128, 255, 256):    # the exponent s would get, before checks
                grid = e_target - 128 - (n - 1)       # s * 2**grid in [2**(e_target-128), ...)
                want = ref_acc(Fraction(s) * TWO**grid)
                assert py(nb._finish(s, grid)) == want, (s, grid)
                assert py(nb._finish.py_func(s, grid)) == want, (s, grid)


# --- round, int, float ----------------------------------------------------------------------

@settings(max_examples=1500, deadline=None)
@given(acc_strategy())
def test_round_acc(acc):
    m, e = acc
    want = ref_acc(acc_value(m, e), frac_bits=23, rounding="nearest_up", sat_m=2**32 - 256)
    assert py(nb.round_acc(m, e)) == want


def test_round_acc_edges():
    assert py(nb.round_acc(2**31 + 0x80, 128)) == (2**31 + 0x100, 128, 0)         # tie: up
    assert py(nb.round_acc(2**31 + 0x7F, 128)) == (2**31, 128, 0)
    assert py(nb.round_acc(-(2**31) - 0x80, 128)) == (-(2**32), 127, FLAG_N)      # tie: up = -1.0
    assert py(nb.round_acc(-(2**31) - 0x81, 128)) == (-(2**31) - 0x100, 128, FLAG_N)
    assert py(nb.round_acc(2**32 - 0x80, 128)) == (2**31, 129, 0)                 # carry: 2.0
    assert py(nb.round_acc(2**32 - 1, 255)) == (2**32 - 256, 255, FLAG_V)         # saturates
    assert py(nb.round_acc(-(2**31) - 1, 1)) == (0, 0, FLAG_Z | FLAG_U)           # -> -2**-127
    assert py(nb.round_acc(-(2**32), 255)) == (-(2**32), 255, FLAG_N)
    assert py(nb.round_acc(0, 0)) == (0, 0, FLAG_Z)


def ref_int(x, bits, truncate):
    v = x.__floor__() if truncate else (x + Fraction(1, 2)).__floor__()
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return (min(max(v, lo), hi), int(not lo <= v <= hi))


@settings(max_examples=1500, deadline=None)
@given(acc_strategy(), st.sampled_from([16, 24]), st.booleans())
def test_int_from_acc_random(acc, bits, truncate):
    m, e = acc
    if e:
        e = min(max(e, 120), 190)                # values from 2**-8 to 2**62
    assert py(nb.int_from_acc(m, e, bits, int(truncate))) == ref_int(acc_value(m, e), bits, truncate)


INT_CASES = [  # value, bits -> (round, overflow), (truncate, overflow)
    (Fraction(5, 2), 16, (3, 0), (2, 0)), (Fraction(-5, 2), 16, (-2, 0), (-3, 0)),
    (Fraction(7, 4), 16, (2, 0), (1, 0)), (Fraction(-7, 4), 16, (-2, 0), (-2, 0)),
    (Fraction(1, 2), 16, (1, 0), (0, 0)), (Fraction(-1, 2), 16, (0, 0), (-1, 0)),
    (TWO**-100, 16, (0, 0), (0, 0)), (-(TWO**-100), 16, (0, 0), (-1, 0)),
    (Fraction(65535, 2), 16, (32767, 1), (32767, 0)),       # 32767.5: ties up -> saturates
    (Fraction(65533, 2), 16, (32767, 0), (32766, 0)),
    (Fraction(-65537, 2), 16, (-32768, 0), (-32768, 1)),    # -32768.5
    (Fraction(-32768), 16, (-32768, 0), (-32768, 0)),
    (Fraction(32768), 16, (32767, 1), (32767, 1)),
    (Fraction(2**23 - 1), 24, (2**23 - 1, 0), (2**23 - 1, 0)),
    (Fraction(2**24 - 1, 2), 24, (2**23 - 1, 1), (2**23 - 1, 0)),
    (Fraction(-(2**23)), 24, (-(2**23), 0), (-(2**23), 0)),
    (Fraction(-(2**24) - 1, 2), 24, (-(2**23), 0), (-(2**23), 1)),
    (TWO**127, 24, (2**23 - 1, 1), (2**23 - 1, 1)), (-(TWO**128), 24, (-(2**23), 1), (-(2**23), 1)),
    (Fraction(0), 24, (0, 0), (0, 0)),
]


@pytest.mark.parametrize("x,bits,rnd,trunc", INT_CASES)
def test_int_from_acc_ties_and_saturation(x, bits, rnd, trunc):
    m, e, _ = ref_acc(x)
    assert acc_value(m, e) == x
    assert py(nb.int_from_acc(m, e, bits, 0)) == rnd
    assert py(nb.int_from_acc(m, e, bits, 1)) == trunc


def test_float_from_int_exact():
    for bits, values in ((16, range(-(2**15), 2**15)),
                         (24, list(range(-(2**23), -(2**23) + 300)) + list(range(2**23 - 300, 2**23))
                          + [int(v) for v in np.random.default_rng(7).integers(-(2**23), 2**23, 3000)])):
        for v in values:
            m, e, fl = py(nb.float_from_int(v, bits))
            assert acc_value(m, e) == v
            assert m & 0xFF == 0                          # fits a 32-bit word: no guard bits
            assert fl == (FLAG_Z if v == 0 else FLAG_N if v < 0 else 0)
    assert py(nb.float_from_int(0xFFFF, 16)) == py(nb.float_from_int(-1, 16))   # low bits only
    assert py(nb.float_from_int(0x800000, 24)) == py(nb.float_from_int(-(2**23), 24))
    assert py(nb.float_from_int(0x12345678, 24)) == py(nb.float_from_int(0x345678, 24))
    assert nb.pack_word(*py(nb.float_from_int(-1, 16))[:2]) == 0x8000007F


# --- seed, dauc -----------------------------------------------------------------------------

def test_seed_word():
    assert py(nb.seed_word(0x00000080)) == (0x7FFFFF7F, 0)
    assert py(nb.seed_word(0x8000007F)) == (0xFFFFFF80, FLAG_N)
    assert py(nb.seed_word(0x000000FF)) == (0x7FFFFF00, FLAG_Z | FLAG_U)
    assert py(nb.seed_word(0x00000000)) == (0x7FFFFFFF, 0)
    for w in range(0, 2**32, 0x01010101 * 7 + 13):
        r, fl = py(nb.seed_word(w))
        assert r == w ^ 0x7FFFFFFF and (r >> 31) == (w >> 31)


def test_dauc_bits():
    assert [int(nb.ic_mode(d)) for d in (0, 1, 4, 5, 0x1F)] == [0, 1, 2, 2, 2]
    assert [int(nb.oc_mode(d)) for d in (0, 2, 8, 0xA, 0x1F)] == [0, 1, 2, 2, 2]
    assert [int(nb.int_truncates(d)) for d in (0, 0x0F, 0x10, 0x1F)] == [0, 0, 1, 1]


# --- G.711 mu-law / A-law -------------------------------------------------------------------

def g711_mu_table():
    """code -> (decoded value, decision interval [lo, hi) of the magnitude), 14-bit scale.

    G.711 mu-law: the byte is sent with every bit inverted; after inversion bit 7 = 1 means
    negative, bits 6-4 the segment s, bits 3-0 the step q. Segment s starts at magnitude
    2**(s+5) - 33 (segment 0 at 0, its first step half as wide) with steps of 2**(s+1); the
    decoder returns the middle of the step (0 for the first step)."""
    table = {}
    for code in range(256):
        u = code ^ 0xFF
        s, q = (u >> 4) & 7, u & 15
        start, step = 2 ** (s + 5) - 33, 2 ** (s + 1)
        lo, hi = start + q * step, start + (q + 1) * step
        value = (lo + hi) // 2
        lo = max(lo, 0)
        hi = hi if (s, q) != (7, 15) else 2**200          # the last step takes everything above
        table[code] = (-value if u & 0x80 else value, lo, hi)
    return table


def g711_a_table():
    """code -> (decoded value, [lo, hi)), 13-bit scale. G.711 A-law: the even bits are sent
    inverted (XOR 0x55); then bit 7 = 1 means positive. Segment 0 spans [0, 32) in steps of 2,
    segment s >= 1 spans [2**(s+4), 2**(s+5)) in steps of 2**s; decoding gives the step's middle."""
    table = {}
    for code in range(256):
        a = code ^ 0x55
        s, q = (a >> 4) & 7, a & 15
        start, step = (0, 2) if s == 0 else (2 ** (s + 4), 2**s)
        lo, hi = start + q * step, start + (q + 1) * step
        value = (lo + hi) // 2
        hi = hi if (s, q) != (7, 15) else 2**200
        table[code] = (value if a & 0x80 else -value, lo, hi)
    return table


@pytest.mark.parametrize("mode,table", [(nb.COMPAND_MU_LAW, g711_mu_table()),
                                        (nb.COMPAND_A_LAW, g711_a_table())])
def test_ic_all_codes(mode, table):
    for code, (value, _, _) in table.items():
        m, e = py(nb.ic_byte(code, mode))
        assert acc_value(m, e) == value, (mode, hex(code))
        assert nb.flags_nz(m, e) == (FLAG_Z if value == 0 else FLAG_N if value < 0 else 0)


def test_ic_known_codes():
    mu = lambda c: acc_value(*py(nb.ic_byte(c, nb.COMPAND_MU_LAW)))
    al = lambda c: acc_value(*py(nb.ic_byte(c, nb.COMPAND_A_LAW)))
    assert (mu(0xFF), mu(0x7F), mu(0x80), mu(0x00), mu(0xFE)) == (0, 0, 8031, -8031, 2)
    assert (al(0xD5), al(0x55), al(0xAA), al(0x2A)) == (1, -1, 4032, -4032)
    lin = [acc_value(*py(nb.ic_byte(c, nb.COMPAND_LINEAR))) for c in (0, 1, 0x7F, 0x80, 0xFF)]
    assert lin == [0, 1, 127, -128, -1]


def ref_encode(x, table, positive_zero):
    """The code whose decision interval holds |x|, with x's sign (zero: positive_zero)."""
    r = abs(x)
    neg = x < 0
    for code, (value, lo, hi) in table.items():
        sign_ok = (value < 0) == neg if value != 0 else (code == positive_zero) != neg
        if sign_ok and lo <= r < hi:
            return code
    raise AssertionError(x)


@pytest.mark.parametrize("mode,table,zero", [(nb.COMPAND_MU_LAW, g711_mu_table(), 0xFF),
                                             (nb.COMPAND_A_LAW, g711_a_table(), 0xD5)])
def test_oc_decision_intervals(mode, table, zero):
    points = set()
    for _, (value, lo, hi) in table.items():
        for p in (value, lo, hi if hi < 2**200 else lo + 10**5):
            for d in (0, Fraction(1, 1024), -Fraction(1, 1024), Fraction(1, 2)):
                points.add(Fraction(p) + d)
                points.add(-(Fraction(p) + d))
    points |= {Fraction(0), TWO**100, -(TWO**100), TWO**-100, -(TWO**-100)}
    for x in sorted(points):
        m, e, _ = ref_acc(x)
        assert acc_value(m, e) == x
        assert nb.oc_byte(m, e, mode) == ref_encode(x, table, zero), (mode, x)


@pytest.mark.parametrize("mode", [nb.COMPAND_MU_LAW, nb.COMPAND_A_LAW, nb.COMPAND_LINEAR])
def test_oc_inverts_ic(mode):
    for code in range(256):
        m, e = py(nb.ic_byte(code, mode))
        back = int(nb.oc_byte(m, e, mode))
        assert back == (0xFF if (mode == nb.COMPAND_MU_LAW and code == 0x7F) else code)


def classic_mu_law_encoder(x):
    """The classic integer mu-law encoder restated on the 14-bit scale: magnitude, clip at
    8159, bias 33, segment by the first end point not exceeded, step from the next 4 bits."""
    x, mask = (-x, 0x7F) if x < 0 else (x, 0xFF)
    x = min(x, 8159) + 33
    for seg, end in enumerate((0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)):
        if x <= end:
            return ((seg << 4) | ((x >> (seg + 1)) & 0xF)) ^ mask
    return 0x7F ^ mask


def test_oc_mu_law_matches_classic_encoder_on_integers():
    for x in range(-9000, 9001):
        m, e, _ = py(nb.float_from_int(x, 24))
        assert nb.oc_byte(m, e, nb.COMPAND_MU_LAW) == classic_mu_law_encoder(x), x


def test_oc_linear():
    cases = [(Fraction(5, 2), 2), (Fraction(-5, 2), 0xFD), (Fraction(127), 0x7F),
             (Fraction(128), 0x7F), (Fraction(-128), 0x80), (Fraction(-129), 0x80),
             (TWO**120, 0x7F), (-(TWO**120), 0x80), (-(TWO**-60), 0xFF), (Fraction(0), 0)]
    for x, byte in cases:
        m, e, _ = ref_acc(x)
        assert nb.oc_byte(m, e, nb.COMPAND_LINEAR) == byte, x


def test_acc_to_float():
    assert nb.acc_to_float(2**31, 128) == 1.0
    assert nb.acc_to_float(-(2**32), 127) == -1.0
    assert nb.acc_to_float(2**32 - 1, 128) == 2 - 2.0**-31
    assert nb.acc_to_float(0, 0) == 0.0


# --- the same rules without the compiler ----------------------------------------------------

def test_py_func_matches_compiled():
    """.py_func runs each helper's Python body (its callees stay compiled)."""
    for case in adversarial_cases()[::7]:
        check_dau(*case, fn=nb.dau_op.py_func)
    for m, e in ((2**31 + 0x80, 128), (-(2**31) - 0x80, 128), (2**32 - 1, 255), (-(2**31) - 1, 1)):
        assert py(nb.round_acc.py_func(m, e)) == py(nb.round_acc(m, e))
        for bits in (16, 24):
            for t in (0, 1):
                assert py(nb.int_from_acc.py_func(m, e, bits, t)) == py(nb.int_from_acc(m, e, bits, t))
    for w in (0, 1, 0x80, 0x8000007F, 0x800000FF, 0xFFFFFF01, 0x7F800000, 0xFFC00000, 0x00000001):
        assert py(nb.unpack_word.py_func(w)) == py(nb.unpack_word(w))
        assert nb.dsp_word_to_ieee.py_func(w) == nb.dsp_word_to_ieee(w)
        assert py(nb.ieee_word_to_dsp.py_func(w)) == py(nb.ieee_word_to_dsp(w))
        assert py(nb.seed_word.py_func(w)) == py(nb.seed_word(w))
    for code in range(256):
        for mode in (0, 1, 2):
            m, e = py(nb.ic_byte(code, mode))
            assert py(nb.ic_byte.py_func(code, mode)) == (m, e)
            assert nb.oc_byte.py_func(m, e, mode) == nb.oc_byte(m, e, mode)


_NOJIT_SCRIPT = """
import json, sys
from dsp32c import numbers as nb
cases = json.loads(sys.stdin.read())
out = [[int(v) for v in nb.dau_op(*c)] for c in cases["dau"]]
out += [[int(v) for v in nb.round_acc(*c)] for c in cases["acc"]]
out += [[int(v) for v in nb.int_from_acc(*c, 16, 0)] for c in cases["acc"]]
out += [[int(nb.oc_byte(*c, 0)), int(nb.oc_byte(*c, 1))] for c in cases["acc"]]
out += [[int(v) for v in nb.float_from_int(v, 24)] for v in cases["ints"]]
print(json.dumps(out))
"""


def test_numba_disable_jit_matches_compiled():
    """The whole module under NUMBA_DISABLE_JIT=1 (pure Python, _bit_length included) gives the
    compiled results."""
    import json
    flat = [(a[0], a[1], n, b[0], b[1], c[0], c[1], s, u)
            for a, n, b, c, s, u in adversarial_cases()[::50]]
    accs = [(2**31 + 0x80, 128), (-(2**31) - 0x80, 128), (2**32 - 1, 255), (-(2**31) - 1, 1),
            (2**31 + 12345, 140), (-(2**32), 138), (0, 0)]
    ints = [0, 1, -1, 2**23 - 1, -(2**23), 12345]
    want = [[int(v) for v in nb.dau_op(*c)] for c in flat]
    want += [[int(v) for v in nb.round_acc(*c)] for c in accs]
    want += [[int(v) for v in nb.int_from_acc(*c, 16, 0)] for c in accs]
    want += [[int(nb.oc_byte(*c, 0)), int(nb.oc_byte(*c, 1))] for c in accs]
    want += [[int(v) for v in nb.float_from_int(v, 24)] for v in ints]
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run([sys.executable, "-c", _NOJIT_SCRIPT], env=env, capture_output=True,
                         text=True, check=True, timeout=120,
                         input=json.dumps({"dau": flat, "acc": accs, "ints": ints}))
    assert json.loads(res.stdout) == want
