"""The float64 reference network against the paper's counts and against hand-written loops."""
import json
import math

import numpy as np
import pytest

from lenet_firmware import model
from lenet_firmware.data import load_dataset


def random_net(seed=0, scale=0.3, activation="tanh"):
    rng = np.random.default_rng(seed)
    w = {name: rng.uniform(-scale, scale, shape) for name, shape in model.SHAPES.items()}
    w["meta"] = model.default_meta(activation)
    return w


def test_counts_match_the_paper():
    # free parameters per layer, as the 1989 paper lists them
    h1 = 12 * 25 + 12 * 8 * 8
    h2 = 12 * 200 + 12 * 4 * 4
    h3 = 192 * 30 + 30
    out = 30 * 10 + 10
    assert (h1, h2, h3, out) == (1068, 2592, 5790, 310)
    assert model.count_parameters() == h1 + h2 + h3 + out == 9760
    # connections: every unit counts its full fan-in plus its bias, border taps included
    assert model.count_connections() == 768 * 26 + 192 * 201 + 30 * 193 + 10 * 31 == 64660


def test_connection_table():
    group_a = (0, 1, 2, 3, 4, 5, 6, 7)
    group_b = (4, 5, 6, 7, 8, 9, 10, 11)
    group_c = (0, 1, 2, 3, 8, 9, 10, 11)
    assert model.CONNECTION_TABLE == (group_a,) * 4 + (group_b,) * 4 + (group_c,) * 4
    feeds = np.bincount(np.ravel(model.CONNECTION_TABLE), minlength=12)
    assert feeds.tolist() == [8] * 12  # every H1 map feeds exactly 8 H2 maps


def test_h1_corner_units_by_hand():
    net = random_net(1)
    x = load_dataset("usps", "train")[0][3].astype(np.float64)
    _, hidden = model.forward(net, x, hidden=True)
    k, w, b = 5, net["H1w"][5, 0], net["H1b"][5]
    # unit (0, 0) reads input rows and columns -2..2: only rows/cols 0..2 exist, the other
    # 16 of the 25 taps read the background -1
    inside = sum(w[dy, dx] * x[dy - 2, dx - 2] for dy in (2, 3, 4) for dx in (2, 3, 4))
    outside = sum(w[dy, dx] * -1.0 for dy in range(5) for dx in range(5)
                  if dy < 2 or dx < 2)
    assert hidden["H1"][0, k, 0, 0] == pytest.approx(math.tanh(b[0, 0] + inside + outside),
                                                     abs=1e-14)
    # unit (7, 7) reads rows and columns 12..16: row 16 and column 16 are background
    total = b[7, 7]
    for dy in range(5):
        for dx in range(5):
            r, c = 12 + dy, 12 + dx
            total += w[dy, dx] * (x[r, c] if r < 16 and c < 16 else -1.0)
    assert hidden["H1"][0, k, 7, 7] == pytest.approx(math.tanh(total), abs=1e-14)


def loop_forward(net, image):
    """The network written out with plain loops, sharing no code with model.py."""
    table = [[0, 1, 2, 3, 4, 5, 6, 7]] * 4 + [[4, 5, 6, 7, 8, 9, 10, 11]] * 4 \
        + [[0, 1, 2, 3, 8, 9, 10, 11]] * 4

    def at(plane, r, c, n):
        return plane[r][c] if 0 <= r < n and 0 <= c < n else -1.0

    h1 = [[[0.0] * 8 for _ in range(8)] for _ in range(12)]
    for k in range(12):
        for u in range(8):
            for v in range(8):
                s = net["H1b"][k, u, v]
                for dy in range(5):
                    for dx in range(5):
                        s += net["H1w"][k, 0, dy, dx] * at(image, 2 * u - 2 + dy, 2 * v - 2 + dx, 16)
                h1[k][u][v] = math.tanh(s)
    h2 = []
    for k in range(12):
        for u in range(4):
            for v in range(4):
                s = net["H2b"][k, u, v]
                for slot, m in enumerate(table[k]):
                    for dy in range(5):
                        for dx in range(5):
                            s += net["H2w"][k, slot, dy, dx] * at(h1[m], 2 * u - 2 + dy,
                                                                  2 * v - 2 + dx, 8)
                h2.append(math.tanh(s))  # appended in map*16 + row*4 + col order
    h3 = [math.tanh(net["H3b"][j] + sum(h2[i] * net["H3w"][i, j] for i in range(192)))
          for j in range(30)]
    return [math.tanh(net["outb"][j] + sum(h3[i] * net["outw"][i, j] for i in range(30)))
            for j in range(10)]


