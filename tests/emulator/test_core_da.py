"""DAU instructions (enc §6): the four multiply/add formats, operand modes, Z writes, flags,
exact 40-bit accumulation, saturation and underflow, the special functions, and the DAU
latencies of machine §3.2 at distances 1-5. Words come from dsp32c.decode.encode; expected
values are worked out by hand from machine §2 (DSP32 words decoded in this file with Fraction)."""
from fractions import Fraction

import pytest

from dsp32c.decode import encode
from emulator import state as S
from emulator.machine import Machine

IDLE = [encode("goto", c=1, rh=15, n=-8), 0]
RAM1 = 0xFFF800
FN, FZ, FU, FV = 1, 2, 4, 8          # DAU flag bits (dsp32c.numbers)
W = {1.0: 0x00000080, 1.5: 0x40000080, 2.0: 0x00000081, 3.0: 0x40000081, 0.5: 0x0000007F,
     -1.0: 0x8000007F, -2.0: 0x80000080, -1.5: 0xC0000080, 4.0: 0x00000082}   # machine §2.1


def word_value(w):
    """Exact value of a DSP32 word by machine §2.1: M = s.(~s)f, value = M * 2**(e - 128)."""
    e = w & 0xFF
    if e == 0:
        return Fraction(0)
    s = w >> 31
    f = Fraction((w >> 8) & 0x7FFFFF, 1 << 23)
    mant = (1 + f) if s == 0 else (-2 + f)
    return mant * Fraction(2) ** (e - 128)


def acc_value(m, n):
    mm, e = m.get_acc_raw(n)
    return Fraction(0) if e == 0 else Fraction(mm) * Fraction(2) ** (e - 159)


def set_acc(m, n, x):
    """Accumulator n = x (a Fraction exactly representable in 40 bits)."""
    x = Fraction(x)
    if x == 0:
        m.set_acc_raw(n, 0, 0)
        return
    k = 0
    while not (1 <= abs(x) / Fraction(2) ** k < 2):
        k += 1 if abs(x) / Fraction(2) ** k >= 2 else -1
    if x < 0 and abs(x) / Fraction(2) ** k == 1:   # -2**k is -2 * 2**(k-1)
        k -= 1
    mm = x / Fraction(2) ** (k - 31)
    assert mm.denominator == 1
    m.set_acc_raw(n, int(mm), k + 128)


def machine(words, data=(), accs=None, dflags=0):
    m = Machine()
    m.load_words(0, list(words) + IDLE)
    m.load_words(RAM1, list(data))
    for n, x in (accs or {}).items():
        set_acc(m, n, x)
    m.st[S.DFLAGS] = dflags
    for r in (1, 2, 3, 4):
        m.set_reg(f"r{r}", RAM1 + 4 * (r - 1))   # r1 -> word 0, r2 -> word 1, ...
    return m


def da(name, **f):
    base = dict(m=0, f=0, s=0, an=0, xp=0, xi=0, yp=0, yi=0, zp=0, zi=7)
    if name == "da_tap_add":
        base.pop("m")
    if name == "da_special":
        base = dict(g=0, an=0, yp=0, yi=0, zp=0, zi=7)
    base.update(f)
    return encode(name, **base)


def dflags(m):
    return int(m.st[S.DFLAGS])


# --- formats 1-4 -------------------------------------------------------------------------
@pytest.mark.parametrize("word,expect", [
    # DA3: aN = [-]aM +- Y * X, Y = *r1 (2.0), X = *r2 (1.5), a1 = 1.0
    (da("da_mul_acc", m=1, xp=2, yp=1), 1 + 3),
    (da("da_mul_acc", m=1, f=1, xp=2, yp=1), -1 + 3),
    (da("da_mul_acc", m=1, s=1, xp=2, yp=1), 1 - 3),
    (da("da_mul_acc", m=4, xp=2, yp=1), 3),
    (da("da_mul_acc", m=4, s=1, xp=2, yp=1), -3),
    (da("da_mul_acc", m=5, s=1, xp=2, yp=1), 1 - 3),
    # DA1: aN = [-]Y +- aM * X, Y = *r1 (2.0), aM = a1 (1.0), X = *r2 (1.5)
    (da("da_mul_add", m=1, xp=2, yp=1), 2 + 1.5),
    (da("da_mul_add", m=1, f=1, s=1, xp=2, yp=1), -2 - 1.5),
    (da("da_mul_add", m=5, xp=2, yp=1), 2 + 1.5),
    (da("da_mul_add", m=5, s=1, xp=2, yp=1), 2 - 1.5),
    (da("da_mul_add", m=4, yp=1), 2),
    (da("da_mul_add", m=4, f=1, yp=1), -2),
    # DA2: aN = [-]aM +- (Z = Y) * X ; DA4: aN = [-](Z = Y) +- X
    (da("da_tap_mul", m=1, xp=2, yp=1), 1 + 3),
    (da("da_tap_mul", m=4, s=1, xp=2, yp=1), -3),
    (da("da_tap_add", xp=2, yp=1), 2 + 1.5),
    (da("da_tap_add", f=1, xp=2, yp=1), -2 + 1.5),
])
def test_da_arithmetic(word, expect):
    m = machine([word], [W[2.0], W[1.5]], {1: 1})
    assert m.run(1000) == S.STATUS_IDLE
    assert acc_value(m, 0) == Fraction(expect)
    fl = (FN if expect < 0 else 0) | (FZ if expect == 0 else 0)
    assert dflags(m) == fl


