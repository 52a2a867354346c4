"""The 486 host model (emulator/host.py) on the board: the recipes of machine §5.5 (reset and
hold, load + verify, start, stop, peek/poke while running), DMA through the driver, errors as
ESR bits and one-line PioErrors, flag waits that equal a literal poll loop, timeouts, and the
latency of one echo exchange worked out by hand from the cost table and the instruction count.

Hand timing: 1 port access = 1.0 us (50 DSP clocks at 50 MHz); 1 instruction = 4 clocks =
80 ns; the DSP executes, before a host access at time t, every instruction starting before t.
"""
import numpy as np
import pytest

from dsp32c.decode import encode
from emulator import state as S
from emulator.board import Board, HostCosts
from emulator.host import Host, HostTimeout, PioError
from emulator.latency import COMPUTE, DEFAULT_PHASE, TRANSFER_IN, TRANSFER_OUT, WAITING
from emulator.pio import ESR_BAD_INDEX, ESR_DMA_FAULT
from encoders import NOP, addi, io_in, io_out, goto

US = 1_000_000  # picoseconds






def code(words):
    return np.asarray(words, "<u4").tobytes()


COUNT = [addi(1, 1, 1), goto("true", 0x00), NOP]     # r1 counts, 12 clocks a pass


def loaded(words, **host_kw):
    b = Board(**host_kw)
    h = Host(b)
    h.load_program([(0, code(words))])
    return b, h


# --- recipes -----------------------------------------------------------------------------------
def test_reset_and_hold_from_power_on():
    b = Board()
    h = Host(b)
    h.reset_and_hold()
    assert h.accesses == 4 and b.now == 4 * US
    assert b.machine.st[S.PIO_PCR] == 0x202          # REGMAP | PIO16, RUN = 0: held, 16-bit map
    # between the RUN edge (t = 1 us) and the hold (t = 2 us) the DSP ran the nops (zero words)
    # starting at clocks 50, 54, ..., 98: 13 instructions, as on the chip
    assert b.machine.st[S.INSTRET] == 13
    b.run_dsp_until(50 * US)
    assert b.machine.st[S.INSTRET] == 13


def test_8bit_and_16bit_access_costs_are_configurable():
    b = Board(host_costs=HostCosts.from_us(port16_us=1.0, port8_us=3.0))
    h = Host(b)
    h.reset_and_hold()                                # 3 writes in 8-bit maps, then PIO16 ...
    assert b.now == 4 * 3 * US                        # ... written through the 8-bit map too
    h.read_pir()                                      # now a 16-bit access
    assert b.now == 13 * US


def test_load_program_writes_verifies_and_counts_accesses():
    seg_a = bytes(range(1, 65))                       # 32 halfwords
    seg_b = bytes([0xEE, 0xFF] * 3)                   # 3 halfwords
    b = Board()
    h = Host(b)
    h.load_program([(0x0100, seg_a), (0xFFF000, seg_b)])
    assert b.machine.read_block(0x0100, 64) == seg_a
    assert b.machine.read_block(0xFFF000, 6) == seg_b
    # reset_and_hold 4; per segment: PCR, PARE, PAR, n halfwords, PCR; the same to verify
    assert h.accesses == 4 + 2 * (32 + 4) + 2 * (3 + 4)
    assert b.now == h.accesses * US
    assert b.machine.st[S.PIO_PCR] == 0x202 | S.PCR_PDF  # held; the verify's last prefetch set PDF


def test_verify_reports_the_first_difference():
    b = Board()
    h = Host(b)
    # the second segment overwrites the second halfword of the first: verifying the first fails
    with pytest.raises(PioError,
                       match=r"verify failed at 0x000102: wrote 0x0403, read back 0xbbaa"):
        h.load_program([(0x100, bytes([1, 2, 3, 4])), (0x102, bytes([0xAA, 0xBB]))])


