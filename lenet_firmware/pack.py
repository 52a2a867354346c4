"""The DSP memory image of a weight file: DSP32 floats laid out in the order the firmware reads.

lenet.s owns the memory map (its `.equ` addresses, read from the assembled Program); this
module owns what goes inside each region (docs/firmware.md, "Memory image"):

| region | words | layout (the order the firmware's pointer walks) |
|---|---|---|
| H1W | 12 x 25 | kernel of map m, row-major 5x5, each weight times 2^-14 (pixels arrive as Q14 integers) |
| H1B | 768 | H1b[m, u, v], map-major |
| H2W | 27,744 | per H2 unit (k, u, v), k-major: its in-bounds taps only, for each window row y, for each of the 8 slots of its group array, for each window column x |
| H2B | 192 | H2b[k, u, v] with the -1 border folded in (model.fold_border) |
| H3W | 30 x 192 | unit j: H3w[:, j] |
| H3B | 30 | |
| OUTW | 10 x 30 | unit j: outw[:, j] |
| OUTB | 10 | |
| TANH | 11 | tanh_approx.CONSTANT_NAMES |

H1 keeps the -1 border as a ring of -16384.0 (the Q14 value of -1) around its input buffer,
so its biases are the file's own. H2 multiplies only in-bounds taps and carries the border in
its biases instead; its input is three "group arrays" (GROUP_MAPS), each holding the 8 H1
maps one group of H2 maps reads, interleaved as [row][slot][column] so that every window
is one uniform walk (lenet.s, H2).
"""
import hashlib
from dataclasses import dataclass

import numpy as np

from dsp32c.numbers import float_to_dsp
from lenet_firmware import model
from lenet_firmware.tanh_approx import CONSTANT_NAMES, TanhDesign, design

PIXEL_SCALE = 1 << 14            # a pixel p is sent as the int16 round(p * 2^14) (Q14)
PIXEL_CODE_LIMIT = PIXEL_SCALE   # |code| <= 2^14 for p in [-1, 1]
# The H1 maps held by each group array, in slot order; H2 maps 4g .. 4g+3 read group g.
GROUP_MAPS = ((0, 1, 2, 3, 4, 5, 6, 7), (4, 5, 6, 7, 8, 9, 10, 11), (8, 9, 10, 11, 0, 1, 2, 3))

REGION_WORDS = {
    "H1W": 12 * 25, "H1B": 768, "H2W": 27744, "H2B": 192, "H3W": 30 * 192, "H3B": 30,
    "OUTW": 10 * 30, "OUTB": 10, "TANH": 11,
}


class PackError(ValueError):
    """Weights the firmware cannot run (a connection table it has no group array for)."""


@dataclass
class PackedWeights:
    segments: list          # [(address, bytes)] ready for the host's DMA
    tanh: TanhDesign
    sha256: str             # of the packed bytes and their addresses
    words: dict             # region name -> uint32 array (for tests and docs)


def window(o: int) -> tuple[int, int]:
    """In-bounds input rows (or columns) of output o of an 8-wide map: (first, last)."""
    return max(2 * o - 2, 0), min(2 * o + 2, 7)


def h2_slot_order(table) -> list[list[int]]:
    """For each H2 map k: the H2w slot index that each of its group array's 8 slots feeds.

    Map k must read exactly the H1 maps of group k // 4 (in any slot order)."""
    order = []
    for k, row in enumerate(table):
        group = GROUP_MAPS[k // 4]
        if sorted(row) != sorted(group) or len(set(row)) != 8:
            raise PackError(f"connection table row {k} reads H1 maps {list(row)}; the firmware's "
                            f"H2 map {k} reads group {k // 4} = {list(group)}")
        order.append([list(row).index(m) for m in group])
    return order


def h2_stream(weights: dict) -> np.ndarray:
    """The 27,744 in-bounds H2 weights in the firmware's walk order (float64)."""
    w = weights["H2w"]
    slots = h2_slot_order(model.table_of(weights))
    out = []
    for k in range(12):
        for u in range(4):
            y0, y1 = window(u)
            for v in range(4):
                x0, x1 = window(v)
                for y in range(y0, y1 + 1):
                    for s in slots[k]:
                        out.append(w[k, s, y - (2 * u - 2), x0 - (2 * v - 2):x1 - (2 * v - 2) + 1])
    return np.concatenate(out)


def region_values(weights: dict) -> dict:
    """Region name -> float64 values, before rounding to DSP32 floats."""
    _, h2b = model.fold_border(weights)
    tanh = design(weights["meta"]["activation"])
    return {
        "H1W": weights["H1w"].reshape(12, 25).ravel() / PIXEL_SCALE,
        "H1B": weights["H1b"].ravel(),
        "H2W": h2_stream(weights),
        "H2B": h2b.ravel(),
        "H3W": weights["H3w"].T.ravel(),
        "H3B": weights["H3b"].ravel(),
        "OUTW": weights["outw"].T.ravel(),
        "OUTB": weights["outb"].ravel(),
        "TANH": np.array([tanh.constants[n] for n in CONSTANT_NAMES]),
    }


def pack(weights: dict, layout: dict) -> PackedWeights:
    """Segments of the weight regions at the addresses `layout` gives (name -> byte address,
    e.g. the assembled firmware's constants). Regions must not overlap."""
    model.check_weights(weights)
    values = region_values(weights)
    spans = []
    for name, n in REGION_WORDS.items():
        if name not in layout:
            raise PackError(f"the firmware defines no address for region {name}")
        if len(values[name]) != n:
            raise PackError(f"region {name} has {len(values[name])} words, expected {n}")
        spans.append((int(layout[name]), int(layout[name]) + 4 * n, name))
    spans.sort()
    for (a0, e0, n0), (a1, _e1, n1) in zip(spans, spans[1:]):
        if a1 < e0:
            raise PackError(f"regions {n0} and {n1} overlap in the firmware's memory map")
    words = {name: np.asarray(float_to_dsp(values[name]), dtype=np.uint32) for name in REGION_WORDS}
    segments = [(int(layout[name]), words[name].astype("<u4").tobytes()) for name in REGION_WORDS]
    segments.sort()
    h = hashlib.sha256()
    for addr, data in segments:
        h.update(addr.to_bytes(4, "little"))
        h.update(data)
    return PackedWeights(segments, design(weights["meta"]["activation"]), h.hexdigest(), words)


def pixels_to_codes(images) -> np.ndarray:
    """Images (N, 16, 16) in [-1, 1] -> the int16 Q14 codes the host sends (round half even)."""
    codes = np.rint(np.asarray(images, dtype=np.float64) * PIXEL_SCALE)
    return np.clip(codes, -PIXEL_CODE_LIMIT, PIXEL_CODE_LIMIT).astype(np.int16)


def weights_sha256(path) -> str:
    """SHA-256 of a weight file's bytes (what `dsp32c lenet` reports)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()
