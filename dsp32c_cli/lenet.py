"""`dsp32c lenet`: the main job. Digits through LeNet-1 on the emulated DSP32C board, compared
with the NumPy reference, with the board's latency and throughput and the emulator's speed."""
import click

DATASET_NAMES = {"usps": "USPS", "mnist": "MNIST"}
SHADES = " .:-=+*#%@"   # grey level -1 .. +1, the 1989 screen's ink in ten steps
# accepted --clock-mhz: the chip shipped at 25-50 MHz; far outside, the emulated-time figures
# (and the host timeouts counted in clocks) stop meaning anything or overflow
CLOCK_MHZ = (1.0, 1000.0)


def _finite(ctx, param, value):
    if value != value:  # NaN passes click's range check (every comparison with it is false)
        raise click.BadParameter("nan is not a clock", ctx, param)
    return value


@click.command("lenet")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Run only the first N digits [default: all].")
@click.option("--dataset", type=click.Choice(["usps", "mnist"]), default="usps", show_default=True,
              help="Test digits and shipped weights (mnist: the MNIST-trained weights).")
@click.option("--images", type=click.Path(dir_okay=False), default=None,
              help="An .npz with `images` (N, 16, 16) in [-1, 1] and optional `labels`, "
                   "instead of the shipped test digits.")
@click.option("--weights", type=click.Path(dir_okay=False), default=None,
              help="Weight file [default: the shipped weights of --dataset].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the summary.")
@click.option("--verbose", is_flag=True, help="List every digit.")
@click.option("--show", is_flag=True, help="Draw the digits with the DSP's answers, as on the 1989 screen.")
@click.option("--clock-mhz", type=click.FloatRange(min=CLOCK_MHZ[0], max=CLOCK_MHZ[1]),
              default=50.0, show_default=True, callback=_finite, help="DSP clock.")
@click.option("--wait-states", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="Wait states per external-memory access.")
@click.option("--sequential", is_flag=True,
              help="Send each digit only after the previous one's outputs are read "
                   "(default: the next digit's pixels travel while the DSP computes).")
