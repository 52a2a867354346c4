"""The DSP32C core: every @njit kernel of the emulator, in one module (Numba's cache only
notices edits to the module a kernel lives in; the helpers of dsp32c/numbers.py and
dsp32c.decode.decode_one are the only compiled code called from elsewhere).

`run` executes pre-decoded instructions until a stop condition and returns a status
(emulator.state.STATUS_*). Machine (emulator/machine.py) owns the arrays and calls it.

Pre-decoded instructions: per 32-bit word of the flat memory, `kind[w]` is one of the K_*
handler kinds below and `fld[w, :]` holds its fields in the order of FIELD_LAYOUT (machine.py),
derived by name from dsp32c/isa.py. K_STALE marks a word written since it was decoded; it is
re-decoded with dsp32c.decode.decode_one before it executes.

Latencies (reference README, machine §3.2) are delayed visibility, no interlocks, kept in the
small queue array `q` (layout Q_* below), all indexed by the instruction count `ic`:
* accumulator writes: per accumulator the last two writes (instruction, value before); the
  multiplier sees a value written by instruction i from instruction i + 3 on;
* DAU flags: a ring of the last four flag writes (instruction, flags before); conditions see
  flags written by instruction i from i + 4 on (ifalt/ifaeq/ifagt read the live flags);
* DA memory writes: a FIFO of (due, flat offset, value, size); a write issued by instruction
  i lands in memory at the start of instruction i + 4;
* CAU loads from memory or I/O registers: a FIFO of (due, register, value, flags); a load by
  instruction i lands (register and n z c v) at the start of instruction i + 2.

Every kernel that takes arrays is compiled with _nrt=False: none allocates, and without the
runtime Numba passes arrays without atomic reference counting, which otherwise costs more than
the rest of an instruction. The DA handler is inlined into the run loop (inline="always"):
passing its dozen arrays through a call would cost as much again.
"""
import numpy as np
from numba import njit

from dsp32c.decode import decode_one
from dsp32c.numbers import (
    FLAG_N, FLAG_Z, acc_from_ieee_word, dau_op, flags_nz, float_from_int, ic_byte, ic_mode,
    ieee_word_from_acc, int_from_acc, int_truncates, oc_byte, oc_mode, pack_word, round_acc,
    seed_word, unpack_word,
)
from emulator.state import (
    BRANCH_PENDING, BRANCH_TARGET, CF_C, CF_N, CF_V, CF_Z, CFLAGS, CONFLICT_CLOCKS, CYCLES,
    DFLAGS, DSP_READ_PDR, DSP_READ_PDR2, DSP_READ_PIR, DSP_WROTE_PDR, DSP_WROTE_PDR2,
    DSP_WROTE_PIR, FAULT_ADDR, FAULT_WORD, FLAGQ_HEAD, HAZARD_N, IBUF, IN_ISR, INSTRET,
    IREQ_PINS, IRQ_PENDING, LOADQ_N, LOOP_ACTIVE, LOOP_COUNT, LOOP_END, LOOP_START, MACS, OBUF,
    PC, PCR_PDF, PCR_PIF, PCR_RUN, PCW, PIO_EVENTS, PIO_PCR, PIO_PDR, PIO_PDR2, PIO_PIR, PIOP,
    PIO_EVENT_CYCLE,
    STATUS_BUFFER, STATUS_BUS_ERROR, STATUS_HALTED, STATUS_IDLE, STATUS_ILLEGAL, STATUS_LIMIT,
    STATUS_MISALIGNED, STATUS_PIO, STATUS_UNTIL, STATUS_WAIT, STATUS_WATCH, STOP_AFTER_SLOT,
    STOP_REASON,
    STOREQ_HEAD, STOREQ_N, TRACE_N, WAIT_CLOCKS,
)

# --- handler kinds (dense, ordered by expected frequency: DA multiply-accumulate first) -------
K_DA_MUL_ACC = 0   # DA3
K_DA_MUL_ADD = 1   # DA1
K_DA_TAP_MUL = 2   # DA2
K_DA_TAP_ADD = 3   # DA4
K_DA_SPECIAL = 4   # DA5
K_ADD_IMM = 5      # 5a/5b
K_ALU_REG = 6      # 6a/6b
K_ALU_IMM = 7      # 6c/6d
K_LOAD_IND = 8     # 7b, memory
K_GOTO = 9         # 0/1
K_DEC_BRANCH = 10  # 3a
K_LOAD_DIRECT = 11  # 7a
K_LOAD_IO = 12     # 7b, I/O register
K_CALL = 13        # 4
K_DO_IMM = 14      # 3b
K_DO_REG = 15      # 3c
K_GOTO24 = 16      # 8a
K_LOAD24 = 17      # 8b
K_CALL24 = 18      # 8c
K_ILLEGAL = 19
K_STALE = 20       # written since decoded: decode before executing
N_KINDS = 19       # kinds that are formats of dsp32c.isa (0 .. 18)
KIND_NAMES = ("da_mul_acc", "da_mul_add", "da_tap_mul", "da_tap_add", "da_special", "add_imm",
              "alu_reg", "alu_imm", "load_ind", "goto", "dec_branch", "load_direct", "load_io",
              "call", "do_imm", "do_reg", "goto24", "load24", "call24")
N_FIELDS = 10

# --- queue array layout ----------------------------------------------------------------------
Q_ACC = 0      # 4 accumulators x [newest: ic, m, e; older: ic, m, e] = 24
Q_FLAG = 24    # 4 records x [ic, flags before] = 8 (ring, newest at st[FLAGQ_HEAD])
Q_STORE = 32   # 4 records x [due, flat offset, value, size] = 16 (ring from st[STOREQ_HEAD])
Q_LOAD = 48    # 4 records x [due, register, value, cau flags] = 16 (sorted by due)
Q_SIZE = 64
Q_NEVER = -(1 << 40)  # instruction index of an empty record

# --- hazard kinds (rows of the hazard buffer: ic, pc, kind, detail) ---------------------------
HZ_ACC = 1    # accumulator read through the multiplier while a write to it is in flight
HZ_FLAGS = 2  # DAU condition read while a flag write is in flight
HZ_MEM = 3    # memory read of an address with a DA write in flight (detail: address)
HZ_REG = 4    # CAU register read while a load into it is in flight (detail: register code)

