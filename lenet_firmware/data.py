"""The digit sets shipped with the project, as the network sees them: 16x16 float32 in [-1, 1].

Two compact files live in `lenet_firmware/data/` (rebuilt by `make_datasets.py`, which is the
only code that reads the original files under ../shared/data):

* `usps.npz` - the USPS zip-code digits of the 1989 paper: 7,291 training, 2,007 test.
  The original grey levels are exact multiples of 1/1000, so each pixel is stored as the
  int16 `k = 1000 * value`; `float32(k / 1000)` gives back the original float32 bit for bit.
* `mnist16.npz` - 9,298 MNIST digits brought to the same 16x16 form by a bilinear resize of the
  whole 28x28 frame. Resizing 28 -> 16 multiplies 8-bit grey levels by weights that are
  multiples of 1/8 in each direction, so every resized grey level is an exact multiple of 1/64
  of the 0..255 scale: it is stored as the uint16 `k = 64 * grey` and mapped to
  `k / 8160 - 1` (8160 = 64 * 127.5), again without loss.

Each file holds `<split>_images` (the integer codes) and `<split>_labels` (uint8 0-9) for the
splits `train` and `test`.
"""
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
DATASETS = ("usps", "mnist")
SPLITS = ("train", "test")
FILES = {"usps": "usps.npz", "mnist": "mnist16.npz"}
# integer code -> grey level in [-1, 1]: value = code * SCALE + OFFSET
SCALE = {"usps": 1.0 / 1000.0, "mnist": 1.0 / 8160.0}
OFFSET = {"usps": 0.0, "mnist": -1.0}


def decode(name: str, codes: np.ndarray) -> np.ndarray:
    """Integer codes of dataset `name` -> float32 grey levels (computed in float64, rounded once)."""
    return (codes.astype(np.float64) * SCALE[name] + OFFSET[name]).astype(np.float32)


def load_dataset(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (images float32 (N, 16, 16) in [-1, 1], labels uint8 (N,)) of one shipped split."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: expected one of {', '.join(DATASETS)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    with np.load(DATA_DIR / FILES[name]) as f:
        codes, labels = f[f"{split}_images"], f[f"{split}_labels"]
    return decode(name, codes), labels.astype(np.uint8)
