"""The firmware's squashing function: its error bound over the whole input range, the exact
replay against the firmware's own code on the emulator, and the constants of its design."""
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from dsp32c.assembler import assemble_source
from dsp32c.numbers import dsp_to_float, float_to_dsp
from emulator import state as S
from emulator.machine import Machine
from lenet_firmware import tanh_approx as T

FIRMWARE_DIR = Path(T.__file__).resolve().parent
ACTIVATIONS = list(T.ACTIVATION_SCALES)

# A test program around the firmware's own clamp (lenet.inc) and stages (squash.inc):
# N inputs at INPUTS -> the squashed values at OUTPUTS, then `goto $`.
HARNESS = """
#include "lenet.inc"
        .equ INPUTS,  0x030000
        .equ OUTPUTS, 0x030100
        .rsect ".ram0"
start:  r10e = TANH
        r1e = INPUTS
        a3 = *r10++
        a2 = *r10++
        r5e = XC
        r9 = N-1
        nop
        do 4, r9
        a0 = *r1++
        CLAMP(r5)
        call tanh_stages (r14)
        nop
        r1e = PA
        r3e = SA
        r6e = OUTPUTS
        do 0, r9
        *r6++ = a0 = *r1++ * *r3++
        nop
        nop
        nop
halt:   goto halt
        nop
#include "squash.inc"
"""


def run_harness(design, words):
    n = len(words)
    prog = assemble_source(HARNESS.replace("N-1", str(n - 1)), "harness.s",
                           include_dirs=[str(FIRMWARE_DIR)])
    m = Machine()
    m.load_segments(prog.segments)
    m.write_block(prog.constants["TANH"], design.words().astype("<u4").tobytes())
    m.write_block(0x030000, np.asarray(words, dtype="<u4").tobytes())
    m.set_reg("pc", prog.symbols["start"])
    hazards = []
    m.hazard_sink = hazards.append
    status = m.run(10_000_000, hazards=True)
    assert status == S.STATUS_IDLE
    assert not hazards, "the squashing code reads a value still in flight"
    assert m.counters()["conflict_clocks"] == 0
    return np.frombuffer(m.read_block(0x030100, 4 * n), "<u4")


def probe_inputs(design, rng):
    """Inputs where things happen: tiny, around the bound, huge, both signs, random."""
    b = design.constants["bound"]
    picks = [0.0, 2.0**-126, -2.0**-126, 1e-20, -3e-7, 0.5, -0.5, 1.0, -1.0, b, -b,
             b * (1 - 2**-23), -b * (1 - 2**-23), b * (1 + 2**-22), -b * (1 + 2**-22),
             3.0e38, -3.0e38, 40.0, -40.0]
    return np.concatenate([picks, rng.uniform(-1.2 * b, 1.2 * b, 237),
                           rng.normal(0, 2, 64)])


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_error_bound_holds_over_the_whole_input_range(activation):
    d = T.design(activation)
    r = T.error_sweep(d, per_binade=512, dense=1 << 16)
    assert r["max_abs_error"] <= T.ERROR_BOUND[activation]
    # the sweep reaches every binade of both signs, so it includes the clamped tails
    a = T.sweep_inputs(d, per_binade=512, dense=1 << 16)
    assert a.max() > 1e38 and a.min() < -1e38 and np.abs(a[a != 0]).min() < 1e-37
    # and the bound is not slack: the error is within a factor 2 of it somewhere
    assert r["max_abs_error"] > T.ERROR_BOUND[activation] / 2


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_replay_equals_the_firmware_bit_for_bit(activation):
    d = T.design(activation)
    a = probe_inputs(d, np.random.default_rng(6))
    words = float_to_dsp(a).astype(np.int64)
    got = np.concatenate([run_harness(d, words[k:k + 64]) for k in range(0, len(words), 64)])
    np.testing.assert_array_equal(got, T.simulate_words(d, words))
    # and the firmware's values are the function's, within the bound
    x = dsp_to_float(words)
    assert np.abs(dsp_to_float(got) - d.reference(x)).max() <= T.ERROR_BOUND[activation]


def test_seed_overestimates_a_reciprocal_by_at_most_one_eighth():
    # seed flips every bit but the sign: for q = (1 + f) 2^k it gives (2 - f - 2^-23) 2^-k-1,
    # so q * seed(q) = (1 + f)(2 - f - 2^-23) / 2, in [1 - 2^-24, 1.125], worked out exactly here
    for f_int in range(0, 1 << 23, 4099):
        f = Fraction(f_int, 1 << 23)
        v0 = (1 + f) * (2 - f - Fraction(1, 1 << 23)) / 2
        assert Fraction(1) - Fraction(1, 1 << 24) <= v0 <= Fraction(9, 8)
    assert T.SEED_SPAN == (1.0, 1.125) and T.ALPHA1 == 2.125


def test_two_tuned_newton_steps_reach_the_gain_within_1_6e_6():
    # v -> v (alpha - v) maps [1, 1.125] into [1.125, 1.12890625] (alpha1 = 2.125), then into a
    # band around G (alpha2 = 1.125 + 1.12890625); checked on a fine grid of v0 with exact fractions
    assert T.ALPHA2 == 2.25390625
    worst = 0.0
    for k in range(0, 1001):
        v0 = 1 + Fraction(k, 8000)
        v2 = (v0 * (Fraction(T.ALPHA1) - v0)) * (Fraction(T.ALPHA2) - v0 * (Fraction(T.ALPHA1) - v0))
        worst = max(worst, abs(float(v2) / T.NEWTON_GAIN - 1))
    assert 1.4e-6 < worst <= 1.6e-6      # (the band's half-width is 1.502e-6)


def test_design_folds_the_activation_into_the_coefficients():
    plain, scaled = T.design("tanh"), T.design("1.7159*tanh(2x/3)")
    assert plain.constants["bound"] == 6.0 and scaled.constants["bound"] == 9.0
    s = 2.0 / 3.0
    for k, name in enumerate(("q0", "q1", "q2", "q3")):
        want = T.BASE_Q[k] * s ** (2 * k)
        assert scaled.constants[name] == pytest.approx(want, rel=2**-23)
    for k, name in enumerate(("p0", "p1", "p2")):
        want = 1.7159 * s / T.NEWTON_GAIN * T.BASE_P[k] * s ** (2 * k)
        assert scaled.constants[name] == pytest.approx(want, rel=2**-23)
    # every constant is an exact DSP32 float, and the table is in CONSTANT_NAMES order
    w = scaled.words()
    assert list(dsp_to_float(w)) == [scaled.constants[n] for n in T.CONSTANT_NAMES]
    with pytest.raises(ValueError, match="relu"):
        T.design("relu")


def test_the_committed_fit_is_the_fit():
    err, p, q = T.fit_rational(2, 3, T.BASE_C, iterations=150)
    x = np.linspace(0, T.BASE_C, 20001)
    z = x * x

    def worst(pp, qq):
        r = x * np.polyval(pp[::-1], z) / np.polyval(qq[::-1], z)
        tail = abs(1 - r[-1])             # beyond the clamp the output stays at r(C)
        return max(np.abs(r - np.tanh(x)).max(), tail)

    committed = worst(np.array(T.BASE_P), np.array(T.BASE_Q))
    assert committed <= 8.0e-6
    assert committed <= worst(p, q) * 1.01
