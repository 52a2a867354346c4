"""Layout of each source file, placement of sections, and symbol resolution across files.

The model is AT&T's assembler + linker in one step (docs/syntax.md, "Programs of several
files"):

* Each file's statements go into sections: `.text` until the first `.rsect "name"`. The part of a
  section that one file contributes is a fragment; `.=expr` moves the location counter to offset
  expr from the start of the file's fragment (so in the first file's `.text`, at address 0 by
  default, it is the absolute address).
* Sections of the same name from several files are concatenated in file order. A section's
  address comes from the caller (`--section NAME=ADDR`, a placement file), else a default:
  `.text` 0x000000, `.ram0` 0xFFF000, `.ram1` 0xFFF800, `.ram2` 0xFFE000 (the on-chip blocks of
  the board's memory mode), any other section after the highest section end below 0x800000.
  Overlapping sections are an error naming both.
* A name resolves to the file's own label or .equ, else to a `.global` of another file.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dsp32c.asm_expr import evaluate
from dsp32c.asm_lexer import AsmError, tokenize
from dsp32c.asm_parser import Ctx, Emit, LineParser
from dsp32c.asm_preproc import SourceLine
from dsp32c.errors import SourceError

DEFAULT_SECTION = ".text"
DEFAULT_PLACEMENT = {".text": 0x000000, ".ram0": 0xFFF000, ".ram1": 0xFFF800, ".ram2": 0xFFE000}
EXTERNAL_LIMIT = 0x800000  # auto-placed sections follow the others below this address
ADDRESS_SPACE = 1 << 24
INSTRUCTION_ALIGN = 4


@dataclass(eq=False)
class Fragment:
    unit: int
    section: str
    first: SourceLine | None   # where the section was entered (for error locations)
    size: int = 0              # current location counter (offset from the fragment start)
    align: int = INSTRUCTION_ALIGN
    start: int = 0             # offset of this fragment in its section (set by link)
    address: int = 0           # absolute address of the fragment start (set by link)


@dataclass(eq=False)
class Placed:
    frag: Fragment
    offset: int
    emit: Emit
    values: list | None = None  # unit values after build()

    @property
    def address(self):
        return self.frag.address + self.offset


@dataclass(eq=False)
class Row:
    """One source line of the listing."""
    line: SourceLine
    frag: Fragment
    offset: int
    placed: list = field(default_factory=list)
    errors: list = field(default_factory=list)   # messages

    @property
    def address(self):
        return self.frag.address + self.offset


class Unit:
    """One top-level source file after layout."""

    def __init__(self, index: int, name: str):
        self.index, self.name = index, name
        self.frags: dict[str, Fragment] = {}
        self.order: list[Fragment] = []
        self.labels: dict[str, tuple] = {}      # name -> (frag, offset, line, col)
        self.equs: dict[str, tuple] = {}        # name -> (node, line, col)
        self.globals: dict[str, tuple] = {}     # name -> (line, col)
        self.externs: dict[str, tuple] = {}
        self.rows: list[Row] = []
        self.errors: list[tuple] = []           # (order key, SourceError)

    def error(self, key, line: SourceLine, col: int, message: str, row: Row | None = None):
        self.errors.append((key, SourceError(line.file, line.line, col, message)))
        if row is not None:
            row.errors.append(message)

    def fragment(self, section: str, line) -> Fragment:
        frag = self.frags.get(section)
        if frag is None:
            frag = Fragment(self.index, section, line)
            self.frags[section] = frag
            self.order.append(frag)
        return frag


def layout(index: int, name: str, lines: list[SourceLine]) -> Unit:
    """Parse every line of one file and give each statement its place in a fragment."""
    unit = Unit(index, name)
    cur = unit.fragment(DEFAULT_SECTION, lines[0] if lines else None)

    def const_value(node, col, visiting=()):
        def resolve(sym, c):
            if sym in unit.equs and sym not in visiting:
                return const_value(unit.equs[sym][0], c, visiting + (sym,))
            if sym in unit.equs:
                raise AsmError(c, f"{sym} is defined in terms of itself")
            raise AsmError(c, f"{sym} must be a constant defined before this line (#define or .equ)")
        return evaluate(node, resolve, None)

    parser = LineParser(const_value)
    for key, sl in enumerate(lines):
        row = Row(sl, cur, cur.size)
        unit.rows.append(row)
        try:
            items = parser.parse_line(tokenize(sl.text), len(sl.text))
        except AsmError as exc:
            unit.error(key, sl, exc.col, exc.message, row)
            continue
        first_emit = True
        for item in items:
            kind = item[0]
            if kind == "label":
                _, label, col = item
                if _defined(unit, label, sl, col, key, row):
                    unit.labels[label] = (cur, cur.size, sl, col)
            elif kind == "equ":
                _, sym, node, col = item
                if _defined(unit, sym, sl, col, key, row):
                    unit.equs[sym] = (node, sl, col)
            elif kind in ("global", "extern"):
                target = unit.globals if kind == "global" else unit.externs
                for sym, col in item[1]:
                    target.setdefault(sym, (sl, col))
            elif kind == "rsect":
                cur = unit.fragment(item[1], sl)
                row.frag, row.offset = cur, cur.size
            elif kind == "org":
                _, value, col = item
                if value < cur.size:
                    unit.error(key, sl, col, f".={value:#x} moves the location counter back "
                                             f"(it is at {cur.size:#x} in this file's {cur.section})", row)
                else:
                    cur.size = value
                    row.offset = cur.size if first_emit else row.offset
            elif kind == "align":
                _, value, col = item
                cur.align = max(cur.align, value)
                cur.size = -(-cur.size // value) * value
                if first_emit:
                    row.offset = cur.size
            elif kind == "space":
                cur.size += item[1]
            elif kind == "emit":
                emit = item[1]
                if emit.code and cur.size % INSTRUCTION_ALIGN:
                    unit.error(key, sl, emit.col, f"instruction at offset {cur.size:#x} of "
                                                  f"{cur.section} is not word-aligned: add .align 4", row)
                    continue
                if first_emit:
                    row.frag, row.offset = cur, cur.size
                    first_emit = False
                row.placed.append(Placed(cur, cur.size, emit))
                cur.size += emit.size
    for sym, (sl, col) in unit.globals.items():
        if sym not in unit.labels and sym not in unit.equs:
            unit.error(_line_key(unit, sl), sl, col, f".global {sym}: {sym} is not defined in this file")
    return unit


def _defined(unit, sym, sl, col, key, row) -> bool:
    prev = unit.labels.get(sym)
    prev_line = prev[2] if prev else (unit.equs[sym][1] if sym in unit.equs else None)
    if prev_line is not None:
        unit.error(key, sl, col, f"{sym} is already defined at {prev_line.file}:{prev_line.line}", row)
        return False
    return True


def _line_key(unit, sl):
    for k, row in enumerate(unit.rows):
        if row.line is sl:
            return k
    return len(unit.rows)


# ---------------------------------------------------------------------------------- sections
@dataclass
class Section:
    name: str
    address: int
    size: int
    align: int
    files: tuple


def place_sections(units: list[Unit], placement: dict | None):
    """Give every fragment its address. Returns (sections, errors as (unit, key, SourceError))."""
    placement = dict(placement or {})
    by_name: dict[str, list[Fragment]] = {}
    for unit in units:
        for frag in unit.order:
            by_name.setdefault(frag.section, []).append(frag)
    errors = []
    sections = []
    auto = []
    for name, frags in by_name.items():
        offset, align = 0, INSTRUCTION_ALIGN
        for frag in frags:
            offset = -(-offset // frag.align) * frag.align
            frag.start = offset
            offset += frag.size
            align = max(align, frag.align)
        files = tuple(dict.fromkeys(units[f.unit].name for f in frags if f.size))
        sect = Section(name, 0, offset, align, files)
        where = next((f for f in frags if f.first is not None), frags[0])
        if name in placement or name in DEFAULT_PLACEMENT:
            sect.address = placement.get(name, DEFAULT_PLACEMENT.get(name))
            if sect.address % align:
                errors.append(_frag_error(units, where, f"section {name} at {sect.address:#08x} must be "
                                                        f"aligned to {align} bytes"))
        else:
            auto.append(sect)
        sections.append((sect, frags, where))
    cursor = max([s.address + s.size for s, _, _ in sections
                  if s not in auto and s.size and s.address < EXTERNAL_LIMIT] + [0])
    for sect in auto:
        sect.address = -(-cursor // sect.align) * sect.align
        cursor = sect.address + sect.size
    for sect, frags, where in sections:
        if sect.address + sect.size > ADDRESS_SPACE:
            errors.append(_frag_error(units, where, f"section {sect.name} "
                                                    f"({sect.address:#08x}, {sect.size} bytes) runs past 0xffffff"))
        for frag in frags:
            frag.address = sect.address + frag.start
    spans = sorted((s.address, s.address + s.size, s, where) for s, _, where in sections if s.size)
    for k, (a0, e0, s0, w0) in enumerate(spans):
        for a1, e1, s1, w1 in spans[k + 1:]:
            if a1 >= e0:
                break
            errors.append(_frag_error(units, w1, f"section {s1.name} ({_span(s1)}, {', '.join(s1.files)}) "
                                                 f"overlaps section {s0.name} ({_span(s0)}, {', '.join(s0.files)})"))
    return [s for s, _, _ in sections], errors


def _span(s):
    return f"{s.address:#08x}-{s.address + s.size - 1:#08x}"


def _frag_error(units, frag, message):
    unit = units[frag.unit]
    sl = frag.first
    if sl is None:
        return unit.index, 0, SourceError(unit.name, 1, 1, message)
    return unit.index, _line_key(unit, sl), SourceError(sl.file, sl.line, 1, message)


# ------------------------------------------------------------------------------------ symbols
class SymbolTable:
    """Values of every name, per file: own labels and .equ first, then other files' .global."""

    def __init__(self, units: list[Unit]):
        self.units = units
        self.globals: dict[str, tuple] = {}   # name -> (unit, kind)
        self.errors = []
        self._equ_values: dict = {}
        for unit in units:
            for sym, (sl, col) in unit.globals.items():
                if sym not in unit.labels and sym not in unit.equs:
                    continue
                if sym in self.globals:
                    other = units[self.globals[sym]]
                    osl = other.globals[sym][0]
                    self.errors.append((unit.index, _line_key(unit, sl), SourceError(
                        sl.file, sl.line, col, f"global {sym} is also defined in {other.name} "
                                               f"({osl.file}:{osl.line})")))
                    continue
                self.globals[sym] = unit.index

    def label_address(self, unit: Unit, sym: str) -> int:
        frag, offset, _, _ = unit.labels[sym]
        return frag.address + offset

    def resolver(self, unit: Unit, visiting=()):
        def resolve(sym, col):
            if sym in unit.labels:
                return self.label_address(unit, sym)
            if sym in unit.equs:
                return self.equ_value(unit, sym, col, visiting)
            owner = self.globals.get(sym)
            if owner is not None and owner != unit.index:
                return self.resolver(self.units[owner], visiting)(sym, col)
            hint = ""
            for other in self.units:
                if other is not unit and (sym in other.labels or sym in other.equs):
                    hint = f" (defined in {other.name} but not .global there)"
                    break
            raise AsmError(col, f"undefined symbol {sym}{hint}")
        return resolve

    def equ_value(self, unit, sym, col, visiting=()):
        key = (unit.index, sym)
        if key in self._equ_values:
            return self._equ_values[key]
        if key in visiting:
            raise AsmError(col, f"{sym} is defined in terms of itself")
        node = unit.equs[sym][0]
        try:
            value = evaluate(node, self.resolver(unit, visiting + (key,)), None)
        except AsmError as exc:  # report where the constant is used
            raise AsmError(col, exc.message) from None
        self._equ_values[key] = value
        return value