def test_da_z_writes_result_and_taps_write_y():
    # *r3 = a0 = a1 + *r1 * *r2 ; a2 = a1 + (*r4 = *r1) * *r2 (format 2 with Z)
    words = [da("da_mul_acc", m=1, xp=2, yp=1, zp=3), da("da_tap_mul", m=1, an=2, xp=2, yp=1, zp=4)]
    m = machine(words, [W[2.0], W[1.5], 0, 0], {1: 1})
    m.run(1000)
    assert m.read(RAM1 + 8, 4) == W[4.0]      # the result, 4.0
    assert m.read(RAM1 + 12, 4) == W[2.0]     # Y, copied raw
    assert acc_value(m, 2) == 4


def test_da_pointer_post_modes():
    # a0 = a0 + *r1++ * *r2-- ; a1 = a1 + *r3++r15 * *r4 ; i = 7 +4, 6 -4, 1..5 + r15..r19
    words = [da("da_mul_acc", m=0, xp=1, xi=7, yp=2, yi=6),
             da("da_mul_acc", m=1, an=1, xp=3, xi=1, yp=4, yi=5)]
    m = machine(words, [W[1.0]] * 4)
    m.set_reg("r15", 0x40)
    m.set_reg("r19", 0x10)
    m.run(1000)
    assert m.get_reg("r1") == RAM1 + 4 and m.get_reg("r2") == RAM1 + 4 - 4
    assert m.get_reg("r3") == RAM1 + 8 + 0x40 and m.get_reg("r4") == RAM1 + 12 + 0x10


def test_da_same_pointer_operands_share_after_post_modify():
    # a0 = a3 + *r1++ * [same]++: X = word 0, Y = word 1 (MAME's rule: after X's modify);
    # Z = [same as Y] stores at word 2 (after Y's modify)
    word = da("da_mul_acc", m=3, xp=1, xi=7, yp=15, yi=7, zp=15, zi=7)
    m = machine([word], [W[2.0], W[1.5], 0])
    m.run(1000)
    assert acc_value(m, 0) == 3
    assert m.read(RAM1 + 8, 4) == W[3.0] and m.get_reg("r1") == RAM1 + 12


def test_da_accumulator_operands_and_z_accumulator():
    # a0 = a1 + a2 * a3 (DA3, Y = a2, X = a3) with Z = a3: a3 receives the 32-bit result
    set_value = Fraction(1) + Fraction(1, 1 << 30)
    word = da("da_mul_acc", m=1, xp=0, xi=3, yp=0, yi=2, zp=0, zi=3)
    m = machine([0, 0, 0, word], [], {1: set_value, 2: 2, 3: Fraction(1, 2)})
    m.run(1000)
    assert acc_value(m, 0) == set_value + 1                  # 40-bit: the guard bits kept
    assert acc_value(m, 3) == 2                              # truncated to 32 bits


def test_multiplier_input_drops_guard_bits_adder_keeps_them():
    x = Fraction(1) + Fraction(1, 1 << 30)
    words = [0, 0, 0, da("da_mul_add", m=1, xp=1, yp=0, yi=3),   # a0 = a3 + a1 * *r1
             da("da_mul_acc", m=1, an=2, xp=1, yp=0, yi=3)]        # a2 = a1 + a3 * *r1
    m = machine(words, [W[1.0]], {1: x, 3: 0})
    m.run(1000)
    assert acc_value(m, 0) == 1 and acc_value(m, 2) == x


