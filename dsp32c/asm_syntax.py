"""Spellings shared by the assembler and the disassembler: what each register code, operand and
encoding tag is called in source text. The disassembler prints these names and the assembler
reads them, so the two agree by construction (docs/syntax.md, docs/canonical-encodings.md).

Names come from the ISA table (dsp32c.isa); this module only adds the spellings the table
leaves open: the constant registers in register positions (`rpp` = code 23, +1 and `rmm` =
code 22, -1, the "rPP"/"rMM" of encodings §2.1), and the encoding tags.
"""
from __future__ import annotations

from dsp32c import isa

# Register code -> printed name. Code 16 (second zero) prints as r0; reserved codes have none.
REG_CONST_NAMES = {isa.REG_PLUS1: "rpp", isa.REG_MINUS1: "rmm"}
REGISTER_SPELLING = tuple(
    REG_CONST_NAMES.get(code, "r0" if code == isa.REG_ZERO2 else name)
    for code, name in enumerate(isa.REGISTER_NAMES)
)

# Source name -> register code (first code wins, so r0 is code 0, not 16).
REGISTER_CODES: dict[str, int] = {}
for _code, _name in enumerate(REGISTER_SPELLING):
    if _name is not None and _name not in REGISTER_CODES:
        REGISTER_CODES[_name] = _code
REGISTER_CODES.update(isa.REGISTER_ALIASES)

SIZE_SUFFIXES = ("e", "l", "h")  # e: 24-bit / 32-bit transfer; l, h: low / high byte (enc §7)
SUFFIX_FOR_SZ = {sz: sfx for sz, (sfx, _) in isa.LOAD_SIZES.items()}
SZ_FOR_SUFFIX = {sfx: sz for sz, sfx in SUFFIX_FOR_SZ.items()}

ACCUMULATORS = {f"a{k}": k for k in range(4)}
CONDITIONS = {name: c for c, name in enumerate(isa.CONDITION_NAMES) if name is not None}
IO_REGISTERS = {name: i for i, name in isa.IO_REGISTER_NAMES.items()}
SPECIAL_FUNCTIONS = {name: g for g, name in enumerate(isa.SPECIAL_FUNCTION_NAMES) if name is not None}

# The pointer written as `*same` in a DA operand: p = 15, "the pointer of the previous field".
DA_SAME_POINTER = "same"
DA_POINTER_CODES = range(1, 15)  # r1-r14 (enc §6.2)
DA_INCREMENT_NAMES = {i: REGISTER_SPELLING[isa.DA_INCREMENT_REGISTER_BASE + i] for i in range(1, 6)}

# Encoding tags, written `{tag}` after a statement: they select an alias encoding that the
# plain text would not (docs/canonical-encodings.md). Stored lower-case.
TAGS = {
    "8a": "24-bit goto (format 8a)",
    "8b": "24-bit load immediate (format 8b)",
    "8c": "24-bit call (format 8c)",
    "6c": "ALU immediate add/subtract (format 6c/6d)",
    "6d": "ALU immediate add/subtract (format 6c/6d)",
    "3op": "three-operand ALU encoding (T = 1) with rS2 = rD",
    "da2": "DA format 2 without a Z write",
    "da3": "DA format 3 with an accumulator Y",
    "da4": "DA format 4 without a Z write",
}
TAG_SPELLING = {"8a": "8a", "8b": "8b", "8c": "8c", "6c": "6c", "6d": "6d", "3op": "3op",
                "da2": "DA2", "da3": "DA3", "da4": "DA4"}

# Words that are never labels.
KEYWORDS = frozenset({
    "goto", "pcgoto", "call", "return", "do", "if", "nop", "ireturn", "int", "int24", "float",
    "equ", "same",
})


def split_register(ident: str):
    """`r1e` -> (1, "e"), `pcsh` -> (30, ""); None when the identifier is no register."""
    code = REGISTER_CODES.get(ident)
    if code is not None:
        return code, ""
    if len(ident) > 1 and ident[-1] in SIZE_SUFFIXES:
        code = REGISTER_CODES.get(ident[:-1])
        if code is not None:
            return code, ident[-1]
    return None


def is_reserved_word(ident: str) -> bool:
    return (ident in KEYWORDS or split_register(ident) is not None or ident in ACCUMULATORS
            or ident in IO_REGISTERS)


def reg_name(code: int, suffix: str = "") -> str:
    return REGISTER_SPELLING[code] + suffix