def test_start_then_stop():
    b, h = loaded(COUNT)
    t = b.now
    h.start()                                         # held before: 3 writes + 1 check read
    assert b.now - t == 4 * US
    assert b.machine.st[S.PIO_PCR] == 0x207
    h.spend(10e-6)
    h.stop()                                          # 1 write + 1 check read
    assert b.machine.st[S.PIO_PCR] & 0x7FF == 0x206   # REGMAP | ENI | PIO16, held
    frozen = b.machine.get_reg("r1")
    assert frozen > 0
    h.spend(50e-6)
    b.run_dsp_until(b.now)
    assert b.machine.get_reg("r1") == frozen
    t = b.now
    h.start()                                         # running before: 1 more write (RUN low)
    assert b.now - t == 4 * US                        # 4: held by stop(), so no extra write


def test_start_from_running_drops_run_first():
    b, h = loaded(COUNT)
    h.start()
    t = b.now
    h.start()
    assert b.now - t == 5 * US
    assert b.machine.st[S.PC] < 0x10                  # restarted from address 0


def test_select_16bit_map_keeps_the_dsp_running_without_a_reset():
    b = Board()
    b.machine.load_words(0, COUNT)
    resets = []
    real_reset = b.machine.reset
    b.machine.reset = lambda: (resets.append(b.now), real_reset())[1]
    h = Host(b)
    h.out(7, S.PCR_RUN)                               # DSP32 map: RUN edge, one reset
    h.select_16bit_map()                              # PCR low |= REGMAP; PCR high = PIO16
    assert len(resets) == 1 and h.accesses == 3
    assert b.machine.st[S.PIO_PCR] == 0x203 and b.port.width == 16
    h.select_16bit_map()                              # already there: no access
    assert h.accesses == 3


def test_peek_while_running_sees_the_dsp_store_of_that_instant():
    # 0x00 r1 = r1 + 1; 0x04 *0x2000 = r1 (16-bit); 0x08 goto 0; 0x0C nop: 16 clocks a pass
    prog = [addi(1, 1, 1), encode("load_direct", d=1, sz=2, rh=1, n=0x2000), goto("true", 0), NOP]
    b, h = loaded(prog)
    h.start()                 # 4 accesses; its first, the RUN edge, starts the DSP at clock L0
    got = h.peek(0x2000, 2, width=16)                 # PCR +4 us, PARE +5 us, PAR +6 us: the load
    # the PAR write at clock L0 + 300 loads what the stores starting before it left: store k
    # (k = 0, 1, ...) starts at L0 + 16k + 4 and writes k + 1; 16k + 4 < 300 for k <= 18
    assert int.from_bytes(got, "little") == 19
    assert b.machine.st[S.PIO_PCR] & 0x7FF == 0x207 | S.PCR_PDF   # DMA off again, running


def test_poke_into_running_code_replaces_the_predecoded_instruction():
    b, h = loaded(COUNT)
    h.start()
    h.spend(20e-6)
    h.poke(0x00, np.array([addi(2, 2, 1)], np.uint32), width=32)  # r2 = r2 + 1 instead
    b.run_dsp_until(b.now)
    r1 = b.machine.get_reg("r1")
    h.spend(20e-6)
    b.run_dsp_until(b.now)
    assert b.machine.get_reg("r1") == r1              # the old instruction no longer runs
    # r2 counts from the store (4 us into the 6-access poke) to the end: 22 us = 1100 clocks,
    # 12 clocks a pass, 91 or 92 passes begun depending on where in the pass the store fell
    assert 91 <= b.machine.get_reg("r2") <= 92


def test_dma32_word_order_and_64k_carry_through_the_driver():
    b = Board()
    h = Host(b)
    h.reset_and_hold()
    h.dma_write(0x0FFF8, np.array([0x11223344, 0x55667788, 0x99AABBCC], np.uint32), width=32)
    assert b.machine.read(0x0FFF8, 4) == 0x11223344
    assert b.machine.read(0x0FFFC, 4) == 0x55667788
    assert b.machine.read(0x10000, 4) == 0x99AABBCC   # PARE took the carry
    assert (b.machine.st[S.PIO_PARE], b.machine.st[S.PIO_PAR]) == (1, 0x0004)
    # 16-bit DMA reads the low halfword of each word first: the same bytes come back
    assert h.dma_read(0x0FFF8, 12, width=16) == bytes.fromhex("44332211 88776655 ccbbaa99")
    assert h.dma_read(0x0FFFC, 8, width=32) == bytes.fromhex("88776655 ccbbaa99")


