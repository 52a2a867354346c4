"""The 1989 LeCun zip-code network ("LeNet-1"), float64 NumPy reference. Imports only NumPy.

    input  1 x 16x16 grey levels in [-1, 1] (-1 = background)
    H1    12 x 8x8   one 5x5 kernel per map, stride 2, one bias per unit
    H2    12 x 4x4   each map reads 8 of the 12 H1 maps (CONNECTION_TABLE) with 8 x 5x5 = 200
                     shared weights, stride 2, one bias per unit
    H3    30         fully connected to the 192 H2 units (flattened map*16 + row*4 + col)
    out   10         fully connected to H3; the largest output is the digit

Every layer is squashed by the same scaled tanh. A tap that falls outside a 16x16 input or an
8x8 H1 map reads the constant background -1. Windows are centred on even pixels: output o reads
rows (and columns) 2o-2 .. 2o+2, so the padding is 2 before and 1 after. Convolutions are
cross-correlations (no kernel flip). Layout and table follow karpathy/lecun1989-repro; the
reference sheet is ../shared/reference/lenet1-1989.md §1.

A network is a dict: the eight arrays named in SHAPES plus "meta", a dict holding at least
"activation" (a key of ACTIVATIONS) and "connection_table". On disk it is an .npz file with the
eight arrays and a 0-d string array "meta" holding that dict as JSON.
"""
import json
import os

import numpy as np

SHAPES = {
    "H1w": (12, 1, 5, 5), "H1b": (12, 8, 8),
    "H2w": (12, 8, 5, 5), "H2b": (12, 4, 4),
    "H3w": (192, 30), "H3b": (30,),
    "outw": (30, 10), "outb": (10,),
}
# H1 maps read by each H2 map, in the order of the 8 weight slots of H2w[k]
CONNECTION_TABLE = (
    (0, 1, 2, 3, 4, 5, 6, 7),) * 4 + (
    (4, 5, 6, 7, 8, 9, 10, 11),) * 4 + (
    (0, 1, 2, 3, 8, 9, 10, 11),) * 4
BORDER = -1.0  # what a tap outside the image or H1 map reads
KERNEL, STRIDE, PAD_BEFORE, PAD_AFTER = 5, 2, 2, 1

# name -> (f(a), f'(a) expressed through y = f(a)); the name is what weight files store
LECUN_A, LECUN_S = 1.7159, 2.0 / 3.0  # LeCun 1998: f(+-1) = +-1, gain about 1 near 0
ACTIVATIONS = {
    "tanh": (np.tanh, lambda y: 1.0 - y * y),
    "1.7159*tanh(2x/3)": (lambda a: LECUN_A * np.tanh(LECUN_S * a),
                          lambda y: LECUN_S / LECUN_A * (LECUN_A * LECUN_A - y * y)),
}
CHUNK = 256  # images per block in forward(): bounds the H2 patch array to about 80 MB


class WeightFileError(ValueError):
    """A weight file (or weight dict) that cannot be used; the message is one line."""


class InputShapeError(ValueError):
    """Images that are not 16x16."""


# ---------------------------------------------------------------- geometry (index arrays)

def pad(x: np.ndarray, border: float = BORDER) -> np.ndarray:
    """Pad the last two axes 2 before and 1 after with `border` (n x n -> n+3 x n+3)."""
    widths = [(0, 0)] * (x.ndim - 2) + [(PAD_BEFORE, PAD_AFTER)] * 2
    return np.pad(x, widths, constant_values=border)


def _window_offsets(n_in: int) -> np.ndarray:
    """(n_in // 2, 5): padded positions read by each output along one axis (o -> 2o .. 2o+4)."""
    n_out = n_in // STRIDE
    return STRIDE * np.arange(n_out)[:, None] + np.arange(KERNEL)[None, :]


def h1_patch_index() -> np.ndarray:
    """(64, 25) indices into a flattened padded 19x19 input: row u*8+v = window of H1 unit (u, v)."""
    w = _window_offsets(16)
    side = 16 + PAD_BEFORE + PAD_AFTER
    idx = w[:, None, :, None] * side + w[None, :, None, :]  # (u, v, dy, dx)
    return idx.reshape(64, 25)


