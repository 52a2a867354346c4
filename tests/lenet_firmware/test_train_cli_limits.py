"""`dsp32c train` options past their limits are one usage line, exit 2, and nothing is written:
a negative --seed was a NumPy ValueError traceback; a NaN or infinite --lr / --lr-final passed
click's range check, trained to NaN weights and then blamed the output file."""
import pytest

from cli_support import run_cli


@pytest.mark.parametrize("args,message", [
    (["--seed", "-1"], "Error: Invalid value for '--seed': -1 is not in the range x>=0."),
    (["--lr", "nan"], "Error: Invalid value for '--lr': nan is not a step size"),
    (["--lr", "inf"], "Error: Invalid value for '--lr': inf is not a step size"),
    (["--lr-final", "nan"], "Error: Invalid value for '--lr-final': nan is not a step size"),
    (["--lr-final", "inf"], "Error: Invalid value for '--lr-final': inf is not a step size"),
])
def test_bad_training_settings_are_usage_errors(capsys, tmp_path, args, message):
    out_file = tmp_path / "w.npz"
    code, out, err = run_cli(capsys, "train", "--passes", "2", "--limit", "4",
                             "-o", str(out_file), *args)
    assert code == 2 and out == ""
    assert err.splitlines() == [message]
    assert not out_file.exists()


def test_seed_zero_and_a_large_seed_are_accepted(capsys, tmp_path):
    for seed in ("0", str(2 ** 70)):
        out_file = tmp_path / f"w{seed}.npz"
        code, out, err = run_cli(capsys, "train", "--passes", "1", "--limit", "4",
                                 "--seed", seed, "-o", str(out_file))
        assert code == 0, err
        assert f"seed {seed}" in out.splitlines()[0] and out_file.exists()


def test_missing_output_directory_is_refused_before_training(capsys, tmp_path):
    target = tmp_path / "no-such-dir" / "w.npz"
    code, out, err = run_cli(capsys, "train", "--passes", "1", "--limit", "4", "-o", str(target))
    assert code == 1
    assert out == ""  # not a single pass was trained
    assert err.splitlines() == [f"error: {target}: no such directory {target.parent}"]
