"""The trainer: gradients against finite differences, the shift augmentation, the CLI's file rules."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lenet_firmware import model
from lenet_firmware.data import load_dataset
from lenet_firmware.train import Trainer, TrainConfig, init_weights, shift, targets, train

REPO = Path(__file__).resolve().parents[2]


def loss(weights, image, target):
    return float(np.mean((model.forward(weights, image)[0] - target) ** 2))


@pytest.mark.parametrize("activation", list(model.ACTIVATIONS))
def test_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(7)
    net = {name: rng.uniform(-0.3, 0.3, shape) for name, shape in model.SHAPES.items()}
    net["meta"] = model.default_meta(activation)
    trainer = Trainer(net)
    w = trainer.weights
    image, target = rng.uniform(-1, 1, (16, 16)), targets(np.array([4]))[0]
    value, grads = trainer.gradients(image, target)
    assert value == pytest.approx(loss(w, image, target), abs=1e-15)
    h = 1e-5
    for name in model.SHAPES:
        g = grads[name].reshape(w[name].shape)
        for _ in range(6):  # a few entries of every array, border units included by chance
            i = tuple(int(rng.integers(0, n)) for n in w[name].shape)
            keep = w[name][i]
            w[name][i] = keep + h
            up = loss(w, image, target)
            w[name][i] = keep - h
            down = loss(w, image, target)
            w[name][i] = keep
            numeric = (up - down) / (2 * h)
            assert g[i] == pytest.approx(numeric, rel=1e-4, abs=1e-10), (name, i)


def test_a_step_lowers_the_loss_on_its_digit():
    net = init_weights(np.random.default_rng(0), "tanh", "2.4/F")
    image = load_dataset("usps", "train")[0][0].astype(np.float64)
    target = targets(np.array([6]))[0]
    trainer = Trainer(net)
    before = loss(trainer.weights, image, target)
    trainer.step(image, target, 0.03)
    assert loss(trainer.weights, image, target) < before


def test_init_bounds_follow_the_fan_in():
    net = init_weights(np.random.default_rng(0), "tanh", "2.4/F")
    assert np.abs(net["H1w"]).max() <= 2.4 / 25 and np.abs(net["H2w"]).max() <= 2.4 / 200
    assert np.abs(net["H3w"]).max() <= 2.4 / 192 and np.abs(net["outw"]).max() <= 2.4 / 30
    assert np.abs(net["H1w"]).max() > 0.9 * 2.4 / 25


def test_shift_fills_with_background_and_does_not_wrap():
    img = np.arange(256, dtype=np.float64).reshape(16, 16)
    down_right = shift(img, 1, 1)
    assert np.all(down_right[0, :] == -1) and np.all(down_right[:, 0] == -1)
    assert down_right[1, 1] == img[0, 0] and down_right[15, 15] == img[14, 14]
    up_left = shift(img, -1, -1)
    assert up_left[0, 0] == img[1, 1] and np.all(up_left[15, :] == -1)
    assert np.all(up_left[:, 15] == -1)
    assert np.array_equal(shift(img, 0, 0), img)


def test_learning_rate_decays_geometrically():
    c = TrainConfig(passes=3, lr=0.04, lr_final=0.01)
    assert [c.lr_of_pass(p) for p in range(3)] == pytest.approx([0.04, 0.02, 0.01])


def test_training_is_seeded_and_reproducible():
    images, labels = load_dataset("usps", "train")
    config = TrainConfig(passes=2, limit=60, holdout=20, shift_augment=True)
    a = train(config, images, labels)
    b = train(config, images, labels)
    for name in model.SHAPES:
        assert np.array_equal(a[name], b[name])
    c = train(TrainConfig(passes=2, limit=60, holdout=20, shift_augment=True, seed=5),
              images, labels)
    assert not np.array_equal(a["H1w"], c["H1w"])


def run_train(cwd, *args):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "dsp32c_cli", "train", "--passes", "1",
                           "--limit", "30", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_writes_a_new_file_and_refuses_to_overwrite(tmp_path):
    res = run_train(tmp_path)
    assert res.returncode == 0, res.stderr
    assert "pass   1" in res.stdout
    written = tmp_path / "lenet-usps.npz"
    model.load_weights(written)  # a valid weight file

    precious = tmp_path / "precious.npz"
    precious.write_bytes(b"do not touch")
    res = run_train(tmp_path, "-o", str(precious))
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0 and "file exists" in res.stderr
    assert "Traceback" not in res.stderr
    assert precious.read_bytes() == b"do not touch"

    res = run_train(tmp_path, "-o", str(precious), "--force")
    assert res.returncode == 0, res.stderr
    model.load_weights(precious)


def test_cli_bad_start_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.npz"
    arrays = {name: np.zeros(shape) for name, shape in model.SHAPES.items()}
    arrays["H1b"] = np.zeros((12, 4, 4))
    with open(bad, "wb") as f:
        np.savez(f, **arrays)
    res = run_train(tmp_path, "-o", str(tmp_path / "out.npz"), "--start", str(bad))
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "'H1b'" in lines[0]
    assert not (tmp_path / "out.npz").exists()
