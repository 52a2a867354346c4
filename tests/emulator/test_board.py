"""The board (emulator/board.py): one timeline in integer picoseconds, the DSP brought up to
each instant by whole instructions, halted time, exact skipping of idle and flag-wait loops,
and the DSP side of the PIO flags (machine §5.3) and of the PIO interrupt on the real core.

Programs are hand-encoded with dsp32c.decode.encode; expected clocks are worked out by hand:
4 clocks per instruction at 50 MHz (20 ns a clock), no wait states, every instruction here
touching at most one memory besides its fetch.
"""
import numpy as np
import pytest

from dsp32c.decode import encode
from emulator import state as S
from emulator.board import Board, HostCosts
from emulator.machine import MachineConfig
from encoders import NOP, li, io_in, io_out, goto

R22 = 29  # register code of r22 (ivtp)






def board_with(words, addr=0, **config):
    b = Board(MachineConfig(**config)) if config else Board()
    b.machine.load_words(addr, words)
    return b


US = 1_000_000  # picoseconds


# --- the timeline ------------------------------------------------------------------------------
def test_time_conversions_are_exact_integers():
    b = Board()
    assert b.clock_at(US) == 50 and b.time_at(50) == US
    assert b.clock_at(US - 1) == 49          # clock 50 has not begun 1 ps earlier
    b = Board(MachineConfig(clock_hz=33_000_000))
    assert b.clock_at(US) == 33
    assert b.time_at(1) == 30_304            # 1e12 / 33e6 = 30303.03 ps, rounded up
    assert b.clock_at(b.time_at(1)) == 1 and b.clock_at(b.time_at(1) - 1) == 0


def test_host_costs_default_and_from_us():
    c = HostCosts()
    assert (c.port16_ps, c.port8_ps) == (US, US)     # reference README: 1.0 us per access
    c = HostCosts.from_us(0.5, 0.75)
    assert (c.port_ps(16), c.port_ps(8)) == (500_000, 750_000)
    with pytest.raises(ValueError):
        HostCosts(port16_ps=0)


def test_power_on_holds_the_dsp_and_time_still_passes():
    b = board_with([li(1, 5), goto("true", 4), NOP])
    assert b.machine.st[S.PIO_PCR] == 0
    b.run_dsp_until(10 * US)
    assert b.now == 10 * US and b.dsp_clock == 500
    assert b.machine.st[S.INSTRET] == 0 and b.machine.get_reg("r1") == 0
    assert b.clocks == {"run": 0, "wait": 0, "idle": 0, "halted": 500}


def test_run_edge_resets_and_runs_whole_instructions_up_to_t():
    # r1 counts up forever: 0x00 r1 = r1 + 1; 0x04 goto 0; 0x08 nop (12 clocks a pass)
    b = board_with([encode("add_imm", e=0, rd=1, rh=1, n=1), goto("true", 0), NOP])
    m = b.machine
    m.st[S.PCW] = 0xFC09
    m.st[S.PIO_ESR] = 3
    b.run_dsp_until(2 * US)                  # held: 100 clocks pass, nothing runs
    b.port.write(7, S.PCR_RUN)               # DSP32 map, PCR low: RUN rising edge at clock 100
    assert m.st[S.PIO_PCR] == 0x001 and m.st[S.PIO_ESR] == 0 and m.st[S.PIO_EMR] == 0xFFFF
    assert m.st[S.PCW] == 0x0009             # pcw bits 15..10 cleared by the reset
    b.run_dsp_until(2 * US + 1_000_000 + 20_000)   # 51 clocks later: instructions start at
    # 100, 104, ..., 148 (13 of them: 5 passes of 3, r1 added at 100, 112, 124, 136, 148)
    assert m.st[S.INSTRET] == 13 and m.get_reg("r1") == 5
    assert b.dsp_clock == 152                # the last one (started at 148) ran to its end
    b.port.write(7, 0)                       # RUN low: held again
    b.run_dsp_until(100 * US)
    assert m.st[S.INSTRET] == 13
    assert b.clocks["halted"] == 100 + (5000 - 152)
    assert m.st[S.CYCLES] == b.clocks["run"] + b.clocks["wait"] + b.clocks["idle"] == 52


# --- skipping loops: the machine ends where a literal run would ---------------------------------
WAIT_PIR = [goto("pie", 0x00), NOP, io_in(1, "pir"), NOP, goto("true", 0x10), NOP]


