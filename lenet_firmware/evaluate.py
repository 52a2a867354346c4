"""The 1989 paper's measures of a digit classifier: error, confusion matrix, rejection for 1% error.

Rejection rule (1989): reject a digit when the gap between the two largest outputs is below a
threshold. rejection_for_error() finds the smallest fraction to reject so that the error on the
digits kept is at most the target (1989: 12.1% rejected for 1% error on the USPS test set).

    python -m lenet_firmware.evaluate WEIGHTS [--dataset usps] [--split test]

prints the report that docs/network.md quotes.
"""
import argparse

import numpy as np


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted digit."""
    m = np.zeros((10, 10), dtype=np.int64)
    np.add.at(m, (np.asarray(labels, np.int64), np.asarray(predicted, np.int64)), 1)
    return m


def top_two_gap(outputs: np.ndarray) -> np.ndarray:
    """Largest output minus second largest, per digit."""
    top = np.sort(outputs, axis=1)
    return top[:, -1] - top[:, -2]


def rejection_for_error(outputs: np.ndarray, labels: np.ndarray, target: float = 0.01) -> dict:
    """Smallest rejection by the top-two-gap rule that leaves an error rate <= target.

    Returns {"rejected": count, "rejected_fraction", "threshold": the smallest gap kept
    (digits with a smaller gap are rejected), "errors_kept": mistakes among the kept digits,
    "kept": count}. Digits with equal gaps are kept or rejected together, as a threshold must.
    """
    n = len(labels)
    gap = top_two_gap(outputs)
    wrong = outputs.argmax(axis=1) != labels
    order = np.argsort(-gap, kind="stable")
    errors_kept = np.cumsum(wrong[order])          # mistakes among the k most confident
    kept = np.arange(1, n + 1)
    # a threshold can only cut between different gaps (or keep everything)
    cut_ok = np.append(gap[order][:-1] > gap[order][1:], True)
    ok = cut_ok & (errors_kept <= target * kept)
    if not ok.any():
        return {"rejected": n, "rejected_fraction": 1.0, "threshold": float("inf"),
                "errors_kept": 0, "kept": 0}
    k = int(np.nonzero(ok)[0][-1]) + 1
    return {"rejected": n - k, "rejected_fraction": (n - k) / n,
            "threshold": float(gap[order][k - 1]), "errors_kept": int(errors_kept[k - 1]),
            "kept": k}


def format_confusion(m: np.ndarray) -> str:
    """Markdown table of a confusion matrix (rows true, columns predicted)."""
    head = "| true \\ predicted | " + " | ".join(str(d) for d in range(10)) + " | errors |"
    lines = [head, "|" + "---|" * 12]
    for d in range(10):
        cells = [f"**{m[d, p]}**" if p == d else (str(m[d, p]) if m[d, p] else "·")
                 for p in range(10)]
        lines.append(f"| {d} | " + " | ".join(cells) + f" | {m[d].sum() - m[d, d]} |")
    return "\n".join(lines)


def report(weights: dict, images: np.ndarray, labels: np.ndarray) -> dict:
    """Outputs-based measures of one set: mse, errors, n, confusion, rejection (1% error)."""
    from lenet_firmware import model

    out = model.forward(weights, images)
    t = -np.ones_like(out)
    t[np.arange(len(labels)), labels] = 1.0
    predicted = out.argmax(axis=1)
    return {"n": len(labels), "errors": int(np.sum(predicted != labels)),
            "mse": float(np.mean((out - t) ** 2)),
            "confusion": confusion_matrix(labels, predicted),
            "rejection": rejection_for_error(out, labels, 0.01)}


def main(argv=None):
    from lenet_firmware import model
    from lenet_firmware.data import load_dataset

    parser = argparse.ArgumentParser(description="error, confusion matrix, rejection for 1% error")
    parser.add_argument("weights")
    parser.add_argument("--dataset", default="usps", choices=["usps", "mnist"])
    parser.add_argument("--split", default="test", choices=["train", "test"])
    args = parser.parse_args(argv)
    try:
        weights = model.load_weights(args.weights)
    except model.WeightFileError as exc:
        parser.exit(1, f"error: {exc}\n")
    r = report(weights, *load_dataset(args.dataset, args.split))
    rej = r["rejection"]
    print(f"{args.dataset} {args.split}: {r['errors']} of {r['n']} wrong "
          f"({100 * r['errors'] / r['n']:.2f}%), MSE {r['mse']:.3e}")
    print(f"rejection for 1% error: {rej['rejected']} of {r['n']} "
          f"({100 * rej['rejected_fraction']:.1f}%), gap threshold {rej['threshold']:.4f}, "
          f"{rej['errors_kept']} errors in {rej['kept']} kept")
    print(format_confusion(r["confusion"]))


if __name__ == "__main__":
    main()
