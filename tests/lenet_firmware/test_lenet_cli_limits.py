"""`dsp32c lenet` options past their limits and non-.npz files: one-line errors, no traceback."""
import pytest

from cli_support import run_cli


def lenet(capsys, *args):
    """(exit code, stdout, stderr) of `dsp32c lenet ARGS`, run in this process."""
    return run_cli(capsys, "lenet", *args)


@pytest.mark.parametrize("value,message", [
    # each of these used to reach MachineConfig or int() and end in a traceback
    ("1e-9", "Error: Invalid value for '--clock-mhz': 1e-09 is not in the range 1.0<=x<=1000.0."),
    ("1e30", "Error: Invalid value for '--clock-mhz': 1e+30 is not in the range 1.0<=x<=1000.0."),
    ("inf", "Error: Invalid value for '--clock-mhz': inf is not in the range 1.0<=x<=1000.0."),
    ("nan", "Error: Invalid value for '--clock-mhz': nan is not a clock"),
])
def test_clock_out_of_range(capsys, value, message):
    code, out, err = lenet(capsys, "--count", "1", "--clock-mhz", value)
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == message and "Traceback" not in err


def test_random_bytes_are_not_called_pickled_data(capsys, tmp_path):
    p = tmp_path / "junk.npz"
    p.write_bytes(bytes(range(256)) * 2)   # not a zip; NumPy would guess "pickled data"
    code, out, err = lenet(capsys, "--images", str(p))
    assert code == 1 and out == ""
    assert err.splitlines() == [f"error: {p}: not an .npz file"]
