"""The 1989 DSP card on the PC's ISA bus: one DSP32C (emulator.machine.Machine), its parallel
I/O port (emulator.pio.PioPort) and the one emulated timeline the DSP and the host share.

Time is an integer number of picoseconds since power-on (`Board.now`, the host's present).
The DSP's position on the timeline is `Board.dsp_clock`, in DSP clocks since power-on; clock k
spans [time_at(k), time_at(k + 1)). Both conversions are exact integer arithmetic, so every
run is deterministic whatever the clock frequency.

`run_dsp_until(t)` brings the DSP up to time t: it executes every instruction that *starts*
before clock_at(t) (whole instructions, so the DSP may end up to one instruction past t). A
host access at time t therefore sees the effects of exactly those instructions. When the DSP
is held (PCR RUN = 0) its clock still advances (counted as halted); when it idles (`goto $`)
or spins in a self-loop on a PIO flag (STATUS_WAIT), the board skips whole loop iterations
instead of executing them once the loop is proven unchanging (see _skip_loop), which leaves
the machine exactly where a literal run would: the skipped clocks are added to st[CYCLES] and
counted as idle or wait clocks (not as instructions: st[INSTRET] counts executed instructions
only).
"""
from __future__ import annotations

from dataclasses import dataclass

from dsp32c.decode import decode
from dsp32c.isa import CONDITION_NAMES
from emulator import core
from emulator import state as S
from emulator.errors import DspFault
from emulator.latency import PS_PER_S
from emulator.machine import Machine, MachineConfig
from emulator.pio import PioPort

_COND_TRUE, _COND_PIE, _COND_PIF = (CONDITION_NAMES.index(c) for c in ("true", "pie", "pif"))


@dataclass(frozen=True)
class HostCosts:
    """Host time per PIO port access, in picoseconds (the board's time unit).

    Reference README: one 16-bit port access on the 8 MHz ISA bus of a 486DX/33 costs 1.0 us.
    An 8-bit access is charged the same 1.0 us by default (machine §8.3: an 8-bit ISA cycle
    has more wait states, ~750 ns of bus time, so 1.0 us with the CPU's overhead is the same
    figure)."""

    port16_ps: int = 1_000_000
    port8_ps: int = 1_000_000

    def __post_init__(self):
        for name in ("port16_ps", "port8_ps"):
            v = getattr(self, name)
            if not isinstance(v, int) or v <= 0:
                raise ValueError(f"HostCosts.{name} must be a positive integer (picoseconds)")

    @classmethod
    def from_us(cls, port16_us: float = 1.0, port8_us: float | None = None) -> "HostCosts":
        p16 = round(port16_us * 1_000_000)
        p8 = p16 if port8_us is None else round(port8_us * 1_000_000)
        return cls(port16_ps=p16, port8_ps=p8)

    def port_ps(self, width: int) -> int:
        return self.port16_ps if width == 16 else self.port8_ps


