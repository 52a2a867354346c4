"""A realistic program of two files and an include: macros and constants, two .rsect sections at
different addresses, int/int24/float data, forward references across files. Every expected
word is worked out by hand from the field tables of encodings §5-§6 (fields in the comments)."""
import textwrap

import pytest

from dsp32c.assembler import assemble_files
from dsp32c.mapfile import load_map

DEFS_H = """\
/* constants and macros shared by both files */
#define NTAPS       4
#define SCALE(x)    ((x) * 2)
#define INC(r)      r = r + 1
"""

MAIN_S = """\
#include "defs.h"
        .global start, table
        .extern scale
start:  r1e = table             /* forward reference into .data */
        r2 = NTAPS - 2
        call scale (r14)        /* defined in lib.s, in .ram0 */
        nop
loop:   a0 = a0 + *r1++ * *r3++
        if (r2-- >= 0) goto loop
        nop
        INC(r5)
        goto $
        nop
        .rsect ".data"
table:  float 1.0, -1.0, 1.5, 2.0
        int 1, -2
        .align 4
        int24 start, table, -1
        2*float 0.5
"""

LIB_S = """\
#include "defs.h"
        .global scale
        .extern table
        .rsect ".ram0"
scale:  r3e = table + 4*NTAPS
        return (r14)
        nop
k:      .word SCALE(3), k
"""

TEXT_WORDS = [
    0x94200100,  # r1e = table (0x100): 5b E=1 rD=1 rH=r0 N=0x0100 (fits 16 bits signed)
    0x14400002,  # r2 = 2: 5a rD=2 rH=r0 N=2
    0x11C0F000,  # call scale (r14): 4 rM=14 rH=r0 N=0xf000 (0xfff000 sign-extended)
    0x00000000,  # nop
    0x6007C787,  # a0 = a0 + *r1++ * *r3++: DA3 M=0 X=*r3++ (0011 111) Y=*r1++ (0001 111) Z=none
    0x0C400010,  # if (r2-- >= 0) goto loop: 3a rM=2 rH=r0 N=0x10
    0x00000000,  # nop
    0x180502E0,  # r5 = r5 + 1: 6a F=0 rD=5 T=0 rS1=code 23 (+1)
    0x00200020,  # goto $ (0x20): 0/1 C=1 rH=r0 N=0x20
    0x00000000,  # nop
]
DATA_BYTES = (
    (0x00000080).to_bytes(4, "little")      # 1.0  (machine §2.1 table)
    + (0x8000007F).to_bytes(4, "little")    # -1.0: s=1, mantissa -1.0 as -2 + 1.0, e = 0x7f
    + (0x40000080).to_bytes(4, "little")    # 1.5
    + (0x00000081).to_bytes(4, "little")    # 2.0
    + bytes([0x01, 0x00, 0xFE, 0xFF])       # int 1, -2 (16-bit)
    + (0x00000000).to_bytes(4, "little")    # int24 start
    + (0x00000100).to_bytes(4, "little")    # int24 table
    + (0xFFFFFFFF).to_bytes(4, "little")    # int24 -1, sign-extended from bit 23
    + (0x0000007F).to_bytes(4, "little") * 2  # 2*float 0.5
)
RAM0_WORDS = [
    0x94600110,  # r3e = table + 16 = 0x110: 5b rD=3 rH=r0 N=0x110
    0x002E0000,  # return (r14) = goto r14
    0x00000000,  # nop
    0x00000006,  # .word SCALE(3)
    0x00FFF00C,  # .word k
]


def words_bytes(words):
    return b"".join(w.to_bytes(4, "little") for w in words)


@pytest.fixture
def sources(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "defs.h").write_text(DEFS_H)
    (tmp_path / "main.s").write_text(MAIN_S)
    (tmp_path / "lib.s").write_text(LIB_S)
    return tmp_path


def test_program_bytes_and_symbols(sources):
    prog = assemble_files([sources / "main.s", sources / "lib.s"], include_dirs=[sources / "inc"],
                          sections={".data": 0x100})
    assert prog.segments == [(0x000000, words_bytes(TEXT_WORDS)),
                             (0x000100, DATA_BYTES),
                             (0xFFF000, words_bytes(RAM0_WORDS))]
    assert prog.symbols == {"start": 0x000000, "loop": 0x000010, "table": 0x000100,
                            "scale": 0xFFF000, "k": 0xFFF00C}
    assert prog.entry == 0
    assert [(s.name, s.address, s.size) for s in prog.sections] == [
        (".text", 0x000000, 0x28), (".data", 0x000100, 0x28), (".ram0", 0xFFF000, 0x14)]


