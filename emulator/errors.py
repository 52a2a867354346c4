"""Errors of the machine: a bad Python-side access, and a guest fault raised for the caller."""
from dsp32c.errors import Dsp32cError


class BusError(Dsp32cError):
    """A Python-side read or write outside the memory map, or misaligned for its size."""


class DspFault(Dsp32cError):
    """The guest program stopped on a fault (illegal instruction, bus error, misalignment) or
    ran out of its cycle budget; the message is Machine.fault_message's one line."""

    def __init__(self, message: str, status: int = -1):
        self.status = status
        super().__init__(message)
