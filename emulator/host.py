"""The 486 PC that drives the DSP card: a driver doing one PIO port access at a time on the
board's timeline (emulator/board.py), with the recipes of machine §5.5 and a latency record.

    board = Board()
    host = Host(board)
    host.load_program([(0x000000, code_bytes)])     # reset, hold, DMA, verify
    host.start()                                    # RUN rising edge, then the 16-bit map
    with host.request("digit 0") as r:
        with r.phase(TRANSFER_IN):
            host.dma_write(0x001000, pixels, width=32)
            host.write_pir(1)
        host.wait_flag("pif")                       # compute + waiting, by polling PCR
        with r.phase(TRANSFER_OUT):
            host.read_pir()
            scores = host.dma_read(0x002000, 40, width=32)

Timing (docs/board-and-host.md): every port access happens at the host's present `board.now`:
the DSP is first run up to that time, then the register is read or written, then the host's
time advances by the access cost (HostCosts: 1.0 us per 16-bit or 8-bit access by default).
The helpers other than reset_and_hold/start/select_16bit_map use the DSP32C 16-bit map, which
they expect the host to have selected (the reference README's driver choice).
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from dsp32c.errors import Dsp32cError
from emulator import state as S
from emulator.board import Board, HostCosts
from emulator.latency import COMPUTE, DEFAULT_PHASE, WAITING, Request
from emulator.pio import PCR_HOST_WRITABLE


class PioError(Dsp32cError):
    """The board reported an error (ESR) or the driver was misused; one line."""


class HostTimeout(Dsp32cError):
    """A flag wait ran out of emulated time; names the flag, the DSP's PC and its state."""


# Register indices of the DSP32C 16-bit map (machine §5.1). PCR is index 7 in every map (its
# low byte in the 8-bit maps); index 10 is PCR's high byte in the DSP32C 8-bit map.
IDX_PAR, IDX_PDR, IDX_EMR, IDX_ESR, IDX_PCR, IDX_PIR, IDX_PARE, IDX_PDR2 = 0, 2, 4, 6, 7, 8, 11, 12
IDX_PCR_HIGH = 10

# flag name -> (PCR bit, awaited value); pie/pde wait for the flag to clear
FLAGS = {"pif": (S.PCR_PIF, True), "pdf": (S.PCR_PDF, True),
         "pie": (S.PCR_PIF, False), "pde": (S.PCR_PDF, False)}
_FLAG_TEXT = {"pif": "PIF = 1 (a DSP write of pir)", "pdf": "PDF = 1 (a DSP write of pdr)",
              "pie": "PIF = 0 (a DSP read of pir)", "pde": "PDF = 0 (a DSP read of pdr)"}

_DMA_BITS = S.PCR_DMA | S.PCR_AUTO | S.PCR_DMA32
_MAP16_RUNNING = S.PCR_RUN | S.PCR_REGMAP | S.PCR_ENI | S.PCR_PIO16  # 0x207 after start()


def as_units(data, width: int) -> np.ndarray:
    """bytes-like or a NumPy integer array (taken as its little-endian memory image) ->
    int64 array of 16- or 32-bit transfer units."""
    if width not in (16, 32):
        raise PioError(f"DMA width must be 16 or 32 bits, not {width}")
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "ui":
            raise PioError(f"DMA data must be an integer array, not {data.dtype}")
        raw = data.astype(data.dtype.newbyteorder("<"), copy=False).tobytes()
    else:
        raw = bytes(data)
    unit = width // 8
    if len(raw) % unit:
        raise PioError(f"{len(raw)} bytes is not a whole number of {width}-bit DMA units")
    return np.frombuffer(raw, "<u2" if width == 16 else "<u4").astype(np.int64)


