"""Assembly-time expressions: C operators on integers and floats, labels, `$` (location counter).

Parsing gives a small tree of tuples; evaluation is separate because labels and forward
references only get values once every section is placed.

    node := ("num", value, col) | ("sym", name, col) | ("here", col)
          | ("un", op, node, col) | ("bin", op, left, right, col)

Precedence, lowest first, as in C: `|`, `^`, `&` (and `&~`, "and not"), `<< >>`, `+ -`,
`* / %`, unary `- + ~`. Integer `/` and `%` truncate toward zero as in C; a float on either
side of `+ - * /` makes a float; the bit operators take integers only.
"""
from __future__ import annotations

from dsp32c.asm_lexer import DOLLAR, FLT, ID, NUM, OP, AsmError, Token
from dsp32c.asm_syntax import ACCUMULATORS, IO_REGISTERS, split_register

ExprError = AsmError


_LEVELS = (("|",), ("^",), ("&", "&~"), ("<<", ">>"), ("+", "-"), ("*", "/", "%"))


def parse_expr(toks: list[Token], pos: int):
    """Parse the longest expression starting at toks[pos]; returns (node, next pos)."""
    return _parse_level(toks, pos, 0)


def _parse_level(toks, pos, level):
    if level == len(_LEVELS):
        return _parse_unary(toks, pos)
    left, pos = _parse_level(toks, pos, level + 1)
    while pos < len(toks) and toks[pos].kind == OP and toks[pos].text in _LEVELS[level]:
        op = toks[pos]
        right, pos = _parse_level(toks, pos + 1, level + 1)
        left = ("bin", op.text, left, right, op.col)
    return left, pos


def _parse_unary(toks, pos):
    if pos >= len(toks):
        col = toks[-1].col + len(toks[-1].text) if toks else 1
        raise ExprError(col, "expected an expression")
    t = toks[pos]
    if t.kind == OP and t.text in ("-", "+", "~"):
        operand, pos = _parse_unary(toks, pos + 1)
        return ("un", t.text, operand, t.col), pos
    if t.kind in (NUM, FLT):
        return ("num", t.value, t.col), pos + 1
    if t.kind == DOLLAR:
        return ("here", t.col), pos + 1
    if t.kind == ID:
        if split_register(t.text) or t.text in ACCUMULATORS or t.text in IO_REGISTERS:
            raise ExprError(t.col, f"register {t.text} cannot appear in an expression")
        return ("sym", t.text, t.col), pos + 1
    if t.kind == OP and t.text == "(":
        inner, pos = parse_expr(toks, pos + 1)
        if pos >= len(toks) or toks[pos].text != ")":
            raise ExprError(t.col, "missing ')'")
        return inner, pos + 1
    raise ExprError(t.col, f"expected an expression, found {t.text!r}")


def parse_whole(toks: list[Token], start_col: int = 1):
    """Parse toks as exactly one expression."""
    if not toks:
        raise ExprError(start_col, "expected an expression")
    node, pos = parse_expr(toks, 0)
    if pos != len(toks):
        raise ExprError(toks[pos].col, f"unexpected {toks[pos].text!r} after expression")
    return node


def node_col(node) -> int:
    return node[-1]


def symbols_in(node, out=None) -> list:
    out = [] if out is None else out
    kind = node[0]
    if kind == "sym":
        out.append(node)
    elif kind == "un":
        symbols_in(node[2], out)
    elif kind == "bin":
        symbols_in(node[2], out)
        symbols_in(node[3], out)
    return out


def uses_location(node) -> bool:
    kind = node[0]
    if kind == "here":
        return True
    if kind == "un":
        return uses_location(node[2])
    if kind == "bin":
        return uses_location(node[2]) or uses_location(node[3])
    return False


def evaluate(node, resolve, here):
    """Value of node. resolve(name, col) gives a symbol's value (or raises ExprError);
    here is the location counter (None where `$` has no meaning)."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "sym":
        return resolve(node[1], node[2])
    if kind == "here":
        if here is None:
            raise ExprError(node[1], "`$` (location counter) has no value here")
        return here
    if kind == "un":
        v = evaluate(node[2], resolve, here)
        op = node[1]
        if op == "-":
            return -v
        if op == "+":
            return v
        return ~_need_int(v, node[3], "~")
    op, col = node[1], node[4]
    a = evaluate(node[2], resolve, here)
    b = evaluate(node[3], resolve, here)
    if op in ("+", "-", "*", "/"):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            raise ExprError(col, "division by zero")
        if isinstance(a, float) or isinstance(b, float):
            return a / b
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    a, b = _need_int(a, col, op), _need_int(b, col, op)
    if op == "%":
        if b == 0:
            raise ExprError(col, "division by zero")
        r = abs(a) % abs(b)
        return r if a >= 0 else -r
    if op == "&":
        return a & b
    if op == "&~":
        return a & ~b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if b < 0 or b > 63:
        raise ExprError(col, f"shift count {b} out of range 0..63")
    return a << b if op == "<<" else a >> b


def _need_int(v, col, op):
    if isinstance(v, float):
        raise ExprError(col, f"operator {op} needs integers, not {v!r}")
    return v