@pytest.mark.parametrize("host_clock, read_clock", [
    (50_000, 50_008),   # the loop starts at 0, 8, ...: 50000 is a loop start; the branch sees
                        # PIF there, falls through to the nop (50004) and reads pir at 50008
    (50_003, 50_016),   # the next loop start at or after 50003 is 50008: pir read at 50016
    (50_004, 50_016),
    (50_008, 50_016),
    (50_009, 50_024),
])
def test_flag_wait_loop_is_skipped_exactly(host_clock, read_clock):
    b = board_with(WAIT_PIR)
    b.port.write(7, S.PCR_RUN)               # start at clock 0
    t = b.time_at(host_clock)
    b.run_dsp_until(t)
    assert b.clocks["wait"] > 40_000         # the wait was skipped, not executed ...
    assert b.machine.st[S.INSTRET] < 100
    b.port.write(8, 0x12)                    # DSP32 map: PIR high byte, PIF = 1
    b.run_dsp_until(t + US)
    m = b.machine
    assert m.st[S.PIO_EVENT_CYCLE] == read_clock     # ... yet the DSP leaves it on time
    assert not m.st[S.PIO_PCR] & S.PCR_PIF and m.st[S.PC] in (0x10, 0x14)   # idle: goto $
    assert m.st[S.CYCLES] == b.dsp_clock     # no halted time: st counts every board clock


def test_idle_loop_is_skipped_and_a_pio_interrupt_wakes_it_on_time():
    # r22 = 0x100 (vectors), r8 = 0x55, pcw = 0x1000 (bit 12 enables slot 3, the PIO
    # interrupt), then `goto $` at 0x10 from clock 16 on; the ISR in slot 3 (0x118) writes pdr.
    prog = [encode("add_imm", e=0, rd=R22, rh=0, n=0x100), li(8, 0x55), li(9, 0x1000),
            io_out("pcw", 9), goto("true", 0x10), NOP]
    b = board_with(prog)
    b.machine.load_words(0x118, [io_out("pdr", 8), encode("goto", c=1, rh=30, n=0)])
    b.port.write(7, S.PCR_RUN)
    b.run_dsp_until(b.time_at(50_003))
    assert b.clocks["idle"] > 40_000
    b.port.write(8, 0x01)                    # host PIR write: PIF and the PIO interrupt request
    b.run_dsp_until(b.time_at(50_100))
    m = b.machine
    # loop starts are 16 + 8k; the first at or after 50003 is 50008: the ISR's pdr write
    assert m.st[S.PIO_EVENT_CYCLE] == 50_008
    assert m.st[S.PIO_PDR] == 0x55 and m.st[S.PIO_PCR] & S.PCR_PDF
    assert m.st[S.IRQ_PENDING] == 0 and m.st[S.PC] in (0x10, 0x14)   # back in the idle loop


def test_pio_interrupt_needs_its_pcw_enable():
    prog = [encode("add_imm", e=0, rd=R22, rh=0, n=0x100), li(8, 0x55), goto("true", 0x08), NOP]
    b = board_with(prog)
    b.machine.load_words(0x118, [io_out("pdr", 8), encode("goto", c=1, rh=30, n=0)])
    b.port.write(7, S.PCR_RUN)
    b.run_dsp_until(US)
    b.port.write(8, 0x01)
    b.run_dsp_until(10 * US)
    m = b.machine
    assert m.st[S.IRQ_PENDING] == 1 << S.IRQ_PIO and not m.st[S.PIO_PCR] & S.PCR_PDF


# --- machine §5.3 from the DSP side, observed through the host port -----------------------------
def run_program(words, before=None, map16=True):
    """Start `words` at 0 (ending in `goto $`), optionally poking the port first; return board."""
    b = board_with(words)
    b.port.write(7, S.PCR_RUN)
    if map16:
        b.port.write(7, S.PCR_RUN | S.PCR_REGMAP)
        b.port.write(10, S.PCR_PIO16 >> 8)
    if before:
        before(b.port)
    b.run_dsp_until(5 * US)
    return b


def test_dsp_writes_pir_sets_pif_and_host_read_clears_it():
    b = run_program([li(1, 0x1234), io_out("pir", 1), goto("true", 8), NOP])
    assert b.port.read(7) & S.PCR_PIF
    assert b.port.read(8) == 0x1234
    assert not b.port.read(7) & S.PCR_PIF


