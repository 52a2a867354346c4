"""The reference network as the DSP32C firmware sees it: weights and pixels rounded to DSP32 floats.

The host sends every weight and pixel to the board as a 32-bit DSP32 float (nearest value, ties
to the even mantissa; dsp32c.numbers.round_to_dsp), and the firmware multiplies only in-bounds
taps, with the -1 border folded into the H1 and H2 biases before rounding. This module applies
exactly those two input-side changes and then computes in float64, so it separates the cost of
the DSP32 format of the inputs from the DSP's own arithmetic (40-bit accumulators, its tanh),
which only the emulator models.
"""
import numpy as np

from dsp32c.numbers import round_to_dsp
from lenet_firmware import model


def dsp_weights(weights: dict) -> dict:
    """The network with folded border biases, every array rounded to DSP32 floats."""
    h1b, h2b = model.fold_border(weights)
    folded = dict(weights, H1b=h1b, H2b=h2b)
    return {**{name: round_to_dsp(np.asarray(folded[name], dtype=np.float64))
               for name in model.SHAPES}, "meta": weights["meta"]}


def forward(weights: dict, images, *, hidden: bool = False):
    """Outputs (N, 10) for DSP32-rounded weights and pixels, zero border (folded into biases)."""
    images = round_to_dsp(model.check_images(images))
    return model.forward(dsp_weights(weights), images, hidden=hidden, border=0.0)
