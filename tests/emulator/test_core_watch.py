"""Watched runs (Machine.watch / run(watch=True), core CONFIG_WATCH): the run stops with
STATUS_WATCH *before* an instruction that fetches from or accesses a watched page, touches
pdr/pdr2/pir, tests pdf/pde, or closes a self-loop, leaving no trace of it; after unwatch()
the same run continues exactly as an unwatched one. Counts traced by hand: every instruction
is 4 clocks on the default board (no wait states, no conflicts in these programs)."""
import pytest

from dsp32c.decode import encode
from emulator import state as S
from emulator.machine import Machine
from encoders import COND, IO, li

IDLE = [encode("goto", c=1, rh=15, n=-8), 0]  # goto $ ; nop



def load16(rd, p):
    return encode("load_ind", d=0, sz=2, rh=rd, p=p, i=0)      # rD = *rP


def mac(xp, yp, zp=0, zi=7):
    """a0 = a0 + *rY++ * *rX++ (Z = *rZ++ when zp)."""
    return encode("da_mul_acc", m=0, an=0, xp=xp, xi=7, yp=yp, yi=7, zp=zp, zi=zi)


def program(words, at=0, extra=None):
    m = Machine()
    m.load_words(at, words)
    for addr, ws in (extra or {}).items():
        m.load_words(addr, ws)
    return m


def snapshot(m):
    return (int(m.st[S.PC]), int(m.st[S.CYCLES]), int(m.st[S.INSTRET]), m.regs.tolist(),
            m.accm.tolist(), int(m.st[S.PIO_PCR]), int(m.st[S.STOREQ_N]))


LOAD = [li(1, 0x1000), li(2, 2), li(3, 3), load16(4, 1), li(5, 5)] + IDLE


def test_a_load_from_a_watched_page_stops_before_it():
    m = program(LOAD)
    m.write(0x1000, 2, 0x1234)
    m.watch(0x1000, 0x1002)
    assert m.run(1000, watch=True) == S.STATUS_WATCH
    # li, li, li ran; the load at 0x0c did not
    assert (m.get_reg("pc"), m.counters()["instructions"], m.counters()["cycles"]) == (0x0C, 3, 12)
    assert m.get_reg("r4") == 0
    before = snapshot(m)
    assert m.run(1000, watch=True) == S.STATUS_WATCH     # still watched: no progress
    assert snapshot(m) == before
    m.unwatch()
    assert m.run(1000, watch=True) == S.STATUS_WATCH     # the self-loop: stops before `goto $`
    assert (m.get_reg("pc"), m.counters()["instructions"]) == (0x14, 5)
    assert m.run(1000) == S.STATUS_IDLE                  # unwatched run: goto $ and its slot
    assert m.get_reg("r4") == 0x1234 and m.get_reg("r5") == 5
    assert m.counters()["instructions"] == 7 and m.counters()["cycles"] == 28


def test_a_page_watch_is_whole_pages_and_ignores_other_pages():
    m = program(LOAD)
    m.watch(0x10FE, 0x1100)          # the page 0x1000-0x10ff holds the load's address
    assert m.run(1000, watch=True) == S.STATUS_WATCH and m.get_reg("pc") == 0x0C
    m.unwatch()
    m2 = program(LOAD)
    m2.watch(0x1100, 0x1200)         # the next page: nothing touches it
    assert m2.run(1000) == S.STATUS_IDLE and m2.counters()["instructions"] == 7


def test_unwatch_restores_the_page_table_and_unmapped_pages_stay_faults():
    m = Machine()
    page = m.page.copy()
    m.watch(0x03FF00, 0x041000)      # the end of external memory and unmapped pages after it
    assert (m.page[0x3FF] < -1) and (m.page[0x400:0x410] == -1).all()
    with pytest.raises(RuntimeError):
        m.watch(0, 4)
    m.unwatch()
    assert (m.page == page).all()
    m.unwatch()                      # nothing watched: no-op
    with pytest.raises(ValueError):
        m.watch(0x10, 0x10)


def test_fetching_from_a_watched_page_stops_before_the_instruction():
    m = program([encode("goto", c=1, rh=0, n=0x200), 0], extra={0x200: [li(1, 7)] + IDLE})
    m.watch(0x200, 0x204)
    assert m.run(1000, watch=True) == S.STATUS_WATCH
    assert (m.get_reg("pc"), m.counters()["instructions"], m.get_reg("r1")) == (0x200, 2, 0)
    m.unwatch()
    assert m.run(1000) == S.STATUS_IDLE and m.get_reg("r1") == 7


