"""CAU instructions (enc §5): ALU functions, immediates, conditional ops, loads, stores and I/O
registers, one instruction at a time. Words are built with dsp32c.decode.encode; every expected
register value and flag set is worked out by hand from enc §5.7-§5.11 (flags: N=8 Z=4 C=2 V=1)."""
import pytest

from dsp32c.decode import encode
from emulator import state as S
from emulator.machine import Machine

N, Z, C, V = S.CF_N, S.CF_Z, S.CF_C, S.CF_V
IDLE = [encode("goto", c=1, rh=15, n=-8), 0]  # goto $ (pc-relative) ; nop


def run(words, regs=None, flags=None, cycles=100_000, machine=None):
    m = machine or Machine()
    m.load_words(0, list(words) + IDLE)
    for name, value in (regs or {}).items():
        m.set_reg(name, value)
    if flags is not None:
        m.st[S.CFLAGS] = flags
    status = m.run(cycles)
    return m, status


def flags(m):
    return int(m.st[S.CFLAGS])


# (e, f, left, right, carry in, result in rD, flags) for rD = left op right (T = 1: left = rS2)
ALU_CASES = [
    (0, 0, 0x7000, 0x1000, 0, 0xFF8000, N | V),
    (0, 0, 0xFFFF, 0x0001, 0, 0x000000, Z | C),
    (0, 0, 0x12FFFF, 0x340001, 0, 0x000000, Z | C),   # 16-bit ops see the low 16 bits only
    (0, 1, 0, 0x4000, 0, 0xFF8000, N | V),
    (0, 1, 0, 0x8000, 0, 0x000000, Z | C | V),
    (0, 2, 3, 5, 0, 0x000002, 0),                      # reverse subtract: R - L
    (0, 2, 5, 3, 0, 0xFFFFFE, N | C),
    (0, 3, 0x4000, 0x8000, 0, 0xFFC000, N),            # bit-reversed 2 + 1 = 3 -> 0xC000
    (0, 3, 0xFFFF, 0x8000, 0, 0x000000, Z | C),
    (0, 4, 3, 5, 0, 0xFFFFFE, N | C),
    (0, 4, 0x8000, 0x0001, 0, 0x007FFF, V),
    (0, 5, 0, 0x0001, 0, 0xFFFFFF, N | C),
    (0, 5, 0, 0x8000, 0, 0xFF8000, N | C | V),
    (0, 5, 0, 0x0000, 0, 0x000000, Z),
    (0, 6, 0xF0F0, 0xFF00, C, 0x0000F0, 0),
    (0, 8, 0xFF00, 0x0FF0, 0, 0xFFF0F0, N),
    (0, 9, 0, 0x0003, C, 0xFF8001, N | C),             # rotate right through carry
    (0, 9, 0, 0x0002, 0, 0x000001, 0),
    (0, 10, 0x1200, 0x0034, 0, 0x001234, 0),
    (0, 11, 0, 0x8001, 0, 0x000002, C),                # rotate left through carry
    (0, 11, 0, 0x4000, C, 0xFF8001, N),
    (0, 12, 0, 0x8001, 0, 0x004000, C),
    (0, 13, 0, 0x8001, 0, 0xFFC000, N | C),
    (0, 14, 0xFF0F, 0x0FF0, C | V, 0x000F00, 0),
    (1, 0, 0x7FFFFF, 0x000001, 0, 0x800000, N | V),
    (1, 0, 0xFFFFFF, 0x000001, 0, 0x000000, Z | C),
    (1, 1, 0, 0x400000, 0, 0x800000, N | V),
    (1, 3, 0x800000, 0x800000, 0, 0x400000, 0),
    (1, 4, 0x000000, 0x000001, 0, 0xFFFFFF, N | C),
    (1, 5, 0, 0x800000, 0, 0x800000, N | C | V),
    (1, 9, 0, 0x000002, C, 0x800001, N),
    (1, 13, 0, 0x800001, 0, 0xC00000, N | C),
]