def test_dsp_reads_pir_clears_pif_set_by_the_host():
    b = run_program([NOP, io_in(1, "pir"), NOP, NOP, goto("true", 0x10), NOP],
                    before=lambda p: p.write(8, 0x0BAD))
    assert not b.port.read(7) & S.PCR_PIF
    assert b.machine.get_reg("r1") == 0x0BAD


def test_dsp_writes_pdr_sets_pdf_and_host_read_clears_it():
    b = run_program([li(1, 0x00C3), io_out("pdr", 1), goto("true", 8), NOP])
    assert b.port.read(7) & S.PCR_PDF
    assert b.port.read(2) == 0x00C3
    assert not b.port.read(7) & S.PCR_PDF


def test_dsp_reads_pdr_clears_pdf_set_by_a_host_write():
    b = run_program([NOP, io_in(1, "pdr"), NOP, NOP, goto("true", 0x10), NOP],
                    before=lambda p: p.write(2, 0x0777))
    assert not b.port.read(7) & S.PCR_PDF
    assert b.machine.get_reg("r1") == 0x0777


def test_pdr2_moves_data_without_flags():
    b = run_program([li(1, 0x0ACE), io_out("pdr2", 1), goto("true", 8), NOP])
    assert b.port.read(12) == 0x0ACE
    assert b.port.read(7) & (S.PCR_PDF | S.PCR_PIF) == 0


@pytest.mark.parametrize("cond, host_writes, taken", [
    ("pif", 8, True), ("pif", None, False), ("pie", None, True), ("pie", 8, False),
    ("pdf", 2, True), ("pdf", None, False), ("pde", None, True), ("pde", 2, False),
])
def test_dsp_conditions_see_the_flags_the_host_sets(cond, host_writes, taken):
    # 0x00 if (cond) goto 0x14; 0x04 nop; 0x08 r5 = 1; 0x0C goto $; 0x10 nop; 0x14 r5 = 2 ...
    prog = [goto(cond, 0x14), NOP, li(5, 1), goto("true", 0x0C), NOP,
            li(5, 2), goto("true", 0x18), NOP]
    before = (lambda p: p.write(host_writes, 0x0001)) if host_writes else None
    b = run_program(prog, before=before)
    assert b.machine.get_reg("r5") == (2 if taken else 1)


def test_a_fault_on_the_board_is_one_line_dsp_fault():
    from emulator.errors import DspFault

    b = board_with([encode("goto24", n=0x800000, rh=0), NOP])   # jump into unmapped space
    b.port.write(7, S.PCR_RUN)
    with pytest.raises(DspFault) as exc:
        b.run_dsp_until(US)
    assert "\n" not in str(exc.value) and "0x800000" in str(exc.value)


def test_counters_split_board_clocks():
    b = board_with(WAIT_PIR)
    b.run_dsp_until(US)                      # held 50 clocks
    b.port.write(7, S.PCR_RUN)
    b.run_dsp_until(101 * US)                # 5000 clocks in the wait loop
    c = b.counters()
    assert c["dsp_clock"] == 5050
    assert sum(c["dsp_clocks"].values()) == 5050
    assert c["dsp_clocks"]["halted"] == 50
    assert c["machine"]["cycles"] == 5000
    assert np.isclose(c["now_s"], 101e-6)


def test_parked_only_in_a_proven_pif_or_idle_loop_away_from_the_dma_range():
    b = board_with(WAIT_PIR)                 # 0x00: if (pie) goto 0x00; 0x04 nop
    b.port.write(7, S.PCR_RUN)
    assert not b.parked(0x1000, 0x1010)      # nothing proven yet
    b.run_dsp_until(10 * US)
    assert b.parked(0x1000, 0x1010) and b.parked()
    assert not b.parked(0x0004, 0x0006)      # DMA into the loop's own code
    assert b.parked(0x0008, 0x0010)
    b.port.write(8, 0x01)                    # PIF set: the next branch leaves the loop
    assert not b.parked(0x1000, 0x1010)
    b.run_dsp_until(20 * US)                 # it left, read pir, and idles at 0x10 (proven)
    assert b.parked(0x1000, 0x1010) and b.machine.get_reg("r1") == 0x0100


def test_not_parked_in_a_pdf_loop():
    b = board_with([goto("pde", 0x00), NOP, goto("true", 0x08), NOP])
    b.port.write(7, S.PCR_RUN)
    b.run_dsp_until(10 * US)
    assert b.clocks["wait"] > 0 and not b.parked(0x1000, 0x1010)   # DMA moves PDF
