"""Whole programs: the self-checking files of tests/programs (their `//;;` lines are the
expectations), NumPy-checked dot product / FIR / matrix-vector programs on random data, a
JIT-off run compared with the compiled one, and a fuzz run of random instruction words.

`//;;` directives (one per line, inside a // comment so the file stays plain assembly):
    stop idle|until|limit|...   the run's status (emulator.trace.STATUS_TEXT keys by name)
    reg NAME = VALUE            a CAU register after the run
    mem ADDR = VALUE            a 32-bit word (ADDR: number, SYMBOL or SYMBOL+N)
    memf ADDR = X [tol T]       a DSP32 float word, |value - X| <= T (default exact)
    acc aN = X [tol T]          an accumulator
    steps N / cycles N          instructions executed / clocks
    hazards N                   hazard rows the run reports (hazard lint on)
    until ADDR / max-cycles N   run options
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsp32c.assembler import assemble_files, assemble_source
from dsp32c.numbers import dsp_to_float, float_to_dsp
from emulator import core
from emulator import state as S
from emulator.machine import Machine

pytestmark = pytest.mark.program
PROGRAMS = sorted((Path(__file__).parents[1] / "programs").glob("*.s"))
DIRECTIVE = re.compile(r"^\s*//;;\s*([\w-]+)\s*(.*?)\s*$")
STATUS_NAMES = {"limit": S.STATUS_LIMIT, "idle": S.STATUS_IDLE, "until": S.STATUS_UNTIL,
                "pio": S.STATUS_PIO, "wait": S.STATUS_WAIT, "halted": S.STATUS_HALTED,
                "illegal": S.STATUS_ILLEGAL, "bus_error": S.STATUS_BUS_ERROR,
                "misaligned": S.STATUS_MISALIGNED}


def directives(path):
    return [m.groups() for m in map(DIRECTIVE.match, path.read_text().splitlines()) if m]


def address(text, symbols):
    name, plus, off = text.partition("+")
    base = symbols[name.strip()] if name.strip() in symbols else int(name, 0)
    return base + (int(off, 0) if plus else 0)


def value_tol(text):
    val, _, tol = text.partition(" tol ")
    return float(val), float(tol) if tol else 0.0


def load(program):
    m = Machine()
    m.load_segments(program.segments)
    m.set_reg("pc", program.entry)
    return m


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_self_checking_program(path):
    dirs = directives(path)
    assert any(k == "stop" for k, _ in dirs), "a program must state how it stops"
    program = assemble_files([str(path)])
    sym = program.symbols
    opts = dict(dirs)
    m = load(program)
    hazards = []
    m.hazard_sink = hazards.extend
    until = address(opts["until"], sym) if "until" in opts else -1
    status = m.run(int(opts.get("max-cycles", 1_000_000)), until=until, hazards="hazards" in opts)
    for kind, arg in dirs:
        where = f"{path.name}: {kind} {arg}"
        if kind == "stop":
            assert status == STATUS_NAMES[arg], where
        elif kind == "reg":
            name, _, val = arg.partition("=")
            assert m.get_reg(name.strip()) == int(val, 0), where
        elif kind == "mem":
            a, _, val = arg.partition("=")
            assert m.read(address(a, sym), 4) == int(val, 0), where
        elif kind == "memf":
            a, _, rest = arg.partition("=")
            x, tol = value_tol(rest)
            assert abs(float(dsp_to_float(m.read(address(a, sym), 4))) - x) <= tol, where
        elif kind == "acc":
            a, _, rest = arg.partition("=")
            x, tol = value_tol(rest)
            assert abs(m.get_acc(int(a.strip()[1:])) - x) <= tol, where
        elif kind == "steps":
            assert m.counters()["instructions"] == int(arg), where
        elif kind == "cycles":
            assert m.counters()["cycles"] == int(arg), where
        elif kind == "hazards":
            assert len(hazards) == int(arg), where
        else:
            assert kind in ("until", "max-cycles"), f"{path.name}: unknown directive {kind}"


# --- programs against NumPy (docs/emulator.md, "Precision") ---------------------------------
def floats(values):
    return ", ".join(repr(float(v)) for v in values)


def dsp_values(x):
    """The values the DSP holds after the host's nearest conversion."""
    return np.asarray(dsp_to_float(float_to_dsp(np.asarray(x, np.float64))), np.float64)


def bound(terms, result):
    """Documented precision: 40-bit truncation per operation, then the 32-bit Z store."""
    return len(terms) * 2.0 ** -30 * float(np.sum(np.abs(terms))) + 2.0 ** -22 * abs(result)


def run_source(text):
    program = assemble_source(text, "generated.s")
    m = load(program)
    assert m.run(10_000_000) == S.STATUS_IDLE
    return m, program.symbols


@pytest.mark.parametrize("seed,n", [(1, 64), (2, 200), (3, 512)])
def test_dot_product_matches_numpy(seed, n):
    rng = np.random.default_rng(seed)
    x, y = dsp_values(rng.normal(size=n)), dsp_values(rng.normal(size=n) * 10)
    src = f"""
start:  r1e = x
        r2e = y
        r3 = {n - 3}
        a0 = *r1++ * *r2++
loop:   if (r3-- >= 0) goto loop
        a0 = a0 + *r1++ * *r2++
        r4e = out
        *r4 = a0 = a0
        goto $
        nop
x:      float {floats(x)}
y:      float {floats(y)}
out:    float 0.0
"""
    m, sym = run_source(src)
    got = float(dsp_to_float(m.read(sym["out"], 4)))
    want = float(np.dot(x, y))
    assert abs(got - want) <= bound(x * y, want)


