"""Program flow (enc §5.1-§5.5, machine §3.3/§3.5 and the reference README's choices): delayed
branches, branches in delay slots, decrement-and-branch, calls, do loops, interrupts, stop
conditions, faults, self-modifying code. Expected values are traced by hand; every instruction
costs 4 clocks on the default board (no wait states, on-chip or external)."""
import pytest

from dsp32c.decode import encode
from emulator import state as S
from emulator.machine import Machine
from encoders import li

IDLE = [encode("goto", c=1, rh=15, n=-8), 0]  # goto $ ; nop



def inc(r):
    return encode("alu_reg", e=1, f=0, rd=r, rs1=23)   # rRe = rRe + 1


def goto(addr, c=1):
    return encode("goto", c=c, rh=0, n=addr)


def program(layout):
    """{address: [words]} -> Machine with those words loaded."""
    m = Machine()
    for addr, words in layout.items():
        m.load_words(addr, words)
    return m


def regs(m, *names):
    return tuple(m.get_reg(n) for n in names)


def test_taken_goto_runs_its_delay_slot():
    m = program({0: [goto(0x10), li(1, 1), li(2, 2), 0, li(3, 3)] + IDLE})
    assert m.run(1000) == S.STATUS_IDLE
    assert regs(m, "r1", "r2", "r3") == (1, 0, 3)
    # goto, slot, li r3, goto $, nop: 5 instructions
    assert m.counters()["instructions"] == 5 and m.counters()["cycles"] == 20


def test_untaken_branch_falls_through_with_no_extra_cost():
    m = program({0: [goto(0x10, c=5), li(1, 1), li(2, 2), 0, li(3, 3)] + IDLE})  # if (eq): z clear
    m.run(1000)
    assert regs(m, "r1", "r2", "r3") == (1, 2, 3)
    assert m.counters()["instructions"] == 7


def test_condition_zero_never_branches_whatever_the_other_bits():
    m = program({0: [encode("goto", c=0, rh=0, n=0x10), li(1, 1), li(2, 2), 0, li(3, 3)] + IDLE})
    m.run(1000)
    assert regs(m, "r1", "r2", "r3") == (1, 2, 3)


def test_pc_relative_goto_target_is_address_plus_8_plus_n():
    m = program({0: [0, encode("goto", c=1, rh=15, n=0x10), li(1, 1), li(2, 2), 0, 0, 0, li(3, 3)] + IDLE})
    m.run(1000)   # branch at 4: target 4 + 8 + 0x10 = 0x1C
    assert regs(m, "r1", "r2", "r3") == (1, 0, 3)


def test_call_links_address_plus_8_and_returns_through_goto_r14():
    m = program({0: [encode("call", rm=14, rh=0, n=0x40), li(1, 1), li(2, 2)] + IDLE,
                 0x40: [li(5, 5), encode("goto", c=1, rh=14, n=0), li(6, 6)]})
    m.run(1000)
    assert regs(m, "r14", "r1", "r2", "r5", "r6") == (8, 1, 2, 5, 6)


def test_goto24_and_call24():
    m = program({0: [encode("call24", rm=13, n=0xFFF000), li(1, 1)] + IDLE,
                 0xFFF000: [encode("goto24", rh=0, n=0x000100), li(2, 2)],
                 0x100: [encode("goto24", rh=13, n=0), li(3, 3)]})
    m.run(1000)   # 0x100: goto r13 + 0 = 8
    assert regs(m, "r13", "r1", "r2", "r3") == (8, 1, 2, 3)


@pytest.mark.parametrize("count,passes,final", [(2, 4, 0xFFFFFE), (0, 2, 0xFFFFFE),
                                                (0x00FFFF, 1, 0xFFFFFE), (0x018000, 1, 0x007FFF)])
def test_dec_branch_tests_old_16_bit_value(count, passes, final):
    m = program({0: [0,
                     inc(2),                                             # 0x04 loop: r2++
                     encode("dec_branch", rm=1, rh=0, n=4),              # if (r1-- >= 0) goto 4
                     inc(3)] + IDLE})                                     # slot: r3++ every pass
    m.set_reg("r1", count)
    m.run(10_000)
    assert regs(m, "r2", "r3", "r1") == (passes, passes, final)


