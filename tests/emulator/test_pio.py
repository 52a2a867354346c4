"""The host side of the parallel I/O unit (emulator/pio.py) against machine §5: the three
register maps, every PCR bit, DMA (auto-increment with carry into PARE, 16- and 32-bit word
order, alignment), the host-side flag rules of §5.3 and the ESR bits chosen by the project.

Every test runs twice: on a minimal stand-in machine (a state array, 256 KB of little-endian
memory at 0 and a reset that does what machine §7 lists: the port's own logic alone) and on the
real emulator.machine.Machine (its memory map, its reset).
Every expected value is worked out by hand from the fact sheet's tables.
"""
import numpy as np
import pytest

from emulator import state as S
from emulator.errors import BusError
from emulator.machine import Machine
from emulator.pio import ESR_BAD_INDEX, ESR_DMA_FAULT, PioPort, map_name


class StandIn:
    """Just what PioPort needs: st, read/write (little-endian, BusError), reset."""

    SIZE = 0x40000

    def __init__(self):
        self.st = np.zeros(S.ST_SIZE, np.int64)
        self.mem = bytearray(self.SIZE)
        self.resets = 0

    def _check(self, addr, size):
        if addr % size or not 0 <= addr <= self.SIZE - size:
            raise BusError(f"bad access {addr:#x}/{size}")

    def read(self, addr, size):
        self._check(addr, size)
        return int.from_bytes(self.mem[addr:addr + size], "little")

    def write(self, addr, size, value):
        self._check(addr, size)
        self.mem[addr:addr + size] = int(value).to_bytes(size, "little")

    def reset(self):
        self.resets += 1
        self.st[S.PC] = 0
        self.st[S.PIO_PCR] = 0x001
        self.st[S.PIO_ESR] = 0
        self.st[S.PIO_EMR] = 0xFFFF


class MemView:
    """Guest bytes of a real Machine as slices (writes go through write_block)."""

    def __init__(self, machine):
        self.machine = machine

    def __getitem__(self, sl):
        return self.machine.read_block(sl.start, sl.stop - sl.start)

    def __setitem__(self, sl, data):
        self.machine.write_block(sl.start, bytes(data))


def real_machine():
    m = Machine()
    m.mem = MemView(m)
    m.resets = 0
    chip_reset = m.reset

    def reset():
        m.resets += 1
        chip_reset()

    m.reset = reset
    return m


@pytest.fixture(params=["stand-in", "machine"])
def make(request):
    """make(pcr) -> (machine, port): on the stand-in, and again on the real Machine."""

    def _make(pcr):
        m = StandIn() if request.param == "stand-in" else real_machine()
        m.st[S.PIO_PCR] = pcr
        return m, PioPort(m)

    return _make


MAP16 = S.PCR_REGMAP | S.PCR_PIO16   # 0x202
MAP8 = S.PCR_REGMAP                  # 0x002


# --- register maps (machine §5.1) ------------------------------------------------------------
def test_map_selection_by_regmap_and_pio16():
    assert map_name(0x000) == "dsp32"
    assert map_name(0x002) == "dsp32c-8"
    assert map_name(0x202) == "dsp32c-16"
    # REGMAP = 0 with PIO16 = 1 is illegal on the chip; the project keeps the DSP32 map
    assert map_name(0x200) == "dsp32"


def test_dsp32c_16bit_map_every_index(make):
    m, p = make(MAP16)
    assert p.width == 16
    p.write(0, 0x1234)
    assert m.st[S.PIO_PAR] == 0x1234
    p.write(2, 0xBEEF)
    assert m.st[S.PIO_PDR] == 0xBEEF
    p.write(4, 0x0F0F)
    assert m.st[S.PIO_EMR] == 0x0F0F
    p.write(6, 0x00A5)
    assert m.st[S.PIO_ESR] == 0xA5
    p.write(8, 0x4321)
    assert m.st[S.PIO_PIR] == 0x4321
    p.write(11, 0x00AB)
    assert m.st[S.PIO_PARE] == 0xAB
    p.write(12, 0x5678)
    assert m.st[S.PIO_PDR2] == 0x5678
    # reads of the same indices (PIR and PDR reads have flag side effects, checked elsewhere)
    assert [p.read(i) for i in (0, 2, 4, 6, 11, 12)] == [0x1234, 0xBEEF, 0x0F0F, 0xA5, 0xAB, 0x5678]
    assert p.read(8) == 0x4321
    # PCR at index 7: the written bits come back; the PDR write set PDF and the PIR write set
    # PIF, and the reads of PDR and PIR above cleared both again
    p.write(7, MAP16 | S.PCR_ENI)
    assert p.read(7) == MAP16 | S.PCR_ENI


