"""`dsp32c lenet`: its summary, JSON object, listing and drawing, and one-line errors."""
import json
import subprocess
import sys

import numpy as np
import pytest

from lenet_firmware import model
from lenet_firmware.data import load_dataset
from lenet_firmware.driver import WEIGHT_FILES
from lenet_firmware.pack import weights_sha256
from cli_support import run_cli

JSON_KEYS = {"count", "accuracy", "agreement_with_reference", "max_abs_output_diff",
             "latency_ms", "digits_per_second_emulated", "mac_utilization", "emulator_mips",
             "wall_seconds", "digits_per_second_wall", "board", "weights_sha256"}


def lenet(capsys, *args):
    """(exit code, stdout, stderr) of `dsp32c lenet ARGS`, run in this process."""
    return run_cli(capsys, "lenet", *args)


def test_json_has_every_key_and_agrees_with_the_reference(capsys):
    code, out, err = lenet(capsys, "--count", "3", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert JSON_KEYS <= set(s)
    assert {"mean", "p50", "p99", "transfer_in", "compute", "waiting",
            "transfer_out"} <= set(s["latency_ms"])
    images, labels = load_dataset("usps", "test")
    ref = model.forward(model.load_weights(WEIGHT_FILES["usps"]), images[:3])
    assert s["count"] == 3
    assert s["agreement_with_reference"] == 1.0
    assert s["accuracy"] == np.mean(ref.argmax(axis=1) == labels[:3])
    assert s["max_abs_output_diff"] <= 1e-3
    assert s["weights_sha256"] == weights_sha256(WEIGHT_FILES["usps"])
    assert s["board"]["clock_hz"] == 50_000_000 and s["board"]["ext_wait_states"] == 0
    assert 100 < s["digits_per_second_emulated"] < 1000
    lat = s["latency_ms"]
    assert lat["mean"] == pytest.approx(lat["transfer_in"] + lat["compute"] + lat["waiting"]
                                        + lat["transfer_out"])


def test_summary_listing_and_drawing(capsys):
    code, out, err = lenet(capsys, "--count", "2", "--verbose", "--show")
    assert code == 0, err
    lines = out.splitlines()
    for word in ("accuracy", "agreement", "latency per digit", "digits per second",
                 "MAC utilisation", "million guest instructions", "sha256"):
        assert any(word in line for line in lines), word
    # --verbose: a header and one row per digit
    head = next(i for i, line in enumerate(lines) if line.startswith("digit  label"))
    assert lines[head + 1].split()[0] == "0" and lines[head + 2].split()[0] == "1"
    # --show: 16 rows of pixels (2 characters each) per digit, then the answers
    first = lines[:16]
    assert all(len(row) >= 32 for row in first) and lines[16].startswith("#0: ")
    assert "@" in "".join(first)


def test_mnist_uses_the_mnist_weights(capsys):
    code, out, err = lenet(capsys, "--dataset", "mnist", "--count", "2", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["weights_sha256"] == weights_sha256(WEIGHT_FILES["mnist"])
    assert s["agreement_with_reference"] == 1.0


def test_images_file(capsys, tmp_path):
    images, labels = load_dataset("usps", "test")
    f = tmp_path / "digits.npz"
    np.savez(f, images=images[40:43].astype(np.float32), labels=labels[40:43])
    code, out, err = lenet(capsys, "--images", str(f), "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["count"] == 3 and s["agreement_with_reference"] == 1.0
    np.savez(f, images=images[40:42])                 # no labels: no accuracy
    code, out, err = lenet(capsys, "--images", str(f), "--json")
    assert code == 0 and json.loads(out)["accuracy"] is None


@pytest.mark.parametrize("make,message", [
    (lambda p: p.write_text("not a zip"), "not an .npz"),
    (lambda p: np.savez(p, pixels=np.zeros((1, 16, 16))), "no array `images`"),
    (lambda p: np.savez(p, images=np.zeros((3, 16, 17))), "shape (3, 16, 17)"),
    (lambda p: np.savez(p, images=np.full((1, 16, 16), 2.0)), "expected [-1, 1]"),
    (lambda p: np.savez(p, images=np.zeros((2, 16, 16)), labels=np.array([1, 12])), "digits 0-9"),
    (lambda p: np.savez(p, images=np.array([["a"] * 16] * 16)), "dtype"),
    (lambda p: np.savez(p, images=np.zeros((0, 16, 16))), "holds no digits"),
])
def test_malformed_images_are_one_line_errors(capsys, tmp_path, make, message):
    f = tmp_path / "bad.npz"
    make(f)
    code, out, err = lenet(capsys, "--images", str(f))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_bad_weight_file_is_a_one_line_error(capsys, tmp_path):
    f = tmp_path / "w.npz"
    np.savez(f, H1w=np.zeros((12, 1, 5, 5)))
    code, out, err = lenet(capsys, "--weights", str(f), "--count", "1")
    assert code == 1 and err.count("\n") == 1 and "missing array" in err


def test_the_installed_command_exits_nonzero_without_a_traceback(tmp_path):
    f = tmp_path / "bad.npz"
    np.savez(f, images=np.zeros((2, 8, 8)))
    res = subprocess.run([sys.executable, "-m", "dsp32c_cli", "lenet", "--images", str(f)],
                         capture_output=True, text=True)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip().endswith("expected (N, 16, 16)")


@pytest.mark.slow
def test_the_readme_main_job_figures_and_the_issue_targets(capsys):
    """All 2,007 USPS test digits: the figures the README quotes, and the targets: class
    agreement >= 99.9%, accuracy within 0.1 point of the reference, error <= 5%, >= 100
    digits per second of emulated time, every output within the tolerance."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("$ dsp32c lenet\n", 1)[1].split("```", 1)[0]
    code, out, err = lenet(capsys, "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["count"] == 2007
    assert s["agreement_with_reference"] >= 0.999
    assert abs(s["accuracy"] - s["reference_accuracy"]) <= 0.001
    assert 1 - s["accuracy"] <= 0.05
    assert s["digits_per_second_emulated"] >= 100
    assert s["max_abs_output_diff"] <= 1e-3
    lat = s["latency_ms"]
    quoted = {
        "accuracy": f"{100 * s['accuracy']:.2f}% ({s['errors']} errors); NumPy reference "
                    f"{100 * s['reference_accuracy']:.2f}%",
        "agreement": f"{100 * s['agreement_with_reference']:.2f}% same class",
        "difference": f"largest output difference {s['max_abs_output_diff']:.1e}",
        "latency": f"mean {lat['mean']:.3f} ms, p50 {lat['p50']:.3f}, p99 {lat['p99']:.3f} = "
                   f"transfer in {lat['transfer_in']:.3f} + compute {lat['compute']:.3f} + "
                   f"waiting {lat['waiting']:.3f} + transfer out {lat['transfer_out']:.3f}",
        "throughput": f"{s['digits_per_second_emulated']:.1f} digits per second",
        "macs": f"{100 * s['mac_utilization']:.1f}% ({s['macs_per_digit']:,.0f} MACs in "
                f"{s['instructions_per_digit']:,.0f} instructions",
        "sha": s["weights_sha256"][:16],
    }
    for what, text in quoted.items():
        assert text in block, f"README's {what} figure is not the command's: {text}"
    assert re.search(r"wall [\d.]+ s", block)
