"""DA (data arithmetic unit) statements: operands and the choice among formats 1-5.

    [Z =] aN = [-]T [+- term]      term := operand | operand * operand
    [Z =] aN = g(Y)                special functions (encodings §6.8)

Operands: a0-a3, `*rP`, `*rP++`, `*rP--`, `*rP++rI` (rP in r1-r14, rI in r15-r19), `*same...`
(p = 15, the pointer of the previous field: Y takes X's, Z takes Y's), the constants 0.0 and
1.0 in the multiplier-accumulator position, and the tap `(Z=Y)` of formats 2 and 4. Which format
a text selects is the table in docs/canonical-encodings.md; `{DA2}`, `{DA3}`, `{DA4}` tags pick
the alias encodings.
"""
from __future__ import annotations

from dsp32c import isa
from dsp32c.asm_lexer import FLT, ID, NUM, AsmError, is_op, register_of
from dsp32c.asm_lexer import end_col as _end_col
from dsp32c.asm_syntax import ACCUMULATORS, DA_SAME_POINTER

DA_NO_Z = (0, isa.DA_I_NONE)


class DaCursor:
    def __init__(self, toks, line_len):
        self.toks, self.k, self.line_len = toks, 0, line_len

    def peek(self, ahead=0):
        j = self.k + ahead
        return self.toks[j] if j < len(self.toks) else None

    def next(self):
        t = self.peek()
        if t is None:
            raise AsmError(_end_col(self.toks, self.line_len), "unexpected end of statement")
        self.k += 1
        return t

    def accept(self, text):
        if is_op(self.peek(), text):
            self.k += 1
            return True
        return False

    def expect(self, text):
        t = self.peek()
        if not is_op(t, text):
            raise AsmError(t.col if t else _end_col(self.toks, self.line_len), f"expected {text!r}")
        self.k += 1

    def end(self):
        t = self.peek()
        if t is not None:
            raise AsmError(t.col, f"unexpected {t.text!r}")

    def term(self):
        a = self.operand()
        if self.accept("*"):
            return ("prod", a, self.operand())
        return ("prim", a)

    def operand(self):
        """("acc", k) | ("mem", p, i) | ("const", 0.0 or 1.0) | ("tap", z, y), with the column."""
        t = self.next()
        if is_op(t, "*"):
            pt = self.next()
            if pt.kind == ID and pt.text == DA_SAME_POINTER:
                p = isa.DA_P_SAME
            else:
                r = register_of(pt)
                if r is None or r[1] or r[0] not in range(1, 15):
                    raise AsmError(pt.col, f"a DA pointer must be r1-r14 (or `same`), not {pt.text!r}")
                p = r[0]
            i = 0
            if self.accept("++"):
                nxt = self.peek()
                r = register_of(nxt)
                if r is not None:
                    self.k += 1
                    inc = r[0] - isa.DA_INCREMENT_REGISTER_BASE
                    if r[1] or not 1 <= inc <= 5:
                        raise AsmError(nxt.col, f"a DA post-increment register must be r15-r19, not {nxt.text}")
                    i = inc
                else:
                    i = isa.DA_I_INC
            elif self.accept("--"):
                i = isa.DA_I_DEC
            return ("mem", p, i, t.col)
        if t.kind == ID and t.text in ACCUMULATORS:
            return ("acc", ACCUMULATORS[t.text], t.col)
        if t.kind in (NUM, FLT) and t.value in (0, 1):
            return ("const", float(t.value), t.col)
        if is_op(t, "("):
            z = self.operand()
            self.expect("=")
            y = self.operand()
            self.expect(")")
            need_operand(z, z[-1], "the tap's Z")
            need_operand(y, y[-1], "the tap's Y")
            return ("tap", z, y, t.col)
        if t.kind == ID and (register_of(t) is not None):
            raise AsmError(t.col, f"{t.text} is a CAU register: DA operands are a0-a3 or *rP")
        raise AsmError(t.col, f"expected a DA operand (a0-a3, *rP, *rP++, *rP--, *rP++rI), found {t.text!r}")


def need_operand(x, col, what):
    if x[0] not in ("acc", "mem"):
        raise AsmError(col, f"{what} must be an accumulator or memory (*rP...)")


def field_of(x):
    """(p, i) of an accumulator or memory operand."""
    if x[0] == "acc":
        return (0, x[1])
    return (x[1], x[2])