def test_exact_accumulation_and_truncating_z_write():
    # a0 = a1 + Y * X with a1 = -1, Y*X = -2**-30: exact -1 - 2**-30 in 40 bits; the Z word
    # truncates the two's-complement mantissa toward minus infinity: -(1 + 2**-23)
    tiny = 0x00000000 | (128 - 30)                       # 2**-30
    words = [da("da_mul_acc", m=1, s=1, xp=2, yp=1, zp=3)]
    m = machine(words, [tiny, W[1.0], 0], {1: -1})
    m.run(1000)
    assert acc_value(m, 0) == -1 - Fraction(1, 1 << 30)
    assert word_value(m.read(RAM1 + 8, 4)) == -1 - Fraction(1, 1 << 23)


@pytest.mark.parametrize("y,x,sign,word,fl", [
    (0x7FFFFFFF, W[2.0], 0, 0x7FFFFFFF, FV),          # (2 - 2**-23) 2**127 * 2: overflow
    (0x7FFFFFFF, W[-2.0], 0, 0x800000FF, FV | FN),
    (0x00000001, W[0.5], 0, 0x00000000, FU | FZ),     # 2**-127 * 0.5: underflow
    (0xFFFFFF01, W[0.5], 0, 0x00000000, FU | FZ),
])
def test_saturation_and_underflow(y, x, sign, word, fl):
    m = machine([da("da_mul_acc", m=4, xp=2, yp=1, zp=3)], [y, x, 0x12345678])
    m.run(1000)
    assert m.read(RAM1 + 8, 4) == word and dflags(m) == fl


def test_mac_counter_counts_products():
    words = [da("da_mul_acc", m=0, xp=1, yp=2), da("da_mul_add", m=2, xp=1, yp=2),
             da("da_tap_mul", m=4, xp=1, yp=2), da("da_mul_add", m=5, xp=1, yp=2),
             da("da_tap_add", xp=1, yp=2), da("da_mul_add", m=4, yp=2)]
    m = machine(words, [W[1.0], W[1.0]])
    m.run(1000)
    assert m.counters()["macs"] == 3


def test_da_fault_commits_nothing():
    m = machine([da("da_mul_acc", m=4, xp=1, xi=7, yp=2, yi=7, zp=3, zi=7)], [W[1.0], W[1.0]],
                {0: 5})
    m.set_reg("r3", 0x800000)
    assert m.run(1000) == S.STATUS_BUS_ERROR
    assert m.st[S.FAULT_ADDR] == 0x800000
    assert (m.get_reg("r1"), m.get_reg("r2")) == (RAM1, RAM1 + 4) and acc_value(m, 0) == 5


# --- special functions (enc §6.8) -------------------------------------------------------------
def special(g, yp=1, yi=0, zp=3, zi=7, an=0):
    return da("da_special", g=g, an=an, yp=yp, yi=yi, zp=zp, zi=zi)


def test_float_reads_16_bits_and_steps_2():
    m = machine([special(2, yi=7), special(2, yi=7, zp=0, an=1)], [0x0002FFFD, 0, 0])
    m.run(1000)
    assert acc_value(m, 0) == -3 and acc_value(m, 1) == 2
    assert m.read(RAM1 + 8, 4) == 0xC0000081 and m.get_reg("r1") == RAM1 + 4
    assert dflags(m) == 0


@pytest.mark.parametrize("y,dauc,z", [(0x20000081, 0x00, 3), (0x20000081, 0x10, 2),
                                      (0xE0000081, 0x00, -2), (0xE0000081, 0x10, -3),
                                      (0x0000008F, 0x00, 0x7FFF)])   # 2.5, -2.5, 65536 (saturates)
def test_int_rounding_by_dauc_bit_4(y, dauc, z):
    m = machine([special(3, zi=7), 0], [y, 0, 0x5A5A5A5A])
    m.set_reg("dauc", dauc)
    m.run(1000)
    assert m.read(RAM1 + 8, 4) == 0x5A5A0000 | (z & 0xFFFF)   # a 16-bit Z write
    assert m.get_reg("r3") == RAM1 + 10                        # Z post-increment by 2


@pytest.mark.parametrize("y,dauc,z", [(0x00000494, 0x00, 1048577), (0x00000494, 0x10, 1048576),
                                      (0x00000098, 0x00, 0x7FFFFF)])   # 2**20 + 0.5, 2**24
