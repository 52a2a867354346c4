"""Intel HEX records with the wrong length for their type, files without the end-of-file record,
and images past the 24-bit address space are one-line errors (they used to load quietly)."""
import subprocess
import sys

import pytest

from dsp32c.errors import SourceError
from dsp32c.hexfile import from_intel_hex


def rec(rtype, address, data):
    body = bytes([len(data), address >> 8, address & 0xFF, rtype]) + bytes(data)
    return ":" + body.hex().upper() + f"{-sum(body) & 0xFF:02X}"


EOF_REC = ":00000001FF"


@pytest.mark.parametrize("lines,message", [
    ([rec(4, 0, [1]), EOF_REC], "x.hex:1:1: error: record type 04 must hold 2 data bytes, not 1"),
    ([rec(2, 0, [1, 2, 3]), EOF_REC], "x.hex:1:1: error: record type 02 must hold 2 data bytes, not 3"),
    ([rec(5, 0, []), EOF_REC], "x.hex:1:1: error: record type 05 must hold 4 data bytes, not 0"),
    ([rec(3, 0, [0, 0]), EOF_REC], "x.hex:1:1: error: record type 03 must hold 4 data bytes, not 2"),
    ([rec(0, 0, [0] * 4), rec(1, 0, [0])], "x.hex:2:1: error: record type 01 must hold 0 data bytes, not 1"),
    ([rec(0, 0, [0] * 4)], "x.hex:1:1: error: no end-of-file record (:00000001FF): the file is empty or cut off"),
    ([], "x.hex:1:1: error: no end-of-file record (:00000001FF): the file is empty or cut off"),
])
def test_malformed_records(lines, message):
    with pytest.raises(SourceError) as exc:
        from_intel_hex("\n".join(lines) + "\n", "x.hex")
    assert str(exc.value) == message


def test_start_records():
    # type 03 is CS:IP: 0x0010 * 16 + 0x0002 = 0x102; type 05 is the linear address itself
    assert from_intel_hex(rec(3, 0, [0, 0x10, 0, 2]) + "\n" + EOF_REC) == ([], 0x102)
    assert from_intel_hex(rec(5, 0, [0, 0, 1, 2]) + "\n" + EOF_REC) == ([], 0x102)


def test_disasm_refuses_bytes_past_24_bits(tmp_path):
    hexf = tmp_path / "hi.hex"
    hexf.write_text("\n".join([rec(4, 0, [1, 0]), rec(0, 0, [0] * 4), EOF_REC]) + "\n")
    (tmp_path / "top.bin").write_bytes(bytes(8))
    for args, message in [
            (["hi.hex"], "error: hi.hex: bytes at 0x1000000-0x1000003 go past the 24-bit address "
                         "space (end 0xffffff)"),
            (["top.bin", "--base", "0xfffffc"], "error: top.bin: bytes at 0xfffffc-0x1000003 go "
                                                "past the 24-bit address space (end 0xffffff)")]:
        res = subprocess.run([sys.executable, "-m", "dsp32c_cli", "disasm", *args], cwd=tmp_path,
                             capture_output=True, text=True)
        assert res.returncode == 1 and res.stdout == ""
        assert res.stderr.splitlines() == [message]