MASK24 = 0xFFFFFF
# register codes whose writes are kept (enc §2.1 write mask 0x6F3EFFFE without pc, bit 15:
# a write to pc is a jump, handled apart)
WRITABLE = 0x6F3E7FFE
REG_PC = 15
ONE_M = 1 << 31   # 1.0 as (m, e)
ONE_E = 128
CONFIG_TRACE = 0      # cfg[0]: 1 = record every instruction in the trace buffer
CONFIG_HAZARDS = 1    # cfg[1]: 1 = record hazards
CONFIG_STOP_ON_PIO = 2
CONFIG_UNTIL = 3      # address to stop at before executing it, or -1
CONFIG_NEW_SLICE = 4  # 1: a new run call (its first instruction skips the `until` check);
                      # 0: a resumption after STATUS_BUFFER, which must not skip it
CONFIG_WATCH = 5      # 1: stop with STATUS_WATCH before an instruction that could observe
                      # host DMA (the board's batched DMA, docs/board-and-host.md)
CONFIG_SIZE = 6
# A watched page (Machine.watch) has page[p] = PAGE_WATCHED - (its normal entry): negative like
# an unmapped page, so the hot loop's one `< 0` test catches it and only the slow path tells
# the two apart. _flat reports such an access as FLAT_WATCHED.
PAGE_WATCHED = -2
FLAT_WATCHED = -3


@njit(cache=True)
def _sext16(v):
    v = v & 0xFFFF
    return v - ((v & 0x8000) << 1)


@njit(cache=True)
def _sext24(v):
    v = v & MASK24
    return v - ((v & 0x800000) << 1)


@njit(cache=True)
def _reverse(v, bits):
    r = 0
    for _ in range(bits):
        r = (r << 1) | (v & 1)
        v >>= 1
    return r


@njit(cache=True)
def _alu(f, left, right, wide, cf):
    """CAU ALU function f (enc §5.7) on 16-bit (wide = 0) or 24-bit operands.
    Returns (value to write back as 24 bits, new flags, 1 if the result is stored)."""
    if wide:
        bits = 24
        mask = MASK24
    else:
        bits = 16
        mask = 0xFFFF
    msb = 1 << (bits - 1)
    a = left & mask
    b = right & mask
    c = 0
    v = 0
    store = 1
    if f == 0 or f == 1:          # add, *2 (= b + b)
        if f == 1:
            a = b
        s = a + b
        res = s & mask
        c = (s >> bits) & 1
        v = 1 if ((~(a ^ b)) & (a ^ res) & msb) != 0 else 0
    elif f == 2 or f == 4 or f == 5 or f == 7:   # R - L, L - R, 0 - R, compare L - R
        if f == 2:
            x = b
            y = a
        elif f == 5:
            x = 0
            y = b
        else:
            x = a
            y = b
        s = x - y
        res = s & mask
        c = 1 if s < 0 else 0     # borrow
        v = 1 if ((x ^ y) & (x ^ res) & msb) != 0 else 0
        if f == 7:
            store = 0
    elif f == 3:                  # carry-reverse add (enc §5.12)
        s = _reverse(a, bits) + _reverse(b, bits)
        c = (s >> bits) & 1
        res = _reverse(s & mask, bits)
    elif f == 6:
        res = a & ~b & mask
    elif f == 8:
        res = a ^ b
    elif f == 9:                  # rotate right through carry
        res = ((cf >> 1) & 1) * msb | (b >> 1)
        c = b & 1
    elif f == 10:
        res = a | b
    elif f == 11:                 # rotate left through carry
        res = ((b << 1) & mask) | ((cf >> 1) & 1)
        c = 1 if b & msb else 0
    elif f == 12:
        res = b >> 1
        c = b & 1
    elif f == 13:
        res = (b >> 1) | (b & msb)
        c = b & 1
    elif f == 14:
        res = a & b
    else:                         # 15: test
        res = a & b
        store = 0
    flags = c * CF_C + v * CF_V
    if res & msb:
        flags |= CF_N
    if res == 0:
        flags |= CF_Z
    if not wide:
        res = _sext16(res) & MASK24
    return res, flags, store


@njit(cache=True)
def _cond(code, cf, df, pcr, pins):
    """Condition `code` (enc §4): odd codes test "flag set", even codes the complement.
    cf: CAU flags; df: DAU flags as the condition sees them; pcr: PIO control register."""
    pair = code >> 1
    if pair == 0:
        p = 1
    elif pair == 1:
        p = (cf >> 3) & 1                        # mi
    elif pair == 2:
        p = (cf >> 2) & 1                        # eq
    elif pair == 3:
        p = cf & 1                               # vs
    elif pair == 4:
        p = (cf >> 1) & 1                        # cs
    elif pair == 5:
        p = ((cf >> 3) ^ cf) & 1                 # lt: n xor v
    elif pair == 6:
        p = (((cf >> 3) ^ cf) | (cf >> 2)) & 1   # le
    elif pair == 7:
        p = ((cf >> 1) | (cf >> 2)) & 1          # ls: c or z
    elif pair == 8:
        p = 1 if df & 4 else 0                   # aus
    elif pair == 9:
        p = 1 if df & FLAG_N else 0              # alt
    elif pair == 10:
        p = 1 if df & FLAG_Z else 0              # aeq
    elif pair == 11:
        p = 1 if df & 8 else 0                   # avs
    elif pair == 12:
        p = 1 if df & (FLAG_N | FLAG_Z) else 0   # ale
    elif pair == 16:
        p = 0                                    # ibf: serial input never full (not modelled)
    elif pair == 17:
        p = 1                                    # obe: serial output always empty
    elif pair == 18:
        p = 1 if pcr & PCR_PDF else 0            # pdf
    elif pair == 19:
        p = 1 if pcr & PCR_PIF else 0            # pif
    elif pair == 20 or pair == 21:
        p = 0                                    # sys, fbs: serial signals not modelled
    elif pair == 22:
        p = pins & 1                             # ireq1_hi
    elif pair == 23:
        p = (pins >> 1) & 1                      # ireq2_hi
    else:
        p = 0
    if code & 1:
        return p
    return 1 - p