def test_branch_in_delay_slot_runs_one_target_instruction_then_the_second_target():
    # docs/emulator.md: goto A ; goto B (in the slot) -> executes A's first instruction, then B
    m = program({0: [goto(0x20), goto(0x40), li(9, 9)],
                 0x20: [li(1, 1), li(2, 2)],
                 0x40: [li(3, 3)] + IDLE})
    m.run(1000)
    assert regs(m, "r1", "r2", "r3", "r9") == (1, 0, 3, 0)


def test_untaken_branch_in_delay_slot_changes_nothing():
    m = program({0: [goto(0x20), goto(0x40, c=5), li(9, 9)],
                 0x20: [li(1, 1), li(2, 2)] + IDLE,
                 0x40: [li(3, 3)] + IDLE})
    m.run(1000)
    assert regs(m, "r1", "r2", "r3", "r9") == (1, 2, 0, 0)


def test_back_to_back_taken_branches():
    m = program({0: [goto(0x20), goto(0x30), goto(0x40)],
                 0x20: [li(1, 1)], 0x30: [li(2, 2)], 0x40: [li(3, 3)] + IDLE})
    m.run(1000)
    # goto 0x20 (at 0), goto 0x30 (at 4, in the slot), li r1 (0x20: the second one's slot),
    # li r2 (0x30), then 0x34.. run on to 0x40; the goto 0x40 at 8 never runs
    assert regs(m, "r1", "r2", "r3") == (1, 2, 3)


def test_idle_stops_after_the_delay_slot_and_resumes():
    m = program({0: [encode("goto", c=1, rh=15, n=-8), inc(1)]})
    assert m.run(1000) == S.STATUS_IDLE
    assert m.get_reg("r1") == 1 and m.get_reg("pc") == 0
    assert m.counters()["cycles"] == 8
    assert m.run(1000) == S.STATUS_IDLE
    assert m.get_reg("r1") == 2 and m.counters()["cycles"] == 16


def test_stop_exactly_after_a_taken_branch_then_resume():
    words = {0: [goto(0x20), li(1, 1), li(2, 2)], 0x20: [li(3, 3)] + IDLE}
    m = program(words)
    assert m.run(4) == S.STATUS_LIMIT             # only the goto ran
    assert m.get_reg("pc") == 4 and m.st[S.BRANCH_PENDING] == 1
    assert m.run(4) == S.STATUS_LIMIT             # the slot
    assert m.get_reg("pc") == 0x20 and regs(m, "r1", "r2") == (1, 0)
    assert m.run(1000) == S.STATUS_IDLE
    assert regs(m, "r1", "r2", "r3") == (1, 0, 3)


def test_one_clock_slices_give_the_same_result_as_one_run():
    layout = {0: [li(1, 3), encode("do_imm", k=1, n=2), inc(2), inc(3),
                  encode("dec_branch", rm=1, rh=0, n=4), inc(4), goto(0x40), 0],
              0x40: [inc(5)] + IDLE}
    ref = program(layout)
    ref.run(100_000)
    m = program(layout)
    while m.run(1) == S.STATUS_LIMIT:
        pass
    assert regs(m, "r1", "r2", "r3", "r4", "r5") == regs(ref, "r1", "r2", "r3", "r4", "r5")
    assert m.counters()["cycles"] == ref.counters()["cycles"]


def test_until_stops_before_executing_the_address():
    m = program({0: [li(1, 1), li(2, 2), li(3, 3), li(4, 4)] + IDLE})
    assert m.run(1000, until=0x8) == S.STATUS_UNTIL
    assert m.get_reg("pc") == 8 and regs(m, "r2", "r3") == (2, 0)
    assert m.run(1000, until=0x8) == S.STATUS_IDLE   # a new slice starting there moves on
    assert m.get_reg("r4") == 4