@pytest.mark.parametrize("index", [1, 3, 5, 9, 10, 13, 14, 15])
def test_dsp32c_16bit_map_reserved_indices(index, make):
    m, p = make(MAP16)
    before = m.st.copy()
    p.write(index, 0x1234)
    assert m.st[S.PIO_ESR] == ESR_BAD_INDEX
    assert f"index {index}" in p.last_error
    m.st[S.PIO_ESR] = 0
    assert (m.st == before).all()          # the write went nowhere
    assert p.read(index) == 0xFFFF         # an undriven bus reads all ones
    assert m.st[S.PIO_ESR] == ESR_BAD_INDEX


def test_dsp32c_8bit_map_every_index(make):
    m, p = make(MAP8)
    assert p.width == 8
    writes = {0: 0x34, 1: 0x12, 2: 0x78, 3: 0x56, 4: 0xCD, 5: 0xAB, 6: 0x5A, 8: 0x21, 9: 0x43,
              11: 0x9C, 12: 0xEF, 13: 0xBE}
    for index, v in writes.items():
        p.write(index, v)
    assert m.st[S.PIO_PAR] == 0x1234
    assert m.st[S.PIO_PDR] == 0x5678
    assert m.st[S.PIO_EMR] == 0xABCD
    assert m.st[S.PIO_ESR] == 0x5A
    assert m.st[S.PIO_PIR] == 0x4321
    assert m.st[S.PIO_PARE] == 0x9C
    assert m.st[S.PIO_PDR2] == 0xBEEF
    # index 7 = PCR low, index 10 = PCR high: set FLG (bit 10) through the high byte
    p.write(10, 0x04)
    assert m.st[S.PIO_PCR] & 0x700 == S.PCR_FLG
    assert p.read(10) == 0x04
    assert (p.read(7) & 0x1F) == MAP8
    for index, v in writes.items():
        if index not in (3, 9):  # high bytes of PDR/PIR have flag side effects (tested below)
            assert p.read(index) == v, index


@pytest.mark.parametrize("index", [14, 15])
def test_dsp32c_8bit_map_reserved_indices(index, make):
    m, p = make(MAP8)
    p.write(index, 0x12)
    assert m.st[S.PIO_ESR] == ESR_BAD_INDEX
    assert p.read(index) == 0xFF


def test_dsp32_map_pir_high_byte_on_indices_8_to_15(make):
    m, p = make(0x000)
    assert p.map_name == "dsp32" and p.width == 8
    for index in range(8, 16):
        m.st[S.PIO_PIR] = 0x0011
        p.write(index, index)
        assert m.st[S.PIO_PIR] == (index << 8) | 0x11  # the low byte is untouched
        assert p.read(index) == index
    assert m.st[S.PIO_ESR] == 0  # no reserved index in the DSP32 map
    # indices 0..7 are laid out as in the DSP32C 8-bit map
    p.write(0, 0x02)
    p.write(1, 0x01)
    p.write(4, 0x44)
    p.write(5, 0x33)
    assert m.st[S.PIO_PAR] == 0x0102 and m.st[S.PIO_EMR] == 0x3344
    p.write(7, S.PCR_REGMAP)       # PCR low: REGMAP switches to the DSP32C 8-bit map
    assert p.map_name == "dsp32c-8"


def test_value_must_fit_the_data_path(make):
    _, p = make(MAP8)
    with pytest.raises(ValueError):
        p.write(0, 0x100)
    _, p = make(MAP16)
    with pytest.raises(ValueError):
        p.write(0, 0x10000)


