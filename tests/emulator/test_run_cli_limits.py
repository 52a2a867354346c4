"""`dsp32c run` options at and past their limits: one error line after click's usage lines,
exit 2, never a traceback."""
import pytest

from cli_support import run_cli

PROG = "start: nop\n goto $\n nop\n"


cli = run_cli


@pytest.mark.parametrize("args,message", [
    # 10**23 does not fit the core's int64 clock counter (was an OverflowError traceback)
    (["--max-cycles", str(10 ** 23)], "Error: Invalid value: --max-cycles must be at most 1e+15"),
    (["--until", "0x2000000"], "Error: Invalid value: --until 0x2000000: address 0x2000000 is "
                               "outside 0x000000-0xffffff, so the run could never stop there"),
    (["--until", "start-8"], "Error: Invalid value: --until start-8: address -0x8 is "
                             "outside 0x000000-0xffffff, so the run could never stop there"),
])
def test_out_of_range_limits(capsys, tmp_path, args, message):
    src = tmp_path / "p.s"
    src.write_text(PROG)
    code, out, err = cli(capsys, "run", str(src), *args)
    assert code == 2
    assert err.splitlines()[-1] == message
    assert "Traceback" not in err and out == ""


def test_largest_max_cycles_is_accepted(capsys, tmp_path):
    src = tmp_path / "p.s"
    src.write_text(PROG)
    code, out, _ = cli(capsys, "run", str(src), "--max-cycles", str(10 ** 15))
    # nop, goto $, its delay slot: 3 instructions, 4 clocks each
    assert code == 0 and out.startswith("stopped: idle (goto $) at pc=0x000004 after 12 cycles")
