"""From operand values to instruction and data words: range checks and the canonical choice of
format where one statement has several encodings (docs/canonical-encodings.md).

Every instruction word is built by dsp32c.decode.encode(format, **fields); nothing here knows a
bit position. Values are checked, never truncated: a value that does not fit is an AsmError.
"""
from __future__ import annotations

import re

from dsp32c import decode, isa
from dsp32c.asm_lexer import AsmError

ADDRESS_MASK = 0xFFFFFF
SHORT_RANGES = "0x000000-0x007fff or 0xff8000-0xffffff"


def encode(name: str, col: int, **fields) -> int:
    try:
        return decode.encode(name, **fields)
    except ValueError as exc:
        msg = str(exc)
        m = re.search(r"\((?:\w+: )?([^()]*)\)$", msg)
        raise AsmError(col, f"no encoding: {m.group(1) if m else msg}") from None


def need_int(v, col: int, what: str) -> int:
    if isinstance(v, float):
        raise AsmError(col, f"{what} must be an integer, not {v!r}")
    return v


def _hex(v: int) -> str:
    return f"-0x{-v:x}" if v < 0 else f"0x{v:x}"


def signed16(raw: int) -> int:
    return raw - 0x10000 if raw & 0x8000 else raw


def signed24(raw: int) -> int:
    return raw - 0x1000000 if raw & 0x800000 else raw


def address24(v, col: int, what: str = "address") -> int:
    """A 24-bit address. Negative values and the 32-bit sign-extended spelling the
    disassembler prints for format 7a (`*FFFFF800`) wrap into the 24-bit space."""
    v = need_int(v, col, what)
    if 0 <= v <= ADDRESS_MASK:
        return v
    if -0x800000 <= v < 0 or 0xFF000000 <= v <= 0xFFFFFFFF:
        return v & ADDRESS_MASK
    raise AsmError(col, f"{what} {_hex(v)} is outside the 24-bit address space")


def short_address(a: int):
    """The signed 16-bit N that reaches 24-bit address a from base r0, or None."""
    if a <= 0x7FFF:
        return a
    if a >= 0xFF8000:
        return a - 0x1000000
    return None


def imm16(v, col: int, e: bool, what: str = "immediate") -> int:
    """The raw 16 bits of the immediate of formats 5 and 6c/6d. A 16-bit operation takes any
    value with a 16-bit image (-0x8000..0xffff, or the 24-bit image 0xff8000..0xffffff of a
    negative one); a 24-bit operation sign-extends N, so only -0x8000..0x7fff (or its 24-bit
    image) is exact."""
    v = need_int(v, col, what)
    if e:
        ok = -0x8000 <= v <= 0x7FFF or 0xFF8000 <= v <= 0xFFFFFF
        rng = "-0x8000..0x7fff (sign-extended to 24 bits)"
    else:
        ok = -0x8000 <= v <= 0xFFFF or 0xFF8000 <= v <= 0xFFFFFF
        rng = "16 bits (-0x8000..0xffff)"
    if not ok:
        raise AsmError(col, f"{what} {_hex(v)} out of range: must fit {rng}")
    return v & 0xFFFF


# --------------------------------------------------------------------------------- branches
def branch(kind: str, target, here: int, *, cond: int = 1, rm: int = 0, tag=None, col: int = 1) -> int:
    """kind: "goto" (formats 0/1 and 8a), "dec" (3a), "call" (4 and 8c).
    target: ("abs", value) | ("base", register code, offset) | ("pcrel", value)."""
    short_name = {"goto": "goto", "dec": "dec_branch", "call": "call"}[kind]
    head = {"goto": {"c": cond}, "dec": {"rm": rm}, "call": {"rm": rm}}[kind]
    long_tag = {"goto": "8a", "call": "8c"}.get(kind)
    if tag is not None and tag != long_tag:
        raise AsmError(col, f"tag {{{tag}}} does not apply to this statement")
    if kind == "goto" and tag and cond != 1:
        raise AsmError(col, "format 8a has no condition")
    what, value = target[0], target[-1]
    if what == "pcrel":
        if tag:
            raise AsmError(col, f"tag {{{tag}}} does not apply to pcgoto")
        a = address24(value, col, "target")
        disp = signed24((a - (here + 8)) & ADDRESS_MASK)
        if not -0x8000 <= disp <= 0x7FFF:
            raise AsmError(col, f"pcgoto target 0x{a:06x} is {disp} bytes away: out of the "
                                f"16-bit displacement range -32768..32767")
        return encode(short_name, col, rh=isa.REG_PC, n=disp, **head)
    if what == "abs":
        a = address24(value, col, "target")
        n = short_address(a)
        if n is not None and not tag:
            return encode(short_name, col, rh=isa.REG_ZERO, n=n, **head)
        if kind == "goto" and cond == 1:
            return encode("goto24", col, n=a, rh=isa.REG_ZERO)
        if kind == "call":
            return encode("call24", col, n=a, rm=rm)
        form = "a conditional goto" if kind == "goto" else "a decrement-and-branch"
        raise AsmError(col, f"target 0x{a:06x} is out of reach of {form} (absolute targets "
                            f"must lie in {SHORT_RANGES}); use pcgoto or a register base")
    code, off = target[1], need_int(value, col, "offset")
    if -0x8000 <= off <= 0x7FFF and not tag:
        return encode(short_name, col, rh=code, n=off, **head)
    if kind == "goto" and cond == 1 and -0x800000 <= off <= ADDRESS_MASK:
        return encode("goto24", col, n=off & ADDRESS_MASK, rh=code)
    if kind == "call" and tag:
        raise AsmError(col, "format 8c calls an absolute address: it has no base register")
    raise AsmError(col, f"offset {off} out of the 16-bit range -32768..32767")


