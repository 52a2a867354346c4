"""Each row of docs/canonical-encodings.md and each feature of docs/syntax.md, pinned.

Expected words name their format and fields explicitly (decode.encode builds the word from
the ISA table); what is under test is the assembler's choice of format and fields."""
import pytest

from dsp32c import decode
from dsp32c.assembler import assemble_source, assemble_statement
from dsp32c.disassembler import disassemble
from dsp32c.errors import SourceError, SourceErrors


def enc(name, **fields):
    return decode.encode(name, **fields)


def one(text, address=0, symbols=None):
    (word,) = assemble_statement(text, address, symbols)
    return word


def error_of(text, address=0, symbols=None):
    with pytest.raises(SourceError) as info:
        assemble_statement(text, address, symbols)
    return info.value.message


def errors_of(source, **kw):
    with pytest.raises(SourceErrors) as info:
        assemble_source(source, "t.s", **kw)
    return [str(e) for e in info.value.errors]


# ------------------------------------------------------------------------------ CAU choices
CANONICAL_CA = [
    ("return (r5)", enc("goto", c=1, rh=5, n=0)),
    ("goto L", enc("goto", c=1, rh=0, n=0x7FFC)),                       # L = 0x7ffc: short
    ("goto H", enc("goto", c=1, rh=0, n=-0x8000)),                      # H = 0xff8000: short
    ("goto F", enc("goto24", rh=0, n=0x008000)),                        # F = 0x008000: 8a
    ("goto $000010 {8a}", enc("goto24", rh=0, n=0x10)),
    ("goto r5+$4 {8a}", enc("goto24", rh=5, n=4)),
    ("goto r5+0x12345", enc("goto24", rh=5, n=0x12345)),
    ("goto r5-4", enc("goto", c=1, rh=5, n=-4)),
    ("pcgoto L", enc("goto", c=1, rh=15, n=0x7FFC - 0x108)),            # at 0x100: N = L - (0x100 + 8)
    ("if (r3-- >= 0) pcgoto L", enc("dec_branch", rm=3, rh=15, n=0x7FFC - 0x108)),
    ("call F (r14)", enc("call24", rm=14, n=0x8000)),
    ("call L (r14)", enc("call", rm=14, rh=0, n=0x7FFC)),
    ("call $10 (r14) {8c}", enc("call24", rm=14, n=0x10)),
    ("r1 = 0x7fff", enc("add_imm", e=0, rd=1, rh=0, n=0x7FFF)),
    ("r1 = 0xffff", enc("add_imm", e=0, rd=1, rh=0, n=-1)),             # 16-bit rD: 16-bit image
    ("r1 = 0xffff80", enc("add_imm", e=0, rd=1, rh=0, n=-0x80)),
    ("r1e = -0x8000", enc("add_imm", e=1, rd=1, rh=0, n=-0x8000)),
    ("r1e = 0x8000", enc("load24", rd=1, n=0x8000)),
    ("r1e = -0x8001", enc("load24", rd=1, n=0xFF7FFF)),
    ("r1e = $10 {8b}", enc("load24", rd=1, n=0x10)),
    ("r1 = r2", enc("add_imm", e=0, rd=1, rh=2, n=0)),
    ("r1 = r2 + 5", enc("add_imm", e=0, rd=1, rh=2, n=5)),
    ("r1 = r2 - 5", enc("add_imm", e=0, rd=1, rh=2, n=-5)),
    ("r1 = r2 + $1", enc("add_imm", e=0, rd=1, rh=2, n=1)),             # not a bare 1
    ("r1 = r1 + $5 {6c}", enc("alu_imm", e=0, f=0, rd=1, n=5)),
    ("r1e = r1e - 5 {6d}", enc("alu_imm", e=1, f=4, rd=1, n=5)),
    ("r1 = r1 + r2", enc("alu_reg", e=0, f=0, rd=1, t=0, rs1=2)),
    ("r1 = r1 + r2 {3op}", enc("alu_reg", e=0, f=0, rd=1, t=1, rs2=1, rs1=2)),
    ("r1 = r3 + r2", enc("alu_reg", e=0, f=0, rd=1, t=1, rs2=3, rs1=2)),
    ("r1 = r0 + r2", enc("alu_reg", e=0, f=0, rd=1, t=1, rs2=0, rs1=2)),
    ("r1 = r3 + 1", enc("alu_reg", e=0, f=0, rd=1, t=1, rs2=3, rs1=23)),
    ("r1 = r1 - 1", enc("alu_reg", e=0, f=4, rd=1, t=0, rs1=23)),
    ("r1 = r1 + -1", enc("alu_reg", e=0, f=0, rd=1, t=0, rs1=22)),
    ("r1 = r1 & 1", enc("alu_reg", e=0, f=14, rd=1, t=0, rs1=23)),
    ("r1 = -r1 + r2", enc("alu_reg", e=0, f=2, rd=1, t=0, rs1=2)),
    ("r1 = -r3 + r2", enc("alu_reg", e=0, f=2, rd=1, t=1, rs2=3, rs1=2)),
    ("r1 = 5 - r1", enc("alu_imm", e=0, f=2, rd=1, n=5)),
    ("r1 = r1 # 8", enc("alu_imm", e=0, f=3, rd=1, n=8)),
    ("r1 - 5", enc("alu_imm", e=0, f=7, rd=1, n=5)),
    ("r1 - r2", enc("alu_reg", e=0, f=7, rd=1, rs1=2)),
    ("r1e & 0xfff000", enc("alu_imm", e=1, f=15, rd=1, n=0xF000)),
    ("if (ne) r1 = r2", enc("alu_reg", e=0, f=0, rd=1, t=1, rs2=0, rs1=2, ce=1, cond=4)),
    ("if (false) r1 = r1 + 1", enc("alu_reg", e=0, f=0, rd=1, t=0, rs1=23, ce=1, cond=0)),
    ("r1 = *0x100", enc("load_direct", d=0, sz=2, rh=1, n=0x100)),
    ("*0xfff800 = r3e", enc("load_direct", d=1, sz=3, rh=3, n=-0x800)),
    ("r1h = *r2--", enc("load_ind", d=0, sz=0, rh=1, p=2, i=22)),
    ("*pc++r5 = r1", enc("load_ind", d=1, sz=2, rh=1, p=15, i=5)),
    ("rpp = pir", enc("load_io", d=0, sz=2, rh=23, i=22)),
    ("ivtp = r1", enc("add_imm", e=0, rd=29, rh=1, n=0)),
    ("pine = $123456", enc("load24", rd=24, n=0x123456)),
    ("do 31,2047", enc("do_imm", k=31, n=2047)),
    ("do 0,rmm", enc("do_reg", k=0, rm=22)),
    ("nop", 0),
]
SYMBOLS = {"L": 0x7FFC, "H": 0xFF8000, "F": 0x008000}


