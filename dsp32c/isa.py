"""The DSP32C instruction set as data: the one place where bit layouts are written.

Everything else derives from this module: the decoder (`dsp32c.decode`, whose NumPy arrays
the emulator's pre-decoder and Numba core use), the assembler's encoder and the disassembler.
Facts come from `dsp32c-encodings.md` (cited as "enc §N"); where that sheet marks a fact
unconfirmed, the project's pinned choice (reference README) applies, noted in `why`.

Vocabulary
----------
* A Field is a named operand of a format, made of one or more bit ranges concatenated
  msb-first (format 8 splits its 24-bit N around the register field).
* A Format is one instruction class: fixed bits, operand fields (in "slot" order: the
  pre-decoded field array of the emulator holds them in this order), bits the chip ignores,
  and legality rules: `allowed` values of a field, and `forbid` combinations of field values.
  A word that matches a format's fixed bits but breaks a legality rule is illegal.
* `dont_care` lists fields whose value has no effect under a condition (for example rS2 when
  T = 0). The disassembler cannot show them, so the assembler writes 0 there: `canonical()`
  in dsp32c.decode clears them, and the round-trip tests compare against that.
* FORMATS is ordered: decoding takes the first format that matches. Only the overlaps listed
  in OVERLAPS are allowed, each with its reason; `validate()` checks the whole table at import.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field

# ---------------------------------------------------------------------------------------------
# Register codes, enc §2.1. Index = 5-bit code. None = reserved code (28, 31): a word that names
# one decodes as illegal (project choice: reserved encodings are illegal-instruction faults).
REGISTER_NAMES = (
    "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "pc", "r0", "r15", "r16", "r17", "r18", "r19", "-1", "1", "r20", "r21", "dauc",
    "ioc", None, "r22", "pcsh", None,
)
REG_ZERO, REG_PC, REG_ZERO2, REG_MINUS1, REG_PLUS1, REG_PCSH = 0, 15, 16, 22, 23, 30
REG_DAUC, REG_IOC, REG_R22 = 26, 27, 29
RESERVED_REGISTERS = (28, 31)
# Codes whose writes are discarded (enc §2.1: MAME's write mask 0x6F3EFFFE, reserved excluded).
READ_ONLY_REGISTERS = (0, 16, 22, 23, 28, 31)
# Alternative spellings the assembler accepts (enc §2.1, §8.3).
REGISTER_ALIASES = {"pin": 24, "pout": 25, "ivtp": 29}
# r15-r19 (codes 17-21): the post-increment registers of DA operands (enc §6.2, i = 1..5).
DA_INCREMENT_REGISTER_BASE = 16  # DA operand i in 1..5 adds register code 16 + i

# Conditions, enc §4. Index = 6-bit code; None = reserved (illegal). Codes 0-15 are also the
# 4-bit condition of conditional ALU ops (format 6a/6b).
CONDITION_NAMES = (
    "false", "true", "pl", "mi", "ne", "eq", "vc", "vs", "cc", "cs", "ge", "lt", "gt", "le",
    "hi", "ls", "auc", "aus", "age", "alt", "ane", "aeq", "avc", "avs", "agt", "ale",
    None, None, None, None, None, None,
    "ibe", "ibf", "obf", "obe", "pde", "pdf", "pie", "pif", "syc", "sys", "fbc", "fbs",
    "ireq1_lo", "ireq1_hi", "ireq2_lo", "ireq2_hi",
) + (None,) * 16
LEGAL_CONDITIONS = tuple(c for c, n in enumerate(CONDITION_NAMES) if n is not None)

# I/O registers reachable by CA format 7b with P = 0 (enc §2.3). Other I values are illegal.
IO_REGISTER_NAMES = {4: "ibuf", 5: "obuf", 6: "pdr", 14: "piop", 20: "pdr2", 22: "pir", 30: "pcw"}

# ALU functions F of formats 6a-6d, enc §5.7/§5.8: (name, operator text, kind).
# kind: "binary" L op R; "unary" op R; "compare"/"test" set flags only.
ALU_FUNCTIONS = (
    ("add", "+", "binary"), ("mul2", "*2", "unary"), ("rsub", "-", "binary"),
    ("radd", "#", "binary"), ("sub", "-", "binary"), ("neg", "-", "unary"),
    ("andc", "&~", "binary"), ("cmp", "-", "compare"), ("xor", "^", "binary"),
    ("rcr", ">>>", "unary"), ("or", "|", "binary"), ("rcl", "<<<", "unary"),
    ("lsr", ">>", "unary"), ("asr", "/2", "unary"), ("and", "&", "binary"),
    ("test", "&", "test"),
)
ALU_UNARY = tuple(f for f, (_, _, k) in enumerate(ALU_FUNCTIONS) if k == "unary")
ALU_FLAGS_ONLY = (7, 15)
ALU_IMMEDIATE_FUNCTIONS = (0, 2, 3, 4, 6, 7, 8, 10, 14, 15)  # enc §5.8; the rest are illegal

# Load/store size field SZ of format 7 (enc §5.10): suffix and access size in bytes.
LOAD_SIZES = {0: ("h", 1), 1: ("l", 1), 2: ("", 2), 3: ("e", 4)}

# DA operand fields X/Y/Z = p (4 bits) : i (3 bits), enc §6.2.
DA_P_SPECIAL, DA_P_SAME = 0, 15  # p = 0: accumulator / none; p = 15: previous operand's pointer
DA_I_NONE = 7                    # p = 0, i = 7 in Z: no memory write
DA_I_DEC, DA_I_INC = 6, 7        # p = 1..14: i = 6 post-decrement, 7 post-increment by size

# Special functions G of DA format 5, enc §6.8. None = reserved (illegal).
SPECIAL_FUNCTION_NAMES = (
    "ic", "oc", "float", "int", "round", "ifalt", "ifaeq", "ifagt", None, None, "float24",
    "int24", "ieee", "dsp", "seed", None,
)
LEGAL_SPECIAL_FUNCTIONS = tuple(g for g, n in enumerate(SPECIAL_FUNCTION_NAMES) if n is not None)

# DA M field (enc §6.3): 0-3 = a0-a3, 4 = constant 0.0, 5 = constant 1.0.
DA_M_ZERO, DA_M_ONE = 4, 5


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    name: str
    parts: tuple  # ((msb, lsb), ...) concatenated msb-first
    signed: bool = False  # how the assembler range-checks it and the disassembler prints it

    @property
    def width(self) -> int:
        return sum(m - l + 1 for m, l in self.parts)


def F(name, msb, lsb=None, signed=False):
    """A single-range field; `lsb` defaults to `msb` (one bit)."""
    return Field(name, ((msb, msb if lsb is None else lsb),), signed)


@dataclass(frozen=True)
class Format:
    name: str       # handler token: the same name in the decoder, core, assembler and tests
    fmt: str        # the fact sheet's format id
    fixed: dict     # {(msb, lsb): value}
    fields: tuple   # Field, in slot order
    ignored: tuple = ()   # (msb, lsb) ranges the chip ignores; the assembler writes 0
    allowed: dict = dc_field(default_factory=dict)   # field -> legal values
    forbid: tuple = ()    # ({field: value or tuple of values}, reason)
    dont_care: tuple = ()  # ({field: value or tuple}, (fields without effect then))
    ref: str = ""
    doc: str = ""
    why: str = ""    # the project's choice where the fact sheet is unconfirmed

    def field(self, name) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"format {self.name} has no field {name!r}")

    @property
    def field_names(self):
        return tuple(f.name for f in self.fields)


# Operand legality shared by DA formats 1-4 (enc §6.2, project choices in the reference README):
_DA_XYZ_FORBID = (
    ({"xp": 0, "xi": (4, 5, 6, 7)}, "X must be an accumulator or memory (ibuf/obuf/pdr operands unsupported)"),
    ({"xp": 15}, "X has no previous operand to share a pointer with"),
    ({"yp": 0, "yi": (4, 5, 6, 7)}, "Y must be an accumulator or memory"),
    ({"yp": 15, "xp": 0}, "Y cannot share the pointer of an accumulator operand"),
    ({"zp": 0, "zi": (4, 5, 6)}, "Z to ibuf/obuf/pdr unsupported"),
    ({"zp": 15, "yp": 0}, "Z cannot share the pointer of an accumulator operand"),
)
_DA_WHY_IO = ("DA operands ibuf/obuf/pdr (p = 0, i = 4-6) have unconfirmed semantics (enc §12a.10): "
              "this project treats them as illegal; the assembler refuses them.")


def _da_fields():
    return (
        F("m", 28, 26), F("f", 24), F("s", 23), F("an", 22, 21),
        F("xp", 20, 17), F("xi", 16, 14), F("yp", 13, 10), F("yi", 9, 7),
        F("zp", 6, 3), F("zi", 2, 0),
    )


def _reg_forbid(*names):
    return tuple(({n: RESERVED_REGISTERS}, f"{n} names a reserved register code") for n in names)


FORMATS = (
    Format("goto", "0/1", {(31, 27): 0b00000},
           (F("c", 26, 21), F("rh", 20, 16), F("n", 15, 0, signed=True)),
           allowed={"c": LEGAL_CONDITIONS}, forbid=_reg_forbid("rh"), ref="enc §5.1",
           doc="if (c) goto rh + n, one delay slot; c = 0 never branches; 0x00000000 is nop; "
               "c = true, rh = pcsh, n = 0 is ireturn",
           why="c = 0 never branches whatever the other bits (reference README, conditions)"),
    Format("dec_branch", "3a", {(31, 26): 0b000011},
           (F("rm", 25, 21), F("rh", 20, 16), F("n", 15, 0, signed=True)),
           forbid=_reg_forbid("rm", "rh"), ref="enc §5.2",
           doc="if (rm-- >= 0) goto rh + n: tests the old low 16 bits of rm as signed, always "
               "writes rm - 1 sign-extended from 16 bits; one delay slot"),
    Format("call", "4", {(31, 26): 0b000100},
           (F("rm", 25, 21), F("rh", 20, 16), F("n", 15, 0, signed=True)),
           forbid=_reg_forbid("rm", "rh"), ref="enc §5.4",
           doc="call rh + n (rm): rm <- address of call + 8, one delay slot"),
    Format("add_imm", "5a/5b", {(30, 26): 0b00101},
           (F("e", 31), F("rd", 25, 21), F("rh", 20, 16), F("n", 15, 0, signed=True)),
           forbid=_reg_forbid("rd", "rh"), ref="enc §5.6",
           doc="rd = rh + n; e = 0: 16-bit add, result sign-extended; e = 1: 24-bit add of "
               "sign-extended n; sets n z c v"),
    Format("alu_reg", "6a/6b", {(30, 25): 0b001100},
           (F("e", 31), F("f", 24, 21), F("rd", 20, 16), F("cond", 15, 12), F("t", 11),
            F("ce", 10), F("rs1", 9, 5), F("rs2", 4, 0)),
           forbid=_reg_forbid("rd", "rs1", "rs2"),
           dont_care=(({"ce": 0}, ("cond",)), ({"t": 0}, ("rs2",)),
                      ({"f": ALU_UNARY + ALU_FLAGS_ONLY}, ("t", "rs2"))),
           ref="enc §5.7",
           doc="[if (cond)] rd = L op rs1, L = rs2 if t else rd; ce = 1 makes it conditional"),
    Format("alu_imm", "6c/6d", {(30, 25): 0b001101},
           (F("e", 31), F("f", 24, 21), F("rd", 20, 16), F("n", 15, 0)),
           allowed={"f": ALU_IMMEDIATE_FUNCTIONS}, forbid=_reg_forbid("rd"), ref="enc §5.8",
           doc="rd = rd op n; n is 16 raw bits (e = 0) or sign-extended to 24 (e = 1)"),
    Format("load_direct", "7a", {(31, 25): 0b0001110},
           (F("d", 24), F("sz", 23, 22), F("rh", 20, 16), F("n", 15, 0, signed=True)),
           ignored=((21, 21),), forbid=_reg_forbid("rh"), ref="enc §5.10",
           doc="d = 0: rh<sz> = *n; d = 1: *n = rh<sz>; address = n sign-extended to 24 bits"),
    Format("load_io", "7b", {(31, 25): 0b0001111, (10, 10): 0, (9, 5): 0},
           (F("d", 24), F("sz", 23, 22), F("rh", 20, 16), F("i", 4, 0)),
           ignored=((21, 21), (15, 11)), allowed={"i": tuple(IO_REGISTER_NAMES)},
           forbid=_reg_forbid("rh"), ref="enc §5.10, §2.3",
           doc="P = 0: rh<sz> = ioreg[i] (d = 0) or ioreg[i] = rh<sz> (d = 1)"),
    Format("load_ind", "7b", {(31, 25): 0b0001111, (10, 10): 0},
           (F("d", 24), F("sz", 23, 22), F("rh", 20, 16), F("p", 9, 5), F("i", 4, 0)),
           ignored=((21, 21), (15, 11)),
           forbid=_reg_forbid("rh", "p", "i") + (
               ({"p": (REG_ZERO2, REG_MINUS1, REG_PLUS1)}, "the pointer must be a register"),),
           ref="enc §5.10",
           doc="memory at rp, then rp post-modified: i = 0/16 none, 22 -size, 23 +size, "
               "else += register i",
           why="bit 10 = 1 (layout unknown, enc §12a.9) decodes as illegal; so does a pointer "
               "code that is no register (16, 22, 23: MAME would address memory through them)"),
    Format("da_tap_add", "DA4", {(31, 29): 0b001, (28, 26): 0b110, (25, 25): 0},
           _da_fields()[1:], forbid=_DA_XYZ_FORBID, ref="enc §6.7",
           doc="an = [-](Z = Y) +- X; Z receives Y", why=_DA_WHY_IO),
    Format("da_mul_add", "DA1", {(31, 29): 0b001, (25, 25): 0},
           _da_fields(), allowed={"m": (0, 1, 2, 3, 4, 5)}, forbid=_DA_XYZ_FORBID,
           dont_care=(({"m": DA_M_ZERO}, ("s", "xi")),
                      ({"m": DA_M_ZERO, "yp": tuple(range(DA_P_SAME))}, ("xp",))),
           ref="enc §6.4",
           doc="[Z =] an = [-]Y +- am * X (m 0-3), [-]Y +- X (m = 5), [-]Y (m = 4)",
           why="m = 4: X is neither read nor post-modified, so S and X have no effect "
               "(MAME still post-modifies X; unconfirmed), except that Y with p = 15 still takes "
               "X's pointer register. R (bit 25) = 1 is illegal. " + _DA_WHY_IO),
    Format("da_tap_mul", "DA2", {(31, 29): 0b010, (25, 25): 0},
           _da_fields(), allowed={"m": (0, 1, 2, 3, 4, 5)}, forbid=_DA_XYZ_FORBID,
           dont_care=(({"m": DA_M_ZERO}, ("f",)),), ref="enc §6.5",
           doc="an = [-]am +- (Z = Y) * X; Z receives Y; m = 4: +-(Y*X) with the sign from s",
           why=_DA_WHY_IO),
    Format("da_special", "DA5", {(31, 27): 0b01111},
           (F("g", 26, 23), F("an", 22, 21), F("yp", 13, 10), F("yi", 9, 7),
            F("zp", 6, 3), F("zi", 2, 0)),
           ignored=((20, 14),), allowed={"g": LEGAL_SPECIAL_FUNCTIONS},
           forbid=(({"yp": 0, "yi": (4, 5, 6, 7)}, "Y must be an accumulator or memory"),
                   ({"yp": 15}, "Y has no previous operand to share a pointer with"),
                   ({"zp": 0, "zi": (4, 5, 6)}, "Z to ibuf/obuf/pdr unsupported"),
                   ({"zp": 15, "yp": 0}, "Z cannot share the pointer of an accumulator operand")),
           ref="enc §6.8", doc="[Z =] an = g(Y)", why=_DA_WHY_IO),
    Format("da_mul_acc", "DA3", {(31, 29): 0b011, (25, 25): 0},
           _da_fields(), allowed={"m": (0, 1, 2, 3, 4, 5)}, forbid=_DA_XYZ_FORBID,
           dont_care=(({"m": DA_M_ZERO}, ("f",)),), ref="enc §6.6",
           doc="[Z =] an = [-]am +- Y * X; m = 4: +-(Y*X) with the sign from s; m = 5: 1.0",
           why=_DA_WHY_IO),
    Format("do_imm", "3b", {(31, 25): 0b1000110, (24, 21): 0b0000},
           (F("k", 20, 16), F("n", 10, 0)), ignored=((15, 11),), ref="enc §5.3",
           doc="do k,n: the next k+1 instructions run n+1 times"),
    Format("do_reg", "3c", {(31, 25): 0b1000110, (24, 21): 0b0001},
           (F("k", 20, 16), F("rm", 4, 0)), ignored=((15, 5),), forbid=_reg_forbid("rm"),
           ref="enc §5.3", doc="do k,rm: the next k+1 instructions run (low 11 bits of rm)+1 times",
           why="the count uses the low 11 bits of rm (reference README, do loops)"),
    Format("goto24", "8a", {(31, 29): 0b101},
           (Field("n", ((28, 21), (15, 0))), F("rh", 20, 16)), forbid=_reg_forbid("rh"),
           ref="enc §5.5", doc="goto rh + n24 (mod 2^24), one delay slot"),
    Format("load24", "8b", {(31, 29): 0b110},
           (Field("n", ((28, 21), (15, 0))), F("rd", 20, 16)), forbid=_reg_forbid("rd"),
           ref="enc §5.9", doc="rd = n24, no flags"),
    Format("call24", "8c", {(31, 29): 0b111},
           (Field("n", ((28, 21), (15, 0))), F("rm", 20, 16)), forbid=_reg_forbid("rm"),
           ref="enc §5.5", doc="call n24 (rm): rm <- address + 8, absolute target, one delay slot"),
)

# Formats whose fixed bits overlap; the first one listed wins (it is the more specific).
OVERLAPS = {
    ("load_io", "load_ind"): "7b with P = 0 names an I/O register instead of memory",
    ("da_tap_add", "da_mul_add"): "format 1 with M = 6 is format 4",
    ("da_special", "da_mul_acc"): "format 3 with M = 6 or 7 is format 5",
}

FORMAT_BY_NAME = {f.name: f for f in FORMATS}
HANDLER_ID = {f.name: i for i, f in enumerate(FORMATS)}  # dense ids used by the emulator
ILLEGAL = -1
MAX_FIELDS = max(len(f.fields) for f in FORMATS)


# ---------------------------------------------------------------------------------------------
def _range_mask(msb, lsb):
    return ((1 << (msb - lsb + 1)) - 1) << lsb


def fixed_mask_match(fmt: Format):
    mask = match = 0
    for (msb, lsb), value in fmt.fixed.items():
        mask |= _range_mask(msb, lsb)
        match |= value << lsb
    return mask, match


def validate():
    """Check the table: coverage, field fit, rule references, and overlaps. Raises ValueError."""
    problems = []
    names = set()
    for fmt in FORMATS:
        if fmt.name in names:
            problems.append(f"{fmt.name}: duplicate format name")
        names.add(fmt.name)
        covered = [0] * 32
        ranges = list(fmt.fixed) + [p for f in fmt.fields for p in f.parts] + list(fmt.ignored)
        for msb, lsb in ranges:
            if not 31 >= msb >= lsb >= 0:
                problems.append(f"{fmt.name}: bad bit range {msb}..{lsb}")
                continue
            for b in range(lsb, msb + 1):
                covered[b] += 1
        for b, n in enumerate(covered):
            if n != 1:
                problems.append(f"{fmt.name}: bit {b} covered {n} times")
        for (msb, lsb), value in fmt.fixed.items():
            if value >> (msb - lsb + 1):
                problems.append(f"{fmt.name}: fixed value {value:#x} does not fit bits {msb}..{lsb}")
        fnames = {f.name for f in fmt.fields}
        if len(fnames) != len(fmt.fields):
            problems.append(f"{fmt.name}: duplicate field names")
        rules = [r for r, _ in fmt.forbid] + [r for r, _ in fmt.dont_care] + [
            {k: v} for k, v in fmt.allowed.items()]
        for rule in rules:
            for fname, values in rule.items():
                if fname not in fnames:
                    problems.append(f"{fmt.name}: rule names unknown field {fname!r}")
                    continue
                width = fmt.field(fname).width
                for v in values if isinstance(values, tuple) else (values,):
                    if not 0 <= v < (1 << width):
                        problems.append(f"{fmt.name}: value {v} does not fit field {fname}")
        for _, cleared in fmt.dont_care:
            for fname in cleared:
                if fname not in fnames:
                    problems.append(f"{fmt.name}: dont_care clears unknown field {fname!r}")
    # overlaps between formats: only the listed ones, in the listed order
    order = {f.name: i for i, f in enumerate(FORMATS)}
    for i, a in enumerate(FORMATS):
        ma, va = fixed_mask_match(a)
        for b in FORMATS[i + 1:]:
            mb, vb = fixed_mask_match(b)
            common = ma & mb
            if (va & common) == (vb & common):
                pair = (a.name, b.name)
                if pair not in OVERLAPS:
                    problems.append(f"formats {a.name} and {b.name} overlap")
    for first, second in OVERLAPS:
        if order[first] > order[second]:
            problems.append(f"overlap {first}/{second}: {first} must come first")
    if problems:
        raise ValueError("ISA table: " + "; ".join(problems))


validate()