# --- PCR bits (machine §5.2) -----------------------------------------------------------------
def test_run_rising_edge_resets_and_wipes_the_written_bits(make):
    m, p = make(MAP16)
    m.st[S.PC] = 0x123
    m.st[S.PIO_ESR] = 3
    m.st[S.PIO_EMR] = 0
    p.write(7, 0x71F)                  # RUN 0 -> 1 together with every other writable bit
    assert m.resets == 1
    assert m.st[S.PIO_PCR] == 0x001    # back to the DSP32 8-bit map, running
    assert (m.st[S.PC], m.st[S.PIO_ESR], m.st[S.PIO_EMR]) == (0, 0, 0xFFFF)
    assert p.map_name == "dsp32" and p.width == 8
    p.write(7, 0x03)                   # RUN stays 1: no edge, no reset; REGMAP is taken
    assert m.resets == 1 and m.st[S.PIO_PCR] == 0x003
    p.write(7, 0x02)                   # RUN 1 -> 0: held, no reset
    assert m.resets == 1 and m.st[S.PIO_PCR] == 0x002
    p.write(7, 0x03)                   # 0 -> 1 again: a second reset
    assert m.resets == 2 and m.st[S.PIO_PCR] == 0x001


def test_pcr_flags_and_reserved_bits_are_read_only_to_the_host(make):
    m, p = make(MAP16)
    p.write(7, 0xFFFF & ~S.PCR_RUN)    # every bit but RUN (avoid the reset edge)
    # bits 5 (PDF), 6 (PIF), 7 (reserved) and 11..15 (absent) stay 0
    assert m.st[S.PIO_PCR] == 0x71E
    m.st[S.PIO_PCR] |= S.PCR_PDF | S.PCR_PIF
    p.write(7, MAP16)                  # writing 0 to the flag bits does not clear them
    assert m.st[S.PIO_PCR] == MAP16 | S.PCR_PDF | S.PCR_PIF


def test_eni_drives_the_flag_pins(make):
    m, p = make(MAP16 | S.PCR_PIF | S.PCR_PDF)
    assert not p.pif_pin and not p.pdf_pin
    p.write(7, MAP16 | S.PCR_ENI)
    assert p.pif_pin and p.pdf_pin
    m.st[S.PIO_PCR] &= ~S.PCR_PIF
    assert not p.pif_pin and p.pdf_pin


def test_flg_is_stored_and_changes_nothing_else(make):
    m, p = make(MAP16)
    p.write(7, MAP16 | S.PCR_FLG)
    assert p.read(7) == MAP16 | S.PCR_FLG
    assert p.map_name == "dsp32c-16"
    p.write(2, 0x1111)                 # PDR still behaves as without FLG
    assert m.st[S.PIO_PCR] & S.PCR_PDF and m.mem[0:2] == b"\0\0"


def test_dma_bit_selects_memory_store_versus_mailbox(make):
    m, p = make(MAP16)
    p.write(0, 0x0100)
    p.write(2, 0xA1B2)                 # DMA = 0: a mailbox write, memory untouched, PDF set
    assert m.mem[0x100:0x102] == b"\0\0" and m.st[S.PIO_PCR] & S.PCR_PDF
    p.write(7, MAP16 | S.PCR_DMA)
    p.write(0, 0x0100)
    p.write(2, 0xA1B2)                 # DMA = 1: stored little-endian at PARE:PAR
    assert m.mem[0x100:0x102] == bytes([0xB2, 0xA1])
    assert m.st[S.PIO_PAR] == 0x0100   # AUTO = 0: no increment
    p.write(2, 0xC3D4)
    assert m.mem[0x100:0x102] == bytes([0xD4, 0xC3])


def test_auto_increments_after_each_transfer(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO)
    p.write(0, 0x0200)
    for v in (0x1111, 0x2222, 0x3333):
        p.write(2, v)
    assert m.mem[0x200:0x206] == bytes([0x11, 0x11, 0x22, 0x22, 0x33, 0x33])
    assert m.st[S.PIO_PAR] == 0x0206


# --- DMA (machine §5.4) ------------------------------------------------------------------------
def test_dma16_write_carries_into_pare_across_64k(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO)
    p.write(11, 0x00)
    p.write(0, 0xFFFE)
    p.write(2, 0xAAAA)                 # lands at 0x00FFFE
    p.write(2, 0xBBBB)                 # 0x00FFFE + 2 = 0x010000: PARE takes the carry
    assert m.mem[0xFFFE:0x10002] == bytes([0xAA, 0xAA, 0xBB, 0xBB])
    assert (m.st[S.PIO_PARE], m.st[S.PIO_PAR]) == (0x01, 0x0002)