@pytest.mark.parametrize("text,word", CANONICAL_CA, ids=[t for t, _ in CANONICAL_CA])
def test_canonical_cau_choice(text, word):
    assert one(text, 0x100, SYMBOLS) == word


# ------------------------------------------------------------------------------- DAU choices
def da(name, **f):
    base = dict(yp=0, yi=0, zp=0, zi=7) if name == "da_special" else dict(xp=0, xi=0, yp=0, yi=0, zp=0, zi=7)
    base.update(f)
    return enc(name, **base)


CANONICAL_DA = [
    ("a0 = a1 + a2 * *r3", da("da_mul_add", m=2, an=0, yp=0, yi=1, xp=3)),
    ("a0 = a1 + a2 * *r3 {DA3}", da("da_mul_acc", m=1, an=0, yp=0, yi=2, xp=3)),
    ("a0 = a1 - *r2 * *r3", da("da_mul_acc", m=1, s=1, an=0, yp=2, xp=3)),
    ("a0 = -a1 + *r2 * *r3", da("da_mul_acc", m=1, f=1, an=0, yp=2, xp=3)),
    ("a0 = -*r2 * *r3", da("da_mul_acc", m=4, s=1, an=0, yp=2, xp=3)),
    ("a0 = *r2 * *r3 {DA2}", da("da_tap_mul", m=4, an=0, yp=2, xp=3)),
    ("a0 = 1.0 - *r2 * *r3", da("da_mul_acc", m=5, s=1, an=0, yp=2, xp=3)),
    ("a0 = *r2 + *r3", da("da_mul_add", m=5, an=0, yp=2, xp=3)),
    ("a0 = *r2 + *r3 {DA4}", da("da_tap_add", an=0, yp=2, xp=3)),
    ("a0 = -a3", da("da_mul_add", m=4, f=1, an=0, yi=3)),
    ("a0 = *r2 + 0.0 * *r3", da("da_mul_add", m=4, an=0, yp=2)),          # X has no effect
    ("a0 = *same + 0.0 * *r3", da("da_mul_add", m=4, an=0, yp=15, xp=3)),  # ... except its pointer
    ("a2 = a0 - (*r4=*r5) * a1", da("da_tap_mul", m=0, s=1, an=2, zp=4, zi=0, yp=5, xi=1)),
    ("a2 = -(a1=*r5++) + *r6", da("da_tap_add", f=1, an=2, zp=0, zi=1, yp=5, yi=7, xp=6)),
    ("a1 = a0 = *r2++r19", da("da_mul_add", m=4, an=0, zp=0, zi=1, yp=2, yi=5)),
    ("*r1++ = a0 = a1 + a2 * *r1", da("da_mul_add", m=2, an=0, zp=1, zi=7, yi=1, xp=1)),
    ("a0 = *r1++ + a1 * *same--", None),  # X cannot take p = 15 (no previous field)
    ("a3 = ic(*r4++)", da("da_special", g=0, an=3, yp=4, yi=7)),
]