@njit(cache=True, _nrt=False)
def _flags_seen(st, q, ic):
    """DAU flags as conditions see them at instruction ic: writes by ic-3 .. ic-1 not yet.
    Returns (flags, 1 if a write was still in flight)."""
    v = st[DFLAGS]
    h = st[FLAGQ_HEAD]
    late = 0
    for _ in range(3):
        if q[Q_FLAG + 2 * h] >= ic - 3:
            v = q[Q_FLAG + 2 * h + 1]
            late = 1
            h = (h - 1) & 3
        else:
            break
    return v, late


@njit(cache=True, _nrt=False)
def _set_dflags(st, q, ic, flags):
    h = (st[FLAGQ_HEAD] + 1) & 3
    q[Q_FLAG + 2 * h] = ic
    q[Q_FLAG + 2 * h + 1] = st[DFLAGS]
    st[FLAGQ_HEAD] = h
    st[DFLAGS] = flags


@njit(cache=True, _nrt=False)
def _acc_mult(q, accm, acce, a, ic):
    """Accumulator a as the multiplier sees it at ic (writes by ic-2, ic-1 not yet visible).
    Returns (m, e, 1 if a write was still in flight)."""
    b = Q_ACC + 6 * a
    if q[b] >= ic - 2:
        if q[b + 3] >= ic - 2:
            return q[b + 4], q[b + 5], 1
        return q[b + 1], q[b + 2], 1
    return accm[a], acce[a], 0


@njit(cache=True, _nrt=False)
def _set_acc(q, accm, acce, a, ic, m, e):
    b = Q_ACC + 6 * a
    if q[b] != ic:  # a second write by the same instruction keeps the first "before" value
        q[b + 3] = q[b]
        q[b + 4] = q[b + 1]
        q[b + 5] = q[b + 2]
        q[b] = ic
        q[b + 1] = accm[a]
        q[b + 2] = acce[a]
    accm[a] = m
    acce[a] = e


@njit(cache=True, _nrt=False)
def _flat(page, addr, size):
    """(flat byte offset of a guest access or -1 unmapped / -2 misaligned / FLAT_WATCHED,
    region index). page[p] = flat offset of page p (a multiple of 256) | region index, or -1,
    or a watched page's code (<= PAGE_WATCHED)."""
    info = page[(addr & MASK24) >> 8]
    if info < 0:
        return (FLAT_WATCHED if info <= PAGE_WATCHED else -1), -1
    if addr & (size - 1):
        return -2, -1
    return (info & ~0xFF) + (addr & 0xFF), info & 0xFF


@njit(cache=True, _nrt=False)
def _mem_read(mem8, mem16, mem32, flat, size):
    if size == 4:
        return np.int64(mem32[flat >> 2])
    if size == 2:
        return np.int64(mem16[flat >> 1])
    return np.int64(mem8[flat])


@njit(cache=True, _nrt=False)
def _mem_write(mem8, mem16, mem32, kind, flat, size, value):
    if size == 4:
        mem32[flat >> 2] = value & 0xFFFFFFFF
    elif size == 2:
        mem16[flat >> 1] = value & 0xFFFF
    else:
        mem8[flat] = value & 0xFF
    kind[flat >> 2] = K_STALE


@njit(cache=True, _nrt=False)
def _store_pending(q, st, flat, size):
    """1 if a DA write in flight overlaps [flat, flat + size)."""
    h = st[STOREQ_HEAD]
    for j in range(st[STOREQ_N]):
        r = Q_STORE + 4 * ((h + j) & 3)
        if q[r + 1] < flat + size and flat < q[r + 1] + q[r + 3]:
            return 1
    return 0


@njit(cache=True, _nrt=False)
def _hazard(st, hz, ic, pc, what, detail):
    n = st[HAZARD_N]
    if n < hz.shape[0]:
        hz[n, 0] = ic
        hz[n, 1] = pc
        hz[n, 2] = what
        hz[n, 3] = detail
        st[HAZARD_N] = n + 1


@njit(cache=True, _nrt=False)
def _fault(st, status, addr, mem32, wi):
    st[FAULT_ADDR] = addr
    st[FAULT_WORD] = np.int64(mem32[wi])
    return status


@njit(cache=True, _nrt=False)
def _bad_access(st, flat, addr, mem32, wi):
    """The status of an access _flat refused: a watch stop (nothing recorded: the instruction
    runs later), or a bus error / misalignment fault."""
    if flat == FLAT_WATCHED:
        return STATUS_WATCH
    return _fault(st, STATUS_BUS_ERROR if flat == -1 else STATUS_MISALIGNED, addr, mem32, wi)


@njit(cache=True, _nrt=False)
def _post(regs, i, size):
    """Post-modify amount of a DA pointer (enc §6.2): i = 1..5 adds r15..r19 (codes 17..21),
    6 subtracts and 7 adds the access size, 0 none."""
    if i == 0:
        return 0
    if i == 7:
        return size
    if i == 6:
        return -size
    return regs[16 + i]


@njit(cache=True, _nrt=False)
def _reg_reads(k, fl, wi, r):
    """1 if the instruction kind k with fields fl[wi] reads CAU register code r (hazard lint)."""
    if k <= K_DA_SPECIAL:
        for j in (4, 6, 8):
            p = fl[wi, j]
            if p == 0 or (k == K_DA_SPECIAL and j == 4):
                continue                   # an accumulator operand, or no X at all
            if p == r:
                return 1
            i = fl[wi, j + 1]
            if p != 0 and 1 <= i <= 5 and 16 + i == r:
                return 1
        return 0
    if k == K_ADD_IMM:
        return 1 if fl[wi, 2] == r else 0
    if k == K_ALU_REG:
        f = fl[wi, 1]
        if fl[wi, 6] == r:
            return 1
        if f == 1 or f == 5 or f == 9 or f == 11 or f == 12 or f == 13:
            return 0
        if fl[wi, 4] and f != 7 and f != 15:
            return 1 if fl[wi, 7] == r else 0
        return 1 if fl[wi, 2] == r else 0
    if k == K_ALU_IMM:
        return 1 if fl[wi, 2] == r else 0
    if k == K_LOAD_IND:
        if fl[wi, 3] == r:
            return 1
        i = fl[wi, 4]
        if i == r and i != 0 and i != 16 and i != 22 and i != 23:
            return 1
        return 1 if fl[wi, 0] == 1 and fl[wi, 2] == r else 0
    if k == K_LOAD_DIRECT or k == K_LOAD_IO:
        return 1 if fl[wi, 0] == 1 and fl[wi, 2] == r else 0
    if k == K_GOTO or k == K_CALL:
        return 1 if fl[wi, 1] == r else 0
    if k == K_DEC_BRANCH:
        return 1 if fl[wi, 0] == r or fl[wi, 1] == r else 0
    if k == K_DO_REG:
        return 1 if fl[wi, 1] == r else 0
    if k == K_GOTO24:
        return 1 if fl[wi, 1] == r else 0
    return 0


