"""Tokens of one preprocessed source line.

The dialect needs no whitespace (encodings §8.2), so operators are matched longest first:
`if(r15-->=0)` splits as `r15` `--` `>=` `0` and `a0=a0**r2` as `a0` `=` `a0` `*` `*` `r2`.
Numbers are C literals (decimal, 0x, octal, 0b, floats) plus `$hex`; a bare `$` is the location
counter. One disassembler spelling is lexical: `*` in prefix position followed by exactly eight
hex digits (`r1 = *00000100`, `*FFFFF800 = r3e`) is a hex address, not an octal number or name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dsp32c.asm_syntax import split_register

NUM, FLT, ID, DIR, STR, OP, DOLLAR = "num", "float", "id", "dir", "str", "op", "dollar"

# longest first
_OPERATORS = (">>>", "<<<", "++", "--", ">=", "<=", "<<", ">>", "&~", "==", "!=",
              "+", "-", "*", "/", "%", "&", "|", "^", "~", "#", "(", ")", "=", ",", ":", ";",
              "{", "}", "<", ">", "!", ".")
_FLOAT_RE = re.compile(r"(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?|\d+[eE][+-]?\d+[fF]?", re.ASCII)
_INT_RE = re.compile(r"0[xX][0-9a-fA-F]+|0[bB][01]+|\d+", re.ASCII)
_INT_SUFFIX_RE = re.compile(r"[uUlL]*")
_HEX8_RE = re.compile(r"[0-9a-fA-F]{8}(?![0-9A-Za-z_])")
_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEX_RE = re.compile(r"[0-9a-fA-F]+")
_TAG_RE = re.compile(r"\{\s*([A-Za-z0-9_]+)\s*\}")
_DIGITS = frozenset("0123456789")
_ID_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    col: int          # 1-based column in the preprocessed line
    value: object = None


class AsmError(Exception):
    """One error at a column of the statement being assembled (the caller adds file and line)."""

    def __init__(self, col: int, message: str):
        super().__init__(message)
        self.col, self.message = col, message


LexError = AsmError


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def tokenize(line: str) -> list[Token]:
    toks: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch in " \t\r\n\f\v":
            i += 1
            continue
        col = i + 1
        if ch == '"':
            j = line.find('"', i + 1)
            if j < 0:
                raise LexError(col, "unterminated string")
            toks.append(Token(STR, line[i:j + 1], col, line[i + 1:j]))
            i = j + 1
            continue
        if ch == "'":
            value, j = _char_literal(line, i)
            toks.append(Token(NUM, line[i:j], col, value))
            i = j
            continue
        if ch == "$":
            m = _HEX_RE.match(line, i + 1)
            if m:
                j = m.end()
                if j < n and _word_char(line[j]):
                    raise LexError(col, f"bad hex number {line[i:j + 1]!r}")
                toks.append(Token(NUM, line[i:j], col, int(m.group(), 16)))
                i = j
            else:
                toks.append(Token(DOLLAR, "$", col))
                i += 1
            continue
        # ASCII only: str.isdigit/isalpha accept other scripts, which the patterns do not
        if ch in _DIGITS or (ch == "." and i + 1 < n and line[i + 1] in _DIGITS):
            i = _number(line, i, toks)
            continue
        if ch in _ID_START:
            m = _ID_RE.match(line, i)
            toks.append(Token(ID, m.group(), col))
            i = m.end()
            continue
        if ch == "." and i + 1 < n and line[i + 1] in _ID_START:
            m = _ID_RE.match(line, i + 1)
            toks.append(Token(DIR, "." + m.group(), col))
            i = m.end()
            continue
        if ch == "{":  # encoding tag: {8a}, {3op}, {DA2} ...
            m = _TAG_RE.match(line, i)
            if m:
                toks.append(Token(OP, "{", col))
                toks.append(Token(ID, m.group(1), m.start(1) + 1))
                toks.append(Token(OP, "}", m.end()))
                i = m.end()
                continue
        if ch == "*" and not _after_operand(toks):
            m = _HEX8_RE.match(line, i + 1)
            if m:
                toks.append(Token(OP, "*", col))
                toks.append(Token(NUM, m.group(), col + 1, int(m.group(), 16)))
                i = m.end()
                continue
        for op in _OPERATORS:
            if line.startswith(op, i):
                toks.append(Token(OP, op, col))
                i += len(op)
                break
        else:
            raise LexError(col, f"unexpected character {ch!r}")
    return toks


def _after_operand(toks) -> bool:
    """True when a `*` here would be a multiplication (it follows a value)."""
    if not toks:
        return False
    t = toks[-1]
    return t.kind in (NUM, FLT, ID, DOLLAR) or (t.kind == OP and t.text in (")", "++", "--"))


def _number(line: str, i: int, toks: list) -> int:
    col = i + 1
    m = _FLOAT_RE.match(line, i)
    if m:
        text = m.group()
        j = m.end()
        if j < len(line) and _word_char(line[j]):
            raise LexError(col, f"bad number {line[i:j + 1]!r}")
        toks.append(Token(FLT, text, col, float(text.rstrip("fF"))))
        return j
    m = _INT_RE.match(line, i)
    text = m.group()
    j = _INT_SUFFIX_RE.match(line, m.end()).end()
    if j < len(line) and _word_char(line[j]):
        raise LexError(col, f"bad number {line[i:j + 1]!r}")
    low = text.lower()
    if low.startswith("0x"):
        value = int(low[2:], 16)
    elif low.startswith("0b"):
        value = int(low[2:], 2)
    elif len(text) > 1 and text[0] == "0":
        if any(c in "89" for c in text):
            raise LexError(col, f"bad octal number {text!r} (C literals with a leading 0 are octal)")
        value = int(text, 8)
    else:
        value = int(text)
    toks.append(Token(NUM, line[i:j], col, value))
    return j


def _char_literal(line: str, i: int):
    j = i + 1
    if j < len(line) and line[j] == "\\" and j + 1 < len(line):
        value = _ESCAPES.get(line[j + 1])
        j += 2
    elif j < len(line):
        value = ord(line[j])
        j += 1
    else:
        value = None
    if value is None or j >= len(line) or line[j] != "'":
        raise LexError(i + 1, "bad character constant")
    return value, j + 1


# ------------------------------------------------------------------------- token helpers
def is_op(t: Token | None, *texts) -> bool:
    return t is not None and t.kind == OP and (not texts or t.text in texts)


def register_of(t: Token | None):
    """(code, suffix) when the token names a CAU register, else None."""
    if t is None or t.kind != ID:
        return None
    return split_register(t.text)


def end_col(toks, fallback: int) -> int:
    """The column just after the last token (for "expected ... here" errors)."""
    return toks[-1].col + len(toks[-1].text) if toks else fallback
