"""The DSP32C assembler: AT&T `d3as`-dialect sources -> a Program (memory segments, symbols,
source lines). The syntax is docs/syntax.md; encoding choices are docs/canonical-encodings.md.

    assemble_files(paths, include_dirs=(), defines=None, sections=None) -> Program
    assemble_source(text, filename="<string>", include_dirs=(), defines=None, sections=None)

Several files form one program (`.global`/`.extern` resolve across them; sections of the same
name are concatenated). Errors are collected over all files (up to MAX_ERRORS) and raised
together as dsp32c.errors.SourceErrors, each one line `file:line:col: error: message`; the
exception's `listing` attribute holds the listing of what did assemble.

Pipeline: asm_preproc (pcpp) -> asm_lexer/asm_parser/asm_da per line -> asm_link (layout,
section placement, symbols, encoding via asm_encode and dsp32c.decode.encode).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

from dsp32c import hexfile
from dsp32c.asm_link import Section, SymbolTable, encode_all, layout, place_sections
from dsp32c.asm_preproc import display_path, preprocess
from dsp32c.errors import Dsp32cError, SourceError, SourceErrors
from dsp32c.mapfile import MapData, map_text

MAX_ERRORS = 50
ENTRY_SYMBOL = "start"
BIN_MAX_SPAN = 1 << 20   # a flat binary wider than this is surely a mistake: use Intel HEX


@dataclass
class Program:
    segments: list                 # [(address, bytes)], sorted, little-endian words
    symbols: dict                  # label -> address
    lines: dict                    # address -> (file, line, source text)
    entry: int                     # `start` if defined, else where the first file's code begins
    sections: list = field(default_factory=list)       # asm_link.Section
    constants: dict = field(default_factory=dict)      # .equ name -> value
    symbol_sources: dict = field(default_factory=dict)  # label -> (file, line, is_global)
    listing: str = ""

    # ---------------------------------------------------------------- views
    def image(self) -> dict:
        """{address: byte} of every emitted byte."""
        return {a + k: b for a, data in self.segments for k, b in enumerate(data)}

    def words(self):
        """(address, 32-bit little-endian word) for every word-aligned word of the segments."""
        for a, data in self.segments:
            start = -(-a // 4) * 4
            for p in range(start - a, len(data) - 3, 4):
                yield a + p, int.from_bytes(data[p:p + 4], "little")

    def map_data(self) -> MapData:
        return MapData(dict(self.symbols), dict(self.lines),
                       [(s.name, s.address, s.size, s.files) for s in self.sections],
                       dict(self.constants), self.entry, dict(self.symbol_sources))

    # ---------------------------------------------------------------- outputs
    def hex_text(self) -> str:
        return hexfile.to_intel_hex(self.segments, self.entry)

    def flat_binary(self):
        """(base address, bytes) of one flat region from the lowest to the highest byte, gaps
        zero-filled."""
        if not self.segments:
            return 0, b""
        base = self.segments[0][0]
        end = max(a + len(d) for a, d in self.segments)
        if end - base > BIN_MAX_SPAN:
            raise Dsp32cError(f"the program spans {base:#08x}-{end - 1:#08x}: too wide for one flat "
                              f"binary (limit {BIN_MAX_SPAN} bytes); write Intel HEX instead")
        out = bytearray(end - base)
        for a, data in self.segments:
            out[a - base:a - base + len(data)] = data
        return base, bytes(out)

    def map_text(self) -> str:
        return map_text(self.map_data())

    def write_hex(self, path):
        atomic_write(path, self.hex_text().encode())

    def write_bin(self, path) -> int:
        base, data = self.flat_binary()
        atomic_write(path, data)
        return base

    def write_listing(self, path):
        atomic_write(path, self.listing.encode())

    def write_map(self, path):
        atomic_write(path, self.map_text().encode())


def check_outputs(outputs: dict, inputs) -> None:
    """Refuse before anything is written: an output (option name -> path, None = not given)
    that is one of the input files, or two outputs that are the same file."""
    def key(path):
        return os.path.normcase(os.path.realpath(path))

    ins = {key(p) for p in inputs}
    seen = {}
    for option, path in outputs.items():
        if path is None:
            continue
        k = key(path)
        if k in ins:
            raise Dsp32cError(f"error: {option} {path} is an input file; refusing to overwrite it")
        if k in seen:
            raise Dsp32cError(f"error: {seen[k]} and {option} name the same file {path}")
        seen[k] = option


def atomic_write(path, data: bytes):
    """Write through a temporary file in the same directory and rename it into place, so a
    failed run never leaves a partial or clobbered output."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):  # else mkstemp's error would name the temporary file
        raise Dsp32cError(f"error: {path}: no such directory {display_path(folder)}")
    fd, tmp = tempfile.mkstemp(prefix=".dsp32c-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes the file 0600; give it the mode a plain open() would (0666 less umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ------------------------------------------------------------------------------------------
def assemble_files(paths, include_dirs=(), defines=None, sections=None) -> Program:
    """Assemble source files into one program. Raises SourceErrors on bad input."""
    sources = []
    for p in paths:
        p = os.fspath(p)
        with open(p, encoding="utf-8", errors="replace") as fh:
            sources.append((p, fh.read()))
    return assemble_sources(sources, include_dirs, defines, sections)


def assemble_source(text: str, filename: str = "<string>", include_dirs=(), defines=None,
                    sections=None) -> Program:
    """Assemble one source text (includes are searched beside `filename` and in include_dirs)."""
    return assemble_sources([(filename, text)], include_dirs, defines, sections)


def assemble_sources(sources, include_dirs=(), defines=None, sections=None) -> Program:
    """sources: [(filename, text)]. defines: {name: value or None}. sections: {name: address}."""
    units, errors = [], []
    for index, (name, text) in enumerate(sources):
        lines, cpp_errors = preprocess(name, text, include_dirs, defines)
        unit = layout(index, name, lines)
        units.append(unit)
        errors.extend((index, _order_key(unit, e), e) for e in cpp_errors)
    placed, place_errors = place_sections(units, sections)
    errors.extend(place_errors)
    table = SymbolTable(units)
    errors.extend(table.errors)
    if not place_errors:
        encode_all(units, table)
    for unit in units:
        errors.extend((unit.index, key, e) for key, e in unit.errors)
    listing = _listing(units, bool(place_errors))
    if errors:
        errors.sort(key=lambda t: (t[0], t[1]))
        found = [e for _, _, e in errors]
        if len(found) > MAX_ERRORS:
            last = found[MAX_ERRORS]
            found = found[:MAX_ERRORS] + [SourceError(last.file, last.line, last.col,
                                                      f"too many errors ({len(found)}); stopping here")]
        exc = SourceErrors(found)
        exc.listing = listing
        raise exc
    return _program(units, placed, table, listing)


def _order_key(unit, err) -> float:
    """Sort key of a preprocessor error among the unit's line errors: just before the first
    line of the same file at or after it."""
    for key, row in enumerate(unit.rows):
        if row.line.file == err.file and row.line.line >= err.line:
            return key - 0.5
    return len(unit.rows)


def _program(units, sections: list[Section], table: SymbolTable, listing: str) -> Program:
    chunks, lines = [], {}
    for unit in units:
        for row in unit.rows:
            text = row.line.original.strip()
            for placed in row.placed:
                unit_size = placed.emit.unit
                data = b"".join(v.to_bytes(unit_size, "little") for v in placed.values)
                chunks.append((placed.address, data))
                step = 4 if placed.emit.code else max(unit_size, 4)
                for a in range(placed.address, placed.address + max(len(data), 1), step):
                    lines.setdefault(a, (row.line.file, row.line.line, text))
    symbols, sources = {}, {}
    names = {}
    for unit in units:
        for sym in unit.labels:
            names.setdefault(sym, []).append(unit)
    for sym, owners in names.items():
        for unit in owners:
            key = sym if len(owners) == 1 or table.globals.get(sym) == unit.index else f"{unit.name}:{sym}"
            symbols[key] = table.label_address(unit, sym)
            sl = unit.labels[sym][2]
            sources[key] = (sl.file, sl.line, sym in unit.globals)
    constants = {}
    for unit in units:
        for sym in unit.equs:
            key = sym if sym not in constants else f"{unit.name}:{sym}"
            constants[key] = table.equ_value(unit, sym, 1)  # evaluated without error by encode_all
    entry = symbols.get(ENTRY_SYMBOL)
    if entry is None:
        first = next((f for f in units[0].order if f.size), None) if units else None
        entry = first.address if first is not None else 0
    return Program(hexfile.merge(chunks), symbols, lines, entry, sections, constants, sources, listing)


def assemble_statement(text: str, address: int = 0, symbols: dict | None = None) -> list[int]:
    """The unit values (words; halfwords for `int`) of one statement at `address`, without the
    preprocessor or sections: for tests, tools and interactive use. Symbols may be referenced
    through `symbols` ({name: value}). Raises SourceError (file "<statement>", line 1)."""
    from dsp32c.asm_expr import ExprError
    from dsp32c.asm_lexer import tokenize
    from dsp32c.asm_parser import Ctx, LineParser

    def resolve(name, col):
        if symbols and name in symbols:
            return symbols[name]
        raise ExprError(col, f"undefined symbol {name}")

    def const_value(node, col):
        from dsp32c.asm_expr import evaluate
        return evaluate(node, resolve, None)

    try:
        items = LineParser(const_value).parse_line(tokenize(text), len(text))
        out = []
        for item in items:
            if item[0] != "emit":
                raise ExprError(1, "assemble_statement takes instructions and data only")
            out.extend(item[1].build(Ctx(address + 0, resolve)))
            address += item[1].size
        return out
    except ExprError as exc:
        raise SourceError("<statement>", 1, exc.col, exc.message) from None


# ---------------------------------------------------------------------------------- listing
_WORDS_PER_ROW = 2


def _listing(units, unplaced: bool) -> str:
    out = ["dsp32c assembler listing", ""]
    for unit in units:
        shown = None
        for row in unit.rows:
            if row.line.file != shown:
                shown = row.line.file
                out.append(f"; file {shown}")
            cells = []
            for placed in row.placed:
                if placed.values is None:
                    continue
                digits = 2 * placed.emit.unit
                for k, v in enumerate(placed.values):
                    cells.append((placed.address + k * placed.emit.unit, f"{v:0{digits}x}"))
            addr = "" if unplaced else f"{row.address:06x}"
            first = " ".join(c for _, c in cells[:_WORDS_PER_ROW])
            out.append(f"{row.line.line:5d}  {addr:6}  {first:17}  {row.line.original}")
            for k in range(_WORDS_PER_ROW, len(cells), _WORDS_PER_ROW):
                part = cells[k:k + _WORDS_PER_ROW]
                a = "" if unplaced else f"{part[0][0]:06x}"
                out.append(f"{'':5}  {a:6}  {' '.join(c for _, c in part):17}")
            for message in row.errors:
                out.append(f"{'':5}  *** error: {message}")
    return "\n".join(out) + "\n"