# --- do loops (enc §5.3; reference README) -------------------------------------------------
@pytest.mark.parametrize("k,n", [(0, 0), (0, 5), (2, 3), (31, 2047)])
def test_do_imm_runs_k_plus_1_instructions_n_plus_1_times(k, n):
    m = program({0: [encode("do_imm", k=k, n=n)] + [inc(1)] * (k + 1) + [inc(2)] + IDLE})
    assert m.run(10_000_000) == S.STATUS_IDLE
    assert regs(m, "r1", "r2") == ((k + 1) * (n + 1), 1)
    # no per-pass overhead: do + body passes + r2++ + goto $ + nop
    assert m.counters()["instructions"] == 1 + (k + 1) * (n + 1) + 3


def test_do_reg_uses_low_11_bits_of_rm():
    m = program({0: [encode("do_reg", k=2, rm=5)] + [inc(1)] * 3 + IDLE})
    m.set_reg("r5", 0x801)     # low 11 bits = 1: two passes
    m.run(10_000)
    assert m.get_reg("r1") == 6


def test_do_loop_body_ending_at_a_branch():
    # docs/emulator.md: the slot of a branch that ends the body is the next instruction in
    # execution order: on a loop-back, the body's first instruction
    body = [encode("add_imm", e=0, rd=2, rh=2, n=-1), goto(0x40, c=5)]   # r2 = r2 - 1; if (eq) goto
    m = program({0: [encode("do_imm", k=1, n=9)] + body + [li(7, 7)] + IDLE,
                 0x40: [li(3, 3)] + IDLE})
    m.set_reg("r2", 3)
    m.run(10_000)
    # passes 1-3 bring r2 to 0 and arm the branch; its slot is the next pass's first
    # instruction (r2 -> -1), then 0x40: the loop ends there
    assert regs(m, "r2", "r3", "r7") == (0xFFFFFF, 3, 0)
    assert m.st[S.LOOP_ACTIVE] == 0


def test_branch_out_of_a_do_body_ends_the_loop():
    m = program({0: [encode("do_imm", k=2, n=5), inc(1), goto(0x40), 0, li(9, 9)] + IDLE,
                 0x40: [li(3, 3)] + IDLE})
    m.run(10_000)
    assert regs(m, "r1", "r3", "r9") == (1, 3, 0)
    assert m.st[S.LOOP_ACTIVE] == 0


# --- interrupts (machine §3.5; docs/emulator.md) --------------------------------------------
VECTORS = 0x100


def isr_machine(source_bit, slot, pcw):
    """Main: r1++ three times then idle. Vector slot -> 0x200: r5++, ireturn."""
    layout = {0: [inc(1), inc(1), inc(1)] + IDLE,
              VECTORS + 8 * slot: [goto(0x200), 0],
              0x200: [inc(5), encode("goto", c=1, rh=30, n=0), li(9, 9)]}
    m = program(layout)
    m.set_reg("r22", VECTORS)
    m.set_reg("pcw", pcw)
    m.st[S.IRQ_PENDING] = 1 << source_bit
    return m


@pytest.mark.parametrize("source,slot,enable", [(S.IRQ_IREQ1, 0, 0x8000), (S.IRQ_IREQ2, 5, 0x0400),
                                                (S.IRQ_PIO, 3, 0x1000)])
def test_interrupt_vectors_through_r22_and_ireturns_without_delay_slot(source, slot, enable):
    m = isr_machine(source, slot, enable)
    assert m.run(10_000) == S.STATUS_IDLE
    # taken before the first instruction: pcsh = 0; ireturn has no slot (r9 stays 0)
    assert regs(m, "r5", "r1", "r9", "pcsh") == (1, 3, 0, 0)
    assert m.st[S.IRQ_PENDING] == 0 and m.st[S.IN_ISR] == 0
    # 3 ISR-path instructions before ireturn (goto, nop, r5++), ireturn, 3 main, goto $, nop
    assert m.counters()["instructions"] == 9


