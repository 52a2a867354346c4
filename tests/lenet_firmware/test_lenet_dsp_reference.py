"""The DSP32-rounded variant: what the firmware is given, and how far it is from float64."""
import numpy as np

from lenet_firmware import dsp_reference, model
from lenet_firmware.data import load_dataset


def random_net(seed=0):
    rng = np.random.default_rng(seed)
    net = {name: rng.uniform(-0.3, 0.3, shape) for name, shape in model.SHAPES.items()}
    net["meta"] = model.default_meta()
    return net


def test_weights_are_folded_then_rounded_to_24_bit_mantissas():
    net = random_net()
    dsp = dsp_reference.dsp_weights(net)
    h1b, h2b = model.fold_border(net)
    for name in model.SHAPES:
        want = {"H1b": h1b, "H2b": h2b}.get(name, net[name])
        # a DSP32 float carries a 24-bit two's-complement mantissa: relative step <= 2**-23
        assert np.all(np.abs(dsp[name] - want) <= np.abs(want) * 2.0 ** -23), name
        assert not np.array_equal(dsp[name], want), name  # random doubles do get rounded
    # the folded H1 bias of a corner unit absorbs -1 x its 16 out-of-bounds weights
    w = net["H1w"][0, 0]
    outside = sum(w[dy, dx] for dy in range(5) for dx in range(5) if dy < 2 or dx < 2)
    assert abs(dsp["H1b"][0, 0, 0] - (net["H1b"][0, 0, 0] - outside)) <= 2.0 ** -20


def test_rounded_network_stays_close_to_float64():
    net = random_net(1)
    images = load_dataset("usps", "test")[0][:100]
    exact = model.forward(net, images)
    rounded = dsp_reference.forward(net, images)
    # 24-bit inputs through four tanh layers: differences of a few units in 1e-7
    assert 0 < np.abs(rounded - exact).max() < 1e-5
