"""DMA bursts of the PIO unit (PioPort.burst_ready / store_units / load_units, used by the
host's batched DMA): a burst leaves memory, every PIO register, the flags and the pending-load
state exactly as the same transfers made one port access at a time, and is refused whenever
one of those accesses could fail or behave differently (docs/board-and-host.md). Hand values
from machine §5.4: AUTO advances PARE:PAR by 2 (16-bit DMA) or 4 (DMA32) with the carry into
PARE; a store clears PDF, a load sets it; in DMA32 PDR holds bits 31..16, PDR2 bits 15..0."""
import numpy as np
import pytest

from emulator import state as S
from emulator.machine import Machine
from emulator.pio import PioPort

IDX_PAR, IDX_PDR, IDX_PCR, IDX_PARE, IDX_PDR2 = 0, 2, 7, 11, 12
MAP16 = S.PCR_REGMAP | S.PCR_PIO16
PIO_STATE = (S.PIO_PAR, S.PIO_PARE, S.PIO_PDR, S.PIO_PDR2, S.PIO_PIR, S.PIO_PCR, S.PIO_ESR)


def port_at(addr, width, auto=True, seed=3):
    """A machine with random external memory, the 16-bit map, DMA on at addr (PAR written:
    the first unit is prefetched, as the host's _dma_begin leaves it)."""
    m = Machine()
    m.write_block(0, np.random.default_rng(seed).integers(0, 256, 0x40000, np.uint8).tobytes())
    p = PioPort(m)
    m.st[S.PIO_PCR] = MAP16
    p.write(IDX_PCR, MAP16 | S.PCR_DMA | (S.PCR_AUTO if auto else 0)
            | (S.PCR_DMA32 if width == 32 else 0))
    p.write(IDX_PARE, addr >> 16)
    p.write(IDX_PAR, addr & 0xFFFF)
    return m, p


def state(m, p):
    return ([int(m.st[i]) for i in PIO_STATE], p._bad_load, p.last_error,
            m.read_block(0, 0x40000), m.kind.copy())


def one_by_one_store(p, units, width):
    for w in units:
        if width == 32:
            p.write(IDX_PDR2, w & 0xFFFF)
            p.write(IDX_PDR, w >> 16)
        else:
            p.write(IDX_PDR, w)


def one_by_one_load(p, n, width):
    out = []
    for _ in range(n):
        if width == 32:
            low = p.read(IDX_PDR2)
            out.append((p.read(IDX_PDR) << 16) | low)
        else:
            out.append(p.read(IDX_PDR))
    return out


@pytest.mark.parametrize("width, addr, n", [(16, 0x1000, 1), (16, 0x1FFF0, 40),
                                            (32, 0x2000, 1), (32, 0x0FFF8, 9),
                                            (16, 0x3FFFC, 2), (32, 0x3FFF8, 2)])
def test_a_burst_equals_the_accesses_one_by_one(width, addr, n):
    units = np.random.default_rng(n).integers(0, 1 << width, n).astype(np.int64)
    m1, p1 = port_at(addr, width)
    m2, p2 = port_at(addr, width)
    assert p1.burst_ready(n)
    p1.store_units(units)
    one_by_one_store(p2, units.tolist(), width)
    s1, s2 = state(m1, p1), state(m2, p2)
    assert s1[:4] == s2[:4] and (s1[4] == s2[4]).all()
    # read the block back (the prefetch past the end of memory at 0x40000 is no error)
    for p in (p1, p2):
        p.write(IDX_PARE, addr >> 16)
        p.write(IDX_PAR, addr & 0xFFFF)
    assert p1.burst_ready(n)
    got = p1.load_units(n).tolist()
    assert got == one_by_one_load(p2, n, width) == units.tolist()
    s1, s2 = state(m1, p1), state(m2, p2)
    assert s1[:4] == s2[:4] and (s1[4] == s2[4]).all()


def test_burst_store_across_64k_by_hand():
    m, p = port_at(0x1FFFE, 16)
    p.store_units(np.array([0x1111, 0x2222]))
    assert m.read(0x1FFFE, 2) == 0x1111 and m.read(0x20000, 2) == 0x2222
    assert (int(m.st[S.PIO_PARE]), int(m.st[S.PIO_PAR]), int(m.st[S.PIO_PDR])) == (2, 2, 0x2222)
    assert not m.st[S.PIO_PCR] & S.PCR_PDF


def test_burst_load_dma32_by_hand():
    m, p = port_at(0x3000, 32)
    m.write(0x3000, 4, 0xAAAA5555)
    m.write(0x3004, 4, 0x12345678)
    m.write(0x3008, 4, 0xCAFEF00D)
    p.write(IDX_PAR, 0x3000)         # prefetch the new first word
    assert p.load_units(2).tolist() == [0xAAAA5555, 0x12345678]
    assert (int(m.st[S.PIO_PAR]), int(m.st[S.PIO_PDR]), int(m.st[S.PIO_PDR2])) \
        == (0x3008, 0xCAFE, 0xF00D)  # the next word prefetched
    assert m.st[S.PIO_PCR] & S.PCR_PDF


def test_burst_refused_where_one_access_could_differ():
    m, p = port_at(0x3FFF0, 16)
    assert p.burst_ready(8) and not p.burst_ready(9)     # the 9th unit is past external memory
    assert not p.burst_ready(0)
    m, p = port_at(0x1000, 16, auto=False)
    assert not p.burst_ready(1)                          # no AUTO: every unit at one address
    m, p = port_at(0x1000, 32)
    m.st[S.PIO_PCR] &= ~S.PCR_PIO16                      # an 8-bit map
    assert not p.burst_ready(1)
    m, p = port_at(0x1000, 16)
    p.write(IDX_PARE, 0x80)
    p.write(IDX_PAR, 0x0000)                             # loads from unmapped 0x800000
    assert not p.burst_ready(1)                          # reading it would be an ESR error
    m, p = port_at(0xFFFFFC, 32)
    assert not p.burst_ready(2)                          # would wrap past 2**24 (and unmapped)
