"""The Python face of the emulated DSP32C: build a machine, load an image, run it in slices,
read and write registers and memory, read counters.

    m = Machine()                      # the default board (emulator/memory.py, timing.py)
    m.load_segments(program.segments)  # [(address, bytes)], e.g. from the assembler
    status = m.run(1_000_000)          # clocks; returns an emulator.state STATUS_*
    m.get_reg("r1"), m.get_acc(0), m.read(0xFFF000, 4), m.counters()

All state lives in NumPy arrays (st, regs, accm/acce, memory, pre-decoded kind/fld, queues)
that the Numba kernel emulator.core.run works on; this module only prepares and reads them.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from dsp32c import decode as dec
from dsp32c import isa
from dsp32c.numbers import acc_to_float
from emulator import core
from emulator import state as S
from emulator import timing
from emulator.errors import BusError
from emulator.memory import ADDRESS_MASK, DEFAULT_MAP, Region, build_pages

if sys.byteorder != "little":  # the 8/16/32-bit views of one byte array assume it
    raise ImportError("the emulator needs a little-endian host")

# Field order of the pre-decoded fld array per handler kind, by the ISA table's field names
# ("" = unused slot). The core reads fields by these positions.
FIELD_LAYOUT = {
    "da_mul_acc": ("m", "f", "s", "an", "xp", "xi", "yp", "yi", "zp", "zi"),
    "da_mul_add": ("m", "f", "s", "an", "xp", "xi", "yp", "yi", "zp", "zi"),
    "da_tap_mul": ("m", "f", "s", "an", "xp", "xi", "yp", "yi", "zp", "zi"),
    "da_tap_add": ("", "f", "s", "an", "xp", "xi", "yp", "yi", "zp", "zi"),
    "da_special": ("g", "", "", "an", "", "", "yp", "yi", "zp", "zi"),
    "add_imm": ("e", "rd", "rh", "n"),
    "alu_reg": ("e", "f", "rd", "cond", "t", "ce", "rs1", "rs2"),
    "alu_imm": ("e", "f", "rd", "n"),
    "load_ind": ("d", "sz", "rh", "p", "i"),
    "goto": ("c", "rh", "n"),
    "dec_branch": ("rm", "rh", "n"),
    "load_direct": ("d", "sz", "rh", "n"),
    "load_io": ("d", "sz", "rh", "i"),
    "call": ("rm", "rh", "n"),
    "do_imm": ("k", "n"),
    "do_reg": ("k", "rm"),
    "goto24": ("n", "rh"),
    "load24": ("n", "rd"),
    "call24": ("n", "rm"),
}

# CAU register names (assembler spelling) -> register code, enc §2.1
REGISTER_CODES = {name: code for code, name in enumerate(isa.REGISTER_NAMES)
                  if name is not None and name[0] == "r" and code != isa.REG_ZERO2}
REGISTER_CODES.update({"pc": isa.REG_PC, "pcsh": isa.REG_PCSH, "dauc": isa.REG_DAUC,
                       "ioc": isa.REG_IOC, **isa.REGISTER_ALIASES})

# A chip reset keeps the emulated timeline and its counters, and the PIO data registers the
# host side owns; everything else in st starts from zero.
_KEPT_ON_RESET = (S.CYCLES, S.INSTRET, S.WAIT_CLOCKS, S.CONFLICT_CLOCKS, S.MACS, S.PCW,
                  S.PIO_PAR, S.PIO_PARE, S.PIO_PDR, S.PIO_PDR2, S.PIO_PIR, S.PIOP,
                  S.PIO_PDR_LATCH, S.PIO_EVENTS, S.IRQ_PENDING)

TRACE_ROWS = 4096
HAZARD_ROWS = 1024
DEFAULT_REGION_LIMIT = timing.DEFAULT_ACCESSES_PER_INSTRUCTION


def _kind_tables():
    """(kind_of_hid int64[H], slot_of int64[K, N_FIELDS]) derived by name from dsp32c.isa."""
    kind_of_hid = np.full(len(isa.FORMATS), core.K_ILLEGAL, np.int64)
    slot_of = np.full((core.N_KINDS, core.N_FIELDS), -1, np.int64)
    for kd, name in enumerate(core.KIND_NAMES):
        fmt = isa.FORMAT_BY_NAME[name]
        kind_of_hid[isa.HANDLER_ID[name]] = kd
        for j, fname in enumerate(FIELD_LAYOUT[name]):
            if fname:
                slot_of[kd, j] = fmt.field_names.index(fname)
    if set(core.KIND_NAMES) != set(isa.FORMAT_BY_NAME):
        raise RuntimeError("emulator core and ISA table disagree on the instruction formats")
    return kind_of_hid, slot_of


KIND_OF_HID, SLOT_OF = _kind_tables()


def predecode(words: np.ndarray):
    """Kinds (int32) and fields (int32[N, N_FIELDS], FIELD_LAYOUT order) of many words."""
    hid, fields = dec.decode_array(words)
    kinds = np.where(hid >= 0, KIND_OF_HID[np.maximum(hid, 0)], core.K_ILLEGAL).astype(np.int32)
    out = np.zeros((len(words), core.N_FIELDS), np.int32)
    for kd in range(core.N_KINDS):
        sel = kinds == kd
        if sel.any():
            for j in range(core.N_FIELDS):
                s = SLOT_OF[kd, j]
                if s >= 0:
                    out[sel, j] = fields[sel, s]
    return kinds, out


@dataclass
class MachineConfig:
    clock_hz: int = timing.CLOCK_HZ
    ext_wait_states: int = timing.EXT_WAIT_STATES  # clocks added per external-memory access
    conflict_rule: dict = field(default_factory=lambda: dict(timing.CONFLICT_RULE))
    memory_map: tuple = DEFAULT_MAP


class Machine:
    """One DSP32C and its memory. See the module docstring for the API in brief."""

    def __init__(self, config: MachineConfig | None = None):
        self.config = config or MachineConfig()
        self.regions: tuple[Region, ...] = tuple(self.config.memory_map)
        self.page_off, self.page_reg, size, self.region_base = build_pages(self.regions)
        # the core's page table: flat offset (a multiple of 256) | region index, or -1
        self.page = np.where(self.page_off >= 0, self.page_off | self.page_reg, -1).astype(np.int64)
        self.mem8 = np.zeros(size, np.uint8)
        self.mem16 = self.mem8.view(np.uint16)
        self.mem32 = self.mem8.view(np.uint32)
        n_words = size // 4
        self.kind, self.fld = predecode(self.mem32)
        self.exec_count = np.zeros(n_words, np.int64)
        nreg = len(self.regions)
        self.reg_limit = np.array([self.config.conflict_rule.get(r.name, DEFAULT_REGION_LIMIT)
                                   for r in self.regions], np.int64)
        self.reg_wait = np.array([self.config.ext_wait_states if r.external else 0
                                  for r in self.regions], np.int64)
        self.reg_count = np.zeros(nreg, np.int64)
        self.st = np.zeros(S.ST_SIZE, np.int64)
        self.regs = np.zeros(32, np.int64)
        self.accm = np.zeros(4, np.int64)
        self.acce = np.zeros(4, np.int64)
        self.q = np.zeros(core.Q_SIZE, np.int64)
        self.trace_buf = np.zeros((TRACE_ROWS, 4), np.int64)
        self.hazard_buf = np.zeros((HAZARD_ROWS, 4), np.int64)
        self.cfg = np.zeros(core.CONFIG_SIZE, np.int64)
        self._watched = None     # (first page, saved page entries) while watch() is active
        self._scratch = np.zeros(isa.MAX_FIELDS, np.int64)
        self.trace_sink = None   # callable(rows int64[n, 4]) receiving (ic, pc, word, cycle)
        self.hazard_sink = None  # callable(rows int64[n, 4]) receiving (ic, pc, kind, detail)
        self.source = None       # emulator.trace.SourceInfo of the loaded program, if known
        self.reset()

    # --- reset and loading ------------------------------------------------------------------
    def reset(self):
        """Chip reset (machine §7): PC = 0, PCR = 0x001, ESR = 0, EMR = 0xFFFF, pcw bits
        15..10 cleared, constants set, pipeline queues and flags cleared; memory kept."""
        st = self.st
        kept = {i: int(st[i]) for i in _KEPT_ON_RESET}
        st[:] = 0
        for i, v in kept.items():
            st[i] = v
        st[S.PCW] &= 0x03FF
        st[S.PIO_PCR] = S.PCR_RUN
        st[S.PIO_EMR] = 0xFFFF
        st[S.PIO_ESR] = 0
        st[S.IREQ_PINS] = 3
        self.regs[isa.REG_MINUS1] = ADDRESS_MASK
        self.regs[isa.REG_PLUS1] = 1
        self.regs[isa.REG_ZERO] = self.regs[isa.REG_ZERO2] = 0
        q = self.q
        q[:] = 0
        for a in range(4):
            q[core.Q_ACC + 6 * a] = q[core.Q_ACC + 6 * a + 3] = core.Q_NEVER
        for r in range(4):
            q[core.Q_FLAG + 2 * r] = core.Q_NEVER

    def _flat(self, addr: int, size: int) -> int:
        if not 0 <= addr <= ADDRESS_MASK:
            raise BusError(f"address {addr:#x} is outside the 24-bit address space")
        base = int(self.page_off[addr >> 8])
        if base < 0:
            raise BusError(f"bus error: address {addr:#08x} is not mapped")
        if addr % size:
            raise BusError(f"misaligned {8 * size}-bit access at {addr:#08x}")
        return base + (addr & 0xFF)

    def _span(self, addr: int, n: int) -> list:
        """[(flat offset, length)] covering guest bytes addr .. addr + n - 1 (all mapped)."""
        out = []
        while n > 0:
            flat = self._flat(addr, 1)
            chunk = min(n, 0x100 - (addr & 0xFF))
            if out and out[-1][0] + out[-1][1] == flat:
                out[-1] = (out[-1][0], out[-1][1] + chunk)
            else:
                out.append((flat, chunk))
            addr += chunk
            n -= chunk
        return out

    def load_segments(self, segments):
        """Copy [(address, bytes)] into memory (each write invalidates pre-decoded words)."""
        for addr, data in segments:
            self.write_block(addr, bytes(data))

    def load_words(self, addr: int, words):
        """Write 32-bit words (instructions or data) little-endian from addr on."""
        self.write_block(addr, np.asarray([w & 0xFFFFFFFF for w in words], "<u4").tobytes())

    def _invalidate(self, flat: int, length: int):
        w0 = flat >> 2
        w1 = (flat + length + 3) >> 2
        self.kind[w0:w1] = core.K_STALE

    # --- memory -----------------------------------------------------------------------------
    def read(self, addr: int, size: int) -> int:
        """Little-endian 8/16/32-bit read; BusError when unmapped or misaligned."""
        if size not in (1, 2, 4):
            raise BusError(f"access size must be 1, 2 or 4 bytes, not {size}")
        flat = self._flat(addr, size)
        if size == 4:
            return int(self.mem32[flat >> 2])
        if size == 2:
            return int(self.mem16[flat >> 1])
        return int(self.mem8[flat])

    def write(self, addr: int, size: int, value: int):
        """Little-endian 8/16/32-bit write of value's low bits; BusError when unmapped or
        misaligned."""
        if size not in (1, 2, 4):
            raise BusError(f"access size must be 1, 2 or 4 bytes, not {size}")
        flat = self._flat(addr, size)
        value = int(value) & ((1 << (8 * size)) - 1)
        if size == 4:
            self.mem32[flat >> 2] = value
        elif size == 2:
            self.mem16[flat >> 1] = value
        else:
            self.mem8[flat] = value
        self.kind[flat >> 2] = core.K_STALE

    def read_block(self, addr: int, n: int) -> bytes:
        return b"".join(self.mem8[f:f + c].tobytes() for f, c in self._span(addr, n))

    def write_block(self, addr: int, data: bytes):
        data = bytes(data)
        pos = 0
        for f, c in self._span(addr, len(data)):
            self.mem8[f:f + c] = np.frombuffer(data, np.uint8, c, pos)
            self._invalidate(f, c)
            pos += c

    # --- watched pages (the board's batched DMA) ----------------------------------------------
    def watch(self, lo: int, hi: int) -> None:
        """Watch the mapped pages holding guest bytes [lo, hi) (0 <= lo < hi <= 2**24) until
        unwatch(): any run stops with STATUS_WATCH before an instruction fetches from or
        accesses such a page (run(watch=True) adds the port and self-loop stops). Whole 256-byte pages: bytes near the range stop a run
        too (a false stop only costs the caller speed). Host accesses (read/write) ignore it."""
        if self._watched is not None:
            raise RuntimeError("Machine.watch: pages are already watched")
        if not 0 <= lo < hi <= ADDRESS_MASK + 1:
            raise ValueError(f"watch range [{lo:#x}, {hi:#x}) is not inside the address space")
        p0, p1 = lo >> 8, ((hi - 1) >> 8) + 1
        seg = self.page[p0:p1]
        self._watched = (p0, seg.copy())
        mapped = seg >= 0
        seg[mapped] = core.PAGE_WATCHED - seg[mapped]

    def unwatch(self) -> None:
        """Restore the page table entries watch() changed (no-op if nothing is watched)."""
        if self._watched is not None:
            p0, saved = self._watched
            self.page[p0:p0 + len(saved)] = saved
            self._watched = None

    # --- running ----------------------------------------------------------------------------
    def run(self, max_cycles: int, until: int = -1, stop_on_pio: bool = False,
            trace: bool = False, hazards: bool = False, watch: bool = False) -> int:
        """Run while st[CYCLES] < (its value now) + max_cycles; returns a STATUS_*.
        trace/hazards fill the buffers and hand them to trace_sink/hazard_sink. watch: stop
        with STATUS_WATCH before an instruction that could observe host DMA (a watched page,
        pdr/pdr2/pir, a pdf/pde test) or that closes a self-loop (see core.CONFIG_WATCH)."""
        st = self.st
        end = int(st[S.CYCLES]) + int(max_cycles)
        self.cfg[core.CONFIG_WATCH] = 1 if watch else 0
        self.cfg[core.CONFIG_TRACE] = 1 if trace else 0
        self.cfg[core.CONFIG_HAZARDS] = 1 if hazards else 0
        self.cfg[core.CONFIG_STOP_ON_PIO] = 1 if stop_on_pio else 0
        self.cfg[core.CONFIG_UNTIL] = until
        self.cfg[core.CONFIG_NEW_SLICE] = 1
        t = dec.TABLES
        while True:
            status = core.run(
                st, self.regs, self.accm, self.acce, self.mem8, self.mem16, self.mem32,
                self.kind, self.fld, self.page, self.reg_limit,
                self.reg_wait, self.reg_count, self.exec_count, self.q, self.trace_buf,
                self.hazard_buf, self.cfg, max(0, end - int(st[S.CYCLES])),
                t.row_mask, t.row_match, t.row_handler, t.slot_start, t.slot_count,
                t.slot_rows, t.field_count, t.field_nparts, t.field_shift, t.field_width,
                KIND_OF_HID, SLOT_OF, self._scratch)
            self._drain()
            if status != S.STATUS_BUFFER:
                break
            self.cfg[core.CONFIG_NEW_SLICE] = 0   # same slice, resumed: keep the until check
        if status in (S.STATUS_IDLE, S.STATUS_WAIT):
            self.settle()
        return int(status)

    def _drain(self):
        st = self.st
        n = int(st[S.TRACE_N])
        if n:
            if self.trace_sink is not None:
                self.trace_sink(self.trace_buf[:n].copy())
            st[S.TRACE_N] = 0
        n = int(st[S.HAZARD_N])
        if n:
            if self.hazard_sink is not None:
                self.hazard_sink(self.hazard_buf[:n].copy())
            st[S.HAZARD_N] = 0

    def settle(self):
        """Land every load and DA memory write still in flight, as the chip would while it
        keeps spinning in an idle or wait loop (called by run on STATUS_IDLE/STATUS_WAIT)."""
        st, q = self.st, self.q
        n = int(st[S.LOADQ_N])
        for j in range(n):
            r = int(q[core.Q_LOAD + 4 * j + 1])
            if (core.WRITABLE >> r) & 1:
                self.regs[r] = q[core.Q_LOAD + 4 * j + 2]
            st[S.CFLAGS] = q[core.Q_LOAD + 4 * j + 3]
        st[S.LOADQ_N] = 0
        core.flush_stores(st, q, self.mem8, self.mem16, self.mem32, self.kind)

    # --- registers --------------------------------------------------------------------------
    @staticmethod
    def _code(name: str) -> int:
        code = REGISTER_CODES.get(name.lower())
        if code is None:
            raise KeyError(f"unknown CAU register {name!r}")
        return code

    def get_reg(self, name: str) -> int:
        """A CAU register by its assembler name (24-bit unsigned value); `pc` is the address of
        the next instruction, `pcw` the processor control word."""
        name = name.lower()
        if name == "pc":
            return int(self.st[S.PC])
        if name == "pcw":
            return int(self.st[S.PCW])
        return int(self.regs[self._code(name)])

    def set_reg(self, name: str, value: int):
        name = name.lower()
        if name == "pc":
            self.st[S.PC] = int(value) & ADDRESS_MASK
            self.st[S.BRANCH_PENDING] = 0      # a new PC cancels a delayed branch in flight
            self.st[S.STOP_AFTER_SLOT] = 0
            return
        if name == "pcw":
            self.st[S.PCW] = int(value) & 0xFFFF
            return
        code = self._code(name)
        if (core.WRITABLE >> code) & 1:
            self.regs[code] = int(value) & ADDRESS_MASK
        else:
            raise KeyError(f"register {name} is read-only")

    def get_acc(self, n: int) -> float:
        return acc_to_float(*self.get_acc_raw(n))

    def get_acc_raw(self, n: int) -> tuple[int, int]:
        return int(self.accm[n]), int(self.acce[n])

    def set_acc_raw(self, n: int, m: int, e: int):
        self.accm[n] = m
        self.acce[n] = e

    # --- reports ----------------------------------------------------------------------------
    def dump_state(self, src=None) -> str:
        """Multi-line: PC and its word disassembled, registers, flags, accumulators. `src` (an
        emulator.trace.SourceInfo, default self.source) adds labels and file:line."""
        from emulator import trace
        return trace.dump_state(self, src or self.source)

    def fault_message(self, status: int, src=None) -> str:
        """One line: `fault: <reason> at pc=0x... word=0x... (<disassembly>)` [at file:line]."""
        from emulator import trace
        return trace.fault_message(self, status, src or self.source)

    def region_of(self, addr: int) -> str | None:
        r = int(self.page_reg[(addr & ADDRESS_MASK) >> 8])
        return self.regions[r].name if r >= 0 else None

    def exec_counts(self) -> dict:
        """{guest address: times executed} for every executed word."""
        out = {}
        idx = np.nonzero(self.exec_count)[0]
        for r, base in zip(self.regions, self.region_base):
            lo, hi = base >> 2, (base + r.size) >> 2
            for w in idx[(idx >= lo) & (idx < hi)]:
                out[r.start + 4 * (int(w) - lo)] = int(self.exec_count[w])
        return out

    def counters(self) -> dict:
        st = self.st
        return {
            "instructions": int(st[S.INSTRET]),
            "cycles": int(st[S.CYCLES]),
            "wait_clocks": int(st[S.WAIT_CLOCKS]),
            "conflict_clocks": int(st[S.CONFLICT_CLOCKS]),
            "macs": int(st[S.MACS]),
            "accesses": {r.name: int(c) for r, c in zip(self.regions, self.reg_count)},
            "seconds": int(st[S.CYCLES]) / self.config.clock_hz,
            "exec_count": self.exec_count,
        }