@njit(cache=True, _nrt=False)
def _charge(st, reg_limit, reg_wait, reg_count, r0, r1, r2, r3):
    """Extra clocks of one instruction whose accesses hit regions r0 (fetch), r1..r3 (-1:
    none): wait states per access plus the conflict rule (timing.py). Counts accesses.
    Straight-line: the k-th access to a region conflicts when k exceeds the region's limit."""
    reg_count[r0] += 1
    wait = reg_wait[r0]
    conflict = 1 if reg_limit[r0] < 1 else 0
    if r1 >= 0:
        reg_count[r1] += 1
        wait += reg_wait[r1]
        if 1 + (r1 == r0) > reg_limit[r1]:
            conflict += 1
    if r2 >= 0:
        reg_count[r2] += 1
        wait += reg_wait[r2]
        if 1 + (r2 == r0) + (r2 == r1) > reg_limit[r2]:
            conflict += 1
    if r3 >= 0:
        reg_count[r3] += 1
        wait += reg_wait[r3]
        if 1 + (r3 == r0) + (r3 == r1) + (r3 == r2) > reg_limit[r3]:
            conflict += 1
    if wait:
        st[WAIT_CLOCKS] += wait
    if conflict:
        st[CONFLICT_CLOCKS] += conflict
    return wait + conflict


