"""The DSP32C disassembler: one statement per word, in syntax the assembler accepts.

    disassemble(word, address=0, symbols=None) -> str      (pure)

Fields come only from dsp32c.decode.decode(word); spellings from dsp32c.asm_syntax. For every
legal word w, assembling disassemble(w, a) at address a gives decode.canonical(w): where the
plain text would select another encoding, an encoding tag (`{8a}`, `{6c}`, `{3op}`, `{DA2}` ...)
is appended (docs/canonical-encodings.md). Words that are no instruction print as `.word 0x...`.
Number style follows MAME's disassembler where that round-trips: `$hex`, signed offsets,
4 or 6 digits for logical immediates, `*` + 8 hex digits for format 7a addresses.

With symbols ({name: address}), branch and call targets, format 7a addresses and 24-bit load
values that match a symbol print as the name (only where the name re-assembles to the same word).
"""
from __future__ import annotations

from dsp32c import decode, isa
from dsp32c.asm_encode import short_address, signed16, signed24
from dsp32c.asm_syntax import (DA_INCREMENT_NAMES, DA_SAME_POINTER, REGISTER_SPELLING,
                               SUFFIX_FOR_SZ, is_reserved_word)

_ALU_BINARY_OPS = {0: "+", 3: "#", 4: "-", 6: "&~", 8: "^", 10: "|", 14: "&"}
_ALU_UNARY_FORMS = {1: "{r} * 2", 5: "-{r}", 9: "{r} >>> 1", 11: "{r} <<< 1", 12: "{r} >> 1",
                    13: "{r} / 2"}
_ALU_IMM_LOGICAL = (6, 8, 10, 14, 15)
_SPECIAL = isa.SPECIAL_FUNCTION_NAMES
_IO = isa.IO_REGISTER_NAMES


def disassemble(word: int, address: int = 0, symbols: dict | None = None) -> str:
    """The statement of one word (no address column)."""
    return Disassembler(symbols).text(word, address)


