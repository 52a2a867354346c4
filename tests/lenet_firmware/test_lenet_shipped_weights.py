"""The shipped weights do what the README says they do, on the shipped digits."""
import re
from pathlib import Path

import numpy as np
import pytest

from lenet_firmware import model
from lenet_firmware.data import load_dataset

REPO = Path(__file__).resolve().parents[2]
WEIGHTS = REPO / "lenet_firmware" / "weights"
# README rows: "| test error ... | 3.84% (77 of 2,007) | 2.09% (42 of 2,007) |"
CELL = r"(\d+\.\d\d)% \((\d+) of ([\d,]+)\)"


def readme_claims(row_title):
    """{dataset: (percent text, mistakes, digits)} from the README's results table."""
    text = (REPO / "README.md").read_text()
    m = re.search(r"^\| " + re.escape(row_title) + r" \| " + CELL + r" \| " + CELL + r" \|$",
                  text, re.MULTILINE)
    assert m, f"README has no results row {row_title!r}"
    g = m.groups()
    return {"usps": (g[0], int(g[1]), int(g[2].replace(",", ""))),
            "mnist": (g[3], int(g[4]), int(g[5].replace(",", "")))}


@pytest.mark.parametrize("dataset", ["usps", "mnist"])
@pytest.mark.parametrize("split,row", [("test", "test error"), ("train", "training error")])
def test_shipped_weights_reach_the_readme_claim(dataset, split, row):
    percent, mistakes, n = readme_claims(row)[dataset]
    images, labels = load_dataset(dataset, split)
    weights = model.load_weights(WEIGHTS / f"{dataset}.npz")
    wrong = int(np.sum(model.classify(weights, images) != labels))
    assert (wrong, len(labels)) == (mistakes, n)
    assert percent == f"{100 * wrong / n:.2f}"


def test_usps_weights_beat_the_1989_figure():
    _, mistakes, n = readme_claims("test error")["usps"]
    assert mistakes / n <= 0.050  # the paper: 5.0% on the same 2,007 digits


@pytest.mark.parametrize("dataset", ["usps", "mnist"])
def test_shipped_weights_are_the_1989_network(dataset):
    weights = model.load_weights(WEIGHTS / f"{dataset}.npz")
    assert [list(r) for r in model.CONNECTION_TABLE] == weights["meta"]["connection_table"]
    assert weights["meta"]["training"]["dataset"] == dataset
    assert weights["meta"]["training"]["holdout"] == 0  # trained on the whole training split
