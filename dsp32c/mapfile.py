"""Map files: sections, every symbol, and the source file and line of every emitted address.

The emulator loads them (`load_map`) to name source lines in faults, traces and profiles.
Text, one record per line, fields separated by tabs (the source text is the last field, so it
may hold anything but a newline):

    entry   000000
    section .text   000000  000120  a.s b.s
    symbol  start   000000  a.s     12      global
    const   N       5
    line    000000  a.s     12      start:  r1 = N
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dsp32c.errors import Dsp32cError

HEADER = "# dsp32c map file: entry, sections, symbols (labels), constants (.equ), source lines"


@dataclass
class MapData:
    symbols: dict = field(default_factory=dict)    # name -> address
    lines: dict = field(default_factory=dict)      # address -> (file, line, text)
    sections: list = field(default_factory=list)   # (name, address, size, files)
    constants: dict = field(default_factory=dict)  # name -> value
    entry: int = 0
    symbol_sources: dict = field(default_factory=dict)  # name -> (file, line, is_global)

    def __iter__(self):  # `symbols, lines = load_map(path)`
        return iter((self.symbols, self.lines))


class MapFileError(Dsp32cError):
    pass


def map_text(data: MapData) -> str:
    out = [HEADER, f"entry\t{data.entry:06x}"]
    for name, address, size, files in data.sections:
        out.append(f"section\t{name}\t{address:06x}\t{size:06x}\t{' '.join(files)}")
    for name, address in data.symbols.items():
        file, line, is_global = data.symbol_sources.get(name, ("", 0, False))
        out.append(f"symbol\t{name}\t{address:06x}\t{file}\t{line}\t{'global' if is_global else 'local'}")
    for name, value in data.constants.items():
        out.append(f"const\t{name}\t{value!r}")
    for address in sorted(data.lines):
        file, line, text = data.lines[address]
        out.append(f"line\t{address:06x}\t{file}\t{line}\t{text}")
    return "\n".join(out) + "\n"


def parse_map(text: str, filename: str = "<map>") -> MapData:
    data = MapData()
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        kind, _, rest = raw.partition("\t")
        try:
            if kind == "entry":
                data.entry = int(rest, 16)
            elif kind == "section":
                name, address, size, files = rest.split("\t", 3)
                data.sections.append((name, int(address, 16), int(size, 16), tuple(files.split())))
            elif kind == "symbol":
                name, address, file, line, scope = rest.split("\t", 4)
                data.symbols[name] = int(address, 16)
                data.symbol_sources[name] = (file, int(line), scope == "global")
            elif kind == "const":
                name, value = rest.split("\t", 1)
                data.constants[name] = float(value) if any(c in value for c in ".en") else int(value)
            elif kind == "line":
                address, file, line, text = rest.split("\t", 3)
                data.lines[int(address, 16)] = (file, int(line), text)
            else:
                raise ValueError(f"unknown record {kind!r}")
        except ValueError as exc:
            raise MapFileError(f"{filename}:{lineno}: bad map record: {exc}") from None
    return data


def load_map(path) -> MapData:
    """Read a map file written by `dsp32c asm -m`. The result has .symbols {name: address} and
    .lines {address: (file, line, text)} (and unpacks as `symbols, lines = load_map(path)`)."""
    with open(path, encoding="utf-8") as fh:
        try:
            text = fh.read()
        except UnicodeDecodeError:
            raise MapFileError(f"{path}: not a map file (not UTF-8 text)") from None
    return parse_map(text, str(path))
