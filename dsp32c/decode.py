"""Decoder and encoder derived from the ISA table (dsp32c.isa); nothing here restates a layout.

* `decode(word) -> Decoded | None` and `encode(name, **fields) -> word` for Python callers
  (assembler, disassembler, tests).
* `canonical(word)`: the word the assembler writes for the disassembler's text of `word`
  (fields without effect cleared, aliased register codes folded), see isa.Format.dont_care.
* `TABLES`: flat NumPy arrays for the emulator: decode rows (mask, match, handler; first match
  wins) grouped by the 11-bit primary index `word >> 21`, and per-handler field extraction
  (shift, width of up to two parts). `decode_array` pre-decodes a whole memory image with them,
  and `decode_one` (Numba) re-decodes a single word after a write into code.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from dsp32c import isa

PRIMARY_SHIFT = 21  # the 11 high bits select a short list of candidate rows (MAME's 2048 slots)
N_PRIMARY = 1 << (32 - PRIMARY_SHIFT)
MAX_PARTS = 2


def _field_mask_match(fmt, fname, value):
    fld = fmt.field(fname)
    mask = match = 0
    shift_left = fld.width
    for msb, lsb in fld.parts:
        w = msb - lsb + 1
        shift_left -= w
        part = (value >> shift_left) & ((1 << w) - 1)
        mask |= ((1 << w) - 1) << lsb
        match |= part << lsb
    return mask, match


def _rule_rows(fmt, rule):
    """All (mask, match) pairs a {field: value-or-tuple} rule stands for."""
    keys = list(rule)
    choices = [rule[k] if isinstance(rule[k], tuple) else (rule[k],) for k in keys]
    for combo in itertools.product(*choices):
        mask = match = 0
        for k, v in zip(keys, combo):
            m, x = _field_mask_match(fmt, k, v)
            mask |= m
            match |= x
        yield mask, match


def _build_rows():
    """Ordered decode rows: each format's illegal rows, then the format itself."""
    rows = []  # (mask, match, handler id or ILLEGAL, reason)
    for hid, fmt in enumerate(isa.FORMATS):
        fmask, fmatch = isa.fixed_mask_match(fmt)
        illegal = [(rule, reason) for rule, reason in fmt.forbid]
        for fname, legal in fmt.allowed.items():
            width = fmt.field(fname).width
            bad = tuple(v for v in range(1 << width) if v not in legal)
            if bad:
                illegal.append(({fname: bad}, f"{fname} value not assigned"))
        for rule, reason in illegal:
            for m, x in _rule_rows(fmt, rule):
                rows.append((fmask | m, fmatch | x, isa.ILLEGAL, f"{fmt.name}: {reason}"))
        rows.append((fmask, fmatch, hid, fmt.name))
    return rows


ROWS = _build_rows()


class DecodeTables(NamedTuple):
    row_mask: np.ndarray      # uint32[R]
    row_match: np.ndarray     # uint32[R]
    row_handler: np.ndarray   # int32[R], isa.ILLEGAL for illegal patterns
    slot_start: np.ndarray    # int32[2048]: first candidate row (index into slot_rows)
    slot_count: np.ndarray    # int32[2048]
    slot_rows: np.ndarray     # int32[...]: row indices, in decode order, per primary slot
    field_count: np.ndarray   # int32[H]
    field_nparts: np.ndarray  # int32[H, MAX_FIELDS]
    field_shift: np.ndarray   # int32[H, MAX_FIELDS, MAX_PARTS] (lsb of each part)
    field_width: np.ndarray   # int32[H, MAX_FIELDS, MAX_PARTS]


def _build_tables() -> DecodeTables:
    n_rows = len(ROWS)
    row_mask = np.array([r[0] for r in ROWS], dtype=np.uint32)
    row_match = np.array([r[1] for r in ROWS], dtype=np.uint32)
    row_handler = np.array([r[2] for r in ROWS], dtype=np.int32)
    hi_mask = (row_mask >> PRIMARY_SHIFT).astype(np.int64)
    hi_match = (row_match >> PRIMARY_SHIFT).astype(np.int64)
    slot_start = np.zeros(N_PRIMARY, np.int32)
    slot_count = np.zeros(N_PRIMARY, np.int32)
    slot_rows = []
    for slot in range(N_PRIMARY):
        cand = [r for r in range(n_rows) if (slot & hi_mask[r]) == hi_match[r]]
        slot_start[slot] = len(slot_rows)
        slot_count[slot] = len(cand)
        slot_rows.extend(cand)
    n_h = len(isa.FORMATS)
    field_count = np.zeros(n_h, np.int32)
    field_nparts = np.zeros((n_h, isa.MAX_FIELDS), np.int32)
    field_shift = np.zeros((n_h, isa.MAX_FIELDS, MAX_PARTS), np.int32)
    field_width = np.zeros((n_h, isa.MAX_FIELDS, MAX_PARTS), np.int32)
    for h, fmt in enumerate(isa.FORMATS):
        field_count[h] = len(fmt.fields)
        for s, fld in enumerate(fmt.fields):
            assert len(fld.parts) <= MAX_PARTS
            field_nparts[h, s] = len(fld.parts)
            for p, (msb, lsb) in enumerate(fld.parts):
                field_shift[h, s, p] = lsb
                field_width[h, s, p] = msb - lsb + 1
    tables = DecodeTables(row_mask, row_match, row_handler, slot_start, slot_count,
                          np.array(slot_rows, np.int32), field_count, field_nparts,
                          field_shift, field_width)
    for arr in tables:
        arr.setflags(write=False)
    return tables


TABLES = _build_tables()


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decoded:
    name: str        # format (handler) name
    hid: int         # dense handler id
    fields: dict     # field name -> unsigned value

    @property
    def format(self) -> isa.Format:
        return isa.FORMATS[self.hid]