def test_lines_name_source_file_and_line(sources):
    prog = assemble_files([sources / "main.s", sources / "lib.s"], include_dirs=[sources / "inc"],
                          sections={".data": 0x100})
    main, lib = str(sources / "main.s"), str(sources / "lib.s")
    assert prog.lines[0x000000] == (main, 4, "start:  r1e = table             /* forward reference into .data */")
    assert prog.lines[0x00001C] == (main, 11, "INC(r5)")   # the macro as written
    assert prog.lines[0xFFF004] == (lib, 6, "return (r14)")
    assert prog.lines[0x000104] == (main, 15, "table:  float 1.0, -1.0, 1.5, 2.0")


def test_default_placement_follows_the_text_section(sources):
    prog = assemble_files([sources / "main.s", sources / "lib.s"], include_dirs=[sources / "inc"])
    # .data is not a known section: it follows .text (0x000000-0x000027)
    assert prog.symbols["table"] == 0x28
    # r1e = table is now 0x28: 5b N=0x28
    assert prog.segments[0][1][:4] == (0x94200028).to_bytes(4, "little")


def test_outputs_round_trip(sources, tmp_path):
    prog = assemble_files([sources / "main.s", sources / "lib.s"], include_dirs=[sources / "inc"],
                          sections={".data": 0x100})
    prog.write_map(tmp_path / "p.map")
    data = load_map(tmp_path / "p.map")
    symbols, lines = data
    assert symbols == prog.symbols
    assert lines == prog.lines
    assert data.entry == 0
    assert data.symbol_sources["scale"] == (str(sources / "lib.s"), 5, True)
    from dsp32c.hexfile import from_intel_hex

    prog.write_hex(tmp_path / "p.hex")
    segments, start = from_intel_hex((tmp_path / "p.hex").read_text())
    assert segments == prog.segments and start == 0


def test_local_labels_of_two_files_do_not_clash(tmp_path):
    (tmp_path / "a.s").write_text("loop: goto loop\n nop\n")
    (tmp_path / "b.s").write_text("loop: goto loop\n nop\n")
    prog = assemble_files([tmp_path / "a.s", tmp_path / "b.s"])
    # each file's goto reaches its own label: b.s starts at 8
    assert prog.segments == [(0, words_bytes([0x00200000, 0, 0x00200008, 0]))]
    assert prog.symbols == {f"{tmp_path / 'a.s'}:loop": 0, f"{tmp_path / 'b.s'}:loop": 8}


def test_docs_example_assembles(tmp_path):
    """The kernel in docs/syntax.md assembles (fir at 0xfff000 in RAM0)."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "syntax.md").read_text()
    src = re.search(r"## A small kernel\n\n```c\n(.*?)```", doc, re.S).group(1)
    (tmp_path / "k.s").write_text(textwrap.dedent(src))
    prog = assemble_files([tmp_path / "k.s"])
    assert prog.symbols["fir"] == 0xFFF000 and prog.entry == 0xFFF000
    # a0 = *r1++ * *r2++: DA3 M=4 X=*r2++ (0010 111) Y=*r1++ (0001 111)
    image = prog.image()
    assert bytes(image[0xFFF00C + k] for k in range(4)) == (0x7005C787).to_bytes(4, "little")


def test_a_500_line_file_assembles_with_the_expected_layout():
    body = "\n".join([
        "#define STEP 4",
        "start:  r1e = buf",
        "loop:   a0 = a0 + *r1++ * *r2++      /* multiply-accumulate */",
        "        *r3++ = a1 = -a0 + *r4 * a2",
        "        r5 = r5 + STEP; r6 = r6 - 1",
        "        if (r7-- >= 0) goto loop",
        "        nop",
    ] + ["        a1 = a1 + *r1++ * *r2++", "        r8e = r8 + 2", "        if (ne) r9 = r9 + r10",
         "        r11 = *r12++", "        *r13 = a2 = float(*r14)"] * 98 + [
        "        goto start", "        nop", "buf:    16*float 0.0"])
    assert body.count("\n") >= 499
    # speed is measured in benchmarks/, never asserted here; this checks the big file's layout:
    # 7 words before the repeated block, 5 x 98 in it, goto + nop, then 16 floats at buf
    from dsp32c.assembler import assemble_source

    prog = assemble_source(body, "big.s")
    assert prog.symbols["buf"] == (7 + 5 * 98 + 2) * 4
    assert sum(len(data) for _, data in prog.segments) == (7 + 5 * 98 + 2 + 16) * 4