def test_dma_to_unmapped_memory_is_an_esr_bit_and_a_one_line_error():
    b = Board()
    h = Host(b)
    with pytest.raises(PioError) as exc:
        h.load_program([(0x800000, bytes(4))])
    msg = str(exc.value)
    assert "\n" not in msg and "DMA store to unmapped address 0x800000" in msg
    assert b.machine.st[S.PIO_ESR] == ESR_DMA_FAULT
    assert not b.machine.st[S.PIO_PCR] & S.PCR_DMA    # the driver turned DMA off again


def test_reserved_register_index_is_an_esr_bit_and_a_one_line_error():
    b = Board()
    h = Host(b)
    h.reset_and_hold()
    with pytest.raises(PioError, match="reserved PIO register index 9"):
        h.out(9, 0)
    assert b.machine.st[S.PIO_ESR] == ESR_BAD_INDEX
    with pytest.raises(PioError, match="reserved PIO register index 14"):
        h.inp(14)


def test_driver_misuse_is_a_one_line_error():
    b = Board()
    h = Host(b)
    with pytest.raises(PioError, match="16-bit register map"):
        h.write_pir(1)                                # power-on: the DSP32 8-bit map
    h.reset_and_hold()
    with pytest.raises(PioError, match="aligned"):
        h.dma_write(0x101, bytes(2))
    with pytest.raises(PioError, match="whole number"):
        h.dma_write(0x100, bytes(3))
    with pytest.raises(PioError, match="whole number"):
        h.dma_read(0x100, 6, width=32)
    with pytest.raises(PioError, match="does not fit"):
        h.out(8, 0x10000)
    with pytest.raises(PioError, match="unknown flag"):
        h.wait_flag("pxf")


# --- the echo exchange: latency by hand ----------------------------------------------------------
ECHO = [
    goto("pie", 0x00), NOP,                            # 00 wait for the host's PIR
    io_in(4, "pir"),                                   # 08 r4 = N (clears PIF)
    addi(1, 0, 0x1000), addi(2, 0, 0x1000),            # 0C 10 read and write pointers
    addi(4, 4, -2),                                    # 14 r4 = N - 2: N passes of the loop
    encode("load_ind", d=0, sz=2, rh=3, p=1, i=23),    # 18 body: r3 = *r1++
    NOP,                                               # 1C (a loaded register shows 2 later)
    addi(3, 3, 0x1111),                                # 20 r3 = r3 + 0x1111
    encode("dec_branch", rm=4, rh=0, n=0x18),          # 24 if (r4-- >= 0) goto body
    encode("load_ind", d=1, sz=2, rh=3, p=2, i=23),    # 28 (slot) *r2++ = r3
    io_out("pir", 2),                                  # 2C pir = r2 (= 0x1000 + 2N): PIF
    goto("pif", 0x30), NOP,                            # 30 wait until the host read PIR
    goto("true", 0x00), NOP,                           # 38
]


def echo_exchange(h, r, data):
    n = len(data)
    with r.phase(TRANSFER_IN):
        h.dma_write(0x1000, data)
        h.write_pir(n)
    polls = h.wait_flag("pif", timeout_s=0.01)
    with r.phase(TRANSFER_OUT):
        answer = h.read_pir()
        out = np.frombuffer(h.dma_read(0x1000, 2 * n), "<u2")
    return polls, answer, out


