"""`dsp32c train`: train the 1989 network with NumPy and write a weight file."""
import sys
import time

import click

from lenet_firmware.train import INITS, TrainConfig

ACTIVATION_NAMES = {"tanh": "tanh", "scaled-tanh": "1.7159*tanh(2x/3)"}
D = TrainConfig()  # defaults, shown in --help


def _finite(ctx, param, value):
    # NaN passes click's range check (every comparison with it is false), and a NaN or
    # infinite step turns every weight into NaN before anything could be written
    if value != value or value == float("inf"):
        raise click.BadParameter(f"{value} is not a step size", ctx, param)
    return value


@click.command("train")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Weight file to write [default: lenet-DATASET.npz]. An existing file is "
                   "never replaced without --force.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--dataset", type=click.Choice(["usps", "mnist"]), default=D.dataset,
              show_default=True, help="Training digits (the shipped training split).")
@click.option("--passes", type=click.IntRange(min=1), default=D.passes, show_default=True,
              help="Passes over the training digits (1989: 23).")
# NumPy seeds are non-negative (a negative one was a ValueError traceback from the trainer)
@click.option("--seed", type=click.IntRange(min=0), default=D.seed, show_default=True)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=D.lr,
              callback=_finite, show_default=True, help="Step size of the first pass.")
@click.option("--lr-final", type=click.FloatRange(min=0, min_open=True), default=D.lr_final,
              callback=_finite, show_default=True,
              help="Step size of the last pass, geometric decay in between "
                   "(equal to --lr: a constant step, as in 1989).")
@click.option("--activation", type=click.Choice(list(ACTIVATION_NAMES)),
              default=[k for k, v in ACTIVATION_NAMES.items() if v == D.activation][0],
              show_default=True, help="scaled-tanh is 1.7159*tanh(2x/3).")
@click.option("--init", type=click.Choice(INITS), default=D.init, show_default=True,
              help="Weight bound; F is the fan-in of the receiving unit.")
@click.option("--shift-augment/--no-shift-augment", default=D.shift_augment, show_default=True,
              help="Present each digit moved by up to 1 px (background fill, no wrap).")
@click.option("--holdout", type=click.IntRange(min=0), default=D.holdout, show_default=True,
              help="Validate on the last N training digits instead of training on them.")
@click.option("--limit", type=click.IntRange(min=0), default=D.limit,
              help="Use only the first N training digits (0 = all; for quick checks).")
@click.option("--start", type=click.Path(dir_okay=False), default=None,
              help="Continue from this weight file instead of a fresh initialisation.")
def command(output, force, dataset, passes, seed, lr, lr_final, activation, init,
            shift_augment, holdout, limit, start):
    """Train the 1989 network on the shipped digits (per-pattern SGD on the MSE, +-1 targets).

    Prints the training (and validation) error and MSE after every pass; the defaults are the
    recipe of the shipped weights (docs/network.md).
    """
    from pathlib import Path

    from dsp32c.errors import Dsp32cError
    from lenet_firmware import model
    from lenet_firmware.data import load_dataset
    from lenet_firmware.train import train

    out = Path(output or f"lenet-{dataset}.npz")
    if out.exists() and not force:
        raise Dsp32cError(f"error: {out}: file exists (use --force to replace it)")
    # find out now, not after minutes of training, that the weights could not be written
    if not out.parent.is_dir():
        raise Dsp32cError(f"error: {out}: no such directory {out.parent}")
    if out.is_dir():
        raise Dsp32cError(f"error: {out}: is a directory")
    config = TrainConfig(dataset=dataset, passes=passes, seed=seed, lr=lr,
                         lr_final=lr_final,
                         activation=ACTIVATION_NAMES[activation], init=init,
                         shift_augment=shift_augment, holdout=holdout, limit=limit)
    try:
        begin = model.load_weights(start) if start else None
        if begin is not None and begin["meta"]["activation"] != config.activation:
            raise model.WeightFileError(f"{start}: array 'meta': activation "
                                        f"{begin['meta']['activation']!r} differs from --activation")
        images, labels = load_dataset(dataset, "train")
        n = len(labels[:limit] if limit else labels)
        if holdout >= n:
            raise Dsp32cError(f"error: --holdout {holdout} leaves no training digits (of {n})")
        click.echo(f"training on {n - holdout} {dataset} digits"
                   + (f", validating on {holdout}" if holdout else "")
                   + f", {passes} pass{'' if passes == 1 else 'es'}, {config.activation}, init {init}, lr {config.lr:g}"
                   + f" -> {config.lr_final:g}, shifts {'on' if shift_augment else 'off'}, "
                     f"seed {seed}")
        bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm
            bar = tqdm(total=passes * (n - holdout), unit="digit", file=sys.stderr, leave=False)
        began = time.perf_counter()

        def report(p, s):
            line = (f"pass {p:3d}  lr {s['lr']:.4g}  train mse {s['train_mse']:.3e} "
                    f"err {100 * s['train_errors'] / s['train_n']:5.2f}% ({s['train_errors']})")
            if "val_n" in s:
                line += (f"  val mse {s['val_mse']:.3e} "
                         f"err {100 * s['val_errors'] / s['val_n']:5.2f}% ({s['val_errors']})")
            line += f"  {time.perf_counter() - began:6.1f} s"
            (bar.write if bar else click.echo)(line)

        weights = train(config, images, labels, start=begin, report=report,
                        progress=bar.update if bar else None)
        if bar:
            bar.close()
        model.save_weights(out, weights, overwrite=force)
    except model.WeightFileError as exc:
        raise Dsp32cError(f"error: {exc}") from None
    except FileExistsError:  # appeared while training
        raise Dsp32cError(f"error: {out}: file exists (use --force to replace it)") from None
    click.echo(f"wrote {out} ({time.perf_counter() - began:.1f} s of training)")