@pytest.mark.parametrize("e,f,left,right,cin,result,fl", ALU_CASES)
def test_alu_reg_functions(e, f, left, right, cin, result, fl):
    word = encode("alu_reg", e=e, f=f, rd=1, t=1, rs1=3, rs2=2)
    m, status = run([word], {"r1": 0x5A5A5A, "r2": left, "r3": right}, flags=cin)
    assert status == S.STATUS_IDLE
    assert m.get_reg("r1") == result
    assert flags(m) == fl
    assert m.get_reg("r2") == left and m.get_reg("r3") == right


@pytest.mark.parametrize("f,rd,rs1,fl", [(7, 5, 5, Z), (7, 3, 5, N | C), (15, 0x0F0F, 0xF0F0, Z),
                                         (15, 0x8000, 0x8001, N)])
def test_alu_reg_compare_and_test_store_nothing(f, rd, rs1, fl):
    m, _ = run([encode("alu_reg", e=0, f=f, rd=1, rs1=3)], {"r1": rd, "r3": rs1})
    assert m.get_reg("r1") == rd
    assert flags(m) == fl


def test_alu_reg_two_operand_form_uses_rd_as_left():
    m, _ = run([encode("alu_reg", e=0, f=4, rd=1, t=0, rs1=3, rs2=2)],
               {"r1": 10, "r2": 100, "r3": 3})
    assert m.get_reg("r1") == 7


def test_alu_reg_constant_registers():
    # r1 = r1 + 1 (rS1 = code 23) and r2 = r2 + -1 (code 22), enc §2.1
    m, _ = run([encode("alu_reg", e=0, f=0, rd=1, rs1=23), encode("alu_reg", e=1, f=0, rd=2, rs1=22)],
               {"r1": 41, "r2": 0})
    assert m.get_reg("r1") == 42
    assert m.get_reg("r2") == 0xFFFFFF


@pytest.mark.parametrize("cond,fl,taken", [
    (5, Z, True), (5, 0, False), (4, Z, False), (10, N | V, True), (10, N, False),
    (11, N, True), (11, V, True), (11, N | V, False), (12, 0, True), (12, Z, False),
    (13, Z, True), (14, 0, True), (14, C, False), (15, C, True), (0, N | Z | C | V, False),
    (1, 0, True), (9, C, True), (8, C, False), (3, N, True), (2, N, False), (7, V, True),
])
def test_conditional_alu_op(cond, fl, taken):
    # if (cond) r1 = r2 (F = 0, T = 1, rS2 = r2, rS1 = r0)
    word = encode("alu_reg", e=1, f=0, rd=1, cond=cond, t=1, ce=1, rs1=0, rs2=2)
    m, _ = run([word], {"r1": 0x111111, "r2": 0x800000}, flags=fl)
    if taken:
        assert m.get_reg("r1") == 0x800000 and flags(m) == N
    else:
        assert m.get_reg("r1") == 0x111111 and flags(m) == fl


@pytest.mark.parametrize("e,f,rd,n,result,fl", [
    (0, 10, 0x0003, 0x0400, 0x000403, 0),
    (0, 14, 0xFFFFFF, 0x00F0, 0x0000F0, 0),
    (1, 14, 0x123456, 0xF000, 0x123000, 0),      # 24-bit: N sign-extended to 0xFFF000
    (0, 2, 3, 10, 0x000007, 0),                    # rD = N - rD
    (0, 4, 0x10, 0x10, 0x000000, Z),
    (1, 4, 0x000000, 0x0010, 0xFFFFF0, N | C),
    (0, 0, 1, 0xFFFF, 0x000000, Z | C),            # 16-bit add of raw 0xFFFF
    (1, 0, 1, 0xFFFF, 0x000000, Z | C),            # 24-bit add of -1
    (0, 8, 0x00FF, 0xFFFF, 0xFFFF00, N),
    (0, 3, 0x8000, 0x8000, 0x004000, 0),
    (0, 6, 0xFFFF, 0x00FF, 0xFFFF00, N),
    (1, 10, 0x000000, 0x8000, 0xFF8000, N),        # 24-bit or: sign-extended immediate
])
def test_alu_imm(e, f, rd, n, result, fl):
    m, _ = run([encode("alu_imm", e=e, f=f, rd=1, n=n)], {"r1": rd}, flags=C | V)
    assert m.get_reg("r1") == result
    assert flags(m) == fl