def encode_all(units: list[Unit], table: SymbolTable):
    """Run every statement's build() with symbol values, and evaluate every constant; errors
    go to the unit's list."""
    for unit in units:
        for sym, (node, sl, col) in unit.equs.items():
            try:
                table.equ_value(unit, sym, node[-1])
            except AsmError as exc:
                unit.error(_line_key(unit, sl), sl, exc.col, exc.message)
        resolve = table.resolver(unit)
        for key, row in enumerate(unit.rows):
            for placed in row.placed:
                try:
                    placed.values = placed.emit.build(Ctx(placed.address, resolve))
                except AsmError as exc:
                    unit.error(key, row.line, exc.col, exc.message, row)


# ---------------------------------------------------------------------------------- placement
def parse_address(text: str) -> int:
    """`0x1000`, `$1000`, `4096` -> int (ValueError otherwise)."""
    t = text.strip()
    value = int(t[1:], 16) if t.startswith("$") else int(t, 0)
    if not 0 <= value < ADDRESS_SPACE:
        raise ValueError(f"address {t} is outside 0x000000-0xffffff")
    return value


def parse_placement(text: str, filename: str = "<placement>") -> dict:
    """A placement file: one `NAME ADDR` (or `NAME = ADDR`) per line, `#` comments."""
    out = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].replace("=", " ").strip()
        if not line:
            continue
        parts = line.split()
        try:
            if len(parts) != 2:
                raise ValueError("expected `NAME ADDRESS`")
            name = parts[0].strip('"')
            if name in out:
                raise ValueError(f"section {name} placed twice")
            out[name] = parse_address(parts[1])
        except ValueError as exc:
            raise SourceError(filename, lineno, 1, str(exc)) from None
    return out
