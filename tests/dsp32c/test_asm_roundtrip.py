"""The assembler and disassembler as an algebra (docs/canonical-encodings.md):

* word -> text -> word: assembling the disassembly of any legal word gives decode.canonical(word),
  and canonical words are fixed points;
* text -> word -> text -> word: a generated statement's word re-assembles from its disassembly.
"""
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsp32c import decode, isa
from dsp32c.assembler import assemble_statement
from dsp32c.disassembler import disassemble


def roundtrip(word, address):
    text = disassemble(word, address)
    got = assemble_statement(text, address)
    return text, got


# ------------------------------------------------------------------------------ word -> text
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.integers(0, 2**32 - 1).filter(lambda w: decode.decode(w) is not None),
       st.integers(0, (1 << 22) - 1))
def test_random_legal_words_reassemble_to_canonical(word, address_word):
    address = address_word * 4
    text, got = roundtrip(word, address)
    assert got == [decode.canonical(word)], text


@st.composite
def format_word(draw):
    """A legal word of a format chosen uniformly (random 32-bit words are mostly DA)."""
    fmt = draw(st.sampled_from(isa.FORMATS))
    fields = {}
    for f in fmt.fields:
        if f.name in fmt.allowed:
            fields[f.name] = draw(st.sampled_from(fmt.allowed[f.name]))
        elif f.signed:
            fields[f.name] = draw(st.integers(-(1 << (f.width - 1)), (1 << (f.width - 1)) - 1))
        else:
            fields[f.name] = draw(st.integers(0, (1 << f.width) - 1))
    try:
        return decode.encode(fmt.name, **fields)
    except ValueError:
        return 0  # an illegal combination: use nop instead


@settings(max_examples=600, deadline=None)
@given(format_word(), st.integers(0, (1 << 22) - 1))
def test_words_of_every_format_reassemble_to_canonical(word, address_word):
    address = address_word * 4
    text, got = roundtrip(word, address)
    canon = decode.canonical(word)
    assert got == [canon], text
    assert decode.canonical(canon) == canon


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.integers(0, 2**32 - 1).filter(lambda w: decode.decode(w) is None))
def test_illegal_words_print_as_data(word):
    text = disassemble(word)
    assert text == f".word 0x{word:08x}"
    assert assemble_statement(text) == [word]


def _sweep_values(width, rng):
    """Every value of a narrow field; edges and a random sample of a wide one."""
    if width <= 6:
        return list(range(1 << width))
    top = (1 << width) - 1
    edges = {0, 1, 2, top, top - 1, top >> 1, (top >> 1) + 1, 0x7FFF & top, 0x8000 & top, 0xFF80 & top}
    return sorted(edges | {rng.randrange(1 << width) for _ in range(48)})


def _sweep_format(fmt, rng):
    """Words of one format: each field swept while the others are random."""
    checked = 0
    for fld in fmt.fields:
        for value in _sweep_values(fld.width, rng):
            for _ in range(4):
                fields = {f.name: rng.choice(fmt.allowed[f.name]) if f.name in fmt.allowed
                          else rng.randrange(1 << f.width) for f in fmt.fields}
                fields[fld.name] = value
                for f in fmt.fields:
                    if f.signed and fields[f.name] >> (f.width - 1):
                        fields[f.name] -= 1 << f.width
                try:
                    word = decode.encode(fmt.name, **fields)
                except ValueError:
                    continue  # an illegal combination: not an instruction
                address = rng.randrange(1 << 22) * 4
                text, got = roundtrip(word, address)
                canon = decode.canonical(word)
                assert got == [canon], (fmt.name, hex(word), text)
                assert decode.canonical(canon) == canon
                checked += 1
    return checked


@pytest.mark.slow
@pytest.mark.parametrize("fmt", isa.FORMATS, ids=[f.name for f in isa.FORMATS])
def test_field_sweep_per_format(fmt):
    checked = _sweep_format(fmt, random.Random(fmt.name))
    assert checked > 50


# ------------------------------------------------------------------------------ text -> word
REGS = ["r0", "r1", "r2", "r5", "r9", "r14", "pc", "r15", "r17", "r19", "r20", "r22", "pcsh",
        "dauc", "ioc", "pin", "ivtp", "rpp", "rmm"]
PTRS = ["r1", "r2", "r7", "r13", "r14", "pc", "r15", "r21"]
CONDS = list(range(16))
reg = st.sampled_from(REGS)
e_sfx = st.sampled_from(["", "e"])
short16 = st.integers(-0x8000, 0x7FFF)


def hexs(v):
    return f"-${-v:x}" if v < 0 else f"${v:x}"