@pytest.mark.parametrize("watched, expect_r1, expect_r2", [
    (0x2000, 0x1000, 0x2000),        # Y read watched: X's post-increment is undone
    (0x1000, 0x1000, 0x2000),        # X read watched
])
def test_da_operand_reads_from_a_watched_page_leave_no_trace(watched, expect_r1, expect_r2):
    words = [encode("load24", rd=1, n=0x1000), encode("load24", rd=2, n=0x2000),
             mac(1, 2)] + IDLE
    m = program(words)
    m.watch(watched, watched + 4)
    assert m.run(1000, watch=True) == S.STATUS_WATCH
    assert (m.get_reg("pc"), m.get_reg("r1"), m.get_reg("r2")) == (0x08, expect_r1, expect_r2)
    assert m.counters()["macs"] == 0 and m.counters()["instructions"] == 2
    m.unwatch()
    assert m.run(1000) == S.STATUS_IDLE
    assert (m.get_reg("r1"), m.get_reg("r2"), m.counters()["macs"]) == (0x1004, 0x2004, 1)


def test_a_da_write_to_a_watched_page_stops_before_it_is_queued():
    words = [encode("load24", rd=1, n=0x1000), encode("load24", rd=2, n=0x1004),
             encode("load24", rd=3, n=0x3000), mac(1, 2, zp=3)] + IDLE
    m = program(words)
    m.write(0x1000, 4, 0x00000080)   # 1.0 * 1.0 (DSP32 words, exponent 0x80): Z = 1.0
    m.write(0x1004, 4, 0x00000080)
    m.watch(0x3000, 0x3004)
    assert m.run(1000, watch=True) == S.STATUS_WATCH
    assert (m.get_reg("pc"), int(m.st[S.STOREQ_N]), m.get_reg("r3")) == (0x0C, 0, 0x3000)
    m.unwatch()
    assert m.run(1000) == S.STATUS_IDLE
    assert m.read(0x3000, 4) == 0x00000080 and m.get_reg("r3") == 0x3004


@pytest.mark.parametrize("reg", ["pdr", "pdr2", "pir"])
def test_port_register_accesses_stop_only_a_watched_run(reg):
    words = [li(1, 1), encode("load_io", d=0, sz=2, rh=4, i=IO[reg]), 0, 0] + IDLE
    m = program(words)
    m.st[S.PIO_PCR] |= S.PCR_PDF | S.PCR_PIF
    m.st[S.PIO_PDR] = m.st[S.PIO_PDR2] = m.st[S.PIO_PIR] = 0x0042
    assert m.run(1000, watch=True) == S.STATUS_WATCH
    assert (m.get_reg("pc"), int(m.st[S.PIO_EVENTS])) == (0x04, 0)
    assert m.st[S.PIO_PCR] & (S.PCR_PDF | S.PCR_PIF) == S.PCR_PDF | S.PCR_PIF  # nothing cleared
    assert m.run(1000) == S.STATUS_IDLE and m.get_reg("r4") == 0x42


@pytest.mark.parametrize("cond, stops", [("pdf", True), ("pde", True), ("pif", False),
                                         ("pie", False), ("eq", False)])
def test_only_pdf_and_pde_tests_stop_a_watched_run(cond, stops):
    # a forward branch (not a self-loop): only the conditions host DMA can change stop
    words = [li(1, 1), encode("goto", c=COND[cond], rh=0, n=0x10), 0, li(2, 2), li(3, 3)] + IDLE
    m = program(words)
    status = m.run(1000, watch=True)
    if stops:
        assert status == S.STATUS_WATCH and m.get_reg("pc") == 0x04
        assert m.counters()["instructions"] == 1
    else:
        assert status == S.STATUS_WATCH and m.get_reg("pc") == 0x14   # at `goto $` only


@pytest.mark.parametrize("loop", [
    encode("goto", c=COND["pie"], rh=0, n=0x04),     # if (pie) goto $: a PIO wait loop
    encode("goto24", rh=0, n=0x04),                  # goto $ in the 24-bit form
])
def test_a_self_loop_stops_a_watched_run_before_its_branch(loop):
    m = program([li(1, 1), loop, 0] + IDLE)
    assert m.run(1000, watch=True) == S.STATUS_WATCH
    assert (m.get_reg("pc"), m.counters()["instructions"], int(m.st[S.STOP_AFTER_SLOT])) \
        == (0x04, 1, 0)
    assert m.run(1000) in (S.STATUS_IDLE, S.STATUS_WAIT) and m.get_reg("pc") == 0x04


def test_a_watched_run_is_traced_once_per_instruction():
    rows = []
    m = program(LOAD)
    m.trace_sink = rows.append
    m.watch(0x1000, 0x1002)
    m.run(1000, watch=True, trace=True)
    m.unwatch()
    m.run(1000, trace=True)
    pcs = [int(r[1]) for block in rows for r in block]
    assert pcs == [0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18]