def test_int24(y, dauc, z):
    m = machine([special(11)], [y, 0, 0])
    m.set_reg("dauc", dauc)
    m.run(1000)
    assert m.read(RAM1 + 8, 4) == z


def test_float24_and_flags():
    m = machine([special(10)], [0xFF800000, 0, 0])
    m.run(1000)
    assert m.read(RAM1 + 8, 4) == 0x80000096 and acc_value(m, 0) == -(1 << 23)
    assert dflags(m) == FN


@pytest.mark.parametrize("extra,expect", [
    (Fraction(3, 1 << 25), Fraction(1) + Fraction(1, 1 << 23)),     # 0.75 ulp: up
    (Fraction(1, 1 << 24), Fraction(1) + Fraction(1, 1 << 23)),     # a tie: toward larger
    (Fraction(1, 1 << 25), Fraction(1)),
])
def test_round(extra, expect):
    m = machine([special(4, yp=0, yi=1)], [0, 0, 0], {1: 1 + extra})
    m.run(1000)
    assert acc_value(m, 0) == expect and word_value(m.read(RAM1 + 8, 4)) == expect


def test_round_negative_tie_goes_to_larger_value():
    m = machine([special(4, yp=0, yi=1)], [0, 0, 0], {1: -1 - Fraction(1, 1 << 24)})
    m.run(1000)
    assert acc_value(m, 0) == -1


@pytest.mark.parametrize("g,flag,taken", [(5, FN, True), (5, 0, False), (6, FZ, True),
                                          (6, FN, False), (7, 0, True), (7, FZ, False)])
def test_ifalt_ifaeq_ifagt_use_live_flags(g, flag, taken):
    # a0 = ifxx(*r1): a0 is 5.0 before; the flags were set by the instruction just before
    m = machine([special(g, zp=3)], [W[2.0], 0, 0], {0: 5}, dflags=flag)
    m.run(1000)
    assert acc_value(m, 0) == (2 if taken else 5)
    assert dflags(m) == flag                              # ifxx sets no flags


def test_ieee_dsp_seed():
    words = [special(12, yp=1, zp=3), special(13, yp=2, zp=4, an=1), special(14, yp=1, an=2, zp=0)]
    m = machine(words, [W[-1.0], 0x3FC00000, 0, 0])
    m.run(1000)
    assert m.read(RAM1 + 8, 4) == 0xBF800000              # ieee(-1.0)
    assert m.read(RAM1 + 12, 4) == W[1.5]                 # dsp(IEEE 1.5)
    assert acc_value(m, 1) == Fraction(3, 2)
    assert acc_value(m, 2) == word_value(W[-1.0] ^ 0x7FFFFFFF)   # seed: flip all but the sign


def test_ic_and_oc_bytes_and_dauc_modes():
    # ic: mu-law 0x80 -> +8031 (G.711 14-bit scale); linear (dauc bit 2) 0x80 -> -128;
    # oc linear (dauc bit 3): -3.0 -> 0xFD, a byte Z write with step 1
    words = [special(0, yp=1, yi=7, zp=0, an=0),
             encode("load24", rd=26, n=0x0C),
             special(0, yp=1, yi=7, zp=0, an=1),
             special(1, yp=2, zp=3, zi=7, an=2)]
    m = machine(words, [0x00008080, 0xC0000081, 0x11111111])
    m.run(1000)
    assert acc_value(m, 0) == 8031 and acc_value(m, 1) == -128
    assert m.read(RAM1 + 8, 4) == 0x111111FD and m.get_reg("r3") == RAM1 + 9


# --- latencies (machine §3.2), distances 1-5 ---------------------------------------------------
@pytest.mark.parametrize("distance", [1, 2, 3, 4, 5])
def test_accumulator_through_multiplier_latency(distance):
    # I0: a1 = *r1 (2.0; a1 was 1.0). Consumers: a0 = a3 + a1 * *r2 (aM, multiplier),
    # multiplier path: it sees the new a1 from distance 3 on.
    producer = da("da_mul_add", m=4, an=1, yp=1)
    mult = da("da_mul_add", m=1, an=0, xp=2, yp=0, yi=3)          # a0 = a3 + a1 * *r2
    words = [producer] + [0] * (distance - 1) + [mult]
    m = machine(words, [W[2.0], W[1.0]], {1: 1, 3: 0})
    m.run(1000)
    assert acc_value(m, 0) == (1 if distance < 3 else 2)


