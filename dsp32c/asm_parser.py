"""Statements of one preprocessed line -> items for the layout pass (dsp32c.assembler).

A line is `[label:]... [statement [; statement]...]`. Each statement becomes an item:

    ("label", name, col)            ("equ", name, node, col)
    ("global"|"extern", [(name, col), ...])
    ("rsect", name, col)            ("org" | "align" | "space", value, col)
    ("emit", Emit)                  bytes to place: an instruction, data, or a repeat of them

An Emit carries a `build(ctx)` closure run after every section is placed, so labels and forward
references have values; everything that does not depend on a symbol (registers, operand forms,
the DA encodings) is decided here. The grammar is documented in docs/syntax.md; the choice of
encoding where several exist follows docs/canonical-encodings.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dsp32c import isa
from dsp32c import asm_encode as enc
from dsp32c.asm_da import DA_NO_Z, DaCursor, da_fields, field_of, need_operand
from dsp32c.asm_expr import evaluate, parse_whole
from dsp32c.asm_lexer import (DIR, DOLLAR, FLT, ID, NUM, OP, STR, AsmError, Token, is_op,
                              register_of)
from dsp32c.asm_lexer import end_col as _end_col
from dsp32c.asm_syntax import (ACCUMULATORS, CONDITIONS, IO_REGISTERS, SPECIAL_FUNCTIONS,
                               SZ_FOR_SUFFIX, TAGS, is_reserved_word)

DATA_KEYWORDS = {"int": (2, "int"), "int24": (4, "int24"), "float": (4, "float"),
                 ".word": (4, "word"), ".float": (4, "float"), ".int": (2, "int"),
                 ".int24": (4, "int24"), ".byte": (1, "byte")}
_ALU_BINARY = {"+": 0, "-": 4, "#": 3, "&": 14, "|": 10, "^": 8, "&~": 6}
_ALU_UNARY = {"*": (1, 2), "/": (13, 2), ">>": (12, 1), ">>>": (9, 1), "<<<": (11, 1)}
MAX_EMIT = 1 << 24  # bytes: nothing placed can be larger than the address space
_PRECEDENCE = {"|": 0, "^": 1, "&": 2, "&~": 2, "<<": 3, ">>": 3, "+": 4, "-": 4, "*": 5,
               "/": 5, "%": 5, "#": 4}


@dataclass
class Emit:
    size: int                       # bytes
    unit: int                       # bytes per value build() returns (4, or 2 for int)
    build: Callable                 # build(ctx) -> list of unit values
    col: int
    code: bool                      # an instruction (must be word-aligned)


class Ctx:
    """What build() closures see: the statement's address and symbol values."""

    def __init__(self, here: int, resolve):
        self.here, self._resolve = here, resolve

    def value(self, node):
        return evaluate(node, self._resolve, self.here)

    def int_value(self, node, what="value"):
        return enc.need_int(self.value(node), node[-1], what)

    def at(self, here):
        return Ctx(here, self._resolve)


def _word(w):
    """An Emit for an instruction whose word is already known."""
    return lambda ctx: [w]


def _insn(build, col):
    return ("emit", Emit(4, 4, build, col, True))


# ------------------------------------------------------------------------------ token helpers
def split_top(toks, sep):
    """Split tokens at separator operators outside parentheses."""
    parts, depth, start = [], 0, 0
    for k, t in enumerate(toks):
        if t.kind == OP:
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.text == sep and depth == 0:
                parts.append(toks[start:k])
                start = k + 1
    parts.append(toks[start:])
    return parts


def _binary_ops(toks):
    """Operator tokens used as binary operators at parenthesis depth 0."""
    out, depth, prev = [], 0, None
    for t in toks:
        if t.kind == OP and t.text == "(":
            depth += 1
        elif t.kind == OP and t.text == ")":
            depth -= 1
        elif t.kind == OP and depth == 0 and prev is not None and (
                prev.kind in (NUM, FLT, ID, DOLLAR) or prev.text == ")"):
            out.append(t)
        prev = t
    return out


