"""The memory map as data: named regions of byte-addressed memory and the page table the core
uses to turn a 24-bit guest address into an offset in one flat byte array (or a bus error).

Defaults are the board of the reference README: 256 KB of external SRAM at 0x000000 and the
three 2 KB on-chip blocks at the "mode 6" addresses (machine §4.1). Anything else is unmapped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ADDRESS_BITS = 24
ADDRESS_MASK = (1 << ADDRESS_BITS) - 1
PAGE_SHIFT = 8  # 256-byte pages: region starts and sizes must be multiples of this
PAGE_SIZE = 1 << PAGE_SHIFT
N_PAGES = 1 << (ADDRESS_BITS - PAGE_SHIFT)


@dataclass(frozen=True)
class Region:
    name: str
    start: int
    size: int
    external: bool  # external-bus memory pays the configured wait states per access

    @property
    def end(self) -> int:  # last byte address
        return self.start + self.size - 1


DEFAULT_MAP = (
    Region("ext", 0x000000, 0x40000, True),
    Region("ram2", 0xFFE000, 0x800, False),
    Region("ram0", 0xFFF000, 0x800, False),
    Region("ram1", 0xFFF800, 0x800, False),
)


def check_map(regions) -> None:
    """ValueError unless regions are page-aligned, inside 24 bits, named uniquely, disjoint."""
    names = set()
    spans = []
    for r in regions:
        if r.name in names:
            raise ValueError(f"memory map: region name {r.name!r} used twice")
        names.add(r.name)
        if r.size <= 0 or r.start % PAGE_SIZE or r.size % PAGE_SIZE:
            raise ValueError(f"memory map: region {r.name} must start and end on {PAGE_SIZE}-byte pages")
        if r.start < 0 or r.end > ADDRESS_MASK:
            raise ValueError(f"memory map: region {r.name} leaves the 24-bit address space")
        spans.append((r.start, r.end, r.name))
    spans.sort()
    for (s0, e0, n0), (s1, e1, n1) in zip(spans, spans[1:]):
        if s1 <= e0:
            raise ValueError(f"memory map: regions {n0} and {n1} overlap")
    if len(regions) > 8:
        raise ValueError("memory map: at most 8 regions")


def build_pages(regions):
    """(page_off int64[N_PAGES], page_reg int64[N_PAGES], flat_size, region_base list).
    page_off is the flat byte offset of the page's first byte or -1 (unmapped); page_reg the
    region index or -1."""
    check_map(regions)
    page_off = np.full(N_PAGES, -1, np.int64)
    page_reg = np.full(N_PAGES, -1, np.int64)
    base = 0
    bases = []
    for i, r in enumerate(regions):
        first = r.start >> PAGE_SHIFT
        n = r.size >> PAGE_SHIFT
        page_off[first:first + n] = base + np.arange(n, dtype=np.int64) * PAGE_SIZE
        page_reg[first:first + n] = i
        bases.append(base)
        base += r.size
    return page_off, page_reg, base, bases
