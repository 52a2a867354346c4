"""An exact per-routine cycle profile of a program running on an emulator.machine.Machine.

    with RoutineProfile(machine, {"h1": 0x100, "h2": 0x400, ...}) as prof:
        ...                       # anything that calls machine.run (the board, the driver)
    prof.rows(), prof.total()     # cycles, instructions, MACs, wait and conflict clocks

How: while profiling, the machine's trace buffer has a single row, so the core returns to
Python after every instruction (Machine.run drains the buffer and resumes). At each drain the
counters in the state array (instructions, wait clocks, conflict clocks, MACs) have moved by
exactly that one instruction, which is charged to the routine holding its address. An
instruction costs 4 clocks plus its wait and conflict clocks (emulator/timing.py), so the
rows' cycles sum to the executed clocks; clocks that pass without an instruction (the board
skipping a wait or idle loop, emulator/board.py) form their own row. The rows therefore sum
exactly to the machine's cycle counter over the profiled span. It costs a Python round trip
per instruction (some microseconds): profile a digit or two, not a data set.

A routine is the span from its start address up to the next routine's start; an address
below the first start or at or past `end` (when given) counts as "(other)".
"""
from __future__ import annotations

import bisect

import numpy as np

from emulator import state as S

CLOCKS_PER_INSTRUCTION = 4  # emulator/timing.py: every instruction's base cost
OTHER = "(other)"
SKIPPED = "(skipped wait/idle loops)"
FIELDS = ("cycles", "instructions", "macs", "wait_clocks", "conflict_clocks")
_COUNTERS = (S.INSTRET, S.WAIT_CLOCKS, S.CONFLICT_CLOCKS, S.MACS)


class RoutineProfile:
    def __init__(self, machine, starts: dict, end: int | None = None):
        self.machine = machine
        order = sorted(starts.items(), key=lambda kv: kv[1])
        self._names = [name for name, _ in order]
        self._starts = [addr for _, addr in order]
        self._end = end
        self._per_pc: dict = {}      # pc -> [instructions, wait, conflict, macs]
        self._last = None
        self._first = self._final = None
        self._cycles0 = self._cycles1 = None

    # --- attach / detach -------------------------------------------------------------------
    def __enter__(self):
        m = self.machine
        self._saved = (m.trace_buf, m.trace_sink, m.run)
        m.trace_buf = np.zeros((1, 4), np.int64)
        m.trace_sink = self._sink
        run = self._saved[2]

        def traced_run(max_cycles, *args, **kwargs):
            kwargs["trace"] = True
            return run(max_cycles, *args, **kwargs)

        m.run = traced_run           # an attribute on this instance only
        self._first = self._last = self._counters()
        self._cycles0 = int(m.st[S.CYCLES])
        return self

    def __exit__(self, *exc):
        m = self.machine
        self._cycles1 = int(m.st[S.CYCLES])
        self._final = self._counters()
        m.trace_buf, m.trace_sink = self._saved[0], self._saved[1]
        del m.run                    # back to the class's method
        return False

    def _counters(self):
        st = self.machine.st
        return tuple(int(st[i]) for i in _COUNTERS)

    def _sink(self, rows):
        now = self._counters()
        d = [a - b for a, b in zip(now, self._last)]
        self._last = now
        if len(rows) != 1 or d[0] != 1:
            raise RuntimeError("routine profile: expected one instruction per trace drain")
        acc = self._per_pc.get(int(rows[0, 1]))
        if acc is None:
            self._per_pc[int(rows[0, 1])] = d
        else:
            for j in range(4):
                acc[j] += d[j]

    # --- results ---------------------------------------------------------------------------
    def routine_of(self, pc: int) -> str:
        i = bisect.bisect_right(self._starts, pc) - 1
        if i < 0 or (self._end is not None and pc >= self._end):
            return OTHER
        return self._names[i]

    def rows(self) -> list[dict]:
        """One dict per routine that ran (in address order), then (other) and the skipped
        clocks when there are any. Keys: routine and FIELDS."""
        by = {}
        for pc, (n, wait, conflict, macs) in self._per_pc.items():
            r = by.setdefault(self.routine_of(pc), dict.fromkeys(FIELDS, 0))
            r["instructions"] += n
            r["wait_clocks"] += wait
            r["conflict_clocks"] += conflict
            r["macs"] += macs
            r["cycles"] += CLOCKS_PER_INSTRUCTION * n + wait + conflict
        out = [dict(routine=name, **by[name]) for name in self._names if name in by]
        if OTHER in by:
            out.append(dict(routine=OTHER, **by[OTHER]))
        skipped = self.cycles_total() - sum(r["cycles"] for r in out)
        if skipped:
            out.append(dict(dict.fromkeys(FIELDS, 0), routine=SKIPPED, cycles=skipped))
        return out

    def cycles_total(self) -> int:
        end = self._cycles1 if self._cycles1 is not None else int(self.machine.st[S.CYCLES])
        return end - self._cycles0

    def total(self) -> dict:
        """The machine's own counters over the profiled span (not the rows' sum)."""
        now = self._final if self._final is not None else self._counters()
        first = self._first
        return {"cycles": self.cycles_total(), "instructions": now[0] - first[0],
                "wait_clocks": now[1] - first[1], "conflict_clocks": now[2] - first[2],
                "macs": now[3] - first[3]}