def test_fir_matches_numpy():
    rng = np.random.default_rng(7)
    taps, n = 16, 40
    h, x = dsp_values(rng.normal(size=taps)), dsp_values(rng.normal(size=n))
    src = f"""
start:  r1e = h
        r2e = x + {4 * (taps - 1)}
        r4e = y
        r15e = {4 * taps}
        r16e = {-4 * (taps - 1)}
        do {taps - 1}, {n - 1}
        a0 = *r1++ * *r2--
        {(taps - 2)}*nop
        *r4++ = a0 = a0 + *r1++r16 * *r2++r15
        goto $
        nop
h:      float {floats(h)}
x:      {taps - 1}*float 0.0
        float {floats(x)}
y:      {n}*float 0.0
"""
    # the body: first tap, then taps-2 accumulating taps, then the last tap with the store
    src = src.replace(f"        {(taps - 2)}*nop\n", "        a0 = a0 + *r1++ * *r2--\n" * (taps - 2))
    m, sym = run_source(src)
    got = dsp_to_float(np.frombuffer(m.read_block(sym["y"], 4 * n), "<u4"))
    want = np.convolve(x, h)[:n]
    for k in range(n):
        terms = h[:k + 1] * x[k::-1][:taps] if k + 1 <= taps else h * x[k - taps + 1:k + 1][::-1]
        assert abs(got[k] - want[k]) <= bound(terms, want[k]), k


def test_matrix_vector_matches_numpy():
    rng = np.random.default_rng(11)
    rows, cols = 10, 24
    a, v = dsp_values(rng.normal(size=(rows, cols))), dsp_values(rng.normal(size=cols))
    body = "        a0 = a0 + *r1++ * *r2++\n" * (cols - 2)
    src = f"""
start:  r1e = mat
        r2e = vec
        r3e = out
        r15e = {-4 * (cols - 1)}
        do {cols - 1}, {rows - 1}
        a0 = *r1++ * *r2++
{body}        *r3++ = a0 = a0 + *r1++ * *r2++r15
        goto $
        nop
mat:    float {floats(a.ravel())}
vec:    float {floats(v)}
out:    {rows}*float 0.0
"""
    m, sym = run_source(src)
    got = dsp_to_float(np.frombuffer(m.read_block(sym["out"], 4 * rows), "<u4"))
    want = a @ v
    for r in range(rows):
        assert abs(got[r] - want[r]) <= bound(a[r] * v, want[r]), r


# --- the same program with the JIT disabled ----------------------------------------------------
NO_JIT_SCRIPT = r"""
import json, sys
from dsp32c.assembler import assemble_files
from emulator.machine import Machine
p = assemble_files([sys.argv[1]])
m = Machine(); m.load_segments(p.segments); m.set_reg("pc", p.entry)
status = m.run(100_000, hazards=True)
print(json.dumps({"status": status, "regs": m.regs.tolist(), "st": m.st.tolist(),
                  "acc": [m.get_acc_raw(n) for n in range(4)],
                  "mem": m.mem8.tobytes().hex()[-20000:]}))
"""


def test_no_jit_run_matches_compiled():
    prog = str(Path(__file__).parents[1] / "programs" / "latency.s")
    outs = []
    for disable in ("1", "0"):
        env = dict(os.environ, NUMBA_DISABLE_JIT=disable)
        res = subprocess.run([sys.executable, "-c", NO_JIT_SCRIPT, prog], env=env,
                             capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
        outs.append(json.loads(res.stdout))
    assert outs[0] == outs[1]
    assert outs[0]["status"] == S.STATUS_IDLE


# --- fuzz: random words never crash the process ----------------------------------------------
_FUZZ_MACHINE = Machine()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(st.integers(0, 0xFFFFFFFF), min_size=1, max_size=48),
       regs=st.lists(st.integers(0, 0xFFFFFF), min_size=14, max_size=14),
       at_ram=st.booleans())
def test_random_words_end_normally_or_fault_cleanly(words, regs, at_ram):
    m = _FUZZ_MACHINE
    m.reset()
    m.mem8[:] = 0
    m.kind[:] = core.K_STALE  # every word decoded on first use
    base = 0xFFF000 if at_ram else 0
    m.load_words(base, words)
    for k, v in enumerate(regs):
        m.set_reg(f"r{k + 1}", v)
    m.set_reg("pc", base)
    c0 = m.counters()["cycles"]       # a chip reset keeps the emulated timeline
    status = m.run(4000, hazards=True, trace=True)
    assert status in (S.STATUS_LIMIT, S.STATUS_IDLE, S.STATUS_WAIT, S.STATUS_ILLEGAL,
                      S.STATUS_BUS_ERROR, S.STATUS_MISALIGNED)
    assert 0 <= m.get_reg("pc") <= 0xFFFFFF
    assert m.counters()["cycles"] - c0 < 4000 + 16
    if status >= S.STATUS_FAULT_MIN:
        assert m.fault_message(status).startswith("fault: ")