def command(count, dataset, images, weights, as_json, verbose, show, clock_mhz, wait_states,
            sequential):
    """Classify digits with LeNet-1 running as DSP32C assembly on the emulated 1989 board.

    By default all 2,007 USPS test digits with the shipped USPS weights. Prints accuracy,
    agreement with the NumPy reference network, latency per digit (emulated ms), digits per
    second of emulated time, MAC utilisation and the emulator's own speed.
    """
    import json
    import sys
    import time

    from emulator.machine import MachineConfig
    from lenet_firmware import driver, model
    from lenet_firmware.data import load_dataset

    began = time.perf_counter()
    if images is not None:
        xs, labels = _load_images(images, driver)
        source = f"digits of {images}"
    else:
        xs, labels = load_dataset(dataset, "test")
        source = f"{DATASET_NAMES[dataset]} test digits"
    total = len(xs)
    if count is not None:
        xs = xs[:count]
        labels = None if labels is None else labels[:count]
    source = (f"{len(xs):,} " if len(xs) == total else f"{len(xs):,} of the {total:,} ") + source
    config = MachineConfig(clock_hz=round(clock_mhz * 1e6), ext_wait_states=wait_states)
    net, _ = driver.load_network(weights, dataset)
    bar = None
    progress = None
    if sys.stderr.isatty() and not as_json:
        from tqdm import tqdm
        bar = tqdm(total=len(xs), unit="digit", file=sys.stderr, leave=False)

        def tick(_digit):
            bar.update(1)
        progress = tick
    try:
        result = driver.run_lenet(xs, weights, config, dataset=dataset,
                                  overlap=not sequential, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    ref = model.forward(net, xs)
    wall = time.perf_counter() - began
    summary = _summary(result, ref, labels, wall)
    summary["source"] = source
    summary["weights"] = _display_path(weights or driver.WEIGHT_FILES[dataset])
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    if show:
        click.echo(_draw(xs, result.classes, labels))
    if verbose:
        click.echo(_digit_table(result, ref, labels))
    click.echo(_report(summary, result))


def _display_path(path) -> str:
    import os

    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _load_images(path, driver):
    """(images, labels or None) from an .npz; one-line LenetError for anything malformed."""
    import zipfile

    import numpy as np

    try:
        with open(path, "rb") as fh:
            magic = fh.read(6)
    except FileNotFoundError:
        raise driver.LenetError(f"{path}: no such file") from None
    if not magic.startswith((b"PK", b"\x93NUMPY")):  # else NumPy guesses "pickled data"
        raise driver.LenetError(f"{path}: not an .npz file")
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise driver.LenetError(f"{path}: no such file") from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise driver.LenetError(f"{path}: not an .npz file ({str(exc).splitlines()[0]})") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise driver.LenetError(f"{path}: a single array, expected an .npz with `images`")
    with f:
        if "images" not in f.files:
            raise driver.LenetError(f"{path}: no array `images` (has: {', '.join(f.files) or 'none'})")
        try:
            images = f["images"]
            labels = f["labels"] if "labels" in f.files else None
        except (OSError, ValueError) as exc:
            raise driver.LenetError(f"{path}: unreadable array ({str(exc).splitlines()[0]})") from None
    if images.dtype.kind not in "fiu":
        raise driver.LenetError(f"{path}: `images` has dtype {images.dtype}, expected float")
    images = driver.check_images(images, f"{path}: `images`")
    if len(images) == 0:
        raise driver.LenetError(f"{path}: `images` holds no digits")
    if labels is not None:
        if labels.dtype.kind not in "iu" or labels.shape != (len(images),):
            raise driver.LenetError(f"{path}: `labels` must be {len(images)} integers, "
                                    f"got shape {labels.shape} dtype {labels.dtype}")
        if len(labels) and (labels.min() < 0 or labels.max() > 9):
            raise driver.LenetError(f"{path}: `labels` must be digits 0-9")
    return images, labels


def _summary(result, ref, labels, wall) -> dict:
    """The JSON object (and the figures of the text report)."""
    import numpy as np

    n = result.count
    lat = result.latency_s
    ref_cls = ref.argmax(axis=1)
    out = {
        "count": n,
        "accuracy": None if labels is None else float(np.mean(result.classes == labels)),
        "errors": None if labels is None else int(np.sum(result.classes != labels)),
        "reference_accuracy": None if labels is None else float(np.mean(ref_cls == labels)),
        "agreement_with_reference": float(np.mean(result.classes == ref_cls)),
        "max_abs_output_diff": float(np.abs(result.outputs - ref).max()),
        "latency_ms": {
            "mean": 1e3 * float(lat["total"].mean()),
            "p50": 1e3 * float(np.percentile(lat["total"], 50)),
            "p99": 1e3 * float(np.percentile(lat["total"], 99)),
            **{p: 1e3 * float(lat[p].mean()) for p in ("transfer_in", "compute", "waiting",
                                                        "transfer_out")},
        },
        "digits_per_second_emulated": result.digits_per_second,
        "sequence_seconds_emulated": result.sequence_s,
        "mac_utilization": result.mac_utilization,
        "instructions_per_digit": float(result.instructions.mean()),
        "macs_per_digit": float(result.macs.mean()),
        "emulator_mips": result.emulator_mips,
        "wall_seconds": wall,
        "digit_loop_wall_seconds": result.wall_s,
        "digits_per_second_wall": n / wall,
        "board": result.board,
        "overlap": result.overlap,
        "activation": result.activation,
        "weights_sha256": result.weights_sha256,
        "profile": result.profile,
    }
    return out


def _report(s, result) -> str:
    lat = s["latency_ms"]
    b = s["board"]
    lines = [f"dsp32c lenet: {s['source']} through LeNet-1 on the emulated DSP32C board"]
    if s["accuracy"] is not None:
        errors = f"{s['errors']} error" + ("" if s["errors"] == 1 else "s")
        lines.append(f"accuracy          {100 * s['accuracy']:.2f}% ({errors}); "
                     f"NumPy reference {100 * s['reference_accuracy']:.2f}%")
    lines += [
        f"agreement         {100 * s['agreement_with_reference']:.2f}% same class as the NumPy "
        f"reference; largest output difference {s['max_abs_output_diff']:.1e}",
        f"latency per digit mean {lat['mean']:.3f} ms, p50 {lat['p50']:.3f}, p99 {lat['p99']:.3f} "
        f"= transfer in {lat['transfer_in']:.3f} + compute {lat['compute']:.3f} + waiting "
        f"{lat['waiting']:.3f} + transfer out {lat['transfer_out']:.3f}",
        f"throughput        {s['digits_per_second_emulated']:.1f} digits per second of emulated "
        f"time ({'overlapped' if s['overlap'] else 'sequential'} transfers; 1989: 30/s)",
        f"MAC utilisation   {100 * s['mac_utilization']:.1f}% ({s['macs_per_digit']:,.0f} MACs "
        f"in {s['instructions_per_digit']:,.0f} instructions per digit)",
        f"emulator          {s['emulator_mips']:.1f} million guest instructions per second; "
        f"wall {s['wall_seconds']:.1f} s, {s['digits_per_second_wall']:.1f} digits per second",
        f"board             {b['clock_hz'] / 1e6:g} MHz, 4 clocks per instruction, "
        f"{b['ext_wait_states']} wait states, host port access {b['host_port_access_us']:g} us",
        f"weights           {s['weights']} ({s['activation']}), sha256 {s['weights_sha256'][:16]}",
    ]
    return "\n".join(lines)


def _digit_table(result, ref, labels) -> str:
    rows = ["digit  label  dsp  reference  max |diff|  latency ms"]
    for i in range(result.count):
        lab = "-" if labels is None else str(int(labels[i]))
        mark = "" if labels is None or int(labels[i]) == int(result.classes[i]) else "  wrong"
        rows.append(f"{i:5d}  {lab:>5}  {int(result.classes[i]):3d}  {int(ref[i].argmax()):9d}  "
                    f"{abs(result.outputs[i] - ref[i]).max():10.1e}  "
                    f"{1e3 * result.latency_s['total'][i]:10.3f}{mark}")
    return "\n".join(rows)


def _draw(images, classes, labels, per_row: int | None = None) -> str:
    """Digits as 16 lines of text each (two characters per pixel), with the DSP's answer, as
    many side by side as the terminal is wide."""
    import shutil

    if per_row is None:
        per_row = max(1, (shutil.get_terminal_size((80, 24)).columns + 2) // 34)
    blocks = []
    for start in range(0, len(images), per_row):
        group = range(start, min(start + per_row, len(images)))
        for y in range(16):
            blocks.append("  ".join(
                "".join(2 * SHADES[min(9, int((images[i, y, x] + 1) * 5))] for x in range(16))
                for i in group))
        caption = []
        for i in group:
            text = f"#{i}: {int(classes[i])}"
            if labels is not None:
                text += " ok" if int(labels[i]) == int(classes[i]) else f" (is {int(labels[i])})"
            caption.append(text.ljust(32))
        blocks.append("  ".join(caption).rstrip())
        blocks.append("")
    return "\n".join(blocks)
