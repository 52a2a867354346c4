import numpy as np
import pytest

from lenet_firmware.data import load_dataset
from lenet_firmware.make_datasets import bilinear_matrix

# per-class counts of the USPS split, as listed in the reference sheet (lenet1-1989.md §2.5)
USPS_COUNTS = {
    "train": [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644],
    "test": [359, 264, 198, 166, 200, 160, 170, 147, 166, 177],
}


@pytest.mark.parametrize("split", ["train", "test"])
def test_usps_matches_the_1989_split(split):
    images, labels = load_dataset("usps", split)
    assert images.shape == (sum(USPS_COUNTS[split]), 16, 16) and images.dtype == np.float32
    assert labels.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == USPS_COUNTS[split]
    assert images.min() == -1.0 and images.max() == 1.0
    # grey levels are k/1000 in the original; the loader must give exactly float32(k/1000)
    k = np.round(images.astype(np.float64) * 1000)
    assert np.array_equal(images, (k / 1000).astype(np.float32))


@pytest.mark.parametrize("split,size", [("train", 7291), ("test", 2007)])
def test_mnist_split_sizes_and_range(split, size):
    images, labels = load_dataset("mnist", split)
    assert images.shape == (size, 16, 16) and images.dtype == np.float32
    assert set(np.unique(labels)) == set(range(10))
    assert -1.0 <= images.min() and images.max() <= 1.0
    # background corners stay exactly -1 after the resize
    assert np.all(images[:, 0, 0] == -1.0)


def test_mnist_splits_are_disjoint():
    train, _ = load_dataset("mnist", "train")
    test, _ = load_dataset("mnist", "test")
    seen = {img.tobytes() for img in train}
    assert sum(img.tobytes() in seen for img in test) < 5  # MNIST holds a few duplicate digits


def test_bilinear_matrix_by_hand():
    r = bilinear_matrix(28, 16)
    # output 0 samples input position 0.5 * 1.75 - 0.5 = 0.375: 0.625 of pixel 0, 0.375 of pixel 1
    assert r[0, 0] == 0.625 and r[0, 1] == 0.375 and r[0, 2:].sum() == 0
    # output 15 samples 15.5 * 1.75 - 0.5 = 26.625: pixels 26 and 27
    assert r[15, 26] == 0.375 and r[15, 27] == 0.625
    assert np.allclose(r.sum(axis=1), 1.0)
    # upsampling clamps at the left edge like PyTorch (position -0.25 -> 0)
    assert bilinear_matrix(2, 4)[0].tolist() == [1.0, 0.0]


def test_unknown_dataset_or_split():
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("emnist", "train")
    with pytest.raises(ValueError, match="unknown split"):
        load_dataset("usps", "validation")