def h2_patch_index(table=CONNECTION_TABLE) -> np.ndarray:
    """(12, 16, 200) indices into the flattened padded H1 maps (12 x 11x11).

    [k, u*4+v, s*25 + dy*5 + dx] is the H1 value that H2 unit (k, u, v) multiplies by
    H2w[k, s, dy, dx], so a flattened H2w[k] lines up with the last axis.
    """
    w = _window_offsets(8)
    side = 8 + PAD_BEFORE + PAD_AFTER
    spatial = (w[:, None, :, None] * side + w[None, :, None, :]).reshape(16, 25)
    maps = np.asarray(table).reshape(12, 1, 8, 1) * side * side
    return (maps + spatial[None, :, None, :]).reshape(12, 16, 200)


H1_INDEX = h1_patch_index()


# ---------------------------------------------------------------- the network

def activation_of(weights: dict) -> tuple:
    return ACTIVATIONS[weights["meta"]["activation"]]


def table_of(weights: dict) -> tuple:
    return tuple(tuple(row) for row in weights["meta"].get("connection_table", CONNECTION_TABLE))


def check_images(images: np.ndarray) -> np.ndarray:
    """Return images as float64 (N, 16, 16); a single 16x16 image becomes N = 1."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3 or images.shape[1:] != (16, 16):
        raise InputShapeError(f"images have shape {images.shape}, expected (N, 16, 16)")
    return images


def forward(weights: dict, images, *, hidden: bool = False, border: float = BORDER):
    """Outputs (N, 10) of the network for images (N, 16, 16) (or one 16x16 image).

    With hidden=True also returns {"H1": (N,12,8,8), "H2": (N,12,4,4), "H3": (N,30)}.
    `border` is the value read by taps outside the image; 0.0 together with fold_border()'s
    biases gives the same outputs as the -1 border.
    """
    images = check_images(images)
    f, _ = activation_of(weights)
    idx2 = h2_patch_index(table_of(weights))
    k1 = weights["H1w"].reshape(12, 25)
    k2 = weights["H2w"].reshape(12, 200)
    b1, b2 = weights["H1b"].reshape(12, 64), weights["H2b"].reshape(12, 16)
    outs, h1s, h2s, h3s = [], [], [], []
    for start in range(0, len(images), CHUNK):
        x = pad(images[start:start + CHUNK], border).reshape(-1, 19 * 19)
        n = len(x)
        h1 = f(np.einsum("npi,ki->nkp", x[:, H1_INDEX], k1) + b1)          # (n, 12, 64)
        h1p = pad(h1.reshape(n, 12, 8, 8), border).reshape(n, 12 * 11 * 11)
        h2 = f(np.einsum("nkpi,ki->nkp", h1p[:, idx2], k2) + b2)           # (n, 12, 16)
        h3 = f(h2.reshape(n, 192) @ weights["H3w"] + weights["H3b"])
        outs.append(f(h3 @ weights["outw"] + weights["outb"]))
        h1s.append(h1.reshape(n, 12, 8, 8))
        h2s.append(h2.reshape(n, 12, 4, 4))
        h3s.append(h3)
    out = np.concatenate(outs) if outs else np.zeros((0, 10))
    if not hidden:
        return out
    return out, {"H1": np.concatenate(h1s), "H2": np.concatenate(h2s), "H3": np.concatenate(h3s)}


def classify(weights: dict, images) -> np.ndarray:
    """Predicted digit (N,) uint8: the index of the largest output."""
    return forward(weights, images).argmax(axis=1).astype(np.uint8)


def fold_border(weights: dict, border: float = BORDER) -> tuple[np.ndarray, np.ndarray]:
    """(H1b, H2b) with the out-of-bounds taps folded in: bias + border * (sum of those weights).

    With these biases and a border of 0 the network computes the same function, so firmware
    needs to multiply only the in-bounds taps.
    """
    k1 = weights["H1w"].reshape(12, 25)
    k2 = weights["H2w"].reshape(12, 200)
    # an image of zeros padded with the border: each patch sum is exactly the border's share
    outside1 = pad(np.zeros((16, 16)), border).ravel()[H1_INDEX]                 # (64, 25)
    outside2 = pad(np.zeros((12, 8, 8)), border).ravel()[h2_patch_index(table_of(weights))]
    h1b = weights["H1b"] + (outside1 @ k1.T).T.reshape(12, 8, 8)
    h2b = weights["H2b"] + np.einsum("kpi,ki->kp", outside2, k2).reshape(12, 4, 4)
    return h1b, h2b


# ---------------------------------------------------------------- counts

def count_parameters() -> int:
    """Free parameters: 9,760 (1,068 + 2,592 + 5,790 + 310)."""
    return sum(int(np.prod(shape)) for shape in SHAPES.values())


def count_connections() -> int:
    """Connections as the 1989 paper counts them: units x (fan-in + 1 for the bias) = 64,660.

    Border taps count as connections too, as in the paper.
    """
    conv = sum(int(np.prod(SHAPES[b])) * (int(np.prod(SHAPES[w][1:])) + 1)
               for w, b in (("H1w", "H1b"), ("H2w", "H2b")))
    full = sum(SHAPES[w][1] * (SHAPES[w][0] + 1) for w in ("H3w", "outw"))
    return conv + full


# ---------------------------------------------------------------- weight files

def default_meta(activation: str = "tanh") -> dict:
    return {"activation": activation, "connection_table": [list(r) for r in CONNECTION_TABLE]}


def check_weights(weights: dict, where: str = "weights") -> None:
    """Raise WeightFileError (naming `where` and the array) unless `weights` is a usable network."""
    for name, shape in SHAPES.items():
        if name not in weights:
            raise WeightFileError(f"{where}: missing array '{name}'")
        a = np.asarray(weights[name])
        if a.shape != shape:
            raise WeightFileError(f"{where}: array '{name}' has shape {a.shape}, expected {shape}")
        if a.dtype.kind not in "fiu":
            raise WeightFileError(f"{where}: array '{name}' has dtype {a.dtype}, expected float")
        if not np.all(np.isfinite(a)):
            raise WeightFileError(f"{where}: array '{name}' holds non-finite values")
    meta = weights.get("meta")
    if not isinstance(meta, dict):
        raise WeightFileError(f"{where}: missing array 'meta'")
    if meta.get("activation") not in ACTIVATIONS:
        raise WeightFileError(f"{where}: array 'meta': activation {meta.get('activation')!r} "
                              f"is not one of {', '.join(ACTIVATIONS)}")
    table = meta.get("connection_table", CONNECTION_TABLE)
    try:
        ok = np.asarray(table).shape == (12, 8) and all(
            isinstance(m, (int, np.integer)) and 0 <= m < 12 for row in table for m in row)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise WeightFileError(f"{where}: array 'meta': connection_table must be 12 rows of 8 "
                              "H1 map numbers 0-11")


def load_weights(path) -> dict:
    """Read and validate a weight file; every problem is a one-line WeightFileError."""
    path = os.fspath(path)
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise WeightFileError(f"{path}: no such weight file") from None
    except IsADirectoryError:
        raise WeightFileError(f"{path}: is a directory, not a weight file") from None
    except (OSError, ValueError) as exc:
        if "pickled" in str(exc):  # NumPy's guess for bytes that are neither .npz nor .npy
            raise WeightFileError(f"{path}: not a weight file (.npz)") from None
        raise WeightFileError(f"{path}: not a weight file (.npz): {str(exc).splitlines()[0]}") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise WeightFileError(f"{path}: not a weight file (.npz): a single array")
    with f:
        weights = {}
        for name in SHAPES:
            if name in f.files:
                try:
                    weights[name] = f[name].astype(np.float64)
                except (OSError, ValueError) as exc:  # a damaged member of the zip
                    raise WeightFileError(f"{path}: array '{name}' is unreadable: "
                                          f"{str(exc).splitlines()[0]}") from None
        if "meta" in f.files:
            try:
                weights["meta"] = json.loads(str(f["meta"][()]))
            except (OSError, ValueError) as exc:
                raise WeightFileError(f"{path}: array 'meta' is not JSON: "
                                      f"{str(exc).splitlines()[0]}") from None
    check_weights(weights, path)
    return weights


def save_weights(path, weights: dict, meta: dict | None = None, *, overwrite: bool = False) -> None:
    """Write a weight file at exactly `path` (no ".npz" appended); refuses to replace a file
    unless overwrite=True (FileExistsError). `meta` defaults to weights["meta"]."""
    meta = dict(weights.get("meta", {}) if meta is None else meta)
    full = {name: np.asarray(weights[name], dtype=np.float64) for name in SHAPES if name in weights}
    check_weights({**full, "meta": meta}, os.fspath(path))
    with open(path, "wb" if overwrite else "xb") as out:
        np.savez_compressed(out, **full, meta=np.array(json.dumps(meta, sort_keys=True)))
