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


def test_one_error_is_singular(capsys):
    # the shipped USPS weights misclassify test digit 17 and no earlier one (by the NumPy
    # reference, computed here), so the first 20 digits hold exactly one error
    import numpy as np

    from lenet_firmware import model
    from lenet_firmware.data import load_dataset

    images, labels = load_dataset("usps", "test")
    w = model.load_weights(model.__file__.replace("model.py", "weights/usps.npz"))
    wrong = np.nonzero(model.forward(w, images[:20]).argmax(1) != labels[:20])[0]
    assert list(wrong) == [17]
    code, out, _ = lenet(capsys, "--count", "20")
    assert code == 0 and "accuracy          95.00% (1 error); NumPy reference 95.00%" in out