def _m_code(x, col):
    if x[0] == "acc":
        return x[1]
    if x[0] == "const":
        return isa.DA_M_ONE if x[1] == 1.0 else isa.DA_M_ZERO
    raise AsmError(col, "this term must be an accumulator a0-a3 or the constant 0.0 / 1.0")


def _xyz(x, y, z):
    xf = field_of(x) if x is not None else (0, 0)
    yf = field_of(y)
    zf = field_of(z) if z is not None else DA_NO_Z
    return {"xp": xf[0], "xi": xf[1], "yp": yf[0], "yi": yf[1], "zp": zf[0], "zi": zf[1]}


def da_fields(z, an, neg, t1, op, t2, tag, col):
    """The DA format and fields of `[Z =] aN = [-]t1 [op t2]` (docs/canonical-encodings.md)."""
    s = int(op == "-")
    f = int(neg)

    def no_prefix_z(what):
        if z is not None:
            raise AsmError(col, f"{what} writes Z inside the parentheses; no `Z =` prefix allowed")

    def operand(x, what):
        need_operand(x, x[-1], what)
        return x

    def tap_parts(x):
        return x[1], x[2]

    if t2 is None:
        if t1[0] == "prim":
            a = t1[1]
            if a[0] == "tap":
                raise AsmError(a[-1], "a tap (Z=Y) needs a second term: aN = (Z=Y) +- X")
            operand(a, "Y")
            return "da_mul_add", dict(m=isa.DA_M_ZERO, f=f, s=0, an=an, **_xyz(None, a, z))
        a, b = t1[1], t1[2]
        operand(b, "X")
        if tag.take("da2") or a[0] == "tap":
            no_prefix_z("format 2")
            zz, y = tap_parts(a) if a[0] == "tap" else (None, operand(a, "Y"))
            return "da_tap_mul", dict(m=isa.DA_M_ZERO, f=0, s=f, an=an, **_xyz(b, y, zz))
        operand(a, "Y")
        return "da_mul_acc", dict(m=isa.DA_M_ZERO, f=0, s=f, an=an, **_xyz(b, a, z))
    if t1[0] == "prod":
        raise AsmError(t1[1][-1], "write the product last: aN = T +- Y * X")
    first = t1[1]
    if t2[0] == "prod":
        a, b = t2[1], t2[2]
        operand(b, "X")
        if tag.take("da2") or a[0] == "tap":
            no_prefix_z("format 2")
            zz, y = tap_parts(a) if a[0] == "tap" else (None, operand(a, "Y"))
            m = _m_code(first, first[-1])
            return "da_tap_mul", dict(m=m, f=0 if m == isa.DA_M_ZERO else f, s=s, an=an, **_xyz(b, y, zz))
        if first[0] == "const":
            operand(a, "Y")
            m = _m_code(first, first[-1])
            return "da_mul_acc", dict(m=m, f=0 if m == isa.DA_M_ZERO else f, s=s, an=an, **_xyz(b, a, z))
        use3 = tag.take("da3")
        if a[0] in ("acc", "const") and not use3:
            if first[0] == "tap":
                raise AsmError(first[-1], "no encoding: a tap (Z=Y) cannot be added to a product")
            operand(first, "Y")
            m = _m_code(a, a[-1])
            if m == isa.DA_M_ZERO:  # Y + 0.0 * X: S and X have no effect, but for X's pointer
                xp = b[1] if first[0] == "mem" and first[1] == isa.DA_P_SAME and b[0] == "mem" else 0
                return "da_mul_add", dict(m=m, f=f, s=0, an=an, **_xyz(("mem", xp, 0), first, z))
            return "da_mul_add", dict(m=m, f=f, s=s, an=an, **_xyz(b, first, z))
        if first[0] != "acc":
            raise AsmError(first[-1], "no encoding: with a memory factor first (format 3) the "
                                      "added term must be an accumulator: aN = aK +- Y * X")
        operand(a, "Y")
        return "da_mul_acc", dict(m=first[1], f=f, s=s, an=an, **_xyz(b, a, z))
    x = operand(t2[1], "X")
    if tag.take("da4") or first[0] == "tap":
        no_prefix_z("format 4")
        zz, y = tap_parts(first) if first[0] == "tap" else (None, operand(first, "Y"))
        return "da_tap_add", dict(f=f, s=s, an=an, **_xyz(x, y, zz))
    operand(first, "Y")
    return "da_mul_add", dict(m=isa.DA_M_ONE, f=f, s=s, an=an, **_xyz(x, first, z))