@st.composite
def ca_statement(draw):
    kind = draw(st.integers(0, 13))
    e = draw(e_sfx)
    d, a, b = draw(reg), draw(reg), draw(reg)
    if kind == 0:
        return f"{d}{e} = {a}{e}"
    if kind == 1:
        n = draw(st.integers(-0x8000, 0xFFFF)) if not e else draw(st.integers(-0x800000, 0xFFFFFF))
        return f"{d}{e} = {hexs(n)}"
    if kind == 2:
        return f"{d}{e} = {a} {draw(st.sampled_from('+-'))} {draw(st.integers(0, 0x7FFF))}"
    if kind == 3:
        op = draw(st.sampled_from(["+", "-", "#", "&", "|", "^", "&~"]))
        right = draw(st.sampled_from([b, "1", "-1"]))
        cond = f"if ({isa.CONDITION_NAMES[draw(st.sampled_from(CONDS))]}) " if draw(st.booleans()) else ""
        return f"{cond}{d}{e} = {a} {op} {right}"
    if kind == 4:
        return f"{d}{e} = -{a} + {draw(st.sampled_from([b, '1']))}"
    if kind == 5:
        form = draw(st.sampled_from(["-{}", "{} * 2", "{} / 2", "{} >> 1", "{} >>> 1", "{} <<< 1"]))
        return f"{d}{e} = " + form.format(a)
    if kind == 6:
        op = draw(st.sampled_from(["&", "|", "^", "&~", "#"]))
        return f"{d}{e} = {d}{e} {op} {draw(st.integers(0, 0x7FFF))}"
    if kind == 7:
        return f"{d}{e} {draw(st.sampled_from('-&'))} {draw(st.sampled_from([b, '1', '0x10', '-5']))}"
    if kind == 8:
        sfx = draw(st.sampled_from(["", "e", "l", "h"]))
        p = draw(st.sampled_from(PTRS))
        mod = draw(st.sampled_from(["", "++", "--", "++r17", "++r5"]))
        return f"{d}{sfx} = *{p}{mod}" if draw(st.booleans()) else f"*{p}{mod} = {d}{sfx}"
    if kind == 9:
        addr = draw(st.sampled_from([draw(st.integers(0, 0x7FFF)), draw(st.integers(0xFF8000, 0xFFFFFF))]))
        io = draw(st.sampled_from(["pir", "pdr", "pcw", "piop", "ibuf", "obuf", "pdr2"]))
        return draw(st.sampled_from([f"{d} = *{addr:#x}", f"*{addr:#x} = {d}e", f"{d}l = {io}", f"{io} = {d}"]))
    if kind == 10:
        base = draw(st.sampled_from(REGS))
        n = draw(short16)
        cond = isa.CONDITION_NAMES[draw(st.sampled_from(isa.LEGAL_CONDITIONS))]
        off = f"{'+' if n >= 0 else '-'}{abs(n)}"  # -32768 has no positive spelling in 16 bits
        return draw(st.sampled_from([f"goto {base}{off}", f"if ({cond}) goto {base}{off}",
                                     f"if ({a}-- >= 0) goto {base}{off}", f"call {base}{off} ({a})"]))
    if kind == 11:
        t = draw(st.integers(0, 0xFFFFFF))
        return draw(st.sampled_from([f"goto ${t:x}", f"call ${t:x} ({a})", f"goto {hexs(t)} {{8a}}"
                                     if t <= 0x7FFF else f"goto ${t:x}"]))
    if kind == 12:
        return f"do {draw(st.integers(0, 31))},{draw(st.sampled_from([str(draw(st.integers(0, 2047))), a]))}"
    return draw(st.sampled_from(["nop", "ireturn", f"return ({a})", f"{d}e = {hexs(draw(short16))} {{8b}}",
                                 f"{d} = {d} + {draw(short16)} {{6c}}", f"{d}e = {d}e - {draw(short16)} {{6d}}",
                                 f"{d} = {d} + {b} {{3op}}"]))


da_mem = st.builds(lambda p, m: f"*r{p}{m}", st.integers(1, 14),
                   st.sampled_from(["", "++", "--", "++r15", "++r19"]))
da_acc = st.sampled_from(["a0", "a1", "a2", "a3"])
da_op = st.one_of(da_mem, da_acc)


@st.composite
def da_statement(draw):
    an = draw(da_acc)
    x, y, t = draw(da_op), draw(da_op), draw(da_op)
    sign, neg = draw(st.sampled_from("+-")), draw(st.sampled_from(["", "-"]))
    z = draw(st.one_of(st.just(""), st.builds(lambda o: o + " = ", da_op)))
    zt = draw(da_op)
    acc = draw(da_acc)
    forms = [
        f"{z}{an} = {neg}{y}",
        f"{z}{an} = {neg}{y} {sign} {x}",
        f"{z}{an} = {neg}{t} {sign} {acc} * {x}",
        f"{z}{an} = {neg}{acc} {sign} {draw(da_mem)} * {x}",
        f"{z}{an} = {neg}{y} * {x}",
        f"{z}{an} = {neg}1.0 {sign} {y} * {x}",
        f"{an} = {neg}{acc} {sign} ({zt}={y}) * {x}",
        f"{an} = {neg}({zt}={y}) {sign} {x}",
        f"{an} = {neg}{y} {sign} {x} {{DA4}}",
        f"{an} = {neg}{acc} {sign} {y} * {x} {{DA2}}",
        f"{z}{an} = {neg}{acc} {sign} {draw(da_acc)} * {x} {{DA3}}",
        f"{z}{an} = {draw(st.sampled_from(sorted(n for n in isa.SPECIAL_FUNCTION_NAMES if n)))}({y})",
    ]
    return draw(st.sampled_from(forms))


@settings(max_examples=500, deadline=None)
@given(st.one_of(ca_statement(), da_statement()), st.integers(0, (1 << 22) - 1))
def test_generated_statement_survives_disassembly(text, address_word):
    address = address_word * 4
    (word,) = assemble_statement(text, address)
    assert decode.canonical(word) == word, text  # the assembler writes canonical words
    printed = disassemble(word, address)
    assert assemble_statement(printed, address) == [word], (text, printed)
