import subprocess
import sys


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "dsp32c_cli", *args], capture_output=True, text=True)


def test_help_lists_group():
    res = run_cli("--help")
    assert res.returncode == 0
    assert "DSP32C" in res.stdout


def test_unknown_subcommand_is_one_line_error():
    res = run_cli("no-such-command")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "No such command" in res.stderr