def test_disabled_interrupt_stays_pending():
    m = isr_machine(S.IRQ_IREQ1, 0, 0x7FFF)
    m.run(10_000)
    assert regs(m, "r5", "r1") == (0, 3) and m.st[S.IRQ_PENDING] == 1


def test_interrupt_waits_for_the_delay_slot():
    m = program({0: [goto(0x20), inc(1), li(9, 9)], 0x20: [inc(2)] + IDLE,
                 VECTORS: [goto(0x200), 0], 0x200: [inc(5), encode("goto", c=1, rh=30, n=0)]})
    m.set_reg("r22", VECTORS)
    m.set_reg("pcw", 0x8000)
    m.run(4)                        # the goto only
    m.st[S.IRQ_PENDING] = 1
    m.run(10_000)
    assert m.get_reg("pcsh") == 0x20   # taken after the slot, returning to the branch target
    assert regs(m, "r1", "r2", "r5", "r9") == (1, 1, 1, 0)


def test_interrupt_waits_for_the_end_of_a_do_loop():
    m = program({0: [encode("do_imm", k=0, n=3), inc(1), inc(2)] + IDLE,
                 VECTORS: [goto(0x200), 0], 0x200: [inc(5), encode("goto", c=1, rh=30, n=0)]})
    m.set_reg("r22", VECTORS)
    m.set_reg("pcw", 0x8000)
    m.run(8)                        # do + first pass
    m.st[S.IRQ_PENDING] = 1
    m.run(10_000)
    assert m.get_reg("pcsh") == 8      # after the 4 passes, before r2++
    assert regs(m, "r1", "r2", "r5") == (4, 1, 1)


def test_no_nested_interrupts_until_ireturn():
    m = isr_machine(S.IRQ_IREQ1, 0, 0x9000)
    m.load_words(VECTORS + 24, [goto(0x300), 0])
    m.load_words(0x300, [inc(6), encode("goto", c=1, rh=30, n=0)])
    m.run(12)                       # into the ISR (goto, nop, r5++)
    m.st[S.IRQ_PENDING] = 1 << S.IRQ_PIO
    m.run(10_000)
    assert regs(m, "r5", "r6", "r1") == (1, 1, 3)   # the PIO one ran after the first returned


# --- stop statuses ------------------------------------------------------------------------
def test_wait_on_pio_flag_self_loop_with_nop_slot():
    m = program({0: [li(1, 1), encode("goto", c=36, rh=15, n=-8), 0, li(2, 2)] + IDLE})  # if (pde) goto $
    assert m.run(1000) == S.STATUS_WAIT
    assert m.get_reg("pc") == 4 and m.counters()["instructions"] == 3
    m.st[S.PIO_PCR] |= S.PCR_PDF
    assert m.run(1000) == S.STATUS_IDLE and m.get_reg("r2") == 2


def test_pio_flag_self_loop_with_working_slot_is_not_a_wait():
    m = program({0: [encode("goto", c=36, rh=15, n=-8), inc(1)]})
    assert m.run(400) == S.STATUS_LIMIT and m.get_reg("r1") == 50


def test_stop_on_pio_after_the_instruction():
    m = program({0: [li(1, 7), encode("load_io", d=1, sz=2, rh=1, i=22), li(2, 2)] + IDLE})
    assert m.run(1000, stop_on_pio=True) == S.STATUS_PIO
    assert m.get_reg("pc") == 8 and m.st[S.PIO_EVENTS] == S.DSP_WROTE_PIR
    assert m.run(1000) == S.STATUS_IDLE


def test_halted_when_run_bit_clear():
    m = program({0: [li(1, 1)] + IDLE})
    m.st[S.PIO_PCR] = 0
    assert m.run(1000) == S.STATUS_HALTED
    assert m.counters()["instructions"] == 0