@pytest.mark.parametrize("f,rd,n,fl", [(7, 0x10, 0x20, N | C), (15, 0x00FF, 0x0F00, Z)])
def test_alu_imm_compare_and_test(f, rd, n, fl):
    m, _ = run([encode("alu_imm", e=0, f=f, rd=1, n=n)], {"r1": rd})
    assert m.get_reg("r1") == rd and flags(m) == fl


@pytest.mark.parametrize("e,rh,n,result,fl", [
    (0, 0x007FFF, 1, 0xFF8000, N | V),
    (1, 0xFFFFFF, 1, 0x000000, Z | C),
    (1, 0x000010, -0x20, 0xFFFFF0, N),
    (0, 0x120010, -0x20, 0xFFFFF0, N),    # 16-bit: 0x0010 + 0xFFE0
    (0, 0x001234, 0, 0x001234, 0),        # rD = rH (a move still sets flags)
])
def test_add_imm(e, rh, n, result, fl):
    m, _ = run([encode("add_imm", e=e, rd=1, rh=2, n=n)], {"r2": rh}, flags=C | V | Z)
    assert m.get_reg("r1") == result and flags(m) == fl


def test_writes_to_read_only_codes_are_discarded():
    words = [encode("add_imm", e=0, rd=0, rh=0, n=5), encode("add_imm", e=0, rd=22, rh=0, n=5),
             encode("add_imm", e=0, rd=1, rh=0, n=0), encode("add_imm", e=1, rd=2, rh=22, n=0),
             encode("add_imm", e=0, rd=3, rh=23, n=0)]
    m, _ = run(words)
    assert (m.get_reg("r1"), m.get_reg("r2"), m.get_reg("r3")) == (0, 0xFFFFFF, 1)


def test_pc_reads_as_address_plus_8():
    # docs/emulator.md: pc as an operand is the instruction's address + 8 (the branch base)
    words = [0, 0, encode("add_imm", e=1, rd=1, rh=15, n=0), encode("alu_reg", e=1, f=0, rd=2, t=1, rs1=0, rs2=15)]
    m, _ = run(words)
    assert m.get_reg("r1") == 0x10 and m.get_reg("r2") == 0x14


def test_write_to_pc_jumps_without_delay_slot():
    words = [encode("add_imm", e=1, rd=15, rh=0, n=0x10),   # pc = 0x10
             encode("add_imm", e=0, rd=1, rh=0, n=1),       # skipped: no delay slot
             encode("add_imm", e=0, rd=2, rh=0, n=2),
             0,
             encode("add_imm", e=0, rd=3, rh=0, n=3)]        # 0x10
    m, _ = run(words)
    assert (m.get_reg("r1"), m.get_reg("r2"), m.get_reg("r3")) == (0, 0, 3)


def test_load24_sets_no_flags():
    m, _ = run([encode("load24", rd=1, n=0x923456), encode("load24", rd=26, n=0x1F)], flags=Z | C)
    assert m.get_reg("r1") == 0x923456 and m.get_reg("dauc") == 0x1F
    assert flags(m) == Z | C


# --- loads and stores (enc §5.10) -----------------------------------------------------------
RAM1 = 0xFFF800


@pytest.mark.parametrize("sz,mem,value,fl", [
    (0, 0x80, 0xFF8000, N),      # h: byte -> bits 15-8, sign-extended from bit 15
    (0, 0x01, 0x000100, 0),
    (1, 0x80, 0x000080, 0),      # l: zero-extended; n from the 16-bit view
    (1, 0x00, 0x000000, Z),
    (2, 0x8001, 0xFF8001, N),    # 16 bits sign-extended
    (3, 0x12345678, 0x345678, 0),  # e: low 24 bits of the word
    (3, 0x00800000, 0x800000, N),
])
def test_load_direct_sizes(sz, mem, value, fl):
    m = Machine()
    size = (1, 1, 2, 4)[sz]
    m.write(RAM1, size, mem)
    word = encode("load_direct", d=0, sz=sz, rh=1, n=RAM1 - 0x1000000)   # *FFFFF800
    m, _ = run([word, 0, 0], machine=m, flags=C | V)
    assert m.get_reg("r1") == value and flags(m) == fl