class Disassembler:
    """Holds the address -> name view of a symbol table for many words."""

    def __init__(self, symbols: dict | None = None):
        self.names: dict[int, str] = {}
        for name, addr in (symbols or {}).items():
            if _is_label_name(name):
                self.names.setdefault(addr & 0xFFFFFF, name)

    def label(self, address: int):
        return self.names.get(address & 0xFFFFFF)

    def text(self, word: int, address: int = 0) -> str:
        word &= 0xFFFFFFFF
        dec = decode.decode(word)
        if dec is None:
            return f".word 0x{word:08x}"
        return getattr(self, "_" + dec.name)(dec.fields, address)

    # ------------------------------------------------------------------ control flow
    def _target(self, rh, n, address, kind):
        """(statement keyword, target text) of formats 0/1, 3a, 4."""
        if rh in (isa.REG_ZERO, isa.REG_ZERO2):
            a = n & 0xFFFFFF
            return kind, self.label(a) or f"${a:x}"
        if rh == isa.REG_PC:
            name = self.label(address + 8 + n)
            if name is not None and kind == "goto":
                return "pcgoto", name
            return kind, "pc" + _offset(n)
        return kind, REGISTER_SPELLING[rh] + _offset(n)

    def _goto(self, f, address):
        c, rh, n = f["c"], f["rh"], signed16(f["n"])
        if c == 0 and rh in (0, isa.REG_ZERO2) and n == 0:
            return "nop"
        if c == 1 and rh == isa.REG_PCSH and n == 0:
            return "ireturn"
        kw, target = self._target(rh, n, address, "goto")
        prefix = "" if c == 1 else f"if ({isa.CONDITION_NAMES[c]}) "
        return f"{prefix}{kw} {target}"

    def _dec_branch(self, f, address):
        kw, target = self._target(f["rh"], signed16(f["n"]), address, "goto")
        return f"if ({REGISTER_SPELLING[f['rm']]}-- >= 0) {kw} {target}"

    def _call(self, f, address):
        _, target = self._target(f["rh"], signed16(f["n"]), address, "call")
        return f"call {target} ({REGISTER_SPELLING[f['rm']]})"

    def _goto24(self, f, address):
        rh, n = f["rh"], f["n"]
        if rh in (isa.REG_ZERO, isa.REG_ZERO2):
            short = short_address(n) is not None
            target = (None if short else self.label(n)) or f"${n:x}"
            return f"goto {target}" + (" {8a}" if short else "")
        s = signed24(n)
        tag = " {8a}" if -0x8000 <= s <= 0x7FFF else ""
        return f"goto {REGISTER_SPELLING[rh]}{_offset(s)}{tag}"

    def _call24(self, f, address):
        n = f["n"]
        short = short_address(n) is not None
        target = (None if short else self.label(n)) or f"${n:x}"
        return f"call {target} ({REGISTER_SPELLING[f['rm']]})" + (" {8c}" if short else "")

    def _do_imm(self, f, address):
        return f"do {f['k']},{f['n']}"

    def _do_reg(self, f, address):
        return f"do {f['k']},{REGISTER_SPELLING[f['rm']]}"

    # ------------------------------------------------------------------ CA arithmetic
    def _load24(self, f, address):
        n = f["n"]
        rd = REGISTER_SPELLING[f["rd"]] + "e"
        if n <= 0x7FFF:
            return f"{rd} = ${n:x} {{8b}}"
        return f"{rd} = {self.label(n) or f'${n:x}'}"

    def _add_imm(self, f, address):
        sfx = "e" if f["e"] else ""
        rd = REGISTER_SPELLING[f["rd"]] + sfx
        rh, n = f["rh"], signed16(f["n"])
        if rh in (isa.REG_ZERO, isa.REG_ZERO2):
            return f"{rd} = {_signed_hex(n)}"
        src = REGISTER_SPELLING[rh] + sfx
        if n == 0:
            return f"{rd} = {src}"
        return f"{rd} = {src} {'-' if n < 0 else '+'} ${abs(n):x}"

    def _alu_reg(self, f, address):
        sfx = "e" if f["e"] else ""
        fn, rd_code = f["f"], f["rd"]
        rd = REGISTER_SPELLING[rd_code] + sfx
        prefix = f"if ({isa.CONDITION_NAMES[f['cond']]}) " if f["ce"] else ""
        rs1 = f["rs1"]
        right = {isa.REG_PLUS1: "1", isa.REG_MINUS1: "-1"}.get(rs1, REGISTER_SPELLING[rs1] + sfx)
        if fn in _ALU_UNARY_FORMS:
            return prefix + f"{rd} = " + _ALU_UNARY_FORMS[fn].format(r=REGISTER_SPELLING[rs1] + sfx)
        if fn == 7:
            return prefix + f"{rd} - {right}"
        if fn == 15:
            return prefix + f"{rd} & {right}"
        t, rs2 = f["t"], f["rs2"]
        if f["ce"] and fn == 0 and t and rs2 in (0, isa.REG_ZERO2) and rs1 not in (isa.REG_PLUS1, isa.REG_MINUS1):
            return prefix + f"{rd} = {right}"  # conditional move (encodings §11)
        left = REGISTER_SPELLING[rs2] + sfx if t else rd
        tag = " {3op}" if t and _fold(rs2) == _fold(rd_code) else ""
        if fn == 2:
            return prefix + f"{rd} = -{left} + {right}{tag}"
        return prefix + f"{rd} = {left} {_ALU_BINARY_OPS[fn]} {right}{tag}"

    def _alu_imm(self, f, address):
        e = f["e"]
        rd = REGISTER_SPELLING[f["rd"]] + ("e" if e else "")
        fn, raw = f["f"], f["n"]
        if fn in _ALU_IMM_LOGICAL:
            v = f"${signed16(raw) & 0xFFFFFF:06x}" if e else f"${raw:04x}"
        else:
            v = _signed_hex(signed16(raw))
        tag = " {6d}" if e else " {6c}"
        return {
            0: f"{rd} = {rd} + {v}{tag}", 2: f"{rd} = {v} - {rd}", 3: f"{rd} = {rd} # {v}",
            4: f"{rd} = {rd} - {v}{tag}", 6: f"{rd} = {rd} &~ {v}", 7: f"{rd} - {v}",
            8: f"{rd} = {rd} ^ {v}", 10: f"{rd} = {rd} | {v}", 14: f"{rd} = {rd} & {v}",
            15: f"{rd} & {v}",
        }[fn]

    # ------------------------------------------------------------------ loads and stores
    def _transfer(self, f, place):
        reg = REGISTER_SPELLING[f["rh"]] + SUFFIX_FOR_SZ[f["sz"]]
        return f"{place} = {reg}" if f["d"] else f"{reg} = {place}"

    def _load_direct(self, f, address):
        n = signed16(f["n"])
        name = self.label(n & 0xFFFFFF)
        return self._transfer(f, f"*{name}" if name else f"*{n & 0xFFFFFFFF:08X}")

    def _load_io(self, f, address):
        return self._transfer(f, _IO[f["i"]])

    def _load_ind(self, f, address):
        i = f["i"]
        mod = {0: "", isa.REG_ZERO2: "", isa.REG_MINUS1: "--", isa.REG_PLUS1: "++"}.get(
            i, "++" + REGISTER_SPELLING[i])
        return self._transfer(f, f"*{REGISTER_SPELLING[f['p']]}{mod}")

    # ------------------------------------------------------------------ DA
    def _da_mul_add(self, f, address):
        y = ("-" if f["f"] else "") + _da_operand(f["yp"], f["yi"])
        m = f["m"]
        if m == isa.DA_M_ZERO and f["yp"] == isa.DA_P_SAME:  # Y takes X's pointer: show X
            rhs = f"{y} + 0.0 * {_da_operand(f['xp'], 0)}"
        elif m == isa.DA_M_ZERO:
            rhs = y
        elif m == isa.DA_M_ONE:
            rhs = f"{y} {_sign(f)} {_da_operand(f['xp'], f['xi'])}"
        else:
            rhs = f"{y} {_sign(f)} a{m} * {_da_operand(f['xp'], f['xi'])}"
        return _da_z(f) + f"a{f['an']} = {rhs}"

    def _da_tap_mul(self, f, address):
        tap, tag = _tap(f, "DA2")
        return f"a{f['an']} = {_product(f, tap)}{tag}"

    def _da_mul_acc(self, f, address):
        y = _da_operand(f["yp"], f["yi"])
        tag = " {DA3}" if f["m"] < 4 and f["yp"] == 0 else ""
        return _da_z(f) + f"a{f['an']} = {_product(f, y)}{tag}"

    def _da_tap_add(self, f, address):
        tap, tag = _tap(f, "DA4")
        neg = "-" if f["f"] else ""
        return f"a{f['an']} = {neg}{tap} {_sign(f)} {_da_operand(f['xp'], f['xi'])}{tag}"

    def _da_special(self, f, address):
        return _da_z(f) + f"a{f['an']} = {_SPECIAL[f['g']]}({_da_operand(f['yp'], f['yi'])})"