def _check_tail(toks, op: str):
    """An operand after `op` must not contain a looser operator: in `r1 = r1 & 0xff | 1` C would
    group (r1 & 0xff) | 1, which no instruction computes. + and - chains are fine."""
    for t in _binary_ops(toks):
        if _PRECEDENCE.get(t.text, 9) < _PRECEDENCE[op] or (
                _PRECEDENCE.get(t.text) == _PRECEDENCE[op] and op not in ("+", "-")):
            raise AsmError(t.col, f"operator {t.text} binds looser than {op} here: "
                                  "put the immediate in parentheses")


def _is_bare_one(toks):
    """The bare `1` / `-1` right operand that names a constant register (code 23 / 22)."""
    if len(toks) == 1 and toks[0].kind == NUM and toks[0].text == "1":
        return isa.REG_PLUS1
    if len(toks) == 2 and is_op(toks[0], "-") and toks[1].kind == NUM and toks[1].text == "1":
        return isa.REG_MINUS1
    return None


class _Tag:
    """The optional `{tag}` of a statement; every tag must be consumed by the form it selects."""

    def __init__(self, name, col):
        self.name, self.col, self.used = name, col, name is None

    def take(self, *names):
        if self.name in names:
            self.used = True
            return self.name
        return None

    def check(self):
        if not self.used:
            raise AsmError(self.col, f"tag {{{self.name}}} does not apply to this statement")


