"""The host's batched DMA (Host._burst; docs/board-and-host.md, "Batched DMA blocks") against
the same host making every access one at a time: identical replies, memory, registers,
host times, DSP clocks and counters, also when the DSP reads the DMA range in the middle of a
block (the watch fires and the rest of the block goes one access at a time).

Three modes: "watched" (the default: batch_dma and watch_dma), "parked only" (watch_dma off:
blocks are batched only while the DSP provably spins, as before the watched runs) and
"literal" (batch_dma off: the DSP is run before every access). Watched and parked-only must
agree in everything, executed-instruction counts included. Against literal the executed
instruction count can differ: the board skips proven wait-loop iterations per run call, so
how many loop instructions it executes rather than skips depends on how often it is called
(the clocks, and everything the DSP computes, are the same)."""
import numpy as np
import pytest

from emulator import state as S
from emulator.board import Board
from tests.emulator.test_host import ECHO, NOP, addi, echo_exchange, encode, goto, io_in, \
    io_out, loaded

MODES = {"watched": (True, True), "parked only": (True, False), "literal": (False, False)}

# The DSP takes K from PIR, spins K + 1 passes of 2 instructions, then reads the halfword at
# 0x1028 (unit 20 of the block the host DMAs meanwhile) and answers it through PIR.
READER = [
    goto("pie", 0x00), NOP,                            # 00 wait for the host's PIR
    io_in(4, "pir"), NOP, NOP,                         # 08 r4 = K
    addi(6, 0, 0x1028),                                # 14 r6 = 0x1028
    encode("dec_branch", rm=4, rh=0, n=0x18), NOP,     # 18 K + 1 passes of 2 instructions
    encode("load_ind", d=0, sz=2, rh=3, p=6, i=0),     # 20 r3 = *r6: inside the DMA range
    NOP, NOP,                                          # 24 (a loaded register shows 2 later)
    io_out("pir", 3),                                  # 2C pir = r3: PIF
    goto("pif", 0x30), NOP,                            # 30 wait until the host read PIR
    goto("true", 0x00), NOP,                           # 38
]


def set_mode(h, mode):
    h.batch_dma, h.watch_dma = MODES[mode]


def final_state(b, h):
    b.run_dsp_until(b.now)
    m = b.machine
    return {"now": b.now, "dsp_clock": b.dsp_clock, "cycles": int(m.st[S.CYCLES]),
            "pc": int(m.st[S.PC]), "regs": m.regs.tolist(), "accm": m.accm.tolist(),
            "mem": m.read_block(0x1000, 0x100), "pio": [int(m.st[i]) for i in (
                S.PIO_PCR, S.PIO_PAR, S.PIO_PARE, S.PIO_PDR, S.PIO_PDR2, S.PIO_PIR)],
            "accesses": h.accesses, "phases": [dict(r.phases) for r in h.requests],
            "totals": [r.total_ps for r in h.requests]}


def counts(b):
    m = b.machine
    return {"instret": int(m.st[S.INSTRET]), "clocks": dict(b.clocks),
            "exec": m.exec_count.copy(), "counters": {k: v for k, v in m.counters().items()
                                                      if k != "exec_count"}}


def same_counts(a, b):
    assert a["instret"] == b["instret"] and a["clocks"] == b["clocks"]
    assert a["counters"] == b["counters"] and (a["exec"] == b["exec"]).all()


def echo_run(mode):
    b, h = loaded(ECHO)
    set_mode(h, mode)
    h.start()
    rng = np.random.default_rng(5)
    replies = []
    for k in range(5):
        h.spend([0.0, 0.4, 3.0, 0.05, 11.0][k] * 1e-6)
        data = rng.integers(0, 0x10000, size=2 + 9 * k).astype(np.uint16)
        with h.request() as r:
            polls, answer, out = echo_exchange(h, r, data)
        replies.append((polls, answer, out.tolist()))
    return replies, final_state(b, h), counts(b)


def test_echo_is_identical_in_all_three_modes():
    watched, parked, literal = (echo_run(m) for m in MODES)
    assert watched[:2] == parked[:2] == literal[:2]
    same_counts(watched[2], parked[2])
    assert watched[2]["clocks"]["run"] + watched[2]["clocks"]["wait"] \
        == literal[2]["clocks"]["run"] + literal[2]["clocks"]["wait"]


def reader_run(mode, monkeypatch=None, outcomes=None):
    if monkeypatch is not None:
        original = Board.sync_watched

        def spy(self, *args):
            ok = original(self, *args)
            outcomes.append((ok, self.dsp_clock))
            return ok
        monkeypatch.setattr(Board, "sync_watched", spy)
    b, h = loaded(READER)
    set_mode(h, mode)
    h.start()
    answers = []
    for k, K in enumerate(range(120, 200, 9)):
        old = np.full(40, 0x0100 + k, np.uint16)
        new = np.arange(0x2000, 0x2028, dtype=np.uint16) + 0x100 * k
        h.dma_write(0x1000, old)                       # the DSP waits on pie: parked
        with h.request():
            h.write_pir(K)
            h.dma_write(0x1000, new)                   # the DSP computes, then reads unit 20
            h.wait_flag("pif", timeout_s=0.01)
            answer = h.read_pir()
            answers.append("old" if answer == old[20] else "new" if answer == new[20] else answer)
        h.spend((k % 3) * 0.37e-6)
    if monkeypatch is not None:
        monkeypatch.undo()
    return answers, final_state(b, h), counts(b)


def test_a_dsp_reading_the_dma_range_mid_block_sees_what_one_by_one_access_shows(monkeypatch):
    outcomes = []
    watched = reader_run("watched", monkeypatch, outcomes)
    parked, literal = reader_run("parked only"), reader_run("literal")
    assert watched[:2] == parked[:2] == literal[:2]
    same_counts(watched[2], parked[2])
    # the DSP read unit 20 before the host wrote it for the small K, after it for the large
    # ones: its old or its new value, never anything else
    assert set(watched[0]) == {"old", "new"}
    assert watched[0][0] == "old" and watched[0][-1] == "new"
    # the watch fired in the blocks the DSP read (it stopped at its load, clock > 0), and some
    # blocks were made whole
    assert any(not ok for ok, _ in outcomes) and any(ok for ok, _ in outcomes)


@pytest.mark.parametrize("width", [16, 32])
def test_dma_read_while_the_dsp_computes_elsewhere_is_made_in_one_burst(width, monkeypatch):
    outcomes = []
    original = Board.sync_watched

    def spy(self, *args):
        ok = original(self, *args)
        outcomes.append(ok)
        return ok
    monkeypatch.setattr(Board, "sync_watched", spy)
    # the DSP counts in a register forever (no memory access): every block is invisible to it
    count = [addi(1, 1, 1), goto("true", 0x00), NOP]
    results = []
    for mode in MODES:
        b, h = loaded(count)
        set_mode(h, mode)
        h.start()
        outcomes.clear()                               # the load and verify: DSP held
        data = np.arange(1, 65, dtype=np.uint32) * 0x01010101
        h.dma_write(0x2000, data, width)
        back = h.dma_read(0x2000, 4 * len(data), width)
        results.append((back, final_state(b, h)))
        if mode == "watched":
            assert outcomes == [True, True] and back == data.tobytes()
    assert results[0] == results[1] == results[2]