@pytest.mark.parametrize("sz,reg,mem", [(0, 0x001234, 0x12), (1, 0x001234, 0x34),
                                        (2, 0xFF1234, 0x1234), (3, 0x800001, 0xFF800001)])
def test_store_direct_sizes(sz, reg, mem):
    size = (1, 1, 2, 4)[sz]
    m, _ = run([encode("load_direct", d=1, sz=sz, rh=1, n=RAM1 - 0x1000000)], {"r1": reg}, flags=Z)
    assert m.read(RAM1, size) == mem
    assert flags(m) == Z   # stores set no flags


@pytest.mark.parametrize("i,size,sz,after", [(23, 4, 3, RAM1 + 4), (22, 2, 2, RAM1 - 2),
                                             (0, 4, 3, RAM1), (16, 1, 1, RAM1),
                                             (17, 4, 3, RAM1 + 0x40), (23, 1, 0, RAM1 + 1)])
def test_load_ind_post_modify(i, size, sz, after):
    m = Machine()
    m.write(RAM1, 4, 0x00000055)
    m, _ = run([encode("load_ind", d=0, sz=sz, rh=1, p=2, i=i), 0],
               {"r2": RAM1, "r15": 0x40}, machine=m)
    assert m.get_reg("r2") == after
    assert m.get_reg("r1") == {0: 0x5500, 1: 0x55, 2: 0x55, 3: 0x55}[sz]


def test_store_ind_then_load_back():
    words = [encode("load_ind", d=1, sz=3, rh=1, p=2, i=23),    # *r2++ = r1e
             encode("load_ind", d=1, sz=2, rh=3, p=2, i=23),    # *r2++ = r3
             encode("load_ind", d=0, sz=3, rh=4, p=5, i=0),     # r4e = *r5
             0, 0]
    m, _ = run(words, {"r1": 0xABCDEF, "r2": RAM1, "r3": 0x1234, "r5": RAM1})
    assert m.read(RAM1, 4) == 0xFFABCDEF
    assert m.read(RAM1 + 4, 2) == 0x1234
    assert m.get_reg("r2") == RAM1 + 6 and m.get_reg("r4") == 0xABCDEF


@pytest.mark.parametrize("distance", [1, 2, 3, 4, 5])
def test_cau_load_latency(distance):
    # r1 = *RAM1 at 0; the consumer r2 = r1 sits `distance` instructions later: it sees the
    # old r1 at distance 1 and the loaded value from distance 2 on (machine §3.2)
    m = Machine()
    m.write(RAM1, 2, 0x0777)
    words = [encode("load_direct", d=0, sz=2, rh=1, n=RAM1 - 0x1000000)] + [0] * (distance - 1)
    words += [encode("add_imm", e=0, rd=2, rh=1, n=0), 0, 0]
    m, _ = run(words, {"r1": 0x0111}, machine=m)
    assert m.get_reg("r2") == (0x0111 if distance == 1 else 0x0777)
    assert m.get_reg("r1") == 0x0777


@pytest.mark.parametrize("distance,taken", [(1, False), (2, True), (3, True)])
def test_cau_load_flags_latency(distance, taken):
    # the load sets z (value 0); `if (eq) r3 = r3 + 1` at `distance` sees it from distance 2
    m = Machine()
    m.write(RAM1, 2, 0)
    words = [encode("load_direct", d=0, sz=2, rh=1, n=RAM1 - 0x1000000)] + [0] * (distance - 1)
    words += [encode("alu_reg", e=0, f=0, rd=3, cond=5, ce=1, rs1=23), 0, 0]
    m, _ = run(words, {"r1": 5}, machine=m, flags=0)
    assert m.get_reg("r3") == (1 if taken else 0)