def _find_row(word: int):
    t = TABLES
    slot = word >> PRIMARY_SHIFT
    start = t.slot_start[slot]
    for k in range(start, start + t.slot_count[slot]):
        r = t.slot_rows[k]
        if (word & int(t.row_mask[r])) == int(t.row_match[r]):
            return r
    return None


def extract(fmt: isa.Format, word: int) -> dict:
    out = {}
    for fld in fmt.fields:
        v = 0
        for msb, lsb in fld.parts:
            w = msb - lsb + 1
            v = (v << w) | ((word >> lsb) & ((1 << w) - 1))
        out[fld.name] = v
    return out


def decode(word: int) -> Decoded | None:
    """The instruction a 32-bit word holds, or None when it is illegal or unassigned."""
    word &= 0xFFFFFFFF
    r = _find_row(word)
    if r is None or ROWS[r][2] == isa.ILLEGAL:
        return None
    hid = ROWS[r][2]
    fmt = isa.FORMATS[hid]
    return Decoded(fmt.name, hid, extract(fmt, word))


def illegal_reason(word: int) -> str:
    r = _find_row(word & 0xFFFFFFFF)
    if r is None:
        return "unassigned opcode"
    return ROWS[r][3] if ROWS[r][2] == isa.ILLEGAL else ""


def encode(name: str, **fields) -> int:
    """Assemble a word from field values (unsigned, or signed for signed fields). Raises
    ValueError when a value does not fit or the combination is illegal."""
    fmt = isa.FORMAT_BY_NAME[name]
    mask, word = isa.fixed_mask_match(fmt)
    unknown = set(fields) - set(fmt.field_names)
    if unknown:
        raise ValueError(f"{name}: unknown field(s) {', '.join(sorted(unknown))}")
    for fld in fmt.fields:
        value = fields.get(fld.name, 0)
        lo = -(1 << (fld.width - 1)) if fld.signed else 0
        hi = (1 << fld.width) - 1
        if not lo <= value <= hi:
            raise ValueError(f"{name}: field {fld.name}={value} does not fit {fld.width} bits")
        value &= (1 << fld.width) - 1
        m, x = _field_mask_match(fmt, fld.name, value)
        word |= x
    dec = decode(word)
    if dec is None or dec.name != name:
        raise ValueError(f"{name}: illegal field combination ({illegal_reason(word) or 'decodes otherwise'})")
    return word


def _matches(rule: dict, fields: dict) -> bool:
    for k, v in rule.items():
        allowed = v if isinstance(v, tuple) else (v,)
        if fields[k] not in allowed:
            return False
    return True


def canonical(word: int) -> int | None:
    """The word the assembler produces from the disassembly of `word` (None if illegal)."""
    dec = decode(word)
    if dec is None:
        return None
    fmt = dec.format
    fields = dict(dec.fields)
    for rule, cleared in fmt.dont_care:
        if _matches(rule, dec.fields):
            for k in cleared:
                fields[k] = 0
    for fld in fmt.fields:  # the second zero register code prints as r0
        if fld.name in _REGISTER_FIELDS and fields[fld.name] == isa.REG_ZERO2:
            fields[fld.name] = isa.REG_ZERO
    if fmt.name == "load_ind" and fields["i"] == isa.REG_ZERO2:  # no post-modify either way
        fields["i"] = 0
    return encode(fmt.name, **fields)


_REGISTER_FIELDS = {"rh", "rd", "rm", "rs1", "rs2"}


# ---------------------------------------------------------------------------------------------
@njit(cache=True)
def decode_one(word, row_mask, row_match, row_handler, slot_start, slot_count, slot_rows,
               field_count, field_nparts, field_shift, field_width, out_fields):
    """Decode one word (Numba). Writes the field values into out_fields[0:count]; returns the
    handler id or -1 (illegal). Arguments are the arrays of TABLES, passed in so that edits to
    the ISA table are never frozen into cached machine code."""
    w = word & 0xFFFFFFFF
    slot = w >> 21
    start = slot_start[slot]
    h = -1
    for k in range(start, start + slot_count[slot]):
        r = slot_rows[k]
        if (w & row_mask[r]) == row_match[r]:
            h = row_handler[r]
            break
    if h < 0:
        return -1
    for s in range(field_count[h]):
        v = 0
        for p in range(field_nparts[h, s]):
            wd = field_width[h, s, p]
            v = (v << wd) | ((w >> field_shift[h, s, p]) & ((1 << wd) - 1))
        out_fields[s] = v
    return h


def decode_array(words: np.ndarray):
    """Pre-decode many words at once: returns (handler int32[N], fields int32[N, MAX_FIELDS])."""
    w = np.asarray(words, dtype=np.uint32)
    handler = np.full(w.shape, -2, dtype=np.int32)  # -2: not decided yet
    t = TABLES
    for r in range(len(ROWS)):
        hit = (handler == -2) & ((w & t.row_mask[r]) == t.row_match[r])
        handler[hit] = t.row_handler[r]
    handler[handler == -2] = isa.ILLEGAL
    fields = np.zeros(w.shape + (isa.MAX_FIELDS,), dtype=np.int32)
    w64 = w.astype(np.int64)
    for h, fmt in enumerate(isa.FORMATS):
        sel = handler == h
        if not sel.any():
            continue
        ws = w64[sel]
        for s in range(t.field_count[h]):
            v = np.zeros_like(ws)
            for p in range(t.field_nparts[h, s]):
                wd = int(t.field_width[h, s, p])
                v = (v << wd) | ((ws >> int(t.field_shift[h, s, p])) & ((1 << wd) - 1))
            fields[sel, s] = v
    return handler, fields