@njit(cache=True, _nrt=False, inline="always")
def _da(k, wi, pc, ic, st, regs, accm, acce, mem8, mem16, mem32, kind, fl, page,
        q, hz, hazards):
    """One DA instruction (formats 1-5, enc §6). Returns (status, region of X, Y, Z access).
    Addresses are all checked before anything is committed, so a fault leaves no trace."""
    m = np.int64(fl[wi, 0])
    f = np.int64(fl[wi, 1])
    s = np.int64(fl[wi, 2])
    an = np.int64(fl[wi, 3])
    xp = np.int64(fl[wi, 4])
    xi = np.int64(fl[wi, 5])
    yp = np.int64(fl[wi, 6])
    yi = np.int64(fl[wi, 7])
    zp = np.int64(fl[wi, 8])
    zi = np.int64(fl[wi, 9])
    rx = -1
    ry = -1
    rz = -1
    special = k == K_DA_SPECIAL
    mult_y = k == K_DA_TAP_MUL or k == K_DA_MUL_ACC
    # --- sizes (special functions read and write integers and bytes) ---
    ysz = 4
    zsz = 4
    if special:
        if m == 0:
            ysz = 1
        elif m == 2:
            ysz = 2
        elif m == 1:
            zsz = 1
        elif m == 3:
            zsz = 2
    # --- X: the multiplier input ---
    xm = np.int64(0)
    xe = np.int64(0)
    xreg = xp
    xold = np.int64(0)
    if not special and not (k == K_DA_MUL_ADD and m == 4):
        if xp == 0:
            xm, xe, late = _acc_mult(q, accm, acce, xi, ic)
            if late and hazards:
                _hazard(st, hz, ic, pc, HZ_ACC, xi)
        else:
            addr = regs[xreg]
            flat, rx = _flat(page, addr, 4)
            if flat < 0:
                return _bad_access(st, flat, addr, mem32, wi), rx, ry, rz
            if hazards and st[STOREQ_N] > 0 and _store_pending(q, st, flat, 4):
                _hazard(st, hz, ic, pc, HZ_MEM, addr)
            xm, xe = unpack_word(mem32[flat >> 2])
            xold = addr
            regs[xreg] = (addr + _post(regs, xi, 4)) & MASK24
    # --- Y ---
    ylate = 0
    yreg = xreg if yp == 15 else yp
    yold = np.int64(0)
    yword = np.int64(0)
    if yp == 0:
        if mult_y:
            ym, ye, ylate = _acc_mult(q, accm, acce, yi, ic)
            if ylate and hazards:
                _hazard(st, hz, ic, pc, HZ_ACC, yi)
        else:
            ym = accm[yi]
            ye = acce[yi]
        if special or k == K_DA_TAP_MUL or k == K_DA_TAP_ADD:
            yword = pack_word(ym, ye)   # the 32-bit image: a tap's Z, an integer operand
    else:
        addr = regs[yreg]
        flat, ry = _flat(page, addr, ysz)
        if flat < 0:
            if rx >= 0:
                regs[xreg] = xold
            return _bad_access(st, flat, addr, mem32, wi), rx, ry, rz
        if hazards and st[STOREQ_N] > 0 and _store_pending(q, st, flat, ysz):
            _hazard(st, hz, ic, pc, HZ_MEM, addr)
        yword = _mem_read(mem8, mem16, mem32, flat, ysz)
        ym, ye = unpack_word(yword)
        yold = addr
        regs[yreg] = (addr + _post(regs, yi, ysz)) & MASK24
    # --- Z address ---
    zreg = yreg if zp == 15 else zp
    zflat = np.int64(-1)
    zaddr = np.int64(0)
    if zp != 0:
        zaddr = regs[zreg]
        zflat, rz = _flat(page, zaddr, zsz)
        if zflat < 0:
            if ry >= 0:
                regs[yreg] = yold
            if rx >= 0:
                regs[xreg] = xold
            return _bad_access(st, zflat, zaddr, mem32, wi), rx, ry, rz
    # --- compute ---
    setflags = 1
    fl_out = np.int64(0)
    if special:
        dauc = regs[26]
        if m == 0:        # ic
            rm, re = ic_byte(yword & 0xFF, ic_mode(dauc))
            fl_out = flags_nz(rm, re)
            zval = pack_word(rm, re)
        elif m == 1:      # oc
            zval = oc_byte(ym, ye, oc_mode(dauc))
            rm, re, _u = float_from_int(zval, 16)
            setflags = 0
        elif m == 2:      # float
            rm, re, fl_out = float_from_int(yword, 16)
            zval = pack_word(rm, re)
        elif m == 3:      # int
            iv, _ov = int_from_acc(ym, ye, 16, int_truncates(dauc))
            rm, re, _u = float_from_int(iv, 16)
            zval = iv & 0xFFFF
            setflags = 0
        elif m == 4:      # round
            rm, re, fl_out = round_acc(ym, ye)
            zval = pack_word(rm, re)
        elif m <= 7:      # ifalt, ifaeq, ifagt: live flags
            df = st[DFLAGS]
            if m == 5:
                take = df & FLAG_N
            elif m == 6:
                take = df & FLAG_Z
            else:
                take = 1 if (df & (FLAG_N | FLAG_Z)) == 0 else 0
            if take:
                rm = ym
                re = ye
            else:
                rm = accm[an]
                re = acce[an]
            zval = pack_word(rm, re)
            setflags = 0
        elif m == 10:     # float24
            rm, re, fl_out = float_from_int(yword, 24)
            zval = pack_word(rm, re)
        elif m == 11:     # int24
            iv, _ov = int_from_acc(ym, ye, 24, int_truncates(dauc))
            rm, re, _u = float_from_int(iv, 24)
            zval = iv & 0xFFFFFFFF
            setflags = 0
        elif m == 12:     # ieee
            rm = ym
            re = ye
            zval = ieee_word_from_acc(ym, ye)
            setflags = 0
        elif m == 13:     # dsp
            rm, re, fl_out = acc_from_ieee_word(yword)
            zval = pack_word(rm, re)
        else:             # 14: seed
            zval, fl_out = seed_word(yword)
            rm, re = unpack_word(zval)
    else:
        if k == K_DA_MUL_ADD or k == K_DA_TAP_ADD:
            # (+-Y) +- B * X: Y is the adder input; B = aM (multiplier path) or 1.0
            use = 1
            if k == K_DA_TAP_ADD or m == 5:
                bm = np.int64(ONE_M)
                be = np.int64(ONE_E)
            elif m == 4:
                bm = np.int64(0)
                be = np.int64(0)
                use = 0
            else:
                bm, be, late = _acc_mult(q, accm, acce, m, ic)
                if late and hazards:
                    _hazard(st, hz, ic, pc, HZ_ACC, m)
            rm, re, fl_out = dau_op(ym, ye, f, bm, be, xm, xe, s, use)
            if k == K_DA_MUL_ADD and m <= 3:
                st[MACS] += 1
        else:
            # (+-A) +- Y * X with A = aM (adder path), 0.0 or 1.0
            if m <= 3:
                am = accm[m]
                ae = acce[m]
            elif m == 5:
                am = np.int64(ONE_M)
                ae = np.int64(ONE_E)
            else:
                am = np.int64(0)
                ae = np.int64(0)
            rm, re, fl_out = dau_op(am, ae, f, ym, ye, xm, xe, s, 1)
            st[MACS] += 1
        if k == K_DA_TAP_MUL or k == K_DA_TAP_ADD:
            zval = yword          # the tap: Z receives Y
        elif zp != 0 or zi <= 3:
            zval = pack_word(rm, re)
        else:
            zval = np.int64(0)    # no Z write
    # --- commit ---
    _set_acc(q, accm, acce, an, ic, rm, re)
    if setflags:
        _set_dflags(st, q, ic, fl_out)
    if zp == 0:
        if zi <= 3:               # Z = accumulator: the word Z would store, as a DSP32 float
            zm, ze = unpack_word(zval)
            _set_acc(q, accm, acce, zi, ic, zm, ze)
    else:
        n = st[STOREQ_N]
        r = Q_STORE + 4 * ((st[STOREQ_HEAD] + n) & 3)
        q[r] = ic + 4
        q[r + 1] = zflat
        q[r + 2] = zval
        q[r + 3] = zsz
        st[STOREQ_N] = n + 1
        regs[zreg] = (zaddr + _post(regs, zi, zsz)) & MASK24
    return 0, rx, ry, rz


@njit(cache=True)
def _io_slot(i):
    """(state index, width mask) of I/O register i (enc §2.3; the ISA table admits only these)."""
    if i == 6:
        return PIO_PDR, 0xFFFF
    if i == 22:
        return PIO_PIR, 0xFFFF
    if i == 20:
        return PIO_PDR2, 0xFFFF
    if i == 30:
        return PCW, 0xFFFF
    if i == 14:
        return PIOP, 0xFF
    if i == 4:
        return IBUF, 0xFFFFFFFF
    return OBUF, 0xFFFFFFFF


@njit(cache=True, _nrt=False)
def _io_read(st, i):
    """Value of I/O register i and its side effects (machine §5.3): reading pdr clears PDF,
    reading pir clears PIF; pdr/pdr2/pir reads are recorded for the board."""
    if i == 6:
        st[PIO_PCR] &= ~PCR_PDF
        st[PIO_EVENTS] |= DSP_READ_PDR
    elif i == 22:
        st[PIO_PCR] &= ~PCR_PIF
        st[PIO_EVENTS] |= DSP_READ_PIR
    elif i == 20:
        st[PIO_EVENTS] |= DSP_READ_PDR2
    idx, width = _io_slot(i)
    return st[idx] & width