def test_forward_matches_independent_loops():
    net = random_net(2)
    images = load_dataset("usps", "test")[0][:3].astype(np.float64)
    got = model.forward(net, images)
    want = np.array([loop_forward(net, img) for img in images])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_scaled_tanh_is_lecun_1998():
    f, df = model.ACTIVATIONS["1.7159*tanh(2x/3)"]
    assert f(1.0) == pytest.approx(1.0, abs=1e-5) and f(-1.0) == pytest.approx(-1.0, abs=1e-5)
    a = np.linspace(-3, 3, 13)
    assert np.allclose(df(f(a)), 1.7159 * 2 / 3 / np.cosh(2 * a / 3) ** 2)


@pytest.mark.parametrize("activation", list(model.ACTIVATIONS))
def test_folded_border_gives_the_same_outputs(activation):
    net = random_net(3, activation=activation)
    images = load_dataset("usps", "test")[0][:50]
    h1b, h2b = model.fold_border(net)
    folded = dict(net, H1b=h1b, H2b=h2b)
    # only the summation order differs, so agreement is to rounding
    np.testing.assert_allclose(model.forward(folded, images, border=0.0),
                               model.forward(net, images), rtol=0, atol=1e-13)
    # the interior H1 units read no border at all, so their biases are unchanged
    assert np.array_equal(h1b[:, 1:7, 1:7], net["H1b"][:, 1:7, 1:7])
    assert not np.array_equal(h1b[:, 0, :], net["H1b"][:, 0, :])


def test_forward_rejects_wrong_image_size():
    with pytest.raises(model.InputShapeError, match=r"\(2, 28, 28\), expected \(N, 16, 16\)"):
        model.forward(random_net(), np.zeros((2, 28, 28)))


def test_forward_chunks_and_single_image():
    net = random_net(4)
    images = np.random.default_rng(0).uniform(-1, 1, (model.CHUNK + 3, 16, 16))
    out = model.forward(net, images)
    assert out.shape == (model.CHUNK + 3, 10)
    np.testing.assert_allclose(model.forward(net, images[-1]), out[-1:], rtol=0, atol=1e-15)


def test_save_load_round_trip(tmp_path):
    net = random_net(5, activation="1.7159*tanh(2x/3)")
    path = tmp_path / "w.npz"
    model.save_weights(path, net)
    back = model.load_weights(path)
    assert back["meta"] == net["meta"]
    for name in model.SHAPES:
        assert np.array_equal(back[name], net[name])
    with pytest.raises(FileExistsError):
        model.save_weights(path, net)  # never replaces a file unless asked
    model.save_weights(path, net, overwrite=True)


def write_npz(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def good_arrays():
    net = random_net(6)
    return {**{k: net[k] for k in model.SHAPES}, "meta": np.array(json.dumps(net["meta"]))}


@pytest.mark.parametrize("change,message", [
    (lambda a: a.pop("H2w"), "missing array 'H2w'"),
    (lambda a: a.update(H3w=np.zeros((30, 192))), "array 'H3w' has shape (30, 192), expected (192, 30)"),
    (lambda a: a.update(outb=np.full(10, np.nan)), "array 'outb' holds non-finite values"),
    (lambda a: a.pop("meta"), "missing array 'meta'"),
    (lambda a: a.update(meta=np.array("{not json")), "array 'meta' is not JSON"),
    (lambda a: a.update(meta=np.array('{"activation": "relu"}')), "activation 'relu'"),
])
def test_bad_weight_files(tmp_path, change, message):
    arrays = good_arrays()
    change(arrays)
    path = write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(model.WeightFileError) as err:
        model.load_weights(path)
    text = str(err.value)
    assert text.startswith(str(path) + ": ") and message in text and "\n" not in text


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(model.WeightFileError, match="no such weight file"):
        model.load_weights(tmp_path / "absent.npz")
    junk = tmp_path / "junk.npz"
    junk.write_text("these are not weights\n")
    with pytest.raises(model.WeightFileError, match="not a weight file"):
        model.load_weights(junk)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(model.WeightFileError, match="not a weight file"):
        model.load_weights(single)