@pytest.mark.parametrize("text,word", CANONICAL_DA, ids=[t for t, _ in CANONICAL_DA])
def test_canonical_dau_choice(text, word):
    if word is None:
        assert "no encoding" in error_of(text)
    else:
        assert one(text) == word


def test_same_pointer_is_never_implicit():
    # Z names the same register as Y: p = 1 both (encodings §11 0x7065C40F), not p = 15
    assert one("*r1++ = a3 = *r1 * *r2++") == 0x7065C40F
    assert one("*same++ = a3 = *r1 * *r2++") == da("da_mul_acc", m=4, an=3, zp=15, zi=7, yp=1, xp=2, xi=7)
    assert disassemble(da("da_mul_acc", m=4, an=3, zp=15, zi=7, yp=1, xp=2, xi=7)) == \
        "*same++ = a3 = *r1 * *r2++"


# ---------------------------------------------------------------------------- disassembler
@pytest.mark.parametrize("word,text", [
    (enc("goto24", rh=0, n=0x10), "goto $10 {8a}"),
    (enc("goto24", rh=5, n=0xFFFFFC), "goto r5-$4 {8a}"),
    (enc("load24", rd=1, n=0x10), "r1e = $10 {8b}"),
    (enc("call24", rm=14, n=0xFFF000), "call $fff000 (r14) {8c}"),
    (enc("alu_imm", e=0, f=4, rd=1, n=0xFFF0), "r1 = r1 - -$10 {6c}"),
    (enc("alu_imm", e=1, f=10, rd=1, n=0xF000), "r1e = r1e | $fff000"),
    (enc("alu_reg", e=0, f=8, rd=3, t=1, rs2=3, rs1=4), "r3 = r3 ^ r4 {3op}"),
    (enc("alu_reg", e=0, f=2, rd=3, t=1, rs2=5, rs1=23), "r3 = -r5 + 1"),
    (enc("alu_reg", e=1, f=1, rd=3, rs1=23), "r3e = rppe * 2"),
    (enc("add_imm", e=0, rd=22, rh=23, n=-1), "rmm = rpp - $1"),
    (enc("load_direct", d=0, sz=1, rh=2, n=-2), "r2l = *FFFFFFFE"),
    (da("da_tap_mul", m=5, f=1, an=1, yp=2, xp=3), "a1 = -1.0 + *r2 * *r3 {DA2}"),
    (0x08000000, ".word 0x08000000"),
])
def test_disassembler_spelling(word, text):
    assert disassemble(word) == text
    assert one(text) == word


