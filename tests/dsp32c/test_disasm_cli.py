"""`dsp32c disasm` on real images: its output assembles back into the same image."""
import subprocess
import sys

from dsp32c.assembler import assemble_files, assemble_source


def run_cli(cwd, *args):
    return subprocess.run([sys.executable, "-m", "dsp32c_cli", *args], cwd=cwd,
                          capture_output=True, text=True)


PROGRAM = """\
        .global start
start:  r1e = table
        call sub (r14)
        nop
idle:   goto idle
        nop
sub:    a0 = *r1++ * *r1
        return (r14)
        *r1 = a0 = a0
        .rsect ".ram1"
table:  float 1.0, 0.5, -2.0
        int 7
        .byte 3
"""


def test_disassembly_reassembles_to_the_same_image(tmp_path):
    (tmp_path / "p.s").write_text(PROGRAM)
    res = run_cli(tmp_path, "asm", "p.s", "-o", "p.hex", "-m", "p.map")
    assert res.returncode == 0, res.stderr
    res = run_cli(tmp_path, "disasm", "p.hex", "--map", "p.map", "-o", "p.dis")
    assert res.returncode == 0, res.stderr
    text = (tmp_path / "p.dis").read_text()
    lines = text.splitlines()
    assert "start:" in lines and "idle:" in lines and "table:" in lines
    assert "/* 000000 dfe1f800 */  r1e = table" in lines        # 8b: rD=1 N=0xfff800 (.ram1)
    assert "/* 000004 11c00014 */  call sub (r14)" in lines      # 4: rM=14 rH=r0 N=0x14
    assert "/* 00000c 0020000c */  goto idle" in lines           # 0/1: C=1 rH=r0 N=0xc
    again = assemble_source(text, "p.dis")
    original = assemble_files([tmp_path / "p.s"])
    assert again.segments == original.segments


def test_flat_binary_with_base(tmp_path):
    (tmp_path / "b.s").write_text("  r1 = 1\n  .word 0x08000000\n")
    assert run_cli(tmp_path, "asm", "b.s", "-o", "b.bin").returncode == 0
    res = run_cli(tmp_path, "disasm", "b.bin", "--base", "0x1000")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[1:] == [
        "        .=0x001000",
        "/* 001000 14200001 */  r1 = $1",        # 5a rD=1 rH=r0 N=1
        "/* 001004 08000000 */  .word 0x08000000",  # op 04: unassigned
    ]


def test_bad_hex_file_is_a_one_line_error(tmp_path):
    (tmp_path / "x.hex").write_text(":0400000000000000FF\n")
    res = run_cli(tmp_path, "disasm", "x.hex")
    assert res.returncode == 1
    assert res.stderr.splitlines() == ["x.hex:1:1: error: checksum mismatch"]


def test_words_with_ineffective_bits_stay_data_in_an_image():
    from dsp32c import decode
    from dsp32c.disassembler import disassemble_image

    # format 6a, T = 0 with rS2 = 5: rS2 has no effect, so the canonical word has rS2 = 0
    w = decode.encode("alu_reg", e=0, f=0, rd=1, t=0, rs1=2, rs2=5)
    lines = disassemble_image([(0, w.to_bytes(4, "little"))])
    assert lines == ["        .=0x000000", f"/* 000000 {w:08x} */  .word 0x{w:08x}  /* r1 = r1 + r2 */"]
