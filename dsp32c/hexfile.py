"""Intel HEX images: every segment at its own address (24-bit addresses need type 04 records).

Written with 16 data bytes per record, an extended linear address record whenever the upper
16 address bits change, a start linear address record (type 05) for the entry point, and the
end-of-file record. Reading accepts record types 00-05, checks every checksum and the data
length of types 01-05, and requires the end-of-file record.
"""
from __future__ import annotations

from dsp32c.errors import SourceError

BYTES_PER_RECORD = 16
DATA_BYTES = {1: 0, 2: 2, 3: 4, 4: 2, 5: 4}   # record type -> its fixed data length


def _record(rtype: int, address: int, data: bytes) -> str:
    body = bytes([len(data), (address >> 8) & 0xFF, address & 0xFF, rtype]) + data
    checksum = (-sum(body)) & 0xFF
    return ":" + body.hex().upper() + f"{checksum:02X}"


def to_intel_hex(segments, entry: int | None = None) -> str:
    """segments: [(address, bytes)] -> Intel HEX text."""
    lines = []
    upper = None
    for address, data in sorted(segments):
        pos = 0
        while pos < len(data):
            a = address + pos
            if a >> 16 != upper:
                upper = a >> 16
                lines.append(_record(4, 0, upper.to_bytes(2, "big")))
            n = min(BYTES_PER_RECORD, len(data) - pos, 0x10000 - (a & 0xFFFF))
            lines.append(_record(0, a & 0xFFFF, bytes(data[pos:pos + n])))
            pos += n
    if entry is not None:
        lines.append(_record(5, 0, entry.to_bytes(4, "big")))
    lines.append(_record(1, 0, b""))
    return "\n".join(lines) + "\n"


def merge(chunks):
    """[(address, bytes)] in any order -> sorted, with touching chunks joined."""
    out: list[list] = []
    for address, data in sorted(chunks):
        if out and out[-1][0] + len(out[-1][1]) == address:
            out[-1][1] += data
        else:
            out.append([address, bytearray(data)])
    return [(a, bytes(d)) for a, d in out]


def from_intel_hex(text: str, filename: str = "<hex>"):
    """Intel HEX text -> ([(address, bytes)] merged, start address or None)."""
    chunks = []
    base = 0
    start = None
    seen_eof = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue

        def fail(msg, col=1):
            raise SourceError(filename, lineno, col, msg)

        if seen_eof:
            fail("data after the end-of-file record")
        if line[0] != ":":
            fail("an Intel HEX record starts with ':'")
        try:
            rec = bytes.fromhex(line[1:])
        except ValueError:
            fail("bad hex digits in record")
        if len(rec) < 5 or len(rec) != rec[0] + 5:
            fail("record length does not match its byte count")
        if sum(rec) & 0xFF:
            fail("checksum mismatch")
        count, address, rtype, data = rec[0], (rec[1] << 8) | rec[2], rec[3], rec[4:4 + rec[0]]
        if rtype in DATA_BYTES and count != DATA_BYTES[rtype]:
            fail(f"record type {rtype:02x} must hold {DATA_BYTES[rtype]} data bytes, not {count}")
        if rtype == 0:
            chunks.append((base + address, data))
        elif rtype == 1:
            seen_eof = True
        elif rtype == 2:
            base = int.from_bytes(data, "big") << 4
        elif rtype == 4:
            base = int.from_bytes(data, "big") << 16
        elif rtype == 3:  # segment:offset, as the 8086 forms it
            start = (int.from_bytes(data[:2], "big") << 4) + int.from_bytes(data[2:], "big")
        elif rtype == 5:
            start = int.from_bytes(data, "big")
        else:
            fail(f"unknown record type {rtype:02x}", 8)
        if count and rtype == 0 and base + address + count > 1 << 32:
            fail("record beyond the 32-bit address space")
    if not seen_eof:  # a cut-off file would otherwise load (and run) as a shorter program
        raise SourceError(filename, max(1, len(text.splitlines())), 1,
                          "no end-of-file record (:00000001FF): the file is empty or cut off")
    return merge(chunks), start