# ------------------------------------------------------------------------------------ helpers
def _fold(code: int) -> int:
    return isa.REG_ZERO if code == isa.REG_ZERO2 else code


def _is_label_name(name: str) -> bool:
    return name.isidentifier() and not is_reserved_word(name)


def _offset(n: int) -> str:
    if n == 0:
        return ""
    return f"-${-n:x}" if n < 0 else f"+${n:x}"


def _signed_hex(n: int) -> str:
    return f"-${-n:x}" if n < 0 else f"${n:x}"


def _sign(f) -> str:
    return "-" if f["s"] else "+"



def _tap(f, fmt):
    """The Y term of a tap form, `(Z=Y)`; without a Z write the text is the plain form's, so
    the format tag keeps the word (canonical-encodings.md)."""
    y = _da_operand(f["yp"], f["yi"])
    if (f["zp"], f["zi"]) == (0, isa.DA_I_NONE):
        return y, f" {{{fmt}}}"
    return f"({_da_operand(f['zp'], f['zi'])}={y})", ""


def _da_operand(p: int, i: int) -> str:
    if p == 0:
        return f"a{i}"
    reg = DA_SAME_POINTER if p == isa.DA_P_SAME else REGISTER_SPELLING[p]
    if i == 0:
        mod = ""
    elif i == isa.DA_I_DEC:
        mod = "--"
    elif i == isa.DA_I_INC:
        mod = "++"
    else:
        mod = "++" + DA_INCREMENT_NAMES[i]
    return f"*{reg}{mod}"


def _da_z(f) -> str:
    z = f["zp"], f["zi"]
    return "" if z == (0, isa.DA_I_NONE) else f"{_da_operand(*z)} = "


def _product(f, y: str) -> str:
    """Right-hand side of formats 2 and 3: [-]aM +- Y * X, [-]1.0 +- Y * X, or [-]Y * X."""
    x = _da_operand(f["xp"], f["xi"])
    m = f["m"]
    if m == isa.DA_M_ZERO:
        return f"{'-' if f['s'] else ''}{y} * {x}"
    acc = "1.0" if m == isa.DA_M_ONE else f"a{m}"
    return f"{'-' if f['f'] else ''}{acc} {_sign(f)} {y} * {x}"


def disassemble_image(segments, symbols=None):
    """Listing lines for an image: `.=` where a gap starts, `label:` lines, and one statement
    per word with its address and hex word in a leading comment, so the whole text assembles
    back into the same image: a word whose canonical form differs (data that happens to decode,
    with bits set that have no effect) is kept as `.word` with the instruction in a comment, and
    bytes outside whole aligned words become .byte data."""
    dis = Disassembler(symbols)
    at: dict[int, list] = {}
    for name, addr in (symbols or {}).items():
        if _is_label_name(name):
            at.setdefault(addr, []).append(name)
    out = []
    expected = None
    for base, data in segments:
        if expected != base:
            out.append(f"        .=0x{base:06x}")
        pos = 0
        while pos < len(data):
            a = base + pos
            for name in at.get(a, ()):
                out.append(f"{name}:")
            chunk = data[pos:pos + 4]
            if len(chunk) == 4 and a % 4 == 0:
                w = int.from_bytes(chunk, "little")
                text = dis.text(w, a)
                canon = decode.canonical(w)
                if canon is not None and canon != w:  # bits without effect set: keep the word
                    text = f".word 0x{w:08x}  /* {text} */"
                out.append(f"/* {a:06x} {w:08x} */  {text}")
                pos += 4
            else:
                out.append(f"/* {a:06x} {chunk[0]:02x}       */  .byte 0x{chunk[0]:02x}")
                pos += 1
        expected = base + len(data)
    return out