@njit(cache=True, _nrt=False)
def _io_write(st, i, sz, value):
    """Store rH<sz> into I/O register i: h writes bits 15-8, l bits 7-0 (the other byte kept),
    16 bits the low half, e the whole register (24-bit value sign-extended to 32 for the
    serial buffers)."""
    idx, width = _io_slot(i)
    old = st[idx]
    if sz == 0:
        new = (old & ~0xFF00) | (value & 0xFF00)
    elif sz == 1:
        new = (old & ~0xFF) | (value & 0xFF)
    elif sz == 2:
        new = value & 0xFFFF
    else:
        new = _sext24(value)
    st[idx] = new & width
    if i == 6:
        st[PIO_PCR] |= PCR_PDF
        st[PIO_EVENTS] |= DSP_WROTE_PDR
    elif i == 22:
        st[PIO_PCR] |= PCR_PIF
        st[PIO_EVENTS] |= DSP_WROTE_PIR
    elif i == 20:
        st[PIO_EVENTS] |= DSP_WROTE_PDR2


@njit(cache=True)
def _load_value(raw, sz):
    """A loaded byte/halfword/word as the 24-bit register value and its CAU flags (enc §5.10):
    h -> bits 15-8, sign-extended from bit 15; l zero-extended; 16 bits sign-extended; e the
    low 24 bits. n z from the 16-bit view (24-bit for e), c = v = 0."""
    if sz == 0:
        v = _sext16((raw & 0xFF) << 8) & MASK24
        view = v & 0xFFFF
        msb = 0x8000
    elif sz == 1:
        v = raw & 0xFF
        view = v
        msb = 0x8000
    elif sz == 2:
        v = _sext16(raw) & MASK24
        view = v & 0xFFFF
        msb = 0x8000
    else:
        v = raw & MASK24
        view = v
        msb = 0x800000
    flags = 0
    if view & msb:
        flags |= CF_N
    if view == 0:
        flags |= CF_Z
    return v, flags


@njit(cache=True)
def _store_value(r, sz):
    """Register value r as stored with size code sz (enc §5.10)."""
    if sz == 0:
        return (r >> 8) & 0xFF
    if sz == 1:
        return r & 0xFF
    if sz == 2:
        return r & 0xFFFF
    return _sext24(r) & 0xFFFFFFFF


@njit(cache=True, _nrt=False)
def _queue_load(st, q, ic, reg, value, flags):
    n = st[LOADQ_N]
    r = Q_LOAD + 4 * n
    q[r] = ic + 2
    q[r + 1] = reg
    q[r + 2] = value
    q[r + 3] = flags
    st[LOADQ_N] = n + 1


@njit(cache=True)
def _decode_word(wi, mem32, kind, fld, row_mask, row_match, row_handler, slot_start,
                 slot_count, slot_rows, field_count, field_nparts, field_shift, field_width,
                 kind_of_hid, slot_of, scratch):
    """Re-decode word wi (after a write) into kind/fld through the ISA tables."""
    h = decode_one(np.int64(mem32[wi]), row_mask, row_match, row_handler, slot_start,
                   slot_count, slot_rows, field_count, field_nparts, field_shift, field_width,
                   scratch)
    if h < 0:
        kind[wi] = K_ILLEGAL
        return K_ILLEGAL
    kd = kind_of_hid[h]
    for j in range(N_FIELDS):
        s = slot_of[kd, j]
        fld[wi, j] = scratch[s] if s >= 0 else 0
    kind[wi] = kd
    return kd