# ------------------------------------------------------------------------------ CA arithmetic
def load_immediate(rd: int, e: bool, value, tag=None, col: int = 1) -> int:
    """`rD = N`: format 5 (rH = r0) when N fits 16 bits signed or rD is 16-bit, else 8b."""
    v = need_int(value, col, "immediate")
    if tag == "8b" or (e and not -0x8000 <= v <= 0x7FFF):
        if not -0x800000 <= v <= ADDRESS_MASK:
            raise AsmError(col, f"immediate {_hex(v)} does not fit 24 bits")
        return encode("load24", col, n=v & ADDRESS_MASK, rd=rd)
    if tag is not None:
        raise AsmError(col, f"tag {{{tag}}} does not apply to this statement")
    if not e and not (-0x8000 <= v <= 0xFFFF or 0xFF8000 <= v <= 0xFFFFFF):
        raise AsmError(col, f"immediate {_hex(v)} does not fit the 16-bit destination "
                            f"(-0x8000..0xffff); write the register with an e suffix for 24 bits")
    return encode("add_imm", col, e=int(e), rd=rd, rh=isa.REG_ZERO, n=signed16(imm16(v, col, e)))


def add_immediate(rd: int, rh: int, e: bool, value, col: int = 1) -> int:
    """`rD = rH + N` (format 5)."""
    return encode("add_imm", col, e=int(e), rd=rd, rh=rh, n=signed16(imm16(value, col, e)))


def alu_immediate(f: int, rd: int, e: bool, value, col: int = 1) -> int:
    return encode("alu_imm", col, e=int(e), f=f, rd=rd, n=imm16(value, col, e))


def alu_register(f: int, rd: int, e: bool, rs1: int, *, t: int = 0, rs2: int = 0,
                 cond=None, col: int = 1) -> int:
    ce = 0 if cond is None else 1
    return encode("alu_reg", col, e=int(e), f=f, rd=rd, cond=cond or 0, t=t, ce=ce, rs1=rs1,
                  rs2=rs2 if t else 0)


def load_direct(d: int, sz: int, rh: int, value, col: int = 1) -> int:
    a = address24(value, col)
    n = short_address(a)
    if n is None:
        raise AsmError(col, f"direct address 0x{a:06x} is out of reach of format 7a (it must lie "
                            f"in {SHORT_RANGES}); load the address into a register and use *rP")
    return encode("load_direct", col, d=d, sz=sz, rh=rh, n=n)


def do_loop(k, count, col: int = 1, count_col: int = 1) -> int:
    k = need_int(k, col, "do count K")
    if not 0 <= k <= 31:
        raise AsmError(col, f"do K = {k} out of range 0..31 (K + 1 instructions)")
    if isinstance(count, tuple):  # ("reg", code)
        return encode("do_reg", col, k=k, rm=count[1])
    n = need_int(count, count_col, "do count N")
    if not 0 <= n <= 2047:
        raise AsmError(count_col, f"do N = {n} out of range 0..2047 (N + 1 passes)")
    return encode("do_imm", col, k=k, n=n)


# -------------------------------------------------------------------------------------- data
def data_byte(v, col: int) -> int:
    v = need_int(v, col, ".byte value")
    if not -0x80 <= v <= 0xFF:
        raise AsmError(col, f".byte value {v} does not fit 8 bits")
    return v & 0xFF


def data_int16(v, col: int) -> int:
    v = need_int(v, col, "int value")
    if not -0x8000 <= v <= 0xFFFF:
        raise AsmError(col, f"int value {v} does not fit 16 bits")
    return v & 0xFFFF


def data_int24(v, col: int) -> int:
    """A 24-bit value in a 32-bit word, sign-extended from bit 23 as a 24-bit store writes it."""
    v = need_int(v, col, "int24 value")
    if not -0x800000 <= v <= ADDRESS_MASK:
        raise AsmError(col, f"int24 value {v} does not fit 24 bits")
    v &= ADDRESS_MASK
    return v | 0xFF000000 if v & 0x800000 else v


def data_word(v, col: int) -> int:
    v = need_int(v, col, ".word value")
    if not -0x80000000 <= v <= 0xFFFFFFFF:
        raise AsmError(col, f".word value {v} does not fit 32 bits")
    return v & 0xFFFFFFFF


_DSP_MAX = (2.0 - 2.0 ** -23) * 2.0 ** 127   # largest DSP32 float (machine §2.1)
_DSP_MIN = -2.0 * 2.0 ** 127                  # most negative one


def data_float(v, col: int) -> int:
    from dsp32c.numbers import float_to_dsp

    x = float(v)
    half_ulp = 2.0 ** (127 - 24)
    if not (_DSP_MIN - 2 * half_ulp < x < _DSP_MAX + half_ulp):
        raise AsmError(col, f"float value {v!r} is outside the DSP32 range")
    return int(float_to_dsp(x))
