"""Rebuild the compact digit files in lenet_firmware/data/ from the originals in ../shared/data.

    python -m lenet_firmware.make_datasets [--source DIR]

This is the only code of the project that reads the originals; everything else, tests included,
uses the shipped files through `lenet_firmware.data`. The encodings are lossless (see data.py)
and the script checks that before it writes anything.
"""
import argparse
from pathlib import Path

import numpy as np

from lenet_firmware.data import DATA_DIR, FILES, decode

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "data"
USPS_SOURCE = "usps-zip-7291-2007.npz"
MNIST_SOURCE = "mnist-digits-9298.npz"
# The MNIST digits come sorted by class; a fixed permutation splits them 7,291 / 2,007 like USPS.
MNIST_SPLIT_SEED = 1989
MNIST_TRAIN_SIZE = 7291


def bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix R with R @ signal = bilinear resize along one axis.

    Same sampling as PyTorch's interpolate(mode='bilinear', align_corners=False, antialias=False),
    which the public reproductions use: output i samples input position (i + 0.5) * n_in / n_out
    - 0.5, clamped at 0, between its two neighbouring pixels. A 2-D resize is R @ img @ R.T.
    """
    r = np.zeros((n_out, n_in))
    for i in range(n_out):
        src = max((i + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = int(src)
        i1 = min(i0 + 1, n_in - 1)
        frac = src - i0
        r[i, i0] += 1.0 - frac
        r[i, i1] += frac
    return r


def mnist_to_16(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 grey levels -> (N, 16, 16) uint16 codes (64 * resized grey level)."""
    r = bilinear_matrix(28, 16)
    grey = r @ images.astype(np.float64) @ r.T  # exact: the weights are multiples of 1/8
    codes = np.round(grey * 64.0)
    assert np.array_equal(codes, grey * 64.0), "bilinear resize is not a multiple of 1/64"
    return codes.astype(np.uint16)


def build_usps(source: Path) -> dict:
    out = {}
    with np.load(source / USPS_SOURCE) as f:
        for split in ("train", "test"):
            images = f[f"{split}_images"]
            codes = np.round(images.astype(np.float64) * 1000.0).astype(np.int16)
            assert np.array_equal(decode("usps", codes), images), "USPS values are not k/1000"
            out[f"{split}_images"] = codes
            out[f"{split}_labels"] = f[f"{split}_labels"].astype(np.uint8)
    return out


def build_mnist(source: Path) -> dict:
    with np.load(source / MNIST_SOURCE) as f:
        images, labels = f["images"], f["labels"].astype(np.uint8)
    codes = mnist_to_16(images)
    order = np.random.default_rng(MNIST_SPLIT_SEED).permutation(len(labels))
    train, test = order[:MNIST_TRAIN_SIZE], order[MNIST_TRAIN_SIZE:]
    return {"train_images": codes[train], "train_labels": labels[train],
            "test_images": codes[test], "test_labels": labels[test]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help=f"folder holding {USPS_SOURCE} and {MNIST_SOURCE}")
    parser.add_argument("--dest", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    args.dest.mkdir(parents=True, exist_ok=True)
    for name, build in (("usps", build_usps), ("mnist", build_mnist)):
        arrays = build(args.source)
        path = args.dest / FILES[name]
        np.savez_compressed(path, **arrays)
        sizes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items() if k.endswith("images"))
        print(f"{path}: {sizes}, {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
