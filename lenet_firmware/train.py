"""NumPy trainer for the 1989 network: per-pattern SGD on the mean squared error, +-1 targets.

The network trained here is always model.py's; only the recipe varies. The 1989 baseline is
23 passes of per-pattern updates in a fixed order; TrainConfig's defaults are the improvements
chosen on a validation split of the training digits (docs/network.md records the runs).

One training step works on a single digit with precomputed gather indices (model.h1_patch_index,
model.h2_patch_index), so a step is a few dozen small NumPy operations and no Python loop over
units.
"""
from dataclasses import asdict, dataclass

import numpy as np

from lenet_firmware import model

FAN_IN = {"H1w": 25, "H2w": 200, "H3w": 192, "outw": 30}
INITS = ("2.4/F", "2.4/sqrt(F)")  # PAPER's rule as printed, and Karpathy's reading of it


@dataclass
class TrainConfig:
    """The defaults are the recipe of the shipped weights; the 1989 baseline is
    TrainConfig(passes=23, lr_final=0.03, shift_augment=False)."""
    dataset: str = "usps"
    passes: int = 100
    seed: int = 1989
    lr: float = 0.03            # step size of the first pass
    lr_final: float = 0.001     # step size of the last pass (geometric decay in between)
    activation: str = "tanh"
    init: str = "2.4/F"
    shift_augment: bool = True  # present each digit moved by -1, 0 or +1 px in x and y
    holdout: int = 0            # the last `holdout` training digits validate instead of train
    limit: int = 0              # train on only the first `limit` digits (0 = all); for tests

    def lr_of_pass(self, p: int) -> float:
        if self.passes <= 1:
            return self.lr
        return self.lr * (self.lr_final / self.lr) ** (p / (self.passes - 1))


def init_weights(rng: np.random.Generator, activation: str, init: str) -> dict:
    """Weights uniform in +-2.4/F (or +-2.4/sqrt(F)), F the fan-in of the receiving unit;
    biases 0. The paper leaves bias initialisation open."""
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}: expected one of {', '.join(INITS)}")
    w = {}
    for name, shape in model.SHAPES.items():
        if name in FAN_IN:
            f = FAN_IN[name]
            bound = 2.4 / f if init == "2.4/F" else 2.4 / np.sqrt(f)
            w[name] = rng.uniform(-bound, bound, shape)
        else:
            w[name] = np.zeros(shape)
    w["meta"] = model.default_meta(activation)
    return w


def targets(labels: np.ndarray) -> np.ndarray:
    """+1 for the true class, -1 for the other nine."""
    t = -np.ones((len(labels), 10))
    t[np.arange(len(labels)), labels] = 1.0
    return t


def shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The image moved dy rows down and dx columns right; pixels moving in are background -1,
    pixels moving out are lost (no wrap-around)."""
    out = np.full_like(image, model.BORDER)
    src_r = slice(max(0, -dy), 16 - max(0, dy))
    dst_r = slice(max(0, dy), 16 - max(0, -dy))
    src_c = slice(max(0, -dx), 16 - max(0, dx))
    dst_c = slice(max(0, dx), 16 - max(0, -dx))
    out[dst_r, dst_c] = image[src_r, src_c]
    return out


class Trainer:
    """Holds the network as flat float64 matrices (views of the weight arrays) for fast steps."""

    def __init__(self, weights: dict):
        self.weights = {n: np.array(weights[n], dtype=np.float64) for n in model.SHAPES}
        self.weights["meta"] = dict(weights["meta"])
        w = self.weights
        self.f, self.df = model.ACTIVATIONS[w["meta"]["activation"]]
        self.idx2 = model.h2_patch_index(model.table_of(w))
        self.idx2_flat = self.idx2.ravel()
        # flat views: updating these updates the arrays in self.weights
        self.k1, self.b1 = w["H1w"].reshape(12, 25), w["H1b"].reshape(12, 64)
        self.k2, self.b2 = w["H2w"].reshape(12, 200), w["H2b"].reshape(12, 16)
        self.w3, self.b3, self.w4, self.b4 = w["H3w"], w["H3b"], w["outw"], w["outb"]
        self.h1_padded = np.full((12, 11, 11), model.BORDER)  # interior rewritten each step

    def gradients(self, image: np.ndarray, target: np.ndarray) -> tuple[float, dict]:
        """Loss mean((y - target)^2) over the 10 outputs and its gradient for one digit.

        The gradient dict is keyed like the weights, with the flat shapes of the views.
        """
        f, df = self.f, self.df
        p1 = model.pad(image).ravel()[model.H1_INDEX]                 # (64, 25)
        h1 = f(self.k1 @ p1.T + self.b1)                              # (12, 64)
        self.h1_padded[:, 2:10, 2:10] = h1.reshape(12, 8, 8)
        p2 = self.h1_padded.ravel()[self.idx2]                        # (12, 16, 200)
        h2 = f(np.matmul(p2, self.k2[:, :, None])[:, :, 0] + self.b2)  # (12, 16)
        v = h2.ravel()
        h3 = f(v @ self.w3 + self.b3)
        y = f(h3 @ self.w4 + self.b4)
        err = y - target
        d4 = (2.0 / 10.0) * err * df(y)
        d3 = (self.w4 @ d4) * df(h3)
        d2 = ((self.w3 @ d3) * df(v)).reshape(12, 16)
        # H2 reads each H1 value through many windows: scatter-add back through the indices
        back = np.matmul(d2[:, :, None], self.k2[:, None, :]).ravel()
        dh1 = np.bincount(self.idx2_flat, back, minlength=12 * 121).reshape(12, 11, 11)
        d1 = dh1[:, 2:10, 2:10].reshape(12, 64) * df(h1)
        grads = {
            "H1w": d1 @ p1, "H1b": d1,
            "H2w": np.matmul(d2[:, None, :], p2)[:, 0, :], "H2b": d2,
            "H3w": np.outer(v, d3), "H3b": d3,
            "outw": np.outer(h3, d4), "outb": d4,
        }
        return float(np.mean(err * err)), grads

    def step(self, image: np.ndarray, target: np.ndarray, lr: float) -> None:
        _, g = self.gradients(image, target)
        self.k1 -= lr * g["H1w"]
        self.b1 -= lr * g["H1b"]
        self.k2 -= lr * g["H2w"]
        self.b2 -= lr * g["H2b"]
        self.w3 -= lr * g["H3w"]
        self.b3 -= lr * g["H3b"]
        self.w4 -= lr * g["outw"]
        self.b4 -= lr * g["outb"]


def score(weights: dict, images: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
    """(MSE averaged over digits and outputs, number of misclassified digits)."""
    out = model.forward(weights, images)
    mse = float(np.mean((out - targets(labels)) ** 2))
    return mse, int(np.sum(out.argmax(axis=1) != labels))


def split(config: TrainConfig, images: np.ndarray, labels: np.ndarray):
    """(train images, train labels, validation images, validation labels) per the config."""
    if config.limit:
        images, labels = images[:config.limit], labels[:config.limit]
    if not 0 <= config.holdout < len(labels):
        raise ValueError(f"holdout {config.holdout} leaves no training digits")
    cut = len(labels) - config.holdout
    return images[:cut], labels[:cut], images[cut:], labels[cut:]


def train(config: TrainConfig, images: np.ndarray, labels: np.ndarray, *,
          start: dict | None = None, report=None, progress=None) -> dict:
    """Train from `start` (or a seeded initialisation) and return the weights with metadata.

    report(pass_number, stats) is called after each pass with stats = {"lr", "train_mse",
    "train_errors", "train_n", and, with a holdout, "val_mse", "val_errors", "val_n"}.
    progress(n) is called every 256 digits with the number of digits presented since the last
    call (for a progress bar).
    """
    rng = np.random.default_rng(config.seed)
    weights = start if start is not None else init_weights(rng, config.activation, config.init)
    x_train, y_train, x_val, y_val = split(config, np.asarray(images, np.float64), labels)
    t_train = targets(y_train)
    trainer = Trainer(weights)
    history = []
    for p in range(config.passes):
        lr = config.lr_of_pass(p)
        # 1989: the patterns are presented in a constant order; shifts are drawn per presentation
        shifts = rng.integers(-1, 2, size=(len(y_train), 2)) if config.shift_augment else None
        for i in range(len(y_train)):
            image = x_train[i] if shifts is None else shift(x_train[i], *shifts[i])
            trainer.step(image, t_train[i], lr)
            if progress is not None and (i + 1) % 256 == 0:
                progress(256)
        if progress is not None:
            progress(len(y_train) % 256)
        stats = {"pass": p + 1, "lr": lr}
        stats["train_mse"], stats["train_errors"] = score(trainer.weights, x_train, y_train)
        stats["train_n"] = len(y_train)
        if len(y_val):
            stats["val_mse"], stats["val_errors"] = score(trainer.weights, x_val, y_val)
            stats["val_n"] = len(y_val)
        history.append(stats)
        if report is not None:
            report(p + 1, stats)
    result = trainer.weights
    result["meta"] = {**result["meta"], "training": asdict(config),
                      "history": history[-1] if history else {}}
    return result