def test_reset_state():
    m = program({0: [li(1, 1)] + IDLE})
    m.set_reg("pcw", 0xFFFF)
    m.run(1000)
    m.reset()
    assert m.get_reg("pc") == 0 and m.get_reg("pcw") == 0x03FF
    assert m.st[S.PIO_PCR] == 0x001 and m.st[S.PIO_EMR] == 0xFFFF and m.st[S.PIO_ESR] == 0
    assert m.get_reg("r1") == 1 and m.read(0, 4) != 0      # registers and memory kept


# --- faults --------------------------------------------------------------------------------
def test_illegal_instruction_fault():
    m = program({0: [li(1, 1), 0x08000000]})
    assert m.run(1000) == S.STATUS_ILLEGAL
    assert m.st[S.FAULT_ADDR] == 4 and m.st[S.FAULT_WORD] == 0x08000000
    assert m.get_reg("pc") == 4 and m.counters()["instructions"] == 1


@pytest.mark.parametrize("word,status,addr", [
    (encode("load_direct", d=0, sz=3, rh=1, n=-0x8000), S.STATUS_BUS_ERROR, 0xFF8000),
    (encode("load_ind", d=0, sz=3, rh=1, p=2, i=0), S.STATUS_MISALIGNED, 0xFFF802),
    (encode("load_ind", d=1, sz=2, rh=1, p=3, i=23), S.STATUS_BUS_ERROR, 0x800000),
])
def test_data_access_faults(word, status, addr):
    m = program({0: [word]})
    m.set_reg("r2", 0xFFF802)
    m.set_reg("r3", 0x800000)
    assert m.run(1000) == status
    assert m.st[S.FAULT_ADDR] == addr and m.get_reg("pc") == 0
    assert m.get_reg("r3") == 0x800000      # nothing committed


@pytest.mark.parametrize("target,status", [(0x800000, S.STATUS_BUS_ERROR), (0x102, S.STATUS_MISALIGNED)])
def test_fetch_faults(target, status):
    m = program({0: [encode("goto24", rh=0, n=target), 0]})
    assert m.run(1000) == status
    assert m.st[S.FAULT_ADDR] == target and m.get_reg("pc") == target


# --- self-modifying code -------------------------------------------------------------------
def test_store_into_code_is_executed():
    # a 16-bit store rewrites N of `r3 = 0x1111` two instructions ahead
    m = program({0: [li(1, 0x2222), encode("load_direct", d=1, sz=2, rh=1, n=0x0C), 0,
                     li(3, 0x1111)] + IDLE})
    m.run(1000)
    assert m.get_reg("r3") == 0x2222


def test_python_write_invalidates_predecode():
    m = program({0: [li(3, 0x1111)] + IDLE})
    m.run(1000)
    m.write(0, 4, li(3, 0x3333))
    m.set_reg("pc", 0)
    m.run(1000)
    assert m.get_reg("r3") == 0x3333


@pytest.mark.parametrize("cond,pins,taken", [
    (32, 3, True), (33, 3, False), (34, 3, False), (35, 3, True),   # ibe ibf obf obe: serial idle
    (40, 3, True), (41, 3, False), (42, 3, True), (43, 3, False),   # syc sys fbc fbs
    (45, 3, True), (44, 3, False), (44, 2, True), (47, 3, True), (46, 1, True),   # ireq pins
])
def test_serial_and_pin_conditions(cond, pins, taken):
    m = program({0: [encode("goto", c=cond, rh=0, n=0x10), 0, li(2, 2), 0, li(3, 3)] + IDLE})
    m.st[S.IREQ_PINS] = pins
    m.run(1000)
    assert regs(m, "r2", "r3") == ((0, 3) if taken else (2, 3))


def test_until_holds_when_a_full_trace_buffer_resumes_there():
    import numpy as np
    m = program({0: [li(1, 1), li(2, 2), li(3, 3), li(4, 4)] + IDLE})
    m.trace_buf = np.zeros((2, 4), np.int64)      # full after two instructions, at 0x8
    rows = []
    m.trace_sink = rows.extend
    assert m.run(1000, until=0x8, trace=True) == S.STATUS_UNTIL
    assert m.get_reg("pc") == 8 and [int(r[1]) for r in rows] == [0, 4]
