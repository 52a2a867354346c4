"""Host side of the DSP32C parallel I/O unit (machine §5): what the host sees on the 4 register
select lines, the three register maps, host-driven DMA and the flags as the host moves them.

The DSP side of the port (instructions on pdr, pdr2, pir and the pde/pdf/pie/pif conditions)
lives in the Numba core; both sides share the PIO_* entries of the machine's state array `st`
(emulator/state.py), so the port keeps no register copies of its own.

`PioPort(machine)` needs only `machine.st`, `machine.read(addr, size)`,
`machine.write(addr, size, value)` (raising emulator.errors.BusError) and `machine.reset()`;
the DMA bursts (`burst_ready`, `store_units`, `load_units`) also `machine.page_off`,
`machine.read_block` and `machine.write_block`.
Project choices (docs/board-and-host.md, "Parallel I/O"):
* In an 8-bit map the high-byte access completes a transfer: writing PAR high starts a DMA
  load, writing PDR high stores (DMA) or sets PDF, writing PIR high sets PIF; reading PDR high
  advances the DMA or clears PDF, reading PIR high clears PIF. The low byte only moves data.
* In 32-bit DMA the PDR access completes (PDR = bits 31..16, PDR2 = bits 15..0, PDR2 first).
* A host read of PDR without DMA clears PDF (the mailbox mirror of PIR; NCAR's start recipe
  reads PDR to flush a stale PDF).
* A host write of PIR also requests the DSP's PIO interrupt (IRQ_PENDING bit IRQ_PIO).
* REGMAP = 0 selects the DSP32 8-bit map whatever PIO16 says (that combination is illegal).
* Errors are recorded in ESR (bits ESR_*) and described in `last_error` for the driver.
"""
from __future__ import annotations

import numpy as np

from emulator import state as S
from emulator.errors import BusError

# ESR bits chosen by this project (their meanings are unconfirmed, machine §11).
ESR_DMA_FAULT = 1 << 0  # a DMA store to, or a host read of data loaded from, an unmapped address
ESR_BAD_INDEX = 1 << 1  # the host accessed a reserved register index of the current map

# PCR bits the host can write: RUN, REGMAP, ENI, DMA, AUTO, DMA32, PIO16, FLG. PDF and PIF are
# read-only to the host, bit 7 is reserved, bits 11..15 do not exist.
PCR_HOST_WRITABLE = (S.PCR_RUN | S.PCR_REGMAP | S.PCR_ENI | S.PCR_DMA | S.PCR_AUTO
                     | S.PCR_DMA32 | S.PCR_PIO16 | S.PCR_FLG)
PCR_FLAGS = S.PCR_PDF | S.PCR_PIF
PCR_RESET_VALUE = 0x001  # machine §5.2: a RUN rising edge resets the chip, PCR = 0x001

# Register names used by the maps (the fact sheet's names, lower case).
PAR, PARE, PDR, PDR2, PIR, PCR, EMR, ESR = "par", "pare", "pdr", "pdr2", "pir", "pcr", "emr", "esr"
REGISTER_INDEX = {PAR: S.PIO_PAR, PARE: S.PIO_PARE, PDR: S.PIO_PDR, PDR2: S.PIO_PDR2,
                  PIR: S.PIO_PIR, PCR: S.PIO_PCR, EMR: S.PIO_EMR, ESR: S.PIO_ESR}
REGISTER_WIDTH = {PAR: 16, PARE: 8, PDR: 16, PDR2: 16, PIR: 16, PCR: 16, EMR: 16, ESR: 8}

# A map entry is (register, part): part "lo"/"hi" = that byte (8-bit data path), "word" = the
# whole register (16-bit path); None = reserved index. Machine §5.1 table, column by column.
LO, HI, WORD = "lo", "hi", "word"
MAP_DSP32 = ((PAR, LO), (PAR, HI), (PDR, LO), (PDR, HI), (EMR, LO), (EMR, HI), (ESR, LO),
             (PCR, LO)) + ((PIR, HI),) * 8
MAP_DSP32C_8 = ((PAR, LO), (PAR, HI), (PDR, LO), (PDR, HI), (EMR, LO), (EMR, HI), (ESR, LO),
                (PCR, LO), (PIR, LO), (PIR, HI), (PCR, HI), (PARE, LO), (PDR2, LO), (PDR2, HI),
                None, None)
MAP_DSP32C_16 = ((PAR, WORD), None, (PDR, WORD), None, (EMR, WORD), None, (ESR, WORD),
                 (PCR, WORD), (PIR, WORD), None, None, (PARE, WORD), (PDR2, WORD), None,
                 None, None)
MAPS = {"dsp32": MAP_DSP32, "dsp32c-8": MAP_DSP32C_8, "dsp32c-16": MAP_DSP32C_16}


def map_name(pcr: int) -> str:
    """The register map PCR selects: REGMAP = 0 -> DSP32 (8-bit); REGMAP = 1 -> PIO16 decides."""
    if not pcr & S.PCR_REGMAP:
        return "dsp32"
    return "dsp32c-16" if pcr & S.PCR_PIO16 else "dsp32c-8"