def test_symbols_name_targets_only_where_they_reassemble():
    syms = {"loop": 0x40, "far": 0x123456, "tab": 0x7000, "back": 0x208, "pcl": 0x40}
    assert disassemble(enc("goto", c=5, rh=0, n=0x40), 0, syms) == "if (eq) goto loop"
    assert disassemble(enc("goto", c=1, rh=15, n=0), 0x200, syms) == "pcgoto back"
    assert disassemble(enc("goto24", rh=0, n=0x123456), 0, syms) == "goto far"
    assert disassemble(enc("goto24", rh=0, n=0x40), 0, syms) == "goto $40 {8a}"
    assert disassemble(enc("load24", rd=3, n=0x7000), 0, syms) == "r3e = $7000 {8b}"
    assert disassemble(enc("load_direct", d=0, sz=2, rh=1, n=0x7000), 0, syms) == "r1 = *tab"
    for w, a in [(enc("goto", c=1, rh=15, n=0), 0x200), (enc("goto24", rh=0, n=0x123456), 0)]:
        assert one(disassemble(w, a, syms), a, syms) == w


# ------------------------------------------------------------------------------- the dialect
def test_whitespace_free_forms():
    assert one("if(r15-->=0)goto 0x40") == enc("dec_branch", rm=17, rh=0, n=0x40)
    assert one("*r10++=a0=*r13") == 0x30003457
    assert one("a0=a0**r2") == 0x70040007
    assert one("r4=r4#r18") == 0x18640280


def test_suffixes():
    assert one("r12e = r12 - r21") == one("r12e = r12e - r21e")
    assert "put the e suffix on the destination" in error_of("r1 = r2e + r3")
    assert "loads and stores only" in error_of("r1l = r2 + r3")
    assert "no size suffix" in error_of("r1 = *r2e")


def test_numbers_and_expressions():
    assert one("r1 = 010") == one("r1 = 8")                   # C octal
    assert one("r1 = 0b101 + 'A'") == one("r1 = 70")
    assert one("r1 = (1 << 4) | 3 ^ 1") == one("r1 = 18")
    assert one("r1 = -7 / 2") == one("r1 = -3")                # C truncation
    assert one("r1 = -7 % 2") == one("r1 = -1")
    assert one("r1 = 0xff &~ 0x0f") == one("r1 = 0xf0")
    assert one("goto $", 0x40) == enc("goto", c=1, rh=0, n=0x40)
    assert "binds looser" in error_of("r1 = r1 & 0xff | 1")
    assert "octal" in error_of("r1 = 09")
    assert "integer" in error_of("r1 = 1.5")


def test_tag_misuse():
    assert "does not apply" in error_of("r1 = r2 {8a}")
    assert "unknown encoding tag" in error_of("nop {zz}")
    assert "no condition" in error_of("if (eq) goto 0x10 {8a}")


def test_range_errors_never_truncate():
    assert "out of reach of a conditional goto" in error_of("if (eq) goto 0x8000")
    assert "offset 74565 out of the 16-bit range" in error_of("if (eq) goto r5+0x12345")
    assert "does not fit" in error_of("r1e = 0x1000000")
    assert "out of reach of format 7a" in error_of("r1 = *0x8000")
    assert "out of the 16-bit" in error_of("call r5+0x8000 (r14)")
    assert "displacement" in error_of("pcgoto 0x10000", 0)
    assert "out of range 0..2047" in error_of("do 1,2048")
    assert "does not fit 16 bits" in error_of("int 0x10000")
    assert "does not fit 24 bits" in error_of("int24 0x1000000")
    assert "DSP32 range" in error_of("float 1e39")
    assert "out of range" in error_of("r1 = r1 & 0x10000")
    assert "out of range" in error_of("r1e = r1e | 0x8000")   # would sign-extend to 0xff8000