@njit(cache=True, _nrt=False)
def run(st, regs, accm, acce, mem8, mem16, mem32, kind, fld, page, reg_limit,
        reg_wait, reg_count, exec_count, q, trace, hz, cfg, max_cycles,
        row_mask, row_match, row_handler, slot_start, slot_count, slot_rows, field_count,
        field_nparts, field_shift, field_width, kind_of_hid, slot_of, scratch):
    """Run until st[CYCLES] reaches its value at entry + max_cycles, or a stop condition.
    Returns the status (also left in st[STOP_REASON])."""
    tracing = cfg[CONFIG_TRACE]
    hazards = cfg[CONFIG_HAZARDS]
    stop_on_pio = cfg[CONFIG_STOP_ON_PIO]
    watching = cfg[CONFIG_WATCH]
    until = cfg[CONFIG_UNTIL]
    if (st[PIO_PCR] & PCR_RUN) == 0:
        st[STOP_REASON] = STATUS_HALTED
        return STATUS_HALTED
    limit = st[CYCLES] + max_cycles
    cycles = st[CYCLES]
    ic = st[INSTRET]
    pc = st[PC] & MASK24    # the Python side may have stored anything there
    cf = st[CFLAGS]
    first = cfg[CONFIG_NEW_SLICE]
    status = STATUS_LIMIT
    while cycles < limit:
        # --- work due at the start of this instruction ---
        if st[LOADQ_N] > 0:
            while st[LOADQ_N] > 0 and q[Q_LOAD] <= ic:
                r = q[Q_LOAD + 1]
                if (WRITABLE >> r) & 1:
                    regs[r] = q[Q_LOAD + 2]
                cf = q[Q_LOAD + 3]
                n = st[LOADQ_N] - 1
                for j in range(4 * n):
                    q[Q_LOAD + j] = q[Q_LOAD + 4 + j]
                st[LOADQ_N] = n
        if st[STOREQ_N] > 0:
            while st[STOREQ_N] > 0:
                r = Q_STORE + 4 * st[STOREQ_HEAD]
                if q[r] > ic:
                    break
                _mem_write(mem8, mem16, mem32, kind, q[r + 1], q[r + 3], q[r + 2])
                st[STOREQ_HEAD] = (st[STOREQ_HEAD] + 1) & 3
                st[STOREQ_N] -= 1
        if st[IRQ_PENDING] != 0 and st[IN_ISR] == 0 and st[BRANCH_PENDING] == 0 \
                and st[LOOP_ACTIVE] == 0:
            # interrupt sources -> vector slots (docs/emulator.md): ireq1 0, PIO 3, ireq2 5
            pend = st[IRQ_PENDING]
            pcw = st[PCW]
            slot = -1
            bit = 0
            if pend & 1 and pcw & 0x8000:
                slot = 0
                bit = 1
            elif pend & 4 and pcw & 0x1000:
                slot = 3
                bit = 4
            elif pend & 2 and pcw & 0x0400:
                slot = 5
                bit = 2
            if slot >= 0:
                st[IRQ_PENDING] = pend & ~bit
                regs[30] = pc
                pc = (regs[29] + 8 * slot) & MASK24
                st[IN_ISR] = 1
        if pc == until and not first:
            status = STATUS_UNTIL
            break
        if tracing and st[TRACE_N] >= trace.shape[0]:
            status = STATUS_BUFFER
            break
        if hazards and st[HAZARD_N] > hz.shape[0] - 4:
            status = STATUS_BUFFER
            break
        first = 0
        # --- fetch ---
        base = page[pc >> 8]
        if base < 0 or pc & 3:
            if base <= PAGE_WATCHED:
                status = STATUS_WATCH
                break
            st[FAULT_ADDR] = pc
            st[FAULT_WORD] = -1
            status = STATUS_BUS_ERROR if base < 0 else STATUS_MISALIGNED
            break
        wi = ((base & ~0xFF) + (pc & 0xFF)) >> 2
        k = kind[wi]
        if k == K_STALE:
            k = _decode_word(wi, mem32, kind, fld, row_mask, row_match, row_handler,
                             slot_start, slot_count, slot_rows, field_count, field_nparts,
                             field_shift, field_width, kind_of_hid, slot_of, scratch)
        if tracing:
            t = st[TRACE_N]
            trace[t, 0] = ic
            trace[t, 1] = pc
            trace[t, 2] = np.int64(mem32[wi])
            trace[t, 3] = cycles
            st[TRACE_N] = t + 1
        if hazards and st[LOADQ_N] > 0 and k < K_ILLEGAL:
            for j in range(st[LOADQ_N]):
                rr = q[Q_LOAD + 4 * j + 1]
                if _reg_reads(k, fld, wi, rr):
                    _hazard(st, hz, ic, pc, HZ_REG, rr)
        regs[REG_PC] = (pc + 8) & MASK24
        rfetch = base & 0xFF
        r1 = -1
        r2 = -1
        r3 = -1
        new_branch = 0
        target = 0
        jump = -1        # >= 0: an immediate transfer (a write to pc, ireturn)
        fault = 0
        pio = 0
        arm = 0          # stop status to arm if this is a self-branch (after its slot)
        # --- execute ---
        if k <= K_DA_SPECIAL:
            fault, r1, r2, r3 = _da(k, wi, pc, ic, st, regs, accm, acce, mem8, mem16, mem32,
                                    kind, fld, page, q, hz, hazards)
        elif k == K_ADD_IMM:
            e = fld[wi, 0]
            rd = fld[wi, 1]
            nn = np.int64(fld[wi, 3])
            if e:
                nn = _sext16(nn)
            val, cf, _s = _alu(0, regs[fld[wi, 2]], nn, e, cf)
            if rd == REG_PC:
                jump = val
            elif (WRITABLE >> rd) & 1:
                regs[rd] = val
        elif k == K_ALU_REG:
            ff = fld[wi, 1]
            if fld[wi, 5] == 0 or _cond(fld[wi, 3], cf, 0, 0, 0):
                rd = fld[wi, 2]
                right = regs[fld[wi, 6]]
                if fld[wi, 4] and ff != 7 and ff != 15:
                    left = regs[fld[wi, 7]]
                else:
                    left = regs[rd]
                val, cf, stored = _alu(ff, left, right, fld[wi, 0], cf)
                if stored:
                    if rd == REG_PC:
                        jump = val
                    elif (WRITABLE >> rd) & 1:
                        regs[rd] = val
        elif k == K_ALU_IMM:
            e = fld[wi, 0]
            rd = fld[wi, 2]
            nn = np.int64(fld[wi, 3])
            if e:
                nn = _sext16(nn)
            val, cf, stored = _alu(fld[wi, 1], regs[rd], nn, e, cf)
            if stored:
                if rd == REG_PC:
                    jump = val
                elif (WRITABLE >> rd) & 1:
                    regs[rd] = val
        elif k == K_LOAD_IND or k == K_LOAD_DIRECT:
            d = fld[wi, 0]
            sz = fld[wi, 1]
            rh = fld[wi, 2]
            size = 4 if sz == 3 else (2 if sz == 2 else 1)
            if k == K_LOAD_IND:
                p = fld[wi, 3]
                addr = regs[p]
            else:
                addr = _sext16(np.int64(fld[wi, 3])) & MASK24
            flat, r1 = _flat(page, addr, size)
            if flat < 0:
                fault = _bad_access(st, flat, addr, mem32, wi)
            else:
                if d:
                    _mem_write(mem8, mem16, mem32, kind, flat, size, _store_value(regs[rh], sz))
                else:
                    if hazards and st[STOREQ_N] > 0 and _store_pending(q, st, flat, size):
                        _hazard(st, hz, ic, pc, HZ_MEM, addr)
                    val, lf = _load_value(_mem_read(mem8, mem16, mem32, flat, size), sz)
                    if rh == REG_PC:
                        jump = val
                    else:
                        _queue_load(st, q, ic, rh, val, lf)
                if k == K_LOAD_IND:
                    i = fld[wi, 4]
                    if i == 22:
                        step = -size
                    elif i == 23:
                        step = size
                    elif i == 0 or i == 16:
                        step = 0
                    else:
                        step = regs[i]
                    if step != 0:
                        na = (addr + step) & MASK24
                        if p == REG_PC:
                            jump = na
                        elif (WRITABLE >> p) & 1:
                            regs[p] = na
        elif k == K_GOTO:
            c = fld[wi, 0]
            if c != 0:
                rh = fld[wi, 1]
                nn = np.int64(fld[wi, 2])
                if c == 1 and rh == 30 and nn == 0:      # ireturn: no delay slot
                    jump = regs[30]
                    st[IN_ISR] = 0
                else:
                    if c == 1:
                        taken = 1
                    elif c >= 16 and c <= 25:
                        df, late = _flags_seen(st, q, ic)
                        if late and hazards:
                            _hazard(st, hz, ic, pc, HZ_FLAGS, c)
                        taken = _cond(c, cf, df, st[PIO_PCR], st[IREQ_PINS])
                    else:
                        if c >= 36 and c <= 37 and watching:
                            fault = STATUS_WATCH   # pdf/pde: host DMA moves PDF
                        taken = _cond(c, cf, 0, st[PIO_PCR], st[IREQ_PINS])
                    if taken:
                        new_branch = 1
                        target = (regs[rh] + _sext16(nn)) & MASK24
                        if target == pc:
                            if c == 1:
                                arm = STATUS_IDLE
                            elif c >= 36 and c <= 39:
                                arm = STATUS_WAIT
                            if arm and watching:
                                fault = STATUS_WATCH   # a loop stop is the board's to handle
        elif k == K_DEC_BRANCH:
            rm = fld[wi, 0]
            old = _sext16(regs[rm])
            target = (regs[fld[wi, 1]] + _sext16(np.int64(fld[wi, 2]))) & MASK24
            if rm == REG_PC:
                jump = _sext16(old - 1) & MASK24
            elif (WRITABLE >> rm) & 1:
                regs[rm] = _sext16(old - 1) & MASK24
            if old >= 0:
                new_branch = 1
        elif k == K_LOAD_IO:
            d = fld[wi, 0]
            sz = fld[wi, 1]
            rh = fld[wi, 2]
            i = fld[wi, 3]
            if i == 6 or i == 20 or i == 22:
                if watching:
                    status = STATUS_WATCH       # a port register the host's DMA uses
                    if tracing:
                        st[TRACE_N] -= 1
                    break
                pio = 1
                st[PIO_EVENT_CYCLE] = cycles   # start clock (the board's poll model)
            if d:
                _io_write(st, i, sz, regs[rh])
            else:
                raw = _io_read(st, i)
                if sz == 0:
                    raw = raw >> 8
                elif sz == 3 and i != 4 and i != 5:
                    raw = raw & 0xFFFF
                val, lf = _load_value(raw, sz)
                if rh == REG_PC:
                    jump = val
                else:
                    _queue_load(st, q, ic, rh, val, lf)
        elif k == K_CALL or k == K_CALL24:
            if k == K_CALL:
                rm = fld[wi, 0]
                target = (regs[fld[wi, 1]] + _sext16(np.int64(fld[wi, 2]))) & MASK24
            else:
                rm = fld[wi, 1]
                target = np.int64(fld[wi, 0]) & MASK24
            if rm == REG_PC:
                jump = (pc + 8) & MASK24
            elif (WRITABLE >> rm) & 1:
                regs[rm] = (pc + 8) & MASK24
            new_branch = 1
        elif k == K_DO_IMM or k == K_DO_REG:
            if k == K_DO_IMM:
                count = np.int64(fld[wi, 1])
            else:
                count = regs[fld[wi, 1]] & 0x7FF
            st[LOOP_ACTIVE] = 1
            st[LOOP_START] = (pc + 4) & MASK24
            st[LOOP_END] = (pc + 4 + 4 * np.int64(fld[wi, 0])) & MASK24
            st[LOOP_COUNT] = count
        elif k == K_GOTO24:
            target = (regs[fld[wi, 1]] + np.int64(fld[wi, 0])) & MASK24
            new_branch = 1
            if target == pc:
                arm = STATUS_IDLE
                if watching:
                    fault = STATUS_WATCH
        elif k == K_LOAD24:
            rd = fld[wi, 1]
            val = np.int64(fld[wi, 0]) & MASK24
            if rd == REG_PC:
                jump = val
            elif (WRITABLE >> rd) & 1:
                regs[rd] = val
        else:
            fault = _fault(st, STATUS_ILLEGAL, pc, mem32, wi)
        if fault:
            status = fault
            if fault == STATUS_WATCH and tracing:
                st[TRACE_N] -= 1       # the instruction did not run: it is traced when it does
            break
        # --- timing and counters ---
        cycles += 4 + _charge(st, reg_limit, reg_wait, reg_count, rfetch, r1, r2, r3)
        exec_count[wi] += 1
        ic += 1
        # --- next pc: pc write, delayed branch, do loop, fall through ---
        stop = 0
        armed = st[STOP_AFTER_SLOT]   # armed by the branch whose slot this instruction is
        if armed == STATUS_WAIT and not (k == K_GOTO and fld[wi, 0] == 0):
            armed = 0                 # a PIO-flag self-loop waits only with a nop-like slot
        if jump >= 0:
            npc = jump & MASK24
            st[BRANCH_PENDING] = 0
            new_branch = 0
            if st[LOOP_ACTIVE] and (npc < st[LOOP_START] or npc > st[LOOP_END]):
                st[LOOP_ACTIVE] = 0
        elif st[BRANCH_PENDING]:
            npc = st[BRANCH_TARGET]
            st[BRANCH_PENDING] = 0
            stop = armed
            if st[LOOP_ACTIVE] and (npc < st[LOOP_START] or npc > st[LOOP_END]):
                st[LOOP_ACTIVE] = 0
        elif st[LOOP_ACTIVE] and pc == st[LOOP_END]:
            if st[LOOP_COUNT] > 0:
                st[LOOP_COUNT] -= 1
                npc = st[LOOP_START]
            else:
                st[LOOP_ACTIVE] = 0
                npc = (pc + 4) & MASK24
        else:
            npc = (pc + 4) & MASK24
        if new_branch:
            st[BRANCH_PENDING] = 1
            st[BRANCH_TARGET] = target
            st[STOP_AFTER_SLOT] = arm
        elif armed or st[STOP_AFTER_SLOT]:
            st[STOP_AFTER_SLOT] = 0
        pc = npc
        if stop != 0:
            status = stop
            break
        if pio and stop_on_pio:
            status = STATUS_PIO
            break
    st[PC] = pc
    st[CYCLES] = cycles
    st[INSTRET] = ic
    st[CFLAGS] = cf
    st[STOP_REASON] = status
    return status


@njit(cache=True)
def flush_stores(st, q, mem8, mem16, mem32, kind):
    """Land every DA memory write still in flight (used when the DSP idles: the chip would
    keep running and the writes would land within 4 instructions)."""
    while st[STOREQ_N] > 0:
        r = Q_STORE + 4 * st[STOREQ_HEAD]
        _mem_write(mem8, mem16, mem32, kind, q[r + 1], q[r + 3], q[r + 2])
        st[STOREQ_HEAD] = (st[STOREQ_HEAD] + 1) & 3
        st[STOREQ_N] -= 1