def test_dma32_write_carries_into_pare_and_orders_pdr2_then_pdr(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO | S.PCR_DMA32)
    p.write(11, 0x01)
    p.write(0, 0xFFFC)                 # 0x01FFFC
    p.write(12, 0x3344)                # PDR2 = bits 15..0 first: nothing is stored yet
    assert m.mem[0x1FFFC:0x20000] == b"\0" * 4 and m.st[S.PIO_PAR] == 0xFFFC
    p.write(2, 0x1122)                 # PDR = bits 31..16 last: stores and steps by 4
    p.write(12, 0x7788)
    p.write(2, 0x5566)
    assert m.mem[0x1FFFC:0x20004] == bytes([0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55])
    assert (m.st[S.PIO_PARE], m.st[S.PIO_PAR]) == (0x02, 0x0004)


def test_dma16_read_word_order_prefetch_and_carry(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO)
    m.mem[0xFFFC:0x10004] = bytes([0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55])
    p.write(11, 0x00)
    p.write(0, 0xFFFC)                 # the PAR write loads the first halfword into PDR
    assert m.st[S.PIO_PDR] == 0x3344 and m.st[S.PIO_PCR] & S.PCR_PDF
    got = [p.read(2) for _ in range(4)]
    # first halfword of a word = its bits 15..0 (little-endian), across the 64 KB boundary
    assert got == [0x3344, 0x1122, 0x7788, 0x5566]
    assert (m.st[S.PIO_PARE], m.st[S.PIO_PAR]) == (0x01, 0x0004)


def test_dma32_read_word_order(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO | S.PCR_DMA32)
    m.mem[0x300:0x308] = bytes([0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55])
    p.write(0, 0x0300)
    got = []
    for _ in range(2):
        low = p.read(12)               # PDR2 = bits 15..0: no side effect
        high = p.read(2)               # PDR = bits 31..16: completes, steps by 4, prefetches
        got.append((high << 16) | low)
    assert got == [0x11223344, 0x55667788]
    assert m.st[S.PIO_PAR] == 0x0308


def test_dma8_uses_the_high_byte_to_complete(make):
    m, p = make(MAP8 | S.PCR_DMA | S.PCR_AUTO)   # NCAR's 8-bit loader recipe
    p.write(11, 0x00)
    p.write(0, 0x00)
    p.write(1, 0x04)                   # PAR high completes: address 0x0400
    p.write(2, 0xCD)                   # PDR low: nothing stored yet
    assert m.mem[0x400:0x402] == b"\0\0" and m.st[S.PIO_PAR] == 0x0400
    p.write(3, 0xAB)                   # PDR high: stores 0xABCD and increments
    assert m.mem[0x400:0x402] == bytes([0xCD, 0xAB]) and m.st[S.PIO_PAR] == 0x0402
    m.mem[0x402:0x404] = bytes([0x34, 0x12])
    p.write(0, 0x02)
    p.write(1, 0x04)                   # reload PAR = 0x0402: prefetch 0x1234
    assert p.read(2) == 0x34 and m.st[S.PIO_PAR] == 0x0402   # the low byte does not advance
    assert p.read(3) == 0x12 and m.st[S.PIO_PAR] == 0x0404   # the high byte does


def test_dma_address_is_forced_to_alignment(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO)
    p.write(0, 0x0101)                 # odd: 16-bit DMA uses 0x0100
    p.write(2, 0x1234)
    assert m.mem[0x100:0x102] == bytes([0x34, 0x12]) and m.st[S.PIO_PAR] == 0x0102
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO | S.PCR_DMA32)
    p.write(0, 0x0106)                 # DMA32 uses 0x0104
    p.write(12, 0x5678)
    p.write(2, 0x1234)
    assert m.mem[0x104:0x108] == bytes([0x78, 0x56, 0x34, 0x12]) and m.st[S.PIO_PAR] == 0x0108