class Host:
    """The host PC's driver for one board. `costs` defaults to the board's HostCosts."""

    def __init__(self, board: Board, costs: HostCosts | None = None):
        self.board = board
        self.port = board.port
        self.costs = costs or board.host_costs
        self.accesses = 0        # port accesses made (polls included)
        self.polls = 0           # PCR reads made by flag waits
        self.requests: list[Request] = []
        self._request: Request | None = None
        # DMA blocks are made at once when the DSP provably cannot see them (Host._burst).
        # batch_dma: while the DSP provably spins in a loop the block cannot disturb
        # (Board.parked); False runs the DSP before every access, one access at a time (same
        # results; only the wait-loop instructions the board executes rather than skips, and
        # so st[INSTRET], can differ: skipping works per run call). watch_dma (with batch_dma):
        # otherwise too, the DSP run once, watched, over the block's time (Board.sync_watched);
        # False makes those blocks one access at a time. Identical results, counters included.
        self.batch_dma = True
        self.watch_dma = True
        # the latest wait_flag: start_ps/end_ps (host), polls, flag_ps (end of the DSP's
        # instruction that changed the flag, -1 if it held already), visible_ps (the first
        # instant a poll could see that change: one clock after the instruction started)
        self.last_wait: dict = {}

    # --- time -----------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        return self.board.now

    def _advance(self, ps: int, phase: str | None = None) -> None:
        self.board.now += ps
        if self._request is not None:
            self._request.add(phase or self._request.current_phase, ps)

    def spend(self, seconds: float) -> None:
        """Host-side work (e.g. the 486 preparing the next digit): the host's time advances,
        the DSP runs on in parallel (it is brought up to date at the next access)."""
        ps = self.board.ps(seconds)
        if ps < 0:
            raise PioError("host time cannot go backwards")
        self._advance(ps)

    def idle_until(self, t_ps: int) -> None:
        """The host does nothing until time t (no-op if t is past)."""
        if t_ps > self.board.now:
            self._advance(t_ps - self.board.now)

    # --- single port accesses -------------------------------------------------------------------
    def out(self, index: int, value: int) -> None:
        """One port write (8 or 16 bits, as the current map's data path)."""
        self._access(index, value)

    def inp(self, index: int) -> int:
        """One port read."""
        return self._access(index, None)

    def _access(self, index: int, value):
        """One access at board.now: the DSP is brought up to date first."""
        b, port = self.board, self.port
        cost = self.costs.port_ps(port.width)
        b.sync(b.clock_at(b.now))
        try:
            result = port.read(index) if value is None else port.write(index, int(value))
        except ValueError as exc:
            raise PioError(str(exc)) from None
        self.accesses += 1
        self._advance(cost)
        if port.last_error:
            raise PioError(f"PIO error (ESR = {int(b.machine.st[S.PIO_ESR]):#04x}) at "
                           f"t = {(b.now - cost) / 1e6:.3f} us: {port.last_error}")
        return result

    # --- control recipes (machine §5.5) ---------------------------------------------------------
    def reset_and_hold(self) -> None:
        """Chip reset with the DSP left held, ending in the 16-bit map (PCR = 0x202). 4 accesses:
        RUN low; RUN high (rising edge: reset, PCR = 0x001, the DSP32 map; the DSP runs from
        address 0 for the one access that follows, as on the chip); PCR low = REGMAP (RUN low:
        held, DSP32C 8-bit map); PCR high = PIO16."""
        self.out(IDX_PCR, 0)
        self.out(IDX_PCR, S.PCR_RUN)
        self.out(IDX_PCR, S.PCR_REGMAP)
        self.out(IDX_PCR_HIGH, S.PCR_PIO16 >> 8)

    def select_16bit_map(self) -> None:
        """From an 8-bit map: PCR low |= REGMAP, then PCR high |= PIO16 (2 accesses, RUN kept;
        the driver knows its own PCR, so nothing is read). No-op in the 16-bit map."""
        if self.port.width == 16:
            return
        pcr = self.port.pcr & PCR_HOST_WRITABLE
        self.out(IDX_PCR, (pcr & 0xFF) | S.PCR_REGMAP)
        self.out(IDX_PCR_HIGH, ((pcr >> 8) | (S.PCR_PIO16 >> 8)) & 0xFF)

    def start(self) -> None:
        """Start the program at address 0 (NCAR's dspgo): RUN low if it is high, RUN high
        (rising edge: chip reset, 8-bit DSP32 map), PCR low = REGMAP|ENI|RUN, PCR high = PIO16,
        then read PCR back and check it is 0x207 (plus flags)."""
        if self.port.pcr & S.PCR_RUN:
            low = self.port.pcr & PCR_HOST_WRITABLE & ~S.PCR_RUN
            self.out(IDX_PCR, low if self.port.width == 16 else low & 0xFF)
        self.out(IDX_PCR, S.PCR_RUN)
        self.out(IDX_PCR, S.PCR_REGMAP | S.PCR_ENI | S.PCR_RUN)
        self.out(IDX_PCR_HIGH, S.PCR_PIO16 >> 8)
        got = self.inp(IDX_PCR) & PCR_HOST_WRITABLE
        if got != _MAP16_RUNNING:
            raise PioError(f"start: PCR reads {got:#05x} after start, "
                           f"expected {_MAP16_RUNNING:#05x}")

    def stop(self) -> None:
        """Hold the DSP (NCAR's dspstop): PCR = REGMAP|PIO16 (+ENI kept), RUN = 0, DMA off; then
        read PCR back and check RUN is 0. 2 accesses."""
        self._require_map16("stop")
        want = self.port.pcr & PCR_HOST_WRITABLE & ~(S.PCR_RUN | _DMA_BITS)
        self.out(IDX_PCR, want)
        got = self.inp(IDX_PCR) & PCR_HOST_WRITABLE
        if got != want:
            raise PioError(f"stop: PCR reads {got:#05x}, expected {want:#05x}")

    # --- mailbox registers --------------------------------------------------------------------
    def write_pir(self, value: int) -> None:
        """PIR = value: sets PIF and requests the DSP's PIO interrupt."""
        self._require_map16("write_pir")
        self.out(IDX_PIR, value)

    def read_pir(self) -> int:
        """Read PIR: clears PIF."""
        self._require_map16("read_pir")
        return self.inp(IDX_PIR)

    def write_pdr(self, value: int) -> None:
        """PDR = value without DMA: sets PDF."""
        self._require_map16("write_pdr", no_dma=True)
        self.out(IDX_PDR, value)

    def read_pdr(self) -> int:
        """Read PDR without DMA: clears PDF."""
        self._require_map16("read_pdr", no_dma=True)
        return self.inp(IDX_PDR)

    # --- DMA --------------------------------------------------------------------------------------
    def dma_write(self, addr: int, data, width: int = 16) -> None:
        """Store data at addr through PDR (width 16: halfwords; 32: PDR2 then PDR per word).
        Accesses: PCR (DMA|AUTO[|DMA32]), PARE, PAR, one (16) or two (32) per unit, PCR
        (restored). DMA ends with PDF = 0 (the last store clears it)."""
        units = as_units(data, width)
        self._dma_begin("dma_write", addr, width)
        try:
            end = addr + len(units) * (width // 8)
            done = self._burst(len(units), width, addr, end, writes=True)
            if done:
                self.port.store_units(units[:done])
                self._made(done * (width // 16))
            if width == 32:
                for w in units[done:].tolist():
                    self._access(IDX_PDR2, w & 0xFFFF)
                    self._access(IDX_PDR, w >> 16)
            else:
                for h in units[done:].tolist():
                    self._access(IDX_PDR, h)
        finally:
            self._dma_end()

    def dma_read(self, addr: int, n_bytes: int, width: int = 16) -> bytes:
        """Read n_bytes from addr (width 16: halfwords; 32: PDR2 then PDR per word). Accesses as
        dma_write. DMA ends with PDF = 1: the last read prefetched the next unit."""
        if n_bytes < 0 or n_bytes % (width // 8):
            raise PioError(f"dma_read: {n_bytes} bytes is not a whole number of {width}-bit units")
        self._dma_begin("dma_read", addr, width)
        n = n_bytes // (width // 8)
        out = []
        try:
            # the last read prefetches the unit after the block: watched too
            done = self._burst(n, width, addr, addr + n_bytes + width // 8, writes=False)
            if done:
                out = self.port.load_units(done).tolist()
                self._made(done * (width // 16))
            for _ in range(n - done):
                if width == 32:
                    low = self._access(IDX_PDR2, None)
                    out.append((self._access(IDX_PDR, None) << 16) | low)
                else:
                    out.append(self._access(IDX_PDR, None))
        finally:
            self._dma_end()
        return np.asarray(out, "<u2" if width == 16 else "<u4").tobytes()

    def _burst(self, n: int, width: int, lo: int, hi: int, writes: bool) -> int:
        """The batched DMA (docs/board-and-host.md, "Batched DMA blocks"): how many of a
        block's n units (at [lo, hi), the prefetch included) the caller may make at once with
        PioPort.store_units/load_units and _made, exactly as one access at a time; it makes
        the rest one by one. Brings the DSP up to where those accesses can be made.

        Unit u's accesses are due at t0 + (per * u + i) * cost. One by one, each would first
        bring the DSP up to its time. Here the DSP runs once, watched, to the last access's
        time (Board.sync_watched) or not at all when it provably spins in a loop the block
        cannot disturb (Board.parked). If nothing stopped it, no instruction could have seen
        any access: all are made at once. If it stopped at clock s before an instruction that
        could, the accesses due at or before s (clock_at(t) <= s: one by one they would have
        come before that instruction) are made; the rest go one by one."""
        port, b = self.port, self.board
        if not self.batch_dma or not port.burst_ready(n):
            return 0
        per = 2 if width == 32 else 1
        cost = self.costs.port_ps(port.width)
        t0 = b.now
        if b.parked(lo, hi) if writes else b.parked():
            k = n
        elif not self.watch_dma:
            return 0
        elif b.sync_watched(b.clock_at(t0 + (per * n - 1) * cost), lo, hi):
            k = n
        else:
            s = b.dsp_clock
            j = max(0, min(per * n, -(-(b.time_at(s + 1) - t0) // cost)))  # accesses due <= s
            while j < per * n and b.clock_at(t0 + j * cost) <= s:
                j += 1
            while j > 0 and b.clock_at(t0 + (j - 1) * cost) > s:
                j -= 1
            k = j // per                          # whole units; a split unit goes one by one
        return k

    def _made(self, accesses: int) -> None:
        """Account for data accesses made in a burst: counted, and host time as one by one."""
        self.accesses += accesses
        self._advance(accesses * self.costs.port_ps(self.port.width))

    def peek(self, addr: int, n_bytes: int = 4, width: int = 32) -> bytes:
        """Read DSP memory while it runs (NCAR's dp_sync): DMA interleaved with the DSP."""
        return self.dma_read(addr, n_bytes, width)

    def poke(self, addr: int, data, width: int = 32) -> None:
        """Write DSP memory while it runs. With width 32 each word lands in one store, so the
        DSP never fetches a half-written instruction."""
        self.dma_write(addr, data, width)

    def _dma_begin(self, what: str, addr: int, width: int) -> None:
        if width not in (16, 32):
            raise PioError(f"{what}: DMA width must be 16 or 32 bits, not {width}")
        if not 0 <= addr <= 0xFFFFFF or addr % (width // 8):
            raise PioError(f"{what}: address {addr:#x} is not a {width}-bit aligned 24-bit address")
        self._require_map16(what)
        self._dma_base = self.port.pcr & PCR_HOST_WRITABLE & ~_DMA_BITS
        self.out(IDX_PCR, self._dma_base | S.PCR_DMA | S.PCR_AUTO
                 | (S.PCR_DMA32 if width == 32 else 0))
        self.out(IDX_PARE, addr >> 16)
        self.out(IDX_PAR, addr & 0xFFFF)  # with DMA on, this also loads PDR from addr

    def _dma_end(self) -> None:
        self.out(IDX_PCR, self._dma_base)

    # --- programs -------------------------------------------------------------------------------
    def load_program(self, segments, verify: bool = True) -> None:
        """NCAR's loader: reset and hold the DSP, DMA every (address, bytes) segment in 16-bit
        units, then read everything back and compare (PioError on the first difference)."""
        segments = [(int(a), bytes(d)) for a, d in segments]
        for addr, data in segments:
            if addr % 2 or len(data) % 2:
                raise PioError(f"segment at {addr:#08x} ({len(data)} bytes) is not whole halfwords")
        self.reset_and_hold()
        for addr, data in segments:
            if data:
                self.dma_write(addr, data, 16)
        if verify:
            self.verify(segments)

    def verify(self, segments) -> None:
        for addr, data in segments:
            data = bytes(data)
            got = self.dma_read(addr, len(data), 16) if data else b""
            if got != data:
                k = next(i for i in range(0, len(data), 2) if got[i:i + 2] != data[i:i + 2])
                want = int.from_bytes(data[k:k + 2], "little")
                have = int.from_bytes(got[k:k + 2], "little")
                raise PioError(f"verify failed at {addr + k:#08x}: wrote {want:#06x}, "
                               f"read back {have:#06x}")

    # --- waiting for the DSP ----------------------------------------------------------------------
    def wait_flag(self, flag: str = "pif", timeout_s: float = 1.0) -> int:
        """Poll PCR (one port read per poll) until `flag` holds: "pif"/"pdf" wait for the flag
        to be set, "pie"/"pde" for it to clear. Returns the number of polls.

        The result is the literal poll loop's: poll j reads PCR at t0 + j*cost and sees every
        DSP instruction that started before that time. Instead of running the DSP poll by
        poll, the board runs it to its next port access (only the DSP can change the flags
        while the host polls), and the next poll that instruction's start precedes is
        computed. HostTimeout after timeout_s of emulated time (the polls up to the deadline
        are made)."""
        if flag not in FLAGS:
            raise PioError(f"unknown flag {flag!r}: expected one of {', '.join(FLAGS)}")
        bit, want = FLAGS[flag]
        b, st = self.board, self.board.machine.st
        cost = self.costs.port_ps(self.port.width)
        t0 = b.now
        last = max(0, b.ps(timeout_s)) // cost       # index of the last poll before the deadline
        j = 0
        flag_clock = -1                              # end clock of the DSP's latest port access
        visible = -1                                 # first instant a poll could have seen it
        while j <= last:
            tj = t0 + j * cost
            b.sync(b.clock_at(tj))
            if bool(st[S.PIO_PCR] & bit) == want:
                self.port.read(IDX_PCR)              # the poll that sees it (no side effect)
                self._finish_wait(t0, tj + cost, j + 1, flag_clock, visible)
                return j + 1
            if not b.sync(b.clock_at(t0 + last * cost), stop_on_pio=True):
                break                                # no DSP port access before the deadline
            # the access's start on the board clock (st counts only clocks the DSP ran)
            start = b.dsp_clock - (int(st[S.CYCLES]) - int(st[S.PIO_EVENT_CYCLE]))
            flag_clock = b.dsp_clock
            visible = b.time_at(start + 1)
            # first poll whose time is at or after the instant clock start + 1 begins
            first = -(-(visible - t0) // cost)
            j = max(j + 1, first)
        end = t0 + (last + 1) * cost
        self._finish_wait(t0, end, last + 1, -1, -1)
        raise HostTimeout(f"timeout: no {_FLAG_TEXT[flag]} within {timeout_s:g} s of emulated "
                          f"time ({last + 1} polls of PCR); DSP {b.dsp_state()}")

    def _finish_wait(self, t0: int, end: int, polls: int, flag_clock: int, visible: int) -> None:
        """Host time for a wait: COMPUTE until the DSP's flag-changing instruction ended (or
        nothing, when the flag already held), WAITING from then until the noticing poll ended.
        Also fills `last_wait` (picoseconds; -1 where no DSP access was involved)."""
        self.accesses += polls
        self.polls += polls
        b = self.board
        t_flag = t0 if flag_clock < 0 else min(max(b.time_at(flag_clock), t0), end)
        self.last_wait = {"start_ps": t0, "end_ps": end, "polls": polls,
                          "flag_ps": b.time_at(flag_clock) if flag_clock >= 0 else -1,
                          "visible_ps": visible}
        self._advance(t_flag - t0, COMPUTE)
        self._advance(end - t_flag, WAITING)

    # --- latency accounting ---------------------------------------------------------------------
    @contextmanager
    def request(self, label: str = ""):
        """One request's latency record; see emulator/latency.py. Requests do not nest."""
        if self._request is not None:
            raise PioError("host requests do not nest")
        r = Request(label, self.board.now)
        self._request = r
        try:
            yield r
        finally:
            r.end_ps = self.board.now
            unattributed = r.total_ps - sum(r.phases.values())  # e.g. board.run_dsp_until
            r.add(DEFAULT_PHASE, unattributed)
            self._request = None
            self.requests.append(r)

    # --- helpers ----------------------------------------------------------------------------------
    def _require_map16(self, what: str, no_dma: bool = False) -> None:
        if self.port.width != 16:
            raise PioError(f"{what}: the host helpers use the 16-bit register map "
                           f"(PCR = {self.port.pcr:#05x}); call start() or reset_and_hold()")
        if no_dma and self.port.pcr & S.PCR_DMA:
            raise PioError(f"{what}: PCR DMA is set, so PDR accesses would be DMA transfers")
