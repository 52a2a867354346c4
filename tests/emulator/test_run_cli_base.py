"""`dsp32c run --base` places a flat .bin image only; a .s or .hex image carries its own
addresses, so --base with one is a usage error rather than silently ignored."""
import pytest

from cli_support import run_cli

PROG = "start: nop\n goto $\n nop\n"


@pytest.mark.parametrize("suffix", [".s", ".hex"])
def test_base_with_an_image_that_has_addresses_is_refused(capsys, tmp_path, suffix):
    src = tmp_path / "p.s"
    src.write_text(PROG)
    image = src
    if suffix == ".hex":
        image = tmp_path / "p.hex"
        code, _, _ = run_cli(capsys, "asm", str(src), "-o", str(image))
        assert code == 0
    code, out, err = run_cli(capsys, "run", str(image), "--base", "0x100")
    assert code == 2 and out == ""
    assert err.splitlines() == ["Error: Invalid value: --base applies to .bin images only"]


def test_base_is_still_taken_for_a_bin_image(capsys, tmp_path):
    # zero words are nops and memory starts zeroed: from pc 0 through the image at 0x100 up to
    # 0x104 that is 0x104 / 4 = 65 nops of 4 clocks each
    image = tmp_path / "p.bin"
    image.write_bytes(bytes(8))
    code, out, _ = run_cli(capsys, "run", str(image), "--base", "0x100", "--until", "0x104")
    assert code == 0
    assert out.startswith("stopped: reached the --until address at pc=0x000104 after 260 cycles")
    assert "65 instructions" in out.splitlines()[0]