def test_dma_address_wraps_at_24_bits(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO)
    p.write(11, 0xFF)
    p.write(0, 0xFFFE)                 # 0xFFFFFE is unmapped on the stand-in
    p.write(2, 0x0001)
    assert (m.st[S.PIO_PARE], m.st[S.PIO_PAR]) == (0x00, 0x0000)


# --- flags (machine §5.3), host side ----------------------------------------------------------
def test_host_pdr_write_without_dma_sets_pdf_and_read_clears_it(make):
    m, p = make(MAP16)
    p.write(2, 0x0042)
    assert m.st[S.PIO_PCR] & S.PCR_PDF
    assert p.read(2) == 0x0042
    assert not m.st[S.PIO_PCR] & S.PCR_PDF


def test_dma_store_clears_pdf_and_dma_load_sets_it(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO | S.PCR_PDF)
    p.write(0, 0x0000)                 # PAR write: a DMA load completes -> PDF = 1
    assert m.st[S.PIO_PCR] & S.PCR_PDF
    p.write(2, 0x1234)                 # DMA store -> PDF = 0
    assert not m.st[S.PIO_PCR] & S.PCR_PDF
    p.read(2)                          # a DMA read advances and loads again -> PDF = 1
    assert m.st[S.PIO_PCR] & S.PCR_PDF


def test_host_pir_write_sets_pif_and_requests_the_pio_interrupt(make):
    m, p = make(MAP16)
    p.write(8, 0x0007)
    assert m.st[S.PIO_PCR] & S.PCR_PIF
    assert m.st[S.IRQ_PENDING] == 1 << S.IRQ_PIO
    assert p.read(8) == 0x0007         # a host read of PIR clears PIF
    assert not m.st[S.PIO_PCR] & S.PCR_PIF


def test_8bit_map_low_bytes_leave_the_flags_alone(make):
    m, p = make(MAP8)
    p.write(8, 0x01)                   # PIR low
    p.write(2, 0x01)                   # PDR low
    assert m.st[S.PIO_PCR] & (S.PCR_PIF | S.PCR_PDF) == 0 and m.st[S.IRQ_PENDING] == 0
    p.write(9, 0x00)                   # PIR high completes
    p.write(3, 0x00)                   # PDR high completes
    assert m.st[S.PIO_PCR] & (S.PCR_PIF | S.PCR_PDF) == S.PCR_PIF | S.PCR_PDF
    p.read(8)
    p.read(2)
    assert m.st[S.PIO_PCR] & (S.PCR_PIF | S.PCR_PDF) == S.PCR_PIF | S.PCR_PDF
    p.read(9)
    p.read(3)
    assert m.st[S.PIO_PCR] & (S.PCR_PIF | S.PCR_PDF) == 0


def test_dsp32_map_pir_write_sets_pif_read_clears(make):
    m, p = make(0x000)
    p.write(12, 0x80)
    assert m.st[S.PIO_PCR] & S.PCR_PIF
    p.read(15)
    assert not m.st[S.PIO_PCR] & S.PCR_PIF


# --- errors: ESR bits chosen by the project -----------------------------------------------------
def test_dma_store_to_unmapped_memory_sets_esr_bit0(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO)
    p.write(11, 0x80)
    p.write(0, 0x0000)                 # 0x800000 is unmapped; the prefetch alone is no error
    assert m.st[S.PIO_ESR] == 0 and p.last_error == ""
    p.write(2, 0x1234)
    assert m.st[S.PIO_ESR] == ESR_DMA_FAULT
    assert p.last_error == "DMA store to unmapped address 0x800000"
    assert m.st[S.PIO_PAR] == 0x0002   # the transfer cycle still happened


def test_reading_data_loaded_from_unmapped_memory_sets_esr_bit0(make):
    m, p = make(MAP16 | S.PCR_DMA | S.PCR_AUTO)
    p.write(11, 0x03)
    p.write(0, 0xFFFE)                 # the last halfword of the 256 KB
    assert p.read(2) == 0 and m.st[S.PIO_ESR] == 0   # its prefetch of 0x040000 failed silently
    assert p.read(2) == 0              # ... until the host reads that data
    assert m.st[S.PIO_ESR] == ESR_DMA_FAULT
    assert p.last_error == "DMA load from unmapped address 0x040000"
