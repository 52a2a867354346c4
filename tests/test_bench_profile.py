"""benchmarks/routine_profile.py: per-routine clocks of a hand-encoded program, worked out by
hand from the timing rules of the reference README (4 clocks per instruction, the external
wait states on every external access, one extra clock per access beyond two to one memory
within an instruction)."""
import struct

import pytest

from benchmarks.routine_profile import OTHER, SKIPPED, RoutineProfile
from dsp32c.decode import encode
from emulator import state as S
from emulator.machine import Machine, MachineConfig

RAM0 = 0xFFF000
DATA = 0x000100  # external memory


def program():
    words = [
        encode("load24", rd=1, n=RAM0),       # 0x00 setup: r1e = RAM0
        encode("load24", rd=2, n=DATA),       # 0x04 setup: r2e = DATA
        # 0x08 body: a0 = a0 + *r2++ * *r1++   (fetch and Y external, X on-chip)
        encode("da_mul_acc", m=0, an=0, xp=1, xi=7, yp=2, yi=7, zp=0, zi=7),
        # 0x0c body: a0 = a0 + *r2++ * *r2++   (fetch, X and Y external: one access too many)
        encode("da_mul_acc", m=0, an=0, xp=2, xi=7, yp=2, yi=7, zp=0, zi=7),
        encode("goto", c=1, rh=0, n=0x10),    # 0x10 halt: goto $
        0,                                    # 0x14 its delay slot
    ]
    return b"".join(struct.pack("<I", w) for w in words)


ROUTINES = {"setup": 0x00, "body": 0x08, "halt": 0x10}


def run_profiled(wait, end=None, skip=0):
    m = Machine(MachineConfig(ext_wait_states=wait))
    m.load_segments([(0, program())])
    with RoutineProfile(m, ROUTINES, end=end) as prof:
        status = m.run(10_000)
        m.st[S.CYCLES] += skip   # what the board does when it skips a wait loop
    assert status == S.STATUS_IDLE
    return prof


def expected(w):
    """(routine, cycles, instructions, macs, wait clocks, conflict clocks) by hand."""
    return [
        ("setup", 2 * (4 + w), 2, 0, 2 * w, 0),
        # 2 external accesses, then 3 external accesses (the third costs a conflict clock)
        ("body", (4 + 2 * w) + (4 + 3 * w + 1), 2, 2, 5 * w, 1),
        ("halt", 2 * (4 + w), 2, 0, 2 * w, 0),
    ]


def as_tuples(rows):
    return [(r["routine"], r["cycles"], r["instructions"], r["macs"], r["wait_clocks"],
             r["conflict_clocks"]) for r in rows]


@pytest.mark.parametrize("wait", [0, 1, 3])
def test_rows_by_hand_and_sum_to_machine_counters(wait):
    prof = run_profiled(wait)
    assert as_tuples(prof.rows()) == expected(wait)
    total = prof.total()
    assert total == {"cycles": 24 + 9 * wait + 1, "instructions": 6, "macs": 2,
                     "wait_clocks": 9 * wait, "conflict_clocks": 1}
    for key in total:
        assert sum(r[key] for r in prof.rows()) == total[key]


def test_addresses_past_end_are_other():
    rows = as_tuples(run_profiled(2, end=0x10).rows())
    assert rows[:2] == expected(2)[:2]
    assert rows[2] == (OTHER,) + expected(2)[2][1:]


def test_clocks_without_instructions_are_their_own_row():
    prof = run_profiled(0, skip=1000)
    rows = prof.rows()
    assert as_tuples(rows[:3]) == expected(0)
    assert as_tuples(rows[3:]) == [(SKIPPED, 1000, 0, 0, 0, 0)]
    assert sum(r["cycles"] for r in rows) == prof.total()["cycles"] == 25 + 1000


def test_machine_is_restored_after_profiling():
    m = Machine()
    buf, run = m.trace_buf, m.run
    with RoutineProfile(m, ROUTINES):
        assert m.trace_buf.shape == (1, 4)
    assert m.trace_buf is buf and m.trace_sink is None
    assert m.run == run


@pytest.mark.parametrize("wait", [0, 2])
def test_lenet_profile_agrees_with_the_drivers_execution_counts(wait):
    """Two independent counts of one digit on the firmware: the profiler's (the core's own
    counters, instruction by instruction) and the driver's (execution count per address x
    whether the word there is a multiply-accumulate, by decoding it)."""
    from lenet_firmware.data import load_dataset
    from lenet_firmware.driver import LenetBoard, load_network

    weights, _ = load_network(None, "usps")
    board = LenetBoard(weights, MachineConfig(ext_wait_states=wait))
    m = board.board.machine
    images, _ = load_dataset("usps", "test")
    before = m.exec_count.copy()
    with RoutineProfile(m, board.routine_starts()) as prof:
        board.classify(images[:1])
    mine = {r["routine"]: r for r in prof.rows()}
    theirs = board.profile(before)
    for name in ("h1", "h2", "h3", "output", "class", "squash"):
        assert mine[name]["macs"] == theirs[name]["macs"], name
        if name != "class":   # the driver leaves out the `done` wait loop at the end of class
            assert mine[name]["instructions"] == theirs[name]["instructions"], name
        r = mine[name]
        assert r["cycles"] == 4 * r["instructions"] + r["wait_clocks"] + r["conflict_clocks"]
    if wait:   # the weights live in external memory: the layers pay wait states
        assert mine["h3"]["wait_clocks"] > 0
    total = prof.total()
    for key in ("cycles", "instructions", "macs", "wait_clocks", "conflict_clocks"):
        assert sum(r[key] for r in prof.rows()) == total[key]
