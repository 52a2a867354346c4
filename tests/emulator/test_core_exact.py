"""Exact arithmetic: long multiply-accumulate chains against an exact rational model written
here from the reference README's rule (each DA result is the exact (+-A) +- B*C rounded once
toward minus infinity to 40 bits), range thresholds (machine §2.1, §2.3) and float-to-int
rounding (dauc bit 4)."""
import random
from fractions import Fraction

import pytest

from dsp32c.decode import encode
from emulator import state as S
from emulator.machine import Machine

IDLE = [encode("goto", c=1, rh=15, n=-8), 0]
RAM0, RAM1 = 0xFFF000, 0xFFF800
MAC = encode("da_mul_acc", m=0, f=0, s=0, an=0, xp=1, xi=7, yp=2, yi=7, zp=0, zi=7)


def word_value(w):
    e = w & 0xFF
    if e == 0:
        return Fraction(0)
    mant = (1 if w >> 31 == 0 else -2) + Fraction((w >> 8) & 0x7FFFFF, 1 << 23)
    return mant * Fraction(2) ** (e - 128)


def floor40(v):
    """v rounded toward minus infinity to 32 mantissa bits below the sign (40-bit format)."""
    if v == 0:
        return Fraction(0)
    k = 0
    a = abs(v)
    while a >= Fraction(2) ** (k + 1):
        k += 1
    while a < Fraction(2) ** k:
        k -= 1
    if v < 0 and a == Fraction(2) ** k:   # -2**k sits at the bottom of the binade below
        k -= 1
    grid = Fraction(2) ** (k - 31)
    q = v / grid
    return Fraction(q.numerator // q.denominator) * grid


def acc_value(m, n):
    mm, e = m.get_acc_raw(n)
    return Fraction(0) if e == 0 else Fraction(mm) * Fraction(2) ** (e - 159)


def random_word(rng, lo, hi):
    return (rng.getrandbits(24) << 8) | rng.randint(lo, hi)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_long_dot_product_with_cancellation_is_exact(seed):
    rng = random.Random(seed)
    n = 256
    xs, ys = [], []
    while len(xs) < n:
        x, y = random_word(rng, 100, 156), random_word(rng, 100, 156)
        xs.append(x)
        ys.append(y)
        if rng.random() < 0.3 and len(xs) < n:   # the same product negated: exact cancellation
            xs.append(_negate(x))
            ys.append(y)
    model = Fraction(0)
    for x, y in zip(xs, ys):
        model = floor40(model + word_value(x) * word_value(y))
    m = Machine()
    m.load_words(0, [encode("load24", rd=1, n=RAM0), encode("load24", rd=2, n=RAM1),
                     encode("do_imm", k=0, n=n - 1), MAC] + IDLE)
    m.load_words(RAM0, xs)
    m.load_words(RAM1, ys)
    assert m.run(100_000) == S.STATUS_IDLE
    assert acc_value(m, 0) == model


def _negate(w):
    """The DSP32 word of -value(w) (exact: negating a 24-bit two's-complement mantissa)."""
    v = -word_value(w)
    for e in range(1, 256):
        q = v / Fraction(2) ** (e - 128 - 23)
        if q.denominator == 1 and -(1 << 24) <= q < (1 << 24) and (q >= (1 << 23) or q < -(1 << 23)):
            field = (int(q) & 0xFFFFFF) ^ 0x800000
            return (field << 8) | e
    raise AssertionError("not representable")


def test_cancellation_to_zero_sets_z():
    x = 0x12345685
    m = Machine()
    m.load_words(0, [encode("load24", rd=1, n=RAM0), encode("load24", rd=2, n=RAM1), MAC, MAC] + IDLE)
    m.load_words(RAM0, [x, _negate(x)])
    m.load_words(RAM1, [0x40000080, 0x40000080])
    m.run(1000)
    assert acc_value(m, 0) == 0 and m.st[S.DFLAGS] == 2


@pytest.mark.parametrize("y,x,flags,value", [
    (0x7FFFFFFF, 0x00000080, 0, (2 - Fraction(1, 1 << 23)) * Fraction(2) ** 127),  # largest: no V
    (0x7FFFFFFF, 0x00000081, 8, (2 - Fraction(1, 1 << 31)) * Fraction(2) ** 127),  # 2x: V, saturated
    (0x800000FF, 0x00000080, 1, -Fraction(2) ** 128),                               # -2**128 fits
    (0x800000FF, 0x00000180, 1 | 8, -Fraction(2) ** 128),                           # beyond: V
    (0x00000001, 0x00000080, 0, Fraction(2) ** -127),                               # smallest
    (0x00000001, 0x8000007F, 2 | 4, 0),              # -2**-127 has no 40-bit form: U
    (0xFFFFFF01, 0x00000080, 1, -(1 + Fraction(1, 1 << 23)) * Fraction(2) ** -127),
    (0x40000001, 0x0000007F, 2 | 4, 0),              # 1.5 * 2**-127 * 0.5: below range
])
def test_range_thresholds(y, x, flags, value):
    m = Machine()
    m.load_words(0, [encode("load24", rd=1, n=RAM0), encode("load24", rd=2, n=RAM1),
                     encode("da_mul_acc", m=4, an=0, xp=1, yp=2, zp=0, zi=7)] + IDLE)
    m.load_words(RAM0, [x])
    m.load_words(RAM1, [y])
    m.run(1000)
    assert int(m.st[S.DFLAGS]) == flags and acc_value(m, 0) == value


def test_overflow_of_a_40_bit_sum():
    # a1 = the largest accumulator, (2 - 2**-31) 2**127; + 2**96 reaches 2**128: V, saturated
    m = Machine()
    m.load_words(0, [encode("load24", rd=1, n=RAM0), encode("load24", rd=2, n=RAM1),
                     encode("da_mul_acc", m=1, an=0, xp=1, yp=2, zp=0, zi=7)] + IDLE)
    m.load_words(RAM0, [0x00000080 | 0])            # 1.0
    m.load_words(RAM1, [0x000000E0])                # 2**96
    m.set_acc_raw(1, (1 << 32) - 1, 255)
    m.run(1000)
    assert m.st[S.DFLAGS] == 8 and m.get_acc_raw(0) == ((1 << 32) - 1, 255)


HALVES = {0.5: 0x0000007F, 1.5: 0x40000080, 2.5: 0x20000081, -0.5: 0x8000007E,
          -1.5: 0xC0000080, -2.5: 0xE0000081}


@pytest.mark.parametrize("dauc,expect", [
    (0x00, {0.5: 1, 1.5: 2, 2.5: 3, -0.5: 0, -1.5: -1, -2.5: -2}),     # nearest, ties up
    (0x10, {0.5: 0, 1.5: 1, 2.5: 2, -0.5: -1, -1.5: -2, -2.5: -3}),    # toward minus infinity
])
@pytest.mark.parametrize("g,bits", [(3, 16), (11, 24)])
def test_int_and_int24_rounding_modes(dauc, expect, g, bits):
    values = list(expect)
    size = 2 if bits == 16 else 4
    m = Machine()
    m.load_words(0, [encode("load24", rd=1, n=RAM0), encode("load24", rd=3, n=RAM1),
                     encode("load24", rd=26, n=dauc), encode("do_imm", k=0, n=len(values) - 1),
                     encode("da_special", g=g, an=0, yp=1, yi=7, zp=3, zi=7)] + IDLE)
    m.load_words(RAM0, [HALVES[v] for v in values])
    m.run(1000)
    got = [m.read(RAM1 + size * k, size) for k in range(len(values))]
    assert got == [expect[v] & ((1 << (8 * size)) - 1) for v in values]


@pytest.mark.parametrize("word,dauc,expect", [
    (0x7FFF008E, 0x00, 0x7FFF),   # 32767.5 = (2 - 2**-15) 2**14 rounds to 32768: saturates
    (0x7FFF008E, 0x10, 0x7FFF),   # truncates to 32767
    (0xFFFF808F, 0x00, 0x8000),   # -32768.5 = -(1 + 2**-16) 2**15 -> nearest, ties up: -32768
    (0xFFFF808F, 0x10, 0x8000),   # -> floor -32769: saturates at -32768
])
def test_int_saturation(word, dauc, expect):
    assert word_value(word) in (Fraction(65535, 2), Fraction(-65537, 2))
    m = Machine()
    m.load_words(0, [encode("load24", rd=1, n=RAM0), encode("load24", rd=3, n=RAM1),
                     encode("load24", rd=26, n=dauc),
                     encode("da_special", g=3, an=0, yp=1, yi=0, zp=3, zi=0)] + IDLE)
    m.load_words(RAM0, [word])
    m.run(1000)
    assert m.read(RAM1, 2) == expect