def test_data_directives():
    assert assemble_statement("int 1, -1, 0x7fff") == [1, 0xFFFF, 0x7FFF]
    assert assemble_statement("int24 -1, 0x800000, 5") == [0xFFFFFFFF, 0xFF800000, 5]
    # DSP32 floats by hand (machine §2.1): 1.0, -1.0, 0.5 (= 1.0 * 2**-1), 0.0
    assert assemble_statement("float 1.0, -1.0, .5, 0") == [0x00000080, 0x8000007F, 0x0000007F, 0]
    assert assemble_statement("3*float 2*1.0") == [0x00000081] * 3
    assert assemble_statement(".word -1, 0x12345678") == [0xFFFFFFFF, 0x12345678]
    assert assemble_statement("2*nop") == [0, 0]


def test_layout_directives_and_equ():
    prog = assemble_source(
        "N equ 3\n.equ M, N*2\nstart: r1 = M\n.=0x10\nhere: r2 = N\n.align 16\nnext: .space 8\n"
        "after: .word after - next, $\n", "t.s")
    assert prog.symbols == {"start": 0, "here": 0x10, "next": 0x20, "after": 0x28}
    assert prog.constants == {"N": 3, "M": 6}
    words = dict(prog.words())
    assert words[0] == one("r1 = 6") and words[0x10] == one("r2 = 3")
    assert words[0x28] == 8 and words[0x2C] == 0x28  # `$` is the statement's address
    assert 0x20 not in words  # .space reserves, writes nothing


def test_multiple_statements_and_labels_per_line():
    prog = assemble_source("a: b: r1 = 1; r2 = 2\n", "t.s")
    assert prog.symbols == {"a": 0, "b": 0}
    assert [w for _, w in prog.words()] == [one("r1 = 1"), one("r2 = 2")]


def test_preprocessor_conditionals_and_defines():
    src = ("#ifdef FAST\n r1 = 1\n#else\n r1 = 2\n#endif FAST\n"
           "#if defined(N) && N > 3\n r2 = N\n#endif\n#define ADD(a, b) a = a + b\n ADD(r3, r4)\n")
    words = [w for _, w in assemble_source(src, "t.s", defines={"FAST": None, "N": "5"}).words()]
    assert words == [one("r1 = 1"), one("r2 = 5"), one("r3 = r3 + r4")]
    words = [w for _, w in assemble_source(src, "t.s").words()]
    assert words == [one("r1 = 2"), one("r3 = r3 + r4")]


# ---------------------------------------------------------------------------------- errors
def test_file_errors_are_all_reported_in_line_order():
    errs = errors_of("  r1 = \n  nop\n  bogus\n  r1 = *r0\n")
    assert errs == ["t.s:1:7: error: expected an operand after `=`",
                    "t.s:3:3: error: unknown statement",
                    "t.s:4:9: error: r0 cannot be a pointer"]


def test_error_limit():
    errs = errors_of("  bogus\n" * 60)
    assert len(errs) == 51 and errs[-1] == "t.s:51:3: error: too many errors (60); stopping here"


def test_instruction_alignment_and_backward_org():
    errs = errors_of("  int 1\n  nop\n  .=0\n")
    assert errs == ["t.s:2:3: error: instruction at offset 0x2 of .text is not word-aligned: add .align 4",
                    "t.s:3:3: error: .=0x0 moves the location counter back (it is at 0x2 in this file's .text)"]


def test_globals_across_files():
    from dsp32c.assembler import assemble_sources

    with pytest.raises(SourceErrors) as info:
        assemble_sources([("a.s", ".global x\nx: nop\n"), ("b.s", ".global x\nx: nop\n goto y\n"),
                          ("c.s", "y: nop\n.global z\n")])
    assert [str(e) for e in info.value.errors] == [
        "b.s:1:9: error: global x is also defined in a.s (a.s:1)",
        "b.s:3:7: error: undefined symbol y (defined in c.s but not .global there)",
        "c.s:2:9: error: .global z: z is not defined in this file"]


def test_equ_cycle_is_an_error():
    errs = errors_of(".equ A, B\n.equ B, A\n .word A\n")
    assert errs == ["t.s:1:9: error: A is defined in terms of itself",
                    "t.s:2:9: error: B is defined in terms of itself",
                    "t.s:3:8: error: A is defined in terms of itself"]