class PioPort:
    """The host's view of the PIO unit of one machine. `write(index, value)` and `read(index)`
    are single port accesses of the current map's width (8 or 16 bits)."""

    def __init__(self, machine):
        self.machine = machine
        self.st = machine.st
        self.last_error = ""     # what went wrong in the latest access ("" = nothing)
        self._bad_load = -1      # address of a DMA load that failed (its data is invalid)

    # --- state views ------------------------------------------------------------------------
    @property
    def pcr(self) -> int:
        return int(self.st[S.PIO_PCR])

    @property
    def map_name(self) -> str:
        return map_name(self.pcr)

    @property
    def width(self) -> int:
        """Data-path width of one host access in bits (8 or 16)."""
        return 16 if self.map_name == "dsp32c-16" else 8

    @property
    def dma_address(self) -> int:
        return (int(self.st[S.PIO_PARE]) << 16) | int(self.st[S.PIO_PAR])

    @property
    def pif_pin(self) -> bool:
        """The PIF output pin (a host interrupt line): driven only while ENI is set."""
        return bool(self.pcr & S.PCR_ENI and self.pcr & S.PCR_PIF)

    @property
    def pdf_pin(self) -> bool:
        return bool(self.pcr & S.PCR_ENI and self.pcr & S.PCR_PDF)

    def entry(self, index: int):
        """(register, part) at a register index in the current map, or None if reserved."""
        if not 0 <= index <= 15:
            raise ValueError(f"PIO register index {index} outside 0..15")
        return MAPS[self.map_name][index]

    # --- host accesses ------------------------------------------------------------------------
    def write(self, index: int, value: int) -> None:
        self.last_error = ""
        limit = (1 << self.width) - 1
        if not 0 <= value <= limit:
            raise ValueError(f"value {value:#x} does not fit the {self.width}-bit PIO data path")
        ent = self.entry(index)
        if ent is None:
            self._error(ESR_BAD_INDEX, f"host write to reserved PIO register index {index} "
                                       f"({self.map_name} map)")
            return
        reg, part = ent
        if reg == PCR:
            self._write_pcr(self._merge(self.pcr, part, value))
            return
        i = REGISTER_INDEX[reg]
        self.st[i] = self._merge(int(self.st[i]), part, value) & ((1 << REGISTER_WIDTH[reg]) - 1)
        if part == LO:
            return  # the low byte only moves data; the high byte (or the word) completes
        if reg == PAR and self.pcr & S.PCR_DMA:
            self._dma_load()
        elif reg == PDR:
            if self.pcr & S.PCR_DMA:
                self._dma_store()
            else:
                self._set_flag(S.PCR_PDF, True)
        elif reg == PIR:
            self._set_flag(S.PCR_PIF, True)
            self.st[S.IRQ_PENDING] |= 1 << S.IRQ_PIO

    def read(self, index: int) -> int:
        self.last_error = ""
        ent = self.entry(index)
        if ent is None:
            self._error(ESR_BAD_INDEX, f"host read of reserved PIO register index {index} "
                                       f"({self.map_name} map)")
            return (1 << self.width) - 1  # nothing drives the bus: it reads all ones
        reg, part = ent
        full = int(self.st[REGISTER_INDEX[reg]])
        value = (full >> 8) & 0xFF if part == HI else full & 0xFF if part == LO else full
        if reg in (PDR, PDR2) and self.pcr & S.PCR_DMA and self._bad_load >= 0:
            self._error(ESR_DMA_FAULT, f"DMA load from unmapped address {self._bad_load:#08x}")
        completes = part != LO  # the low byte only moves data
        if reg == PDR and completes:
            if self.pcr & S.PCR_DMA:
                if self.pcr & S.PCR_AUTO:
                    self._advance()
                self._dma_load()
            else:
                self._set_flag(S.PCR_PDF, False)
        elif reg == PIR and completes:
            self._set_flag(S.PCR_PIF, False)
        return value

    # --- DMA bursts: many PDR transfers in one call (the host's batched DMA) ---------------------
    def burst_ready(self, n_units: int) -> bool:
        """True when the next n_units DMA transfers through PDR (with PDR2 first in DMA32) can
        be made by store_units/load_units: the 16-bit map with DMA and AUTO on, every unit's
        address mapped and below 2**24 (no wrap), and no failed load waiting to be read. Then
        none of those accesses can raise an error, and the burst equals making them one by
        one (tests/emulator/test_pio.py compares both)."""
        pcr = self.pcr
        if (self.map_name != "dsp32c-16" or pcr & (S.PCR_DMA | S.PCR_AUTO)
                != S.PCR_DMA | S.PCR_AUTO or self._bad_load >= 0 or n_units <= 0):
            return False
        a = self._effective_address()
        end = a + n_units * self._step()
        if end > 1 << 24:
            return False
        return bool((self.machine.page_off[a >> 8:((end - 1) >> 8) + 1] >= 0).all())

    def store_units(self, units) -> None:
        """The host's writes of len(units) 16-bit (DMA32: 32-bit, as PDR2 then PDR) units in
        DMA mode, each stored at PARE:PAR which then advances; requires burst_ready."""
        n = len(units)
        step, a = self._step(), self._effective_address()
        units = np.asarray(units, np.int64)
        self.machine.write_block(a, units.astype("<u4" if step == 4 else "<u2").tobytes())
        last = int(units[-1])
        if step == 4:
            self.st[S.PIO_PDR2] = last & 0xFFFF
            self.st[S.PIO_PDR] = last >> 16
        else:
            self.st[S.PIO_PDR] = last
        self._set_flag(S.PCR_PDF, False)
        self._move_to(a + n * step)
        self.last_error = ""

    def load_units(self, n: int) -> np.ndarray:
        """The host's reads of n units in DMA mode (DMA32: PDR2 then PDR): int64 values, the
        first the data already prefetched, then the memory after it; ends with the next unit
        prefetched (PDF = 1), as the last read leaves it. Requires burst_ready(n)."""
        step, a = self._step(), self._effective_address()
        if step == 4:
            first = (int(self.st[S.PIO_PDR]) << 16) | int(self.st[S.PIO_PDR2])
        else:
            first = int(self.st[S.PIO_PDR])
        rest = np.frombuffer(self.machine.read_block(a + step, (n - 1) * step),
                             "<u4" if step == 4 else "<u2")
        self._move_to(a + n * step)
        self._dma_load()
        self.last_error = ""
        return np.concatenate(([first], rest.astype(np.int64)))

    def _move_to(self, addr: int) -> None:
        addr &= 0xFFFFFF
        self.st[S.PIO_PAR] = addr & 0xFFFF
        self.st[S.PIO_PARE] = addr >> 16

    # --- helpers --------------------------------------------------------------------------------
    @staticmethod
    def _merge(old: int, part: str, value: int) -> int:
        if part == LO:
            return (old & ~0xFF) | value
        if part == HI:
            return (old & 0xFF) | (value << 8)
        return value

    def _write_pcr(self, new: int) -> None:
        old = self.pcr
        if new & S.PCR_RUN and not old & S.PCR_RUN:
            # machine §5.2: the rising edge of RUN resets the chip; the reset wipes the other
            # bits of this write (PCR = 0x001), which is why hosts set REGMAP/ENI afterwards.
            self.machine.reset()
            self.st[S.PIO_PCR] = PCR_RESET_VALUE
            self._bad_load = -1
            return
        self.st[S.PIO_PCR] = (new & PCR_HOST_WRITABLE) | (old & PCR_FLAGS)

    def _set_flag(self, bit: int, on: bool) -> None:
        if on:
            self.st[S.PIO_PCR] |= bit
        else:
            self.st[S.PIO_PCR] &= ~bit

    def _error(self, bit: int, message: str) -> None:
        self.st[S.PIO_ESR] |= bit
        self.last_error = message

    def _step(self) -> int:
        return 4 if self.pcr & S.PCR_DMA32 else 2

    def _effective_address(self) -> int:
        # machine §5.4: DMA addresses are forced to 2- (16-bit DMA) or 4-byte (DMA32) alignment
        return self.dma_address & ~(self._step() - 1)

    def _advance(self) -> None:
        addr = (self._effective_address() + self._step()) & 0xFFFFFF  # carry into PARE
        self.st[S.PIO_PAR] = addr & 0xFFFF
        self.st[S.PIO_PARE] = addr >> 16

    def _dma_load(self) -> None:
        """Fetch the memory at PARE:PAR into PDR (and PDR2 in DMA32): a DMA load completes."""
        addr = self._effective_address()
        try:
            value = self.machine.read(addr, self._step())
            self._bad_load = -1
        except BusError:
            value, self._bad_load = 0, addr  # reported when the host consumes the data
        if self._step() == 4:
            self.st[S.PIO_PDR] = value >> 16
            self.st[S.PIO_PDR2] = value & 0xFFFF
        else:
            self.st[S.PIO_PDR] = value
        self._set_flag(S.PCR_PDF, True)

    def _dma_store(self) -> None:
        """Write PDR (DMA32: PDR:PDR2) to memory at PARE:PAR: a DMA store completes."""
        addr = self._effective_address()
        if self._step() == 4:
            value = (int(self.st[S.PIO_PDR]) << 16) | int(self.st[S.PIO_PDR2])
        else:
            value = int(self.st[S.PIO_PDR])
        try:
            self.machine.write(addr, self._step(), value)
        except BusError:
            self._error(ESR_DMA_FAULT, f"DMA store to unmapped address {addr:#08x}")
        self._set_flag(S.PCR_PDF, False)
        if self.pcr & S.PCR_AUTO:
            self._advance()
