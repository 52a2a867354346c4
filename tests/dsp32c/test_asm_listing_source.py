"""The listing and the map show each line as written in the file (macro names and comments
kept), for the top-level file too, however its path is spelled."""
import subprocess
import sys

import pytest

SRC = "#define N 4\nstart:  r3 = N-2      /* count */\n        goto start\n        nop\n"


@pytest.mark.parametrize("spelling", ["p.s", "./p.s", "ABS"])
def test_listing_and_map_keep_the_source_text(tmp_path, spelling):
    (tmp_path / "p.s").write_text(SRC)
    name = str(tmp_path / "p.s") if spelling == "ABS" else spelling
    res = subprocess.run([sys.executable, "-m", "dsp32c_cli", "asm", name, "-o", "p.hex",
                          "-l", "p.lst", "-m", "p.map"], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    # 5a: r3 = 2 is 0x14600002 (rD=3, rH=r0, N=2)
    assert "    2  000000  14600002           start:  r3 = N-2      /* count */" in \
        (tmp_path / "p.lst").read_text().splitlines()
    assert f"line\t000000\t{name}\t2\tstart:  r3 = N-2      /* count */" in \
        (tmp_path / "p.map").read_text().splitlines()


def test_errors_name_the_top_level_file_as_given(tmp_path):
    (tmp_path / "p.s").write_text("  frob\n")
    res = subprocess.run([sys.executable, "-m", "dsp32c_cli", "asm", "./p.s", "-o", "p.hex"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 1
    assert res.stderr.splitlines() == ["./p.s:1:3: error: unknown statement"]
