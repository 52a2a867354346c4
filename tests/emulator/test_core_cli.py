"""`dsp32c run` end to end, in-process: images, options, reports, faults and bad input.
Expected numbers are traced by hand through each small program (4 clocks per instruction)."""
import json

import pytest

from dsp32c.assembler import assemble_source
from cli_support import run_cli

PROG = """
start:  r1 = 5
        r2e = data
        a0 = *r2
        *r2 = a0 = a0 + *r2 * *r2     /* 1.5 + 1.5 * 1.5 = 3.75 */
        r3 = 7
there:  nop
        goto $
        nop
        .rsect ".ram1"
data:   float 1.5, -2.0
        int24 -3
"""


cli = run_cli


@pytest.fixture
def src(tmp_path):
    p = tmp_path / "prog.s"
    p.write_text(PROG)
    return p


def test_run_assembly_to_idle(capsys, src):
    code, out, err = cli(capsys, "run", str(src))
    assert code == 0, err
    # 8 instructions (6 straight, goto $, its slot) + 1 conflict clock: the DA one reads X and
    # Y and writes Z in RAM1, three accesses where a block serves two
    assert out.splitlines()[0] == ("stopped: idle (goto $) at pc=0x000018 after 33 cycles "
                                   "(0.660 us at 50 MHz), 8 instructions")


def test_dump_formats_and_symbols(capsys, src):
    code, out, _ = cli(capsys, "run", str(src), "--dump", "data:3:f32", "--dump", "data+8:1:i32",
                       "--dump", "0xfff800:4:hex")
    assert code == 0
    lines = out.splitlines()
    assert "fff800: +3.75 -2 " in lines[2] + " "
    assert lines[4].split() == ["fff808:", "-3"]
    assert lines[6] == "fff800: 81 00 00 70"          # 3.75 = 1.875 * 2**1: word 0x70000081

def test_regs_stats_json(capsys, src):
    code, out, _ = cli(capsys, "run", str(src), "--json", "--regs", "--stats", "--dump", "data:1:f32")
    assert code == 0
    d = json.loads(out)
    assert d["status"] == "idle (goto $)" and d["cycles"] == 33 and d["instructions"] == 8
    assert d["registers"]["r1"] == 5 and d["registers"]["r3"] == 7
    assert d["accumulators"][0] == 3.75 and d["dumps"][0]["values"] == [3.75]
    assert d["stats"]["macs"] == 1 and d["stats"]["accesses"]["ram1"] == 4


def test_until_symbol(capsys, src):
    code, out, _ = cli(capsys, "run", str(src), "--until", "there", "--regs")
    assert code == 0
    assert "reached the --until address at pc=0x000014 after 21 cycles" in out
    assert f"pc    000014  00000000  nop ({src}:7)" in out


def test_hex_image_with_map_and_bin_with_base(capsys, tmp_path):
    program = assemble_source(PROG.replace("r3 = 7", ".word 0x08000000"), str(tmp_path / "p.s"))
    program.write_hex(tmp_path / "p.hex")
    program.write_map(tmp_path / "p.map")
    code, out, err = cli(capsys, "run", str(tmp_path / "p.hex"), "--map", str(tmp_path / "p.map"))
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "fault: illegal instruction at pc=0x000010 word=0x08000000 (.word 0x08000000) at "
        f"{tmp_path / 'p.s'}:6")
    assert "r1 000005" in err                       # the register dump
    text = assemble_source("start: r1 = 9\n goto $\n nop\n", "b.s")
    base, data = text.flat_binary()
    (tmp_path / "b.bin").write_bytes(data)
    code, out, _ = cli(capsys, "run", str(tmp_path / "b.bin"), "--base", "0", "--regs")
    assert code == 0 and "r1 000009" in out


def test_bus_error_fault_reports_address(capsys, tmp_path):
    p = tmp_path / "f.s"
    p.write_text("start: r1e = 0x800000\n nop\n r2 = *r1\n")
    code, out, err = cli(capsys, "run", str(p))
    assert code == 1
    assert "fault: bus error at address 0x800000 at pc=0x000008 word=" in err
    assert err.rstrip().endswith("f.s:3")


def test_cycle_limit_is_a_failure(capsys, tmp_path):
    p = tmp_path / "loop.s"
    p.write_text("start: r1 = r1 + 1\n goto start\n nop\n")
    code, out, err = cli(capsys, "run", str(p), "--max-cycles", "400")
    assert code == 1
    assert "stopped: cycle limit reached" in out and "after 400 cycles" in out
    assert err.strip().splitlines()[-1].startswith("fault: cycle limit reached at pc=")


def test_trace_and_hazards_name_source_lines(capsys, tmp_path):
    p = tmp_path / "h.s"
    p.write_text("start: r2e = v\n r1 = *r2\n r3 = r1\n goto $\n nop\nv: int 4, 0\n")
    code, out, _ = cli(capsys, "run", str(p), "--trace", "--hazards")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["0", "0", "000000", "94400014"]
    assert lines[0].endswith(f"({p}:1)")
    assert any(l.startswith(f"hazard: instruction 2 at 000008 ({p}:3) reads r1") for l in lines)


def test_load_option(capsys, tmp_path, src):
    blob = tmp_path / "d.bin"
    blob.write_bytes(bytes([1, 2, 3, 4]))
    code, out, _ = cli(capsys, "run", str(src), "--load", f"{blob}@0xffe000", "--dump", "0xffe000:4:hex")
    assert code == 0 and out.splitlines()[-1] == "ffe000: 01 02 03 04"


@pytest.mark.parametrize("args,needle", [
    (["--dump", "data:2:q"], "format must be one of"),
    (["--dump", "nowhere:2"], "not a number, a known symbol"),
    (["--until", "nolabel"], "not a number, a known symbol"),
    (["--max-cycles", "0"], "--max-cycles must be positive"),
    (["--load", "x.bin@0x800000"], "x.bin"),
    (["--dump", "0x800000:1:f32"], "not mapped"),
])
def test_bad_options_are_one_line_errors(capsys, src, args, needle):
    code, out, err = cli(capsys, "run", str(src), *args)
    assert code in (1, 2)
    assert needle in err and "Traceback" not in err


def test_bad_images(capsys, tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("hello")
    code, _, err = cli(capsys, "run", str(bad))
    assert code == 2 and "must end in .hex, .bin or .s" in err
    asm = tmp_path / "e.s"
    asm.write_text("start: r1 = bogus +\n")
    code, _, err = cli(capsys, "run", str(asm))
    assert code == 1 and "e.s:1:" in err and "Traceback" not in err
    hexf = tmp_path / "e.hex"
    hexf.write_text(":00000001FE\n:zz\n")
    code, _, err = cli(capsys, "run", str(hexf))
    assert code == 1 and "e.hex:" in err
