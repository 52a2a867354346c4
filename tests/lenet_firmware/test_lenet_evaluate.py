import numpy as np

from lenet_firmware.evaluate import confusion_matrix, rejection_for_error, top_two_gap


def test_confusion_matrix_rows_are_true_digits():
    m = confusion_matrix(np.array([3, 3, 5, 0]), np.array([3, 5, 5, 0]))
    assert m[3, 3] == 1 and m[3, 5] == 1 and m[5, 5] == 1 and m[0, 0] == 1
    assert m.sum() == 4 and m[5, 3] == 0


def outputs_with_gaps(gaps, predicted):
    """Rows whose largest output is at `predicted` and exceeds the runner-up by `gap`."""
    out = np.full((len(gaps), 10), -1.0)
    for i, (g, p) in enumerate(zip(gaps, predicted)):
        out[i, p] = -1.0 + 0.5 + g
        out[i, (p + 1) % 10] = -1.0 + 0.5
    return out


def test_top_two_gap():
    out = outputs_with_gaps([0.25, 1.0], [2, 7])
    assert np.allclose(top_two_gap(out), [0.25, 1.0])


def test_rejection_removes_the_least_confident_first():
    # 10 digits; the two wrong ones have the smallest gaps (0.1 and 0.2)
    gaps = [0.1, 0.2, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]
    labels = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    predicted = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    r = rejection_for_error(outputs_with_gaps(gaps, predicted), labels, 0.0)
    assert r["rejected"] == 2 and r["kept"] == 8 and r["errors_kept"] == 0
    assert np.isclose(r["threshold"], 0.5)
    # 10% allowed: keeping 9 leaves 1 wrong of 9 (11%), too many, so two still go;
    # 20% allowed: all ten can be kept (2 wrong of 10)
    assert rejection_for_error(outputs_with_gaps(gaps, predicted), labels, 0.1)["rejected"] == 2
    assert rejection_for_error(outputs_with_gaps(gaps, predicted), labels, 0.2)["rejected"] == 0


def test_rejection_keeps_equal_gaps_together():
    gaps = [0.5, 0.5, 0.9]
    labels = np.array([0, 1, 0])
    r = rejection_for_error(outputs_with_gaps(gaps, [0, 0, 0]), labels, 0.0)
    # the two 0.5 gaps (one right, one wrong) cannot be split by a threshold
    assert r["rejected"] == 2 and r["kept"] == 1


def test_report_is_consistent_with_its_parts():
    from lenet_firmware import model
    from lenet_firmware.data import load_dataset
    from lenet_firmware.evaluate import report

    rng = np.random.default_rng(0)
    net = {name: rng.uniform(-0.3, 0.3, shape) for name, shape in model.SHAPES.items()}
    net["meta"] = model.default_meta()
    images, labels = load_dataset("usps", "test")
    r = report(net, images[:200], labels[:200])
    m = r["confusion"]
    assert m.sum() == r["n"] == 200
    assert r["errors"] == m.sum() - np.trace(m)
    assert r["rejection"]["kept"] + r["rejection"]["rejected"] == 200
    assert r["rejection"]["errors_kept"] <= 0.01 * r["rejection"]["kept"]
