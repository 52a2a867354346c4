"""Source files that used to crash the assembler with a traceback: each now gives one-line
errors and exit 1, and writes no output."""
import subprocess
import sys

import pytest


def run_asm(cwd, *args):
    return subprocess.run([sys.executable, "-m", "dsp32c_cli", "asm", *args], cwd=cwd,
                          capture_output=True)


CASES = {
    "a file that includes itself": (
        {"bad.s": b'#include "bad.s"\n  nop\n'},
        ["bad.s:1:1: error: #include nested more than 50 deep (does a file include itself?)"]),
    "two files that include each other": (
        {"bad.s": b'#include "a.h"\n', "a.h": b'#include "b.h"\n  nop\n', "b.h": b'#include "a.h"\n'},
        ["a.h:1:1: error: #include nested more than 50 deep (does a file include itself?)"]),
    "#if without an expression": (
        {"bad.s": b"#if\n  nop\n#endif\n"},
        ["bad.s:1:1: error: malformed preprocessor directive (IndexError in the preprocessor)"]),
    # a non-ASCII letter or digit is not part of a name or number (was an AttributeError)
    "non-ASCII letter": (
        {"bad.s": "  r1 = \u00e9x\n".encode()},
        ["bad.s:1:8: error: unexpected character '\u00e9'"]),
    "non-ASCII digit after a number": (
        {"bad.s": "  r1 = 1\u0663\n".encode()},
        ["bad.s:1:8: error: bad number '1\u0663'"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_source_is_one_line_errors_and_exit_1(tmp_path, case):
    files, expected = CASES[case]
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    res = run_asm(tmp_path, "bad.s", "-o", "out.hex")
    assert res.returncode == 1
    assert res.stderr.decode().splitlines() == expected
    assert not (tmp_path / "out.hex").exists()


def test_binary_garbage_never_escapes_source_errors(tmp_path):
    """Random bytes as a source and as an include: only `file:line:col: error:` lines."""
    import random

    rng = random.Random(5)
    for k in range(20):
        data = bytes(rng.randrange(256) for _ in range(400))
        (tmp_path / "g.bin").write_bytes(data)
        (tmp_path / "bad.s").write_bytes(b'#include "g.bin"\n' if k % 2 else data)
        res = run_asm(tmp_path, "bad.s", "-o", "out.hex")
        err = res.stderr.decode("utf-8", "replace")
        assert res.returncode == 1, err
        assert "Traceback" not in err
        assert all(": error: " in line for line in err.splitlines()), err


def test_binary_placement_and_map_files_are_one_line_errors(tmp_path):
    (tmp_path / "p.s").write_text("start: goto start\n nop\n")
    (tmp_path / "junk").write_bytes(b"\xa7\xff\x00\x81" * 8)   # not UTF-8
    res = run_asm(tmp_path, "p.s", "-o", "p.hex", "--placement", "junk")
    assert res.returncode == 1
    assert res.stderr.decode().splitlines() == [
        "error: junk: not a placement file (not UTF-8 text)"]
    assert not (tmp_path / "p.hex").exists()
    assert run_asm(tmp_path, "p.s", "-o", "p.hex").returncode == 0
    for cmd in ("run", "disasm"):
        res = subprocess.run([sys.executable, "-m", "dsp32c_cli", cmd, "p.hex", "--map", "junk"],
                             cwd=tmp_path, capture_output=True)
        assert res.returncode == 1
        assert res.stderr.decode().splitlines() == ["error: junk: not a map file (not UTF-8 text)"]
