"""Outputs never clobber the user's inputs; output files get ordinary permissions; a missing
output directory is named plainly (not the temporary file)."""
import os
import stat
import subprocess
import sys

SRC = "start: r1 = 1\n goto start\n nop\n"


def dsp32c(cwd, *args):
    return subprocess.run([sys.executable, "-m", "dsp32c_cli", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_asm_refuses_to_write_over_a_source(tmp_path):
    (tmp_path / "p.s").write_text(SRC)
    for opt in ("-o", "-l", "-m"):
        args = ["p.s", "-o", "out.hex"] if opt != "-o" else ["p.s"]
        res = dsp32c(tmp_path, "asm", *args, opt, "p.s")
        assert res.returncode == 1
        assert res.stderr.splitlines() == [
            f"error: {opt} p.s is an input file; refusing to overwrite it"]
        assert (tmp_path / "p.s").read_text() == SRC
    assert not (tmp_path / "out.hex").exists()


def test_asm_refuses_two_outputs_on_one_file(tmp_path):
    (tmp_path / "p.s").write_text(SRC)
    res = dsp32c(tmp_path, "asm", "p.s", "-o", "out.hex", "-l", "./out.hex")
    assert res.returncode == 1
    assert res.stderr.splitlines() == ["error: -o and -l name the same file ./out.hex"]
    assert not (tmp_path / "out.hex").exists()


def test_disasm_refuses_to_write_over_its_image(tmp_path):
    (tmp_path / "p.s").write_text(SRC)
    assert dsp32c(tmp_path, "asm", "p.s", "-o", "p.hex").returncode == 0
    image = (tmp_path / "p.hex").read_bytes()
    res = dsp32c(tmp_path, "disasm", "p.hex", "-o", "p.hex")
    assert res.returncode == 1
    assert res.stderr.splitlines() == ["error: -o p.hex is an input file; refusing to overwrite it"]
    assert (tmp_path / "p.hex").read_bytes() == image


def test_missing_output_directory_is_named(tmp_path):
    (tmp_path / "p.s").write_text(SRC)
    res = dsp32c(tmp_path, "asm", "p.s", "-o", "nodir/out.hex")
    assert res.returncode == 1
    assert res.stderr.splitlines() == ["error: nodir/out.hex: no such directory nodir"]


def test_outputs_have_the_mode_open_would_give(tmp_path):
    (tmp_path / "p.s").write_text(SRC)
    old = os.umask(0o022)
    try:
        res = dsp32c(tmp_path, "asm", "p.s", "-o", "p.hex", "-l", "p.lst", "-m", "p.map")
    finally:
        os.umask(old)
    assert res.returncode == 0, res.stderr
    for name in ("p.hex", "p.lst", "p.map"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