# ------------------------------------------------------------------------------- line parser
class LineParser:
    """Parses the statements of one line. const_value(node, col) evaluates layout expressions
    (repeat counts, .space, .align, .=) that must be known while laying out the file."""

    def __init__(self, const_value):
        self.const_value = const_value

    def parse_line(self, toks: list[Token], line_len: int):
        items = []
        k = 0
        while k + 1 < len(toks) and toks[k].kind == ID and is_op(toks[k + 1], ":"):
            name = toks[k].text
            if is_reserved_word(name):
                raise AsmError(toks[k].col, f"{name} is a reserved word and cannot be a label")
            items.append(("label", name, toks[k].col))
            k += 2
        for stmt in split_top(toks[k:], ";"):
            if stmt:
                items.extend(self.parse_statement(stmt, line_len))
        return items

    # -------------------------------------------------------------------- dispatch
    def parse_statement(self, toks, line_len):
        tag = _Tag(None, 0)
        if len(toks) >= 3 and is_op(toks[-1], "}") and is_op(toks[-3], "{"):
            name = toks[-2].text.lower()
            if name not in TAGS:
                raise AsmError(toks[-2].col, f"unknown encoding tag {{{toks[-2].text}}}")
            tag = _Tag(name, toks[-3].col)
            toks = toks[:-3]
            if not toks:
                raise AsmError(tag.col, "encoding tag without a statement")
        first = toks[0]
        if first.kind == DIR or (first.kind == OP and first.text == "."):
            items = self.directive(toks, line_len)
        elif len(toks) >= 2 and first.kind == ID and toks[1].kind in (ID, DIR) and toks[1].text in ("equ", ".equ"):
            items = [self.equ(first, toks[2:], line_len)]
        elif first.kind == ID and first.text in DATA_KEYWORDS:
            items = [self.data(first, toks[1:], line_len)]
        else:
            items = self.repeat(toks, line_len, tag)
            if items is None:
                items = [self.instruction(toks, line_len, tag)]
        tag.check()
        return items

    def repeat(self, toks, line_len, tag):
        """`N*nop`, `2*float 0.0`: the statement after `*` emitted N times."""
        star = None
        depth = 0
        for k, t in enumerate(toks):
            if is_op(t, "("):
                depth += 1
            elif is_op(t, ")"):
                depth -= 1
            elif is_op(t, "=") or t.kind in (STR, DIR):
                return None
            elif is_op(t, "*") and depth == 0:
                star = k
                break
        if not star or star + 1 >= len(toks):
            return None
        nxt = toks[star + 1]
        if nxt.kind not in (ID, DIR) or nxt.text not in ("nop",) + tuple(DATA_KEYWORDS):
            return None
        count = self.const_value(parse_whole(toks[:star]), toks[0].col)
        if isinstance(count, float) or count < 1:
            raise AsmError(toks[0].col, f"repeat count must be a positive integer, not {count!r}")
        if nxt.text == "nop":
            inner = [self.instruction(toks[star + 1:], line_len, tag)]
        else:
            inner = self.parse_statement(toks[star + 1:], line_len)
        (_, emit), = inner
        if emit.size * count > MAX_EMIT:
            raise AsmError(toks[0].col, f"{count} repeats make {emit.size * count} bytes: more "
                                        "than the 16 MB address space")
        return [("emit", _repeated(emit, count))]

    # -------------------------------------------------------------------- directives
    def directive(self, toks, line_len):
        d = toks[0]
        if d.kind == OP:  # `. = expr`
            if len(toks) < 2 or not is_op(toks[1], "="):
                raise AsmError(d.col, "expected `.=expr`")
            value = self._const(toks[2:], d, line_len)
            if not 0 <= value <= MAX_EMIT:
                raise AsmError(d.col, f".={value:#x} is outside the 16 MB address space")
            return [("org", value, d.col)]
        name = d.text
        args = toks[1:]
        if name in DATA_KEYWORDS:
            return [self.data(d, args, line_len)]
        if name in (".global", ".globl", ".extern"):
            names = []
            for part in split_top(args, ","):
                if len(part) != 1 or part[0].kind != ID:
                    raise AsmError(part[0].col if part else d.col, f"{name} takes a list of names")
                names.append((part[0].text, part[0].col))
            return [("extern" if name == ".extern" else "global", names)]
        if name == ".rsect":
            if len(args) != 1 or args[0].kind not in (STR, ID, DIR):
                raise AsmError(d.col, '.rsect takes a section name, e.g. .rsect ".ram0"')
            sect = args[0].value if args[0].kind == STR else args[0].text
            if not sect:
                raise AsmError(args[0].col, "empty section name")
            return [("rsect", sect, d.col)]
        if name == ".text" and not args:
            return [("rsect", ".text", d.col)]
        if name in (".align", ".space"):
            value = self._const(args, d, line_len)
            if name == ".align" and (value < 1 or value & (value - 1) or value > 1 << 16):
                raise AsmError(d.col, f".align {value}: the alignment must be a power of 2 up to 65536")
            if name == ".space" and not 0 <= value <= MAX_EMIT:
                raise AsmError(d.col, f".space {value}: size out of range")
            return [(name[1:], value, d.col)]
        if name == ".equ":
            parts = split_top(args, ",")
            if len(parts) == 2 and len(parts[0]) == 1:
                return [self.equ(parts[0][0], parts[1], line_len)]
            if args and args[0].kind == ID:
                return [self.equ(args[0], args[1:], line_len)]
            raise AsmError(d.col, ".equ takes a name and an expression: .equ NAME, expr")
        if name == ".page" and not args:
            return []
        raise AsmError(d.col, f"unknown directive {name}")

    def _const(self, toks, at, line_len):
        node = parse_whole(toks, _end_col([at], line_len))
        value = self.const_value(node, at.col)
        return enc.need_int(value, node[-1], f"{at.text} value")

    def equ(self, name_tok, expr_toks, line_len):
        if name_tok.kind != ID or is_reserved_word(name_tok.text):
            raise AsmError(name_tok.col, f"{name_tok.text} cannot be a symbol name")
        node = parse_whole(expr_toks, _end_col([name_tok], line_len))
        return ("equ", name_tok.text, node, name_tok.col)

    def data(self, kw, args, line_len):
        unit, kind = DATA_KEYWORDS[kw.text]
        parts = split_top(args, ",")
        if not args or any(not p for p in parts):
            raise AsmError(kw.col if not args else _end_col(args, line_len),
                           f"{kw.text} takes a comma-separated list of values")
        nodes = [parse_whole(p) for p in parts]
        convert = {"int": enc.data_int16, "int24": enc.data_int24, "word": enc.data_word,
                   "float": enc.data_float, "byte": enc.data_byte}[kind]

        def build(ctx):
            return [convert(ctx.value(n), n[-1]) for n in nodes]

        return ("emit", Emit(unit * len(nodes), unit, build, kw.col, False))

    # -------------------------------------------------------------------- instructions
    def instruction(self, toks, line_len, tag):
        first = toks[0]
        if first.kind == ID:
            word = first.text
            if word in ("nop", "ireturn"):
                if len(toks) != 1:
                    raise AsmError(toks[1].col, f"unexpected {toks[1].text!r} after {word}")
                w = 0 if word == "nop" else enc.encode("goto", first.col, c=1, rh=isa.REG_PCSH, n=0)
                return _insn(_word(w), first.col)
            if word in ("goto", "pcgoto"):
                return self.goto(toks, 1, None, tag, line_len)
            if word == "call":
                return self.call(toks, tag, line_len)
            if word == "return":
                rm = self._paren_register(toks[1:], first, line_len)
                return _insn(_word(enc.encode("goto", first.col, c=1, rh=rm, n=0)), first.col)
            if word == "do":
                return self.do(toks, line_len)
            if word == "if":
                return self.if_statement(toks, tag, line_len)
        return self.assignment(toks, tag, None, line_len)

    def _paren_register(self, toks, at, line_len):
        if len(toks) != 3 or not is_op(toks[0], "(") or not is_op(toks[2], ")"):
            raise AsmError(toks[0].col if toks else _end_col([at], line_len),
                           f"expected (rM) after {at.text}")
        return self._plain_register(toks[1])

    def _plain_register(self, t, what="register"):
        r = register_of(t)
        if r is None:
            raise AsmError(t.col, f"expected a {what}, found {t.text!r}")
        if r[1]:
            raise AsmError(t.col, f"no size suffix allowed on {t.text} here")
        return r[0]

    # -------------------------------------------------------------------- branches
    def _target(self, toks, at, line_len, pcrel):
        if not toks:
            raise AsmError(_end_col([at], line_len), "expected a branch target")
        if pcrel:
            return ("pcrel", parse_whole(toks))
        r = register_of(toks[0])
        if r is not None:
            if r[1]:
                raise AsmError(toks[0].col, f"no size suffix allowed on {toks[0].text} here")
            if len(toks) == 1:
                return ("base", r[0], ("num", 0, toks[0].col))
            if not is_op(toks[1], "+", "-"):
                raise AsmError(toks[1].col, f"expected + or - after {toks[0].text}")
            _check_tail(toks[2:], "+")
            return ("base", r[0], parse_whole(toks[1:]))
        return ("abs", parse_whole(toks))

    @staticmethod
    def _branch_build(kind, target, tag, col, **head):
        def build(ctx):
            value = ctx.value(target[-1])
            return [enc.branch(kind, target[:-1] + (value,), ctx.here, tag=tag, col=col, **head)]
        return build

    def goto(self, toks, k, head, tag, line_len):
        """toks[k - 1] is `goto` or `pcgoto`; head is None (plain) or ("cond", c) / ("dec", rm)."""
        kw = toks[k - 1]
        target = self._target(toks[k:], kw, line_len, kw.text == "pcgoto")
        if head is not None and head[0] == "dec":
            kind, extra, t = "dec", {"rm": head[1]}, None
        else:
            kind, extra = "goto", {"cond": 1 if head is None else head[1]}
            t = tag.take("8a")
        return _insn(self._branch_build(kind, target, t, target[-1][-1], **extra), kw.col)

    def call(self, toks, tag, line_len):
        kw = toks[0]
        if len(toks) < 5 or not is_op(toks[-1], ")") or not is_op(toks[-3], "("):
            raise AsmError(kw.col, "expected `call target (rM)`")
        rm = self._plain_register(toks[-2])
        target = self._target(toks[1:-3], kw, line_len, False)
        return _insn(self._branch_build("call", target, tag.take("8c"), target[-1][-1], rm=rm), kw.col)

    def do(self, toks, line_len):
        kw = toks[0]
        parts = split_top(toks[1:], ",")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise AsmError(kw.col, "expected `do K,N` or `do K,rM`")
        k_node = parse_whole(parts[0])
        r = register_of(parts[1][0]) if len(parts[1]) == 1 else None
        if r is not None:
            count = ("reg", self._plain_register(parts[1][0]))
            return _insn(lambda ctx: [enc.do_loop(ctx.value(k_node), count, kw.col)], kw.col)
        n_node = parse_whole(parts[1])
        return _insn(lambda ctx: [enc.do_loop(ctx.value(k_node), ctx.value(n_node), k_node[-1],
                                              n_node[-1])], kw.col)

    def if_statement(self, toks, tag, line_len):
        kw = toks[0]
        close = None
        depth = 0
        for k, t in enumerate(toks[1:], 1):
            if is_op(t, "("):
                depth += 1
            elif is_op(t, ")"):
                depth -= 1
                if depth == 0:
                    close = k
                    break
        if not is_op(toks[1] if len(toks) > 1 else None, "(") or close is None:
            raise AsmError(kw.col, "expected `if (condition)`")
        inside = toks[2:close]
        rest = toks[close + 1:]
        if not rest:
            raise AsmError(_end_col(toks, line_len), "expected a statement after the condition")
        if len(inside) >= 1 and register_of(inside[0]) is not None:
            # if (rM-- >= 0) goto/pcgoto target
            ok = (len(inside) == 4 and is_op(inside[1], "--") and is_op(inside[2], ">=")
                  and inside[3].kind == NUM and inside[3].value == 0)
            if not ok:
                raise AsmError(inside[0].col, "expected `if (rM-- >= 0)`")
            rm = self._plain_register(inside[0])
            if rest[0].kind != ID or rest[0].text not in ("goto", "pcgoto"):
                raise AsmError(rest[0].col, "a decrement-and-branch needs goto or pcgoto")
            return self.goto(toks, close + 2, ("dec", rm), tag, line_len)
        if len(inside) != 1 or inside[0].kind != ID or inside[0].text not in CONDITIONS:
            raise AsmError(inside[0].col if inside else toks[1].col,
                           f"unknown condition {''.join(t.text for t in inside)!r}")
        cond = CONDITIONS[inside[0].text]
        if rest[0].kind == ID and rest[0].text in ("goto", "pcgoto"):
            return self.goto(toks, close + 2, ("cond", cond), tag, line_len)
        if cond >= 16:
            raise AsmError(inside[0].col, f"condition {inside[0].text} can only guard a goto "
                                          "(ALU operations take conditions 0-15)")
        return self.assignment(rest, tag, cond, line_len)

    # -------------------------------------------------------------------- assignments
    def assignment(self, toks, tag, cond, line_len):
        segs = split_top(toks, "=")
        if len(segs) == 1:
            return self.compare(toks, tag, cond, line_len)
        eqs, depth = [], 0
        for t in toks:
            depth += is_op(t, "(") - is_op(t, ")")
            if depth == 0 and is_op(t, "="):
                eqs.append(t)
        for k, seg in enumerate(segs):
            if not seg:
                if k == len(segs) - 1:
                    raise AsmError(eqs[-1].col + 1, "expected an operand after `=`")
                raise AsmError(eqs[k].col, "expected an operand before `=`")
        last_lhs = segs[-2]
        if len(last_lhs) == 1 and last_lhs[0].kind == ID and last_lhs[0].text in ACCUMULATORS:
            if cond is not None:
                raise AsmError(toks[0].col, "DA instructions cannot be conditional")
            if len(segs) > 3:
                raise AsmError(toks[0].col, "too many `=` in one DA statement")
            return self.da(segs[0] if len(segs) == 3 else None, last_lhs[0], segs[-1], tag, line_len)
        if len(segs) != 2:
            raise AsmError(toks[0].col, "a chain of `=` is only possible in DA statements (Z = aN = ...)")
        lhs, rhs = segs
        if is_op(lhs[0], "*"):
            return self.store(lhs, rhs, cond, line_len)
        if len(lhs) != 1 or lhs[0].kind != ID:
            raise AsmError(lhs[0].col, "unknown statement")
        name = lhs[0].text
        if name in IO_REGISTERS:
            if cond is not None:
                raise AsmError(lhs[0].col, "loads and stores cannot be conditional")
            code, sfx = self._transfer_register(rhs, f"{name} is written from a register")
            w = enc.encode("load_io", lhs[0].col, d=1, sz=SZ_FOR_SUFFIX[sfx], rh=code, i=IO_REGISTERS[name])
            return _insn(_word(w), lhs[0].col)
        r = register_of(lhs[0])
        if r is None:
            if name in ACCUMULATORS:
                raise AsmError(lhs[0].col, "unknown statement")
            raise AsmError(lhs[0].col, f"unknown statement: {name} is not a register")
        return self.to_register(lhs[0], r, rhs, tag, cond, line_len)

    def _transfer_register(self, toks, message):
        if len(toks) != 1 or register_of(toks[0]) is None:
            if len(toks) == 1 and toks[0].kind == ID and toks[0].text in ACCUMULATORS:
                raise AsmError(toks[0].col, f"{toks[0].text} is an accumulator: write the DA form "
                                            f"`Z = {toks[0].text} = {toks[0].text}`")
            raise AsmError(toks[0].col, message)
        return register_of(toks[0])

    def _memory(self, toks, line_len):
        """CA memory operand `*rP[++|--|++rI]` -> ("ind", p, i) or `*expr` -> ("direct", node)."""
        star = toks[0]
        if len(toks) < 2:
            raise AsmError(star.col, "expected an address or pointer register after *")
        r = register_of(toks[1])
        if r is None:
            return ("direct", parse_whole(toks[1:]))
        if r[1]:
            raise AsmError(toks[1].col, f"no size suffix allowed on pointer {toks[1].text}")
        p, rest = r[0], toks[2:]
        if p in (isa.REG_ZERO, isa.REG_ZERO2, isa.REG_MINUS1, isa.REG_PLUS1):
            raise AsmError(toks[1].col, f"{toks[1].text} cannot be a pointer")
        if not rest:
            return ("ind", p, 0)
        if is_op(rest[0], "--") and len(rest) == 1:
            return ("ind", p, isa.REG_MINUS1)
        if is_op(rest[0], "++"):
            if len(rest) == 1:
                return ("ind", p, isa.REG_PLUS1)
            if len(rest) == 2:
                i = self._plain_register(rest[1], "post-increment register")
                if i in (isa.REG_ZERO, isa.REG_ZERO2, isa.REG_MINUS1, isa.REG_PLUS1):
                    raise AsmError(rest[1].col, f"write *rP, *rP++ or *rP-- instead of ++{rest[1].text}")
                return ("ind", p, i)
        raise AsmError(rest[0].col, f"unexpected {rest[0].text!r} in a memory operand")

    def _mem_insn(self, d, sz, code, mem, col):
        if mem[0] == "ind":
            w = enc.encode("load_ind", col, d=d, sz=sz, rh=code, p=mem[1], i=mem[2])
            return _insn(_word(w), col)
        node = mem[1]
        return _insn(lambda ctx: [enc.load_direct(d, sz, code, ctx.value(node), node[-1])], col)

    def store(self, lhs, rhs, cond, line_len):
        if cond is not None:
            raise AsmError(lhs[0].col, "loads and stores cannot be conditional")
        mem = self._memory(lhs, line_len)
        code, sfx = self._transfer_register(rhs, "a store takes a register: *address = rH")
        return self._mem_insn(1, SZ_FOR_SUFFIX[sfx], code, mem, lhs[0].col)

    def to_register(self, dtok, dreg, rhs, tag, cond, line_len):
        rd, sfx = dreg
        col = dtok.col
        if is_op(rhs[0], "*"):
            if cond is not None:
                raise AsmError(col, "loads and stores cannot be conditional")
            return self._mem_insn(0, SZ_FOR_SUFFIX[sfx], rd, self._memory(rhs, line_len), col)
        if len(rhs) == 1 and rhs[0].kind == ID and rhs[0].text in IO_REGISTERS:
            if cond is not None:
                raise AsmError(col, "loads and stores cannot be conditional")
            w = enc.encode("load_io", col, d=0, sz=SZ_FOR_SUFFIX[sfx], rh=rd, i=IO_REGISTERS[rhs[0].text])
            return _insn(_word(w), col)
        if sfx in ("l", "h"):
            raise AsmError(col, f"the {sfx} suffix is for loads and stores only")
        e = sfx == "e"
        src = _Sources(e)
        first = rhs[0]
        if register_of(first) is not None:
            rs = src.reg(first)
            if len(rhs) == 1:  # move
                if cond is not None:  # conditional move: rD = r0 + rS (encodings §11)
                    return _insn(_word(enc.alu_register(0, rd, e, rs, t=1, rs2=isa.REG_ZERO,
                                                        cond=cond, col=col)), col)
                return _insn(_word(enc.add_immediate(rd, rs, e, 0, col)), col)
            op = rhs[1]
            rest = rhs[2:]
            if op.kind != OP:
                raise AsmError(op.col, f"unexpected {op.text!r}")
            if op.text in _ALU_UNARY:
                f, need = _ALU_UNARY[op.text]
                value = self.const_value(parse_whole(rest, _end_col([op], line_len)), op.col) if rest else None
                if value != need:
                    raise AsmError(op.col, f"`{op.text}` takes only the constant {need} "
                                           f"(`rD = rS {op.text} {need}`)")
                return _insn(_word(enc.alu_register(f, rd, e, rs, cond=cond, col=col)), col)
            if op.text not in _ALU_BINARY:
                raise AsmError(op.col, f"unknown operator {op.text!r} in a CA statement")
            f = _ALU_BINARY[op.text]
            right = self._right(rest, src, op, line_len)
            if right[0] == "reg":
                return self._alu_binary(f, rd, e, rs, right[1], tag, cond, col)
            node = right[1]
            if op.text in ("+", "-"):
                if tag.take("6c", "6d"):
                    return self._alu_imm(f, rd, e, rs, dtok, first, node, col, op, rest, line_len)
                if cond is not None:
                    raise AsmError(op.col, "conditional ALU operations take register operands only")
                node = parse_whole(rhs[1:])  # keep the sign: r6 = r6 + 1 - 128
                return _insn(lambda ctx: [enc.add_immediate(rd, rs, e, ctx.value(node), node[-1])], col)
            return self._alu_imm(f, rd, e, rs, dtok, first, node, col, op, rest, line_len)
        if is_op(first, "-") and len(rhs) >= 2 and register_of(rhs[1]) is not None:
            left = src.reg(rhs[1])
            if len(rhs) == 2:
                return _insn(_word(enc.alu_register(5, rd, e, left, cond=cond, col=col)), col)
            if not is_op(rhs[2], "+"):
                raise AsmError(rhs[2].col, "expected `rD = -rS` or `rD = -rA + rB`")
            right = self._right(rhs[3:], src, rhs[2], line_len)
            if right[0] != "reg":
                raise AsmError(rhs[3].col if len(rhs) > 3 else rhs[2].col,
                               "reverse subtract `rD = -rA + rB` takes registers (or a bare 1)")
            return self._alu_binary(2, rd, e, left, right[1], tag, cond, col)
        if cond is not None:
            raise AsmError(first.col, "conditional ALU operations take register operands only")
        if len(rhs) >= 3 and register_of(rhs[-1]) is not None and is_op(rhs[-2], "-"):
            reg = src.reg(rhs[-1])
            if reg != rd:
                raise AsmError(rhs[-1].col, "`rD = N - rS` needs rS = rD (format 6c: rD = N - rD)")
            _check_tail(rhs[:-2], "-")
            node = parse_whole(rhs[:-2])
            return _insn(lambda ctx: [enc.alu_immediate(2, rd, e, ctx.value(node), node[-1])], col)
        node = parse_whole(rhs)
        t8b = tag.take("8b")
        return _insn(lambda ctx: [enc.load_immediate(rd, e, ctx.value(node), t8b, node[-1])], col)

    def _right(self, rest, src, op, line_len):
        if not rest:
            raise AsmError(_end_col([op], line_len), f"expected an operand after {op.text}")
        const = _is_bare_one(rest)
        if const is not None:
            return ("reg", const)
        if len(rest) == 1 and register_of(rest[0]) is not None:
            return ("reg", src.reg(rest[0]))
        _check_tail(rest, op.text)
        return ("expr", parse_whole(rest))

    @staticmethod
    def _alu_binary(f, rd, e, left, right, tag, cond, col):
        if left == rd and not tag.take("3op"):
            w = enc.alu_register(f, rd, e, right, cond=cond, col=col)
        else:
            w = enc.alu_register(f, rd, e, right, t=1, rs2=left, cond=cond, col=col)
        return _insn(_word(w), col)

    @staticmethod
    def _alu_imm(f, rd, e, rs, dtok, first, node, col, op, rest, line_len):
        if rs != rd:
            raise AsmError(first.col, f"an immediate {op.text} needs the destination as left "
                                      f"operand: {dtok.text} = {dtok.text} {op.text} N")
        return _insn(lambda ctx: [enc.alu_immediate(f, rd, e, ctx.value(node), node[-1])], col)

    def compare(self, toks, tag, cond, line_len):
        r = register_of(toks[0])
        if r is None or len(toks) < 3 or not is_op(toks[1], "-", "&"):
            raise AsmError(toks[0].col, "unknown statement")
        rd, sfx = r
        if sfx in ("l", "h"):
            raise AsmError(toks[0].col, f"the {sfx} suffix is for loads and stores only")
        e = sfx == "e"
        f = 7 if toks[1].text == "-" else 15
        right = self._right(toks[2:], _Sources(e), toks[1], line_len)
        col = toks[0].col
        if right[0] == "reg":
            return _insn(_word(enc.alu_register(f, rd, e, right[1], cond=cond, col=col)), col)
        if cond is not None:
            raise AsmError(toks[2].col, "conditional ALU operations take register operands only")
        node = right[1]
        return _insn(lambda ctx: [enc.alu_immediate(f, rd, e, ctx.value(node), node[-1])], col)

    # -------------------------------------------------------------------- DA
    def da(self, ztoks, an_tok, rhs, tag, line_len):
        col = (ztoks or [an_tok])[0].col
        an = ACCUMULATORS[an_tok.text]
        z = None
        if ztoks is not None:
            cur = DaCursor(ztoks, line_len)
            z = cur.operand()
            cur.end()
            if z[0] not in ("acc", "mem"):
                raise AsmError(ztoks[0].col, "Z must be memory (*rP...) or an accumulator")
        cur = DaCursor(rhs, line_len)
        t = cur.peek()
        if t is not None and t.kind == ID and t.text in SPECIAL_FUNCTIONS and is_op(cur.peek(1), "("):
            cur.next()
            cur.next()
            y = cur.operand()
            cur.expect(")")
            cur.end()
            need_operand(y, t.col, "the argument")
            zf = field_of(z) if z else DA_NO_Z
            w = enc.encode("da_special", col, g=SPECIAL_FUNCTIONS[t.text], an=an,
                           yp=field_of(y)[0], yi=field_of(y)[1], zp=zf[0], zi=zf[1])
            return _insn(_word(w), col)
        neg = cur.accept("-")
        t1 = cur.term()
        op = None
        t2 = None
        if cur.peek() is not None:
            op_tok = cur.next()
            if not is_op(op_tok, "+", "-"):
                raise AsmError(op_tok.col, f"unexpected {op_tok.text!r} in a DA statement")
            op = op_tok.text
            t2 = cur.term()
        cur.end()
        name, fields = da_fields(z, an, neg, t1, op, t2, tag, col)
        return _insn(_word(enc.encode(name, col, **fields)), col)


class _Sources:
    """Source registers of a CA arithmetic statement: an `e` on a source needs one on rD."""

    def __init__(self, e):
        self.e = e

    def reg(self, t):
        code, sfx = register_of(t)
        if sfx in ("l", "h"):
            raise AsmError(t.col, f"the {sfx} suffix is for loads and stores only")
        if sfx == "e" and not self.e:
            raise AsmError(t.col, f"{t.text} is 24-bit but the destination is not: "
                                  "put the e suffix on the destination")
        return code


def _repeated(emit: Emit, count: int) -> Emit:
    def build(ctx):
        out = []
        for k in range(count):
            out.extend(emit.build(ctx.at(ctx.here + k * emit.size)))
        return out
    return Emit(emit.size * count, emit.unit, build, emit.col, emit.code)
