"""Bad input through the real command line: exact one-line errors, exit 1, no output written."""
import subprocess
import sys

import pytest


def run_asm(cwd, *args):
    return subprocess.run([sys.executable, "-m", "dsp32c_cli", "asm", *args], cwd=cwd,
                          capture_output=True, text=True)


CASES = {
    "unknown statement": (
        {"bad.s": "start:  nop\n  frob r1\n"},
        ["bad.s:2:3: error: unknown statement"]),
    "out-of-range immediate": (
        {"bad.s": "  r1 = 0x12345\n"},
        ["bad.s:1:8: error: immediate 0x12345 does not fit the 16-bit destination "
         "(-0x8000..0xffff); write the register with an e suffix for 24 bits"]),
    "out-of-range branch": (
        {"bad.s": "  if (eq) goto 0x123456\n"},
        ["bad.s:1:16: error: target 0x123456 is out of reach of a conditional goto (absolute "
         "targets must lie in 0x000000-0x007fff or 0xff8000-0xffffff); use pcgoto or a register base"]),
    "undefined label": (
        {"bad.s": "  goto nowhere\n  nop\n"},
        ["bad.s:1:8: error: undefined symbol nowhere"]),
    "error inside an included file": (
        {"bad.s": '#include "defs.h"\n  r1 = K\n', "inc/defs.h": "#define K 3\n  r1 = r2 +\n"},
        ["inc/defs.h:2:12: error: expected an operand after +"]),
    "missing include": (
        {"bad.s": '  nop\n#include "missing.h"\n'},
        ['bad.s:2:1: error: cannot find include file "missing.h" (searched: ., inc)']),
    "duplicate label": (
        {"bad.s": "start:  nop\n  nop\nstart:  nop\n"},
        ["bad.s:3:1: error: start is already defined at bad.s:1"]),
    "every error of the file": (
        {"bad.s": "  frob\n  r1 = 70000\n  goto nowhere\n  do 40,1\n"},
        ["bad.s:1:3: error: unknown statement",
         "bad.s:2:8: error: immediate 0x11170 does not fit the 16-bit destination "
         "(-0x8000..0xffff); write the register with an e suffix for 24 bits",
         "bad.s:3:8: error: undefined symbol nowhere",
         "bad.s:4:6: error: do K = 40 out of range 0..31 (K + 1 instructions)"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_per_error_and_exit_1(tmp_path, case):
    files, expected = CASES[case]
    (tmp_path / "inc").mkdir()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    res = run_asm(tmp_path, "bad.s", "-I", "inc", "-o", "out.hex")
    assert res.returncode == 1
    assert res.stderr.splitlines() == expected
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out.hex").exists()


def test_existing_output_is_not_overwritten_but_listing_is_written(tmp_path):
    (tmp_path / "bad.s").write_text("  r1 = 1\n  r2 = nowhere\n")
    (tmp_path / "out.hex").write_text("previous image\n")
    res = run_asm(tmp_path, "bad.s", "-o", "out.hex", "-l", "bad.lst", "-m", "bad.map")
    assert res.returncode == 1
    assert (tmp_path / "out.hex").read_text() == "previous image\n"
    assert not (tmp_path / "bad.map").exists()
    listing = (tmp_path / "bad.lst").read_text().splitlines()
    # the good line keeps its address and word (5a rD=1 rH=r0 N=1), the bad one its error
    assert "    1  000000  14200001             r1 = 1" in listing
    assert "       *** error: undefined symbol nowhere" in listing
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dsp32c-")] == []


def test_overlapping_sections_name_both(tmp_path):
    (tmp_path / "a.s").write_text('  nop\n  nop\n  .rsect ".tab"\n  .word 1, 2\n')
    res = run_asm(tmp_path, "a.s", "-o", "out.hex", "--section", ".tab=0x4")
    assert res.returncode == 1
    assert res.stderr.splitlines() == [
        "a.s:3:1: error: section .tab (0x000004-0x00000b, a.s) overlaps section .text "
        "(0x000000-0x000007, a.s)"]


def test_good_program_writes_every_output(tmp_path):
    (tmp_path / "ok.s").write_text("start: r1 = 1\n goto start\n nop\n")
    res = run_asm(tmp_path, "ok.s", "-o", "ok.bin", "-l", "ok.lst", "-m", "ok.map")
    assert res.returncode == 0, res.stderr
    # 5a rD=1 N=1; 0/1 C=1 rH=r0 N=0; nop
    assert (tmp_path / "ok.bin").read_bytes() == bytes.fromhex("01002014" "00002000" "00000000")
    assert (tmp_path / "ok.map").read_text().splitlines()[1] == "entry\t000000"


def test_mutated_statements_fail_only_with_source_errors():
    """Statements from the golden files with tokens dropped, duplicated and swapped: each either
    assembles or gives a SourceError, never another exception (so never a traceback)."""
    import random
    from pathlib import Path

    from dsp32c.asm_lexer import tokenize
    from dsp32c.assembler import assemble_statement
    from dsp32c.errors import SourceError

    seeds = []
    for name in ("enc_vectors.txt", "asm_source_forms.txt"):
        for line in (Path(__file__).resolve().parents[1] / "golden" / name).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                seeds.append(line.split(" | ", 1)[1].rsplit(" | ", 1)[0])
    seeds += ["a0 = a1 + a2 * *r3 {DA3}", "goto $10 {8a}", "2*float 1.0, 2.0", ".=0x100",
              "if (r3-- >= 0) pcgoto lab", "a0 = *same + 0.0 * *r3", "1000000000*nop"]
    vocab = [t.text for s in seeds for t in tokenize(s)]
    rng = random.Random(11)
    assembled = refused = 0
    for _ in range(3000):
        toks = [t.text for t in tokenize(rng.choice(seeds))]
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(len(toks) + 1)
            choice = rng.randrange(3)
            if choice == 0 and toks:
                del toks[min(k, len(toks) - 1)]
            elif choice == 1:
                toks.insert(k, rng.choice(vocab))
            elif toks:
                toks[min(k, len(toks) - 1)] = rng.choice(vocab)
        try:
            assemble_statement(" ".join(toks), 0, {"lab": 0x40})
            assembled += 1
        except SourceError as exc:
            assert "\n" not in str(exc), " ".join(toks)
            refused += 1
    # both outcomes occur, so the mutations reach the error paths and the loop is not vacuous
    assert assembled > 100 and refused > 1000, (assembled, refused)


def test_placement_file(tmp_path):
    (tmp_path / "p.s").write_text('  nop\n  .rsect ".tab"\nt: .word t\n')
    (tmp_path / "place.txt").write_text("# section placement\n.tab 0x2000\n.unused = 0x3000\n")
    res = run_asm(tmp_path, "p.s", "-o", "p.hex", "--placement", "place.txt", "-m", "p.map")
    assert res.returncode == 0, res.stderr
    assert "symbol\tt\t002000\tp.s\t3\tlocal" in (tmp_path / "p.map").read_text().splitlines()
    (tmp_path / "bad.txt").write_text(".tab\n")
    res = run_asm(tmp_path, "p.s", "-o", "p2.hex", "--placement", "bad.txt")
    assert res.returncode == 1
    assert res.stderr.splitlines() == ["bad.txt:1:1: error: expected `NAME ADDRESS`"]
    assert not (tmp_path / "p2.hex").exists()
