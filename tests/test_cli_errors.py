"""Every bad command line is one line on stderr and a non-zero exit, never a traceback."""
import pytest

from cli_support import run_cli

PROG = "start: nop\n goto $\n nop\n"


cli = run_cli


@pytest.fixture
def prog(tmp_path):
    p = tmp_path / "p.s"
    p.write_text(PROG)
    return p


def test_usage_errors_are_one_line(capsys, tmp_path):
    code, out, err = cli(capsys, "run", str(tmp_path / "missing.hex"))
    assert code == 2 and out == ""
    assert err.splitlines() == [f"Error: Invalid value for 'IMAGE': File '{tmp_path / 'missing.hex'}' does not exist."]


def test_unknown_subcommand_is_one_line(capsys):
    code, _, err = cli(capsys, "frobnicate")
    assert code == 2 and err.splitlines() == ["Error: No such command 'frobnicate'."]


def test_empty_image_is_refused(capsys, tmp_path):
    empty = tmp_path / "e.s"
    empty.write_text("")
    code, _, err = cli(capsys, "run", str(empty))
    assert code == 2
    assert err.splitlines() == [f"Error: Invalid value: {empty}: the image holds no code or data; nothing to run"]


@pytest.mark.parametrize("args,line", [
    (["--dump", "0xfffffff:4"], "Error: Invalid value: --dump 0xfffffff:4: address 0xfffffff is outside the 24-bit address space"),
    (["--wait-states", "1001"], "Error: Invalid value: --wait-states must be between 0 and 1000"),
])
def test_bad_run_options_name_the_option(capsys, prog, args, line):
    code, _, err = cli(capsys, "run", str(prog), *args)
    assert code == 2 and err.splitlines() == [line]


def test_load_past_the_address_space_names_the_option(capsys, prog, tmp_path):
    blob = tmp_path / "b.bin"
    blob.write_bytes(bytes(16))
    code, _, err = cli(capsys, "run", str(prog), "--load", f"{blob}@0xfffff8")
    assert code == 2
    assert err.splitlines() == [f"Error: Invalid value: --load {blob}@0xfffff8: address 0x1000000 is outside the 24-bit address space"]


def test_random_bytes_as_weights(capsys, tmp_path):
    junk = tmp_path / "g.npz"
    junk.write_bytes(bytes(range(256)) * 2)
    code, _, err = cli(capsys, "lenet", "--count", "1", "--weights", str(junk))
    assert code == 1 and err.splitlines() == [f"error: {junk}: not a weight file (.npz)"]


def test_section_option_naming_no_section_is_refused(capsys, prog, tmp_path):
    out_hex = tmp_path / "p.hex"
    code, _, err = cli(capsys, "asm", str(prog), "-o", str(out_hex), "--section", ".ram9=0xfff000")
    assert code == 2 and not out_hex.exists()
    assert err.splitlines() == ["Error: Invalid value: --section .ram9=0xfff000: the program has no "
                                "section .ram9 (its sections: .text)"]