def test_echo_exchange_latency_equals_the_hand_computation():
    n = 8
    b, h = loaded(ECHO)
    # load: reset_and_hold 4 + DMA 3 + 32 halfwords + 1 + verify 36 = 76 accesses
    assert b.now == 76 * US
    h.start()                 # RUN edge at 76 us: the wait loop (8 clocks) starts at clock 3800
    assert b.now == 80 * US
    data = (np.arange(1, n + 1) * 0x0101).astype(np.uint16)
    with h.request("echo") as r:
        polls, answer, out = echo_exchange(h, r, data)
    assert answer == 0x1000 + 2 * n
    assert (out == (data.astype(np.int64) + 0x1111) % 0x10000).all()
    # The PIR write comes after n + 4 DMA accesses, at 92 us = clock 4600 = 3800 + 100 * 8: a
    # loop start, so the branch starting there sees PIF. From it to the start of `pir = r2`:
    # 6 instructions (00 08 0C 10 14 and the not-taken branch's successor 04) + 5 per word.
    dsp_work_ns = (6 + 5 * n) * 80                   # 3680 ns
    # poll k (1 us, 2 us, ... after the PIR write) sees the write once it started at least one
    # clock (20 ns) earlier: k * 1000 >= 3680 + 20 -> k = 4
    expected_polls = -(-(dsp_work_ns + 20) // 1000)
    assert polls == expected_polls == 4
    port_accesses = (n + 4) + 1 + expected_polls + 1 + (n + 4)  # DMA in, PIR, polls, PIR, DMA out
    assert r.total_ps == port_accesses * US == 30 * US
    assert r.phases[TRANSFER_IN] == (n + 4 + 1) * US
    assert r.phases[TRANSFER_OUT] == (1 + n + 4) * US
    # compute: from the first poll to the end of `pir = r2` (3680 + 80 ns after the PIR write)
    assert r.phases[COMPUTE] == (dsp_work_ns + 80) * 1000 - US
    assert r.phases[WAITING] == 4 * US - r.phases[COMPUTE]
    assert sum(r.phases.values()) == r.total_ps
    t_pir = 80 * US + (n + 4) * US                   # the host's PIR write
    assert h.last_wait == {"start_ps": t_pir + US, "end_ps": t_pir + 5 * US, "polls": 4,
                           "flag_ps": t_pir + (dsp_work_ns + 80) * 1000,
                           "visible_ps": t_pir + (dsp_work_ns + 20) * 1000}


def test_echo_runs_repeatedly_and_overlaps_host_work():
    b, h = loaded(ECHO)
    h.start()
    rng = np.random.default_rng(7)
    for k in range(3):
        data = rng.integers(0, 0x10000, size=5 + k).astype(np.uint16)
        with h.request(f"echo {k}") as r:
            polls, answer, out = echo_exchange(h, r, data)
        assert answer == 0x1000 + 2 * len(data)
        assert (out == (data.astype(np.int64) + 0x1111) % 0x10000).all()
    # the host busy elsewhere for 100 us after raising PIR: the answer is already there
    with h.request("late") as r:
        with r.phase(TRANSFER_IN):
            h.dma_write(0x1000, np.array([1, 2], np.uint16))
            h.write_pir(2)
        h.spend(100e-6)
        assert h.wait_flag("pif") == 1
        assert r.phases.get(COMPUTE, 0) == 0 and r.phases[WAITING] == US
        assert r.phases[DEFAULT_PHASE] == 100 * US
    assert len(h.requests) == 4


def echo_scenario(batch_dma):
    b, h = loaded(ECHO)
    h.batch_dma = batch_dma
    h.start()
    rng = np.random.default_rng(11)
    got = []
    for k in range(4):
        h.spend([0.0, 0.33, 2.0, 0.05][k] * 1e-6)
        data = rng.integers(0, 0x10000, size=3 + 5 * k).astype(np.uint16)
        with h.request() as r:
            got.append((echo_exchange(h, r, data)[:2], r.total_ps, dict(r.phases)))
    b.run_dsp_until(b.now)
    m = b.machine
    return (got, b.now, b.dsp_clock, int(m.st[S.CYCLES]), int(m.st[S.PC]), m.regs.tolist(),
            m.read_block(0x1000, 64), int(m.st[S.PIO_PCR]), int(m.st[S.PIO_PAR]))


def test_batched_dma_equals_running_the_dsp_before_every_access():
    batched, literal = echo_scenario(True), echo_scenario(False)
    assert batched == literal


# --- flag waits equal a literal poll loop ---------------------------------------------------------
BUSY = [
    goto("pie", 0x00), NOP,                            # 00 wait for the host's PIR
    io_in(4, "pir"), NOP, NOP,                         # 08 r4 = K
    encode("dec_branch", rm=4, rh=0, n=0x14), NOP,     # 14 K + 1 passes of 2 instructions
    io_out("pir", 4),                                  # 1C answer
    goto("pif", 0x20), NOP,                            # 20 wait until the host read PIR
    goto("true", 0x00), NOP,                           # 28
]


def poll_scenario(literal):
    b, h = loaded(BUSY)
    h.start()
    seen = []
    for k, gap_us in [(0, 0.0), (1, 0.37), (2, 1.0), (5, 0.02), (13, 2.5), (50, 0.0), (400, 0.9)]:
        h.spend(gap_us * 1e-6)
        h.write_pir(k)
        if literal:
            polls = 0
            while True:
                polls += 1
                if h.inp(7) & S.PCR_PIF:
                    break
        else:
            polls = h.wait_flag("pif")
        seen.append((polls, h.read_pir(), b.now))
    b.run_dsp_until(b.now)
    m = b.machine
    return seen, b.dsp_clock, int(m.st[S.CYCLES]), int(m.st[S.PC]), m.regs.copy()


def test_wait_flag_equals_a_literal_poll_loop():
    fast = poll_scenario(literal=False)
    slow = poll_scenario(literal=True)
    assert fast[0] == slow[0]
    assert fast[1:4] == slow[1:4]
    assert (fast[4] == slow[4]).all()
    assert [p for p, _, _ in fast[0]][-1] > 60        # K = 400: 3200 clocks = 64 polls


# --- timeouts -------------------------------------------------------------------------------------
def test_timeout_when_the_dsp_never_answers():
    # the DSP takes the request (reads PIR) and then idles: no answer ever
    b, h = loaded([goto("pie", 0x00), NOP, io_in(1, "pir"), NOP, goto("true", 0x10), NOP])
    h.start()
    h.write_pir(1)
    t0 = b.now
    with pytest.raises(HostTimeout) as exc:
        h.wait_flag("pif", timeout_s=1e-3)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "PIF = 1" in msg and "1000 polls" not in msg and "1001 polls" in msg
    assert "idle at `goto $` (0x000010)" in msg and "PC = 0x0000" in msg
    assert b.now - t0 == 1001 * US                    # polls at 0, 1, ..., 1000 us, each 1 us


def test_timeout_when_both_sides_wait_names_the_dsp_wait_loop():
    b, h = loaded(ECHO)
    h.start()
    with pytest.raises(HostTimeout) as exc:
        h.wait_flag("pif", timeout_s=5e-3)          # nobody wrote PIR: the DSP waits too
    assert "spinning on the PIO-flag wait loop at 0x000000" in str(exc.value)
    assert b.clocks["wait"] > 240_000               # 5 ms = 250,000 clocks, nearly all skipped


def test_timeout_when_the_dsp_is_held():
    b = Board()
    h = Host(b)
    h.reset_and_hold()
    with pytest.raises(HostTimeout, match=r"PDF = 1 .* held \(PCR RUN = 0\)"):
        h.wait_flag("pdf", timeout_s=1e-4)


def test_timeout_with_unrelated_port_traffic_ends_at_the_deadline():
    # the DSP writes pdr forever (each write a PIO event) but never pir
    b, h = loaded([io_out("pdr", 1), addi(1, 1, 1), goto("true", 0x00), NOP])
    h.start()
    t0 = b.now
    with pytest.raises(HostTimeout, match="running"):
        h.wait_flag("pif", timeout_s=2e-4)
    assert b.now - t0 == 201 * US
    assert b.machine.get_reg("r1") > 600              # it kept running meanwhile


def test_wait_for_a_flag_to_clear():
    # the DSP reads pdr 3 us after the host wrote it: wait for PDE
    prog = [goto("pde", 0x00), NOP] + [NOP] * 36 + [io_in(1, "pdr"), goto("true", 0x9C), NOP]
    b, h = loaded(prog)
    h.start()
    h.write_pdr(0x55)
    assert h.wait_flag("pde") >= 3
    assert b.machine.get_reg("r1") == 0x55


def test_requests_do_not_nest_and_attribute_all_time():
    b = Board()
    h = Host(b)
    with h.request("outer") as r:
        with pytest.raises(PioError, match="do not nest"):
            with h.request("inner"):
                pass
        h.spend(3e-6)
        b.run_dsp_until(b.now + 2 * US)               # time the host did not spend itself
    assert r.total_ps == 5 * US and r.phases == {DEFAULT_PHASE: 5 * US}
    assert r.seconds() == pytest.approx(5e-6)