def test_load_as_pointer_needs_one_instruction_between():
    m = Machine()
    m.write(RAM1, 4, RAM1 + 8)          # pointer stored in memory
    m.write(RAM1 + 8, 2, 0x4242)
    words = [encode("load_direct", d=0, sz=3, rh=2, n=RAM1 - 0x1000000), 0,
             encode("load_ind", d=0, sz=2, rh=1, p=2, i=0), 0, 0]
    m, _ = run(words, machine=m)
    assert m.get_reg("r1") == 0x4242


# --- I/O registers (enc §2.3, machine §5.3) -------------------------------------------------
def test_pcw_write_and_read():
    words = [encode("load_io", d=1, sz=2, rh=1, i=30), encode("load_io", d=0, sz=2, rh=2, i=30), 0, 0]
    m, _ = run(words, {"r1": 0x8409})
    assert m.get_reg("pcw") == 0x8409
    assert m.get_reg("r2") == 0xFF8409


def test_pir_write_sets_pif_read_clears_it():
    m, _ = run([encode("load_io", d=1, sz=2, rh=1, i=22)], {"r1": 0x1234})
    assert m.st[S.PIO_PIR] == 0x1234
    assert m.st[S.PIO_PCR] & S.PCR_PIF
    assert m.st[S.PIO_EVENTS] == S.DSP_WROTE_PIR
    m2 = Machine()
    m2.st[S.PIO_PCR] |= S.PCR_PIF
    m2.st[S.PIO_PIR] = 0x00AB
    m2, _ = run([encode("load_io", d=0, sz=2, rh=1, i=22), 0, 0], machine=m2)
    assert m2.get_reg("r1") == 0xAB
    assert not m2.st[S.PIO_PCR] & S.PCR_PIF
    assert m2.st[S.PIO_EVENTS] == S.DSP_READ_PIR


def test_pdr_write_sets_pdf_read_clears_it_pdr2_events():
    m, _ = run([encode("load_io", d=1, sz=2, rh=1, i=6), encode("load_io", d=1, sz=2, rh=1, i=20)],
               {"r1": 0xBEEF})
    assert m.st[S.PIO_PDR] == 0xBEEF and m.st[S.PIO_PDR2] == 0xBEEF
    assert m.st[S.PIO_PCR] & S.PCR_PDF
    assert m.st[S.PIO_EVENTS] == S.DSP_WROTE_PDR | S.DSP_WROTE_PDR2
    m.st[S.PIO_EVENTS] = 0
    m.set_reg("pc", 0)
    m.load_words(0, [encode("load_io", d=0, sz=2, rh=2, i=6), encode("load_io", d=0, sz=1, rh=3, i=20), 0, 0] + IDLE)
    m.run(1000)
    assert m.get_reg("r2") == 0xFFBEEF and m.get_reg("r3") == 0xEF
    assert not m.st[S.PIO_PCR] & S.PCR_PDF
    assert m.st[S.PIO_EVENTS] == S.DSP_READ_PDR | S.DSP_READ_PDR2


def test_piop_low_byte_store():
    m, _ = run([encode("load_io", d=1, sz=1, rh=1, i=14)], {"r1": 0x12A5})
    assert m.st[S.PIOP] == 0xA5


def test_pio_conditions_test_pcr_live():
    # if (pdf) r1 = r1 + 1 is format 6 only for codes 0-15, so use branches: pdf -> skip
    words = [encode("goto", c=37, rh=15, n=8),                # if (pdf) goto +16 -> 0x10
             encode("add_imm", e=0, rd=1, rh=0, n=1),         # slot
             encode("add_imm", e=0, rd=2, rh=0, n=2),         # only when not taken
             0,
             encode("add_imm", e=0, rd=3, rh=0, n=3)]         # 0x10
    m = Machine()
    m.st[S.PIO_PCR] |= S.PCR_PDF
    m, _ = run(words, machine=m)
    assert (m.get_reg("r1"), m.get_reg("r2"), m.get_reg("r3")) == (1, 0, 3)
    m, _ = run(words)
    assert (m.get_reg("r1"), m.get_reg("r2"), m.get_reg("r3")) == (1, 2, 3)