class Board:
    """One DSP32C card. Power-on: memory cleared and the chip reset with RUN held low (the
    board keeps the DSP halted until the host starts it: PCR = 0x000, the DSP32 8-bit map)."""

    def __init__(self, machine_config: MachineConfig | None = None,
                 host_costs: HostCosts | None = None):
        self.machine = Machine(machine_config or MachineConfig())
        self.clock_hz = int(self.machine.config.clock_hz)
        if self.clock_hz <= 0:
            raise ValueError("MachineConfig.clock_hz must be positive")
        self.port = PioPort(self.machine)
        self.host_costs = host_costs or HostCosts()
        self.machine.st[S.PIO_PCR] = 0  # RUN held low at power-on
        self.now = 0            # ps: the present of the timeline (the host's time)
        self.dsp_clock = 0      # DSP clocks since power-on the DSP has been brought through
        self.last_status = S.STATUS_HALTED
        self.pio_events = 0     # DSP_* bits of the DSP's port accesses since the last clear
        self.clocks = {"run": 0, "wait": 0, "idle": 0, "halted": 0}
        # latest self-loop stop: (pc, cycles, instret, code words, status, what its next
        # branch saw (None until the run call that executes it starts), what the loop was
        # proven under (None: not proven))
        self._loop = None

    # --- time conversions (exact integers) -------------------------------------------------------
    def clock_at(self, t_ps: int) -> int:
        """Number of whole DSP clocks elapsed at time t."""
        return t_ps * self.clock_hz // PS_PER_S

    def time_at(self, clock: int) -> int:
        """The time (ps, rounded up) at which DSP clock `clock` begins."""
        return -(-clock * PS_PER_S // self.clock_hz)

    @staticmethod
    def seconds(ps: int) -> float:
        return ps / PS_PER_S

    @staticmethod
    def ps(seconds: float) -> int:
        return round(seconds * PS_PER_S)

    # --- running the DSP --------------------------------------------------------------------------
    def run_dsp_until(self, t_ps: int) -> None:
        """Bring the DSP up to time t (the host idles until then: now = max(now, t))."""
        self.sync(self.clock_at(t_ps))
        self.now = max(self.now, t_ps)

    def sync(self, target_clock: int, stop_on_pio: bool = False) -> bool:
        """Run the DSP until every instruction starting before `target_clock` has executed.
        With stop_on_pio, return True right after an instruction that touched pdr/pdr2/pir
        (its start clock is st[PIO_EVENT_CYCLE]); otherwise return False at the target."""
        m, st = self.machine, self.machine.st
        if self.dsp_clock < target_clock and not st[S.PIO_PCR] & S.PCR_RUN:
            self.clocks["halted"] += target_clock - self.dsp_clock  # held: nothing to run
            self.dsp_clock = target_clock
            self.last_status = S.STATUS_HALTED
            self._loop = None
            return False
        while self.dsp_clock < target_clock:
            if self._loop is not None and self._loop[5] is None:
                # this call's first instruction is the loop's branch: note what it will see
                self._loop = self._loop[:5] + (self._seen(),) + self._loop[6:]
            c0 = int(st[S.CYCLES])
            status = m.run(target_clock - self.dsp_clock, stop_on_pio=stop_on_pio)
            ran = int(st[S.CYCLES]) - c0
            self.dsp_clock += ran
            self.clocks["run"] += ran
            self.last_status = status
            if st[S.PIO_EVENTS]:
                self.pio_events |= int(st[S.PIO_EVENTS])
                st[S.PIO_EVENTS] = 0
            if status >= S.STATUS_FAULT_MIN:
                raise DspFault(f"DSP fault at t = {self.time_at(self.dsp_clock) / 1e6:.3f} us: "
                               f"{m.fault_message(status)}", status)
            if status == S.STATUS_HALTED:
                self.clocks["halted"] += target_clock - self.dsp_clock
                self.dsp_clock = target_clock
                break
            if status in (S.STATUS_WAIT, S.STATUS_IDLE):
                self._skip_loop(status, target_clock)
                continue
            if status != S.STATUS_LIMIT:  # a budget stop inside a loop keeps it provable
                self._loop = None
            if status == S.STATUS_PIO and stop_on_pio:
                return True
            if ran == 0 and status == S.STATUS_LIMIT:
                raise RuntimeError("the DSP core made no progress within its budget")
        return False

    def sync_watched(self, target_clock: int, lo: int, hi: int) -> bool:
        """Like sync(target_clock) while the host is about to make DMA accesses to [lo, hi):
        run the DSP with the machine's watch on (Machine.watch: the pages of [lo, hi), the
        port registers pdr/pdr2/pir, the pdf/pde conditions, self-loop branches), so it
        stops before the first instruction that could observe those accesses. True: every
        instruction starting before target_clock has run, none could have seen the accesses.
        False: the DSP stopped at dsp_clock before such an instruction (not run), or could
        not be run watched at all (a self-loop stop still to be handled by sync, a DA write in
        flight to a watched page); the caller makes the accesses due before then and brings
        the DSP on with sync(), which runs that instruction as the per-access path would.
        Faults count as stops: the faulting instruction leaves no trace, and sync() meets it
        again and raises as usual."""
        m, st = self.machine, self.machine.st
        if self.dsp_clock >= target_clock:
            return True
        if not st[S.PIO_PCR] & S.PCR_RUN:
            self.sync(target_clock)               # held: the DSP sees nothing either way
            return True
        if (self._loop is not None and self._loop[5] is None) or st[S.STOP_AFTER_SLOT]:
            return False                          # a loop stop sync must note and skip
        if self._store_in_flight(lo, hi):
            return False
        m.watch(lo, hi)
        try:
            while self.dsp_clock < target_clock:
                c0 = int(st[S.CYCLES])
                status = m.run(target_clock - self.dsp_clock, watch=True)
                ran = int(st[S.CYCLES]) - c0
                self.dsp_clock += ran
                self.clocks["run"] += ran
                if status != S.STATUS_LIMIT:
                    return False                  # STATUS_WATCH or a fault, before its instruction
                self.last_status = status
                if ran == 0:
                    raise RuntimeError("the DSP core made no progress within its budget")
        finally:
            m.unwatch()
        return True

    def _store_in_flight(self, lo: int, hi: int) -> bool:
        """True if a DA memory write still in flight lands in a page of [lo, hi)."""
        m, st, q = self.machine, self.machine.st, self.machine.q
        n = int(st[S.STOREQ_N])
        if n == 0:
            return False
        pages = m.page_off[lo >> 8:((hi - 1) >> 8) + 1]
        bases = set(int(p) for p in pages[pages >= 0])
        head = int(st[S.STOREQ_HEAD])
        return any(int(q[core.Q_STORE + 4 * ((head + j) & 3) + 1]) & ~0xFF in bases
                   for j in range(n))

    def _seen(self) -> tuple:
        """What a self-loop's branch and the interrupt logic can see, besides the code: the
        PIO flags, the ireq pins, pending interrupts, their enables and the in-ISR state."""
        st = self.machine.st
        return (int(st[S.PIO_PCR]) & (S.PCR_PDF | S.PCR_PIF), int(st[S.IREQ_PINS]),
                int(st[S.IRQ_PENDING]), int(st[S.PCW]) & 0xFC00, int(st[S.IN_ISR]))

    def _skip_loop(self, status: int, target_clock: int) -> None:
        """The DSP stopped at the start of a self-loop (idle `goto $`, or a wait on a PIO flag
        with a nop in the slot). Skip whole iterations up to the target once the loop is
        proven a fixed point: the previous stop was at the same pc exactly one iteration (2
        instructions) earlier, the loop's branch in between saw what the DSP sees now (flags,
        pins, interrupts: host actions happen only between run calls, so the state at the
        start of the call that ran the branch is what it saw), and its two code words are
        unchanged. Every further iteration is then identical, and the state after k of them
        is the state after 0 but for st[CYCLES]. A stop whose branch ran before the host
        changed a flag is not trusted: the next iteration runs for real."""
        m, st = self.machine, self.machine.st
        pc, cyc, ic = int(st[S.PC]), int(st[S.CYCLES]), int(st[S.INSTRET])
        words = (m.read(pc, 4), m.read((pc + 4) & 0xFFFFFF, 4))
        last = self._loop
        self._loop = (pc, cyc, ic, words, status, None, None)
        seen = self._seen()
        if (last is None or last[0] != pc or ic - last[2] != 2 or last[3] != words
                or last[5] != seen):
            return
        period = cyc - last[1]
        k = (target_clock - self.dsp_clock) // period
        skip = k * period if k > 0 else 0
        st[S.CYCLES] += skip
        self.dsp_clock += skip
        self.clocks["wait" if status == S.STATUS_WAIT else "idle"] += skip
        self._loop = (pc, cyc + skip, ic, words, status, None, seen)  # proven under `seen`

    def parked(self, lo: int = 0, hi: int = 0) -> bool:
        """True when the DSP provably spins in a self-loop that host DMA traffic to
        [lo, hi) cannot disturb: a proven idle loop or a loop on pif/pie (DMA moves PDF, never
        PIF), its code outside [lo, hi), and PIF, pins and interrupts as when it was proven.
        The host may then make DMA accesses without running the DSP for each one: the DSP
        would spin through all of them, and the next sync skips the time."""
        loop = self._loop
        if loop is None or loop[6] is None:
            return False
        pc = loop[0]
        if int(self.machine.st[S.PC]) not in (pc, pc + 4) or (lo < pc + 8 and pc < hi):
            return False
        branch = decode(loop[3][0])
        if branch is None:
            return False
        if branch.name == "goto":
            if branch.fields["c"] not in (_COND_TRUE, _COND_PIE, _COND_PIF):
                return False
        elif branch.name != "goto24":
            return False
        now, then = self._seen(), loop[6]
        return now[1:] == then[1:] and (now[0] ^ then[0]) & S.PCR_PIF == 0

    def forget_loops(self) -> None:
        """Distrust the latest loop stop (call after changing DSP state behind the port's back)."""
        self._loop = None

    # --- reports ----------------------------------------------------------------------------------
    def dsp_state(self) -> str:
        """One phrase for messages: what the DSP is doing now."""
        st = self.machine.st
        pc = int(st[S.PC])
        if not st[S.PIO_PCR] & S.PCR_RUN:
            return f"held (PCR RUN = 0), PC = {pc:#08x}"
        what = "running"
        loop = self._loop
        if loop is not None and pc in (loop[0], loop[0] + 4):  # at the loop's branch or slot
            what = {S.STATUS_WAIT: f"spinning on the PIO-flag wait loop at {loop[0]:#08x}",
                    S.STATUS_IDLE: f"idle at `goto $` ({loop[0]:#08x})"}[loop[4]]
        return f"{what}, PC = {pc:#08x}, PCR = {int(st[S.PIO_PCR]):#05x}"

    def counters(self) -> dict:
        """Timeline counters: host time, DSP clocks by kind (run = executed instructions'
        clocks, wait/idle = skipped loop clocks, halted = RUN low) and the machine's own."""
        return {"now_s": self.seconds(self.now), "dsp_clock": self.dsp_clock,
                "dsp_clocks": dict(self.clocks), "machine": self.machine.counters()}