@pytest.mark.parametrize("distance", [1, 2, 3])
def test_accumulator_x_operand_latency_and_adder_path(distance):
    producer = da("da_mul_add", m=4, an=1, yp=1)                    # a1 = *r1 (2.0)
    x_acc = da("da_mul_acc", m=3, an=0, xp=0, xi=1, yp=2)           # a0 = a3 + *r2 * a1
    adder = da("da_mul_acc", m=1, an=2, xp=2, yp=0, yi=3)           # a2 = a1 + a3 * *r2
    words = [producer] + [0] * (distance - 1) + [adder, x_acc]
    m = machine(words, [W[2.0], W[1.0]], {1: 1, 3: 0})
    m.run(1000)
    assert acc_value(m, 2) == 2                                      # adder: no latency
    assert acc_value(m, 0) == (1 if distance + 1 < 3 else 2)


@pytest.mark.parametrize("distance", [1, 2, 3, 4, 5])
def test_dau_flag_latency_for_branches(distance):
    # I0: a1 = *r1 (-1.0) sets N. `if (alt) goto 0x80` at `distance` sees it from 4 on.
    words = [da("da_mul_add", m=4, an=1, yp=1)] + [0] * (distance - 1)
    words += [encode("goto", c=19, rh=0, n=0x80), 0, encode("add_imm", e=0, rd=5, rh=0, n=5)] + IDLE
    m = machine(words, [W[-1.0]])
    m.load_words(0x80, [encode("add_imm", e=0, rd=6, rh=0, n=6)] + IDLE)
    m.run(1000)
    taken = distance >= 4
    assert (m.get_reg("r6"), m.get_reg("r5")) == ((6, 0) if taken else (0, 5))


@pytest.mark.parametrize("distance", [1, 2, 3, 4, 5])
def test_da_memory_write_latency(distance):
    # I0: *r3 = a0 = *r1 (2.0 over 1.0 at word 2). Readers at `distance`: a2 = *r3 (DA) and
    # r5e = *r3 (CAU): both see the new word from distance 4 on.
    words = [da("da_mul_add", m=4, an=0, yp=1, zp=3, zi=0)] + [0] * (distance - 1)
    words += [da("da_mul_add", m=4, an=2, yp=3), encode("load_ind", d=0, sz=3, rh=5, p=3, i=0)]
    m = machine(words, [W[2.0], 0, W[1.0]])
    m.run(1000)
    assert acc_value(m, 2) == (2 if distance >= 4 else 1)
    assert m.get_reg("r5") == ((W[2.0] if distance + 1 >= 4 else W[1.0]) & 0xFFFFFF)


def test_integer_function_of_an_accumulator_reads_its_32_bit_image():
    # float(a1) with a1 = 3.0: the image 0x40000081 has low 16 bits 0x0081 = 129
    m = machine([special(2, yp=0, yi=1, zp=0)], [], {1: 3})
    m.run(1000)
    assert acc_value(m, 0) == 129


def test_hazard_lint_names_each_kind():
    from emulator import core
    # acc through the multiplier at distance 1, flags at distance 2, memory at distance 2,
    # a CAU register at distance 1; nothing is reported at safe distances
    words = [da("da_mul_add", m=4, an=1, yp=1, zp=3, zi=0),          # 0: a1 = *r1; *r3 = ...
             da("da_mul_add", m=1, an=0, xp=2, yp=0, yi=3),          # 4: a0 = a3 + a1 * *r2
             da("da_mul_add", m=4, an=2, yp=3),                      # 8: a2 = *r3 (pending)
             encode("goto", c=19, rh=0, n=0x40),                     # c: if (alt) goto
             0,
             encode("load_ind", d=0, sz=3, rh=5, p=2, i=0),          # 14: r5e = *r2
             encode("add_imm", e=1, rd=6, rh=5, n=0),                # 18: r6e = r5e (pending)
             0, 0, 0, 0,
             encode("add_imm", e=1, rd=7, rh=5, n=0),                # safe
             da("da_mul_add", m=1, an=0, xp=2, yp=0, yi=3)]          # safe
    m = machine(words, [W[-1.0], W[1.0], 0])
    rows = []
    m.hazard_sink = rows.extend
    m.run(1000, hazards=True)
    got = [(int(r[1]), int(r[2]), int(r[3])) for r in rows]
    assert got == [(0x04, core.HZ_ACC, 1), (0x08, core.HZ_MEM, RAM1 + 8),
                   (0x0C, core.HZ_FLAGS, 19), (0x18, core.HZ_REG, 5)]
