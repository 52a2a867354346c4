"""Where the time of a host request went: named phases of emulated time.

A Request covers one exchange with the DSP (for `dsp32c lenet`: one digit). The host driver
(emulator/host.py) attributes every picosecond of host time spent inside the request to one
phase: the phase opened with `request.phase(name)`, or DEFAULT_PHASE outside any. A flag wait
(Host.wait_flag) splits its own time into COMPUTE (until the DSP's instruction that set the
awaited flag ended) and WAITING (from then until the host's poll noticed it: the polling
quantisation). Times are integer picoseconds, the board's time unit; `seconds()` converts.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

PS_PER_S = 10**12
TRANSFER_IN, COMPUTE, WAITING, TRANSFER_OUT = "transfer_in", "compute", "waiting", "transfer_out"
DEFAULT_PHASE = "host"  # host time inside a request but outside any named phase


@dataclass
class Request:
    label: str
    start_ps: int
    end_ps: int = -1                 # -1 while the request is open
    phases: dict = field(default_factory=dict)   # phase name -> picoseconds
    _stack: list = field(default_factory=list, repr=False)

    @property
    def current_phase(self) -> str:
        return self._stack[-1] if self._stack else DEFAULT_PHASE

    @contextmanager
    def phase(self, name: str):
        """Attribute the host time spent inside the block to `name` (blocks may nest)."""
        self._stack.append(name)
        try:
            yield self
        finally:
            self._stack.pop()

    def add(self, name: str, ps: int) -> None:
        if ps < 0:
            raise ValueError(f"negative time {ps} ps for phase {name}")
        if ps:
            self.phases[name] = self.phases.get(name, 0) + ps

    @property
    def total_ps(self) -> int:
        return self.end_ps - self.start_ps

    def seconds(self, name: str | None = None) -> float:
        """Seconds in one phase, or the whole request when name is None."""
        ps = self.total_ps if name is None else self.phases.get(name, 0)
        return ps / PS_PER_S

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v / 1e6:.3f} us" for k, v in self.phases.items())
        return f"{self.label}: {self.total_ps / 1e6:.3f} us ({parts})"


def totals(requests) -> dict:
    """Phase name -> total picoseconds over many requests, plus 'total'."""
    out: dict = {}
    for r in requests:
        for k, v in r.phases.items():
            out[k] = out.get(k, 0) + v
        out["total"] = out.get("total", 0) + r.total_ps
    return out
