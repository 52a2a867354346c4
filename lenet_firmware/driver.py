"""The host side of `dsp32c lenet`: the 486 PC driving the emulated DSP32C card, digit by digit.

    result = run_lenet(images, weights_path=None, board_config=None, count=None)

Once per run (docs/protocol.md): assemble lenet.s, pack the weights into the firmware's memory
map (pack.py), reset the DSP and DMA firmware and weights onto the card, verify them, start it.
Per digit: DMA the 256 pixels as int16 Q14 codes into one of two input blocks, write the
block's address to PIR; the DSP raises PIF when the 10 outputs and the class are in the block's
result area and PIR holds the class; the host reads PIR (which clears PIF and lets the DSP take
the next command) and DMA-reads the outputs.

Overlap (default): while the DSP computes digit i, the host sends digit i+1's pixels into the
other block, timed to finish just before digit i is expected to be done (the firmware has no
data-dependent branches, so each digit takes the same time: the previous digit's is the
estimate). So the DSP waits only for the host's PIR read and write between digits, and a
digit's pixels do not sit in memory for a whole digit time. `overlap=False` sends each digit
only after the previous one's outputs are read.

Latency per digit, in emulated seconds, from the start of its pixel transfer to the end of its
output read, is split into transfer_in (pixel DMA + the PIR command), compute (command written
-> the DSP's PIR write), transfer_out (PIR read + output DMA) and waiting (the rest: polling
delay, the PIR command of the next digit, and pixels waiting for the DSP to become free).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from dsp32c.assembler import assemble_files
from dsp32c.decode import decode
from dsp32c.errors import Dsp32cError
from dsp32c.numbers import dsp_to_float
from emulator import state as S
from emulator.board import Board, HostCosts
from emulator.errors import DspFault
from emulator.host import Host, HostTimeout, PioError
from emulator.machine import MachineConfig
from lenet_firmware import model, pack

HERE = Path(__file__).resolve().parent
FIRMWARE = HERE / "lenet.s"
WEIGHT_FILES = {"usps": HERE / "weights" / "usps.npz", "mnist": HERE / "weights" / "mnist.npz"}
PHASES = ("transfer_in", "compute", "waiting", "transfer_out")
# profile rows: routine -> the firmware label where it starts (lenet.s), in address order
ROUTINES = {"receive": "wait", "h1": "h1", "h2": "h2", "h3": "h3", "output": "out",
            "class": "class", "squash": "tanh_stages"}
WAIT_LOOPS = ("wait", "done")   # the DSP's self-loops on PIF: idle time, not digit work
RESULT_BYTES = 42            # 10 DSP32 floats and the int16 class
JIT_MARGIN_S = 20e-6         # pixels of the next digit are in place this long before it is due
WAIT_TIMEOUT_S = 10.0        # emulated seconds a digit may take before the host gives up
IMAGE_SLACK = 1e-9           # tolerance on the [-1, 1] pixel range (float32 data)
# Largest |DSP output - NumPy float64 output| accepted (docs/firmware.md, "Accuracy"): the
# issue allows 0.01; measured on the shipped weights it is below 1e-4 (Q14 pixels, DSP32
# rounding, the squashing function's 1e-5).
OUTPUT_TOLERANCE = 1e-3


class LenetError(Dsp32cError):
    """Images, weights or a run the firmware cannot handle; one line."""


@lru_cache(maxsize=1)
def firmware():
    """The assembled firmware (dsp32c.assembler.Program)."""
    return assemble_files([str(FIRMWARE)])


def check_images(images, where: str = "images") -> np.ndarray:
    """float64 (N, 16, 16) with every pixel finite and in [-1, 1]; LenetError otherwise."""
    try:
        a = np.asarray(images, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise LenetError(f"{where}: not numeric ({exc})") from None
    if a.ndim == 2 and a.shape == (16, 16):
        a = a[None]
    if a.ndim != 3 or a.shape[1:] != (16, 16):
        raise LenetError(f"{where}: shape {a.shape}, expected (N, 16, 16)")
    if not np.all(np.isfinite(a)):
        raise LenetError(f"{where}: holds non-finite values")
    if a.size and (a.min() < -1 - IMAGE_SLACK or a.max() > 1 + IMAGE_SLACK):
        raise LenetError(f"{where}: values span [{a.min():.4g}, {a.max():.4g}], expected [-1, 1]")
    return a


@dataclass
class DigitRecord:
    outputs: np.ndarray      # (10,) float64, the DSP's outputs
    pir: int                 # the class the DSP wrote to PIR
    times: dict              # phase -> seconds, plus "total"
    instructions: int        # DSP instructions for this digit (wait loops excluded)
    macs: int


@dataclass
class LenetResult:
    outputs: np.ndarray             # (N, 10) float64
    classes: np.ndarray             # (N,) int64: the class in PIR
    latency_s: dict                 # phase (PHASES) and "total" -> (N,) float64 seconds
    sequence_s: float               # emulated time from the first pixel to the last output
    digits_per_second: float        # N / sequence_s
    instructions: np.ndarray        # (N,) per digit
    macs: np.ndarray                # (N,) per digit
    mac_utilization: float          # MACs issued / instruction slots of the compute phases
    profile: dict                   # routine -> {"instructions", "macs", "cycles", "share"}
    counters: dict                  # the machine's counters over the digits
    board: dict                     # settings
    weights_sha256: str
    activation: str
    overlap: bool
    wall_s: float                   # wall-clock seconds of the digit loop
    load: dict = field(default_factory=dict)   # one-time load: emulated seconds, bytes

    @property
    def count(self) -> int:
        return len(self.classes)

    @property
    def emulator_mips(self) -> float:
        return float(self.instructions.sum()) / self.wall_s / 1e6 if self.wall_s else 0.0


def board_settings(config: MachineConfig, costs: HostCosts) -> dict:
    return {"clock_hz": int(config.clock_hz), "ext_wait_states": int(config.ext_wait_states),
            "conflict_rule": dict(config.conflict_rule),
            "host_port_access_us": costs.port16_ps / 1e6}


class LenetBoard:
    """A board with the firmware and one network loaded: classify() runs digits through it."""

    def __init__(self, weights: dict, board_config: MachineConfig | None = None,
                 host_costs: HostCosts | None = None):
        self.config = board_config or MachineConfig()
        self.costs = host_costs or HostCosts()
        self.program = firmware()
        self.layout = dict(self.program.constants)
        try:
            self.packed = pack.pack(weights, self.layout)
        except (pack.PackError, ValueError) as exc:
            raise LenetError(str(exc)) from None
        self.board = Board(self.config, self.costs)
        self.host = Host(self.board)
        self.slots = (self.layout["SLOT0"], self.layout["SLOT1"])
        segments = list(self.program.segments) + self.packed.segments
        t0 = self.board.now
        try:
            self.host.load_program(segments, verify=True)
            self.host.start()
        except (PioError, DspFault) as exc:
            raise LenetError(f"loading the firmware: {exc.one_line()}") from None
        self.digit_ps = None   # the DSP's time per digit, learned from the self-test
        self.self_test(weights)
        self.load = {"seconds": (self.board.now - t0) / 1e12,
                     "bytes": sum(len(d) for _, d in segments)}

    def self_test(self, weights: dict) -> None:
        """One blank digit through the loaded board, before any real one: its outputs must
        match the NumPy reference within OUTPUT_TOLERANCE (a check of the whole load), and
        its compute time becomes the overlap's schedule."""
        blank = -np.ones((1, 16, 16))
        rec = self.classify(blank, overlap=False)[0]
        ref = model.forward(weights, blank)[0]
        diff = float(np.abs(rec.outputs - ref).max())
        if not diff <= OUTPUT_TOLERANCE:
            raise LenetError(f"self-test: a blank digit's outputs differ from the NumPy "
                             f"reference by {diff:.3g} (tolerance {OUTPUT_TOLERANCE:g})")
        self.digit_ps = round(rec.times["compute"] * 1e12)

    # --- one digit's host steps -------------------------------------------------------------
    def _send(self, codes: np.ndarray, i: int) -> tuple[int, int]:
        t = self.board.now
        self.host.dma_write(self.slots[i % 2], codes[i].ravel().view(np.uint16), 16)
        return t, self.board.now

    def _command(self, i: int) -> tuple[int, int]:
        """PIR = the input block's address; (start, end) of that write."""
        t = self.board.now
        self.host.write_pir(self.slots[i % 2])
        return t, self.board.now

    def _taken(self) -> None:
        """Poll until the DSP has read the command (PIF = 0): PIF is one flag for both
        directions, so only after that can PIF = 1 mean a result."""
        self.host.wait_flag("pie", timeout_s=WAIT_TIMEOUT_S)

    def _ready_time(self) -> int:
        """When the DSP's latest port access (its PIR write) became visible to the host."""
        st, b = self.board.machine.st, self.board
        start = b.dsp_clock - (int(st[S.CYCLES]) - int(st[S.PIO_EVENT_CYCLE]))
        return b.time_at(start + 1)

    def _word_index(self, addr: int) -> int:
        """Flat word index (in the machine's execution counts) of a firmware address."""
        m = self.board.machine
        return (int(m.page_off[addr >> 8]) + (addr & 0xFF)) >> 2

    def _loop_word(self, label: str) -> int:
        return self._word_index(self.program.symbols[label])

    def _snapshot(self) -> tuple[int, int]:
        """(instructions, MACs) the DSP has executed outside its two wait loops."""
        m = self.board.machine
        loops = sum(int(m.exec_count[w + k]) for w in self._loops for k in (0, 1))
        return int(m.st[S.INSTRET]) - loops, int(m.st[S.MACS])

    def classify(self, images, overlap: bool = True, progress=None) -> list[DigitRecord]:
        """Run every image through the DSP. progress(i) is called after each digit."""
        images = check_images(images)
        codes = pack.pixels_to_codes(images)
        n = len(codes)
        if n == 0:
            return []
        h, b = self.host, self.board
        self._loops = tuple(self._loop_word(label) for label in WAIT_LOOPS)
        t_in = [None] * n       # (start, end) of the pixel DMA
        t_cmd = [None] * n      # (start, end) of the PIR command
        work = [None] * (n + 1)  # (instructions, MACs) when command i is written, and at the end
        est_compute = self.digit_ps
        records = []
        i = 0
        try:
            t_in[0] = self._send(codes, 0)
            est_send = t_in[0][1] - t_in[0][0]
            t_cmd[0] = self._command(0)
            work[0] = self._snapshot()   # the DSP is synced to the command: still waiting
            self._taken()
            for i in range(n):
                if overlap and i + 1 < n:
                    if est_compute is not None:
                        h.idle_until(t_cmd[i][1] + est_compute - est_send - b.ps(JIT_MARGIN_S))
                    t_in[i + 1] = self._send(codes, i + 1)
                h.wait_flag("pif", timeout_s=WAIT_TIMEOUT_S)
                t_ready = h.last_wait.get("visible_ps", -1)
                if t_ready < 0:          # PIF was up before the host looked
                    t_ready = self._ready_time()
                t_out0 = b.now
                pir = h.read_pir()
                t_pir = b.now - t_out0
                if i + 1 < n:
                    if not overlap:
                        t_in[i + 1] = self._send(codes, i + 1)
                    t_cmd[i + 1] = self._command(i + 1)
                    work[i + 1] = self._snapshot()
                    self._taken()
                t_dma0 = b.now
                raw = h.dma_read(self.slots[i % 2] + self.layout["RESULT"], RESULT_BYTES, 16)
                t_end = b.now
                if i + 1 == n:
                    work[n] = self._snapshot()
                words = np.frombuffer(raw[:40], "<u4")
                stored = int(np.frombuffer(raw[40:42], "<i2")[0])
                if stored != (pir if pir < 0x8000 else pir - 0x10000):
                    raise LenetError(f"digit {i}: PIR says class {pir} but the result block "
                                     f"holds {stored}")
                compute = t_ready - t_cmd[i][1]
                times = {
                    "transfer_in": (t_in[i][1] - t_in[i][0]) + (t_cmd[i][1] - t_cmd[i][0]),
                    "compute": compute,
                    "transfer_out": t_pir + (t_end - t_dma0),
                    "total": t_end - t_in[i][0],
                }
                times["waiting"] = times["total"] - sum(times[p] for p in PHASES if p != "waiting")
                est_compute = compute
                records.append(DigitRecord(dsp_to_float(words).astype(np.float64), pir,
                                           {k: v / 1e12 for k, v in times.items()}, 0, 0))
                if progress is not None:
                    progress(i)
        except DspFault as exc:
            raise LenetError(f"digit {i}: {exc.one_line()}") from None
        except HostTimeout as exc:
            raise LenetError(f"digit {i}: {exc.one_line()}") from None
        for k, r in enumerate(records):   # digit k's work lies between commands k and k + 1
            r.instructions = work[k + 1][0] - work[k][0]
            r.macs = work[k + 1][1] - work[k][1]
        self.first_ps = t_in[0][0]
        return records

    # --- reports ----------------------------------------------------------------------------
    def routine_starts(self) -> dict:
        """Routine name -> start address (for emulator profilers such as
        benchmarks/routine_profile.py), in address order."""
        return {name: self.program.symbols[label] for name, label in ROUTINES.items()}

    def profile(self, exec_before: np.ndarray) -> dict:
        """Per routine since exec_before (a copy of the machine's per-word execution counts):
        instructions and MACs, counted from every executed address (the two wait loops left
        out), and cycles = 4 x instructions, exact when the run has no wait-state or conflict
        clocks (the firmware has no conflicts; counters holds the run's extra clocks)."""
        m = self.board.machine
        delta = m.exec_count - exec_before
        for label in WAIT_LOOPS:
            w = self._loop_word(label)
            delta[w:w + 2] = 0
        starts = self.routine_starts()
        end = max(s.address + s.size for s in self.program.sections if s.name == ".ram0")
        bounds = list(starts.values()) + [end]
        rows = {}
        for name, lo, hi in zip(starts, bounds, bounds[1:]):
            ins = macs = 0
            for addr in range(lo, hi, 4):
                c = int(delta[self._word_index(addr)])
                if c:
                    ins += c
                    macs += c * is_mac(m.read(addr, 4))
            rows[name] = {"instructions": ins, "macs": macs, "cycles": 4 * ins}
        total = max(sum(r["instructions"] for r in rows.values()), 1)
        for r in rows.values():
            r["share"] = r["instructions"] / total
        return rows


@lru_cache(maxsize=4096)
def is_mac(word: int) -> int:
    """1 if the instruction issues a multiply-accumulate as the emulator counts them (DA
    formats 2 and 3, and format 1 with an accumulator multiplier), else 0."""
    d = decode(word)
    if d is None:
        return 0
    if d.name in ("da_mul_acc", "da_tap_mul"):
        return 1
    return int(d.name == "da_mul_add" and d.fields["m"] <= 3)


def load_network(weights_path=None, dataset: str = "usps") -> tuple[dict, str]:
    """(weights, sha256 of the file) of a weight file, or the shipped one for `dataset`."""
    path = Path(weights_path) if weights_path is not None else WEIGHT_FILES[dataset]
    try:
        weights = model.load_weights(path)
    except model.WeightFileError as exc:
        raise LenetError(str(exc)) from None
    return weights, pack.weights_sha256(path)


def run_lenet(images, weights_path=None, board_config: MachineConfig | None = None,
              count: int | None = None, *, dataset: str = "usps",
              host_costs: HostCosts | None = None, overlap: bool = True,
              progress=None) -> LenetResult:
    """Classify `images` ((N, 16, 16) in [-1, 1]) on the emulated board.

    weights_path: a weight file (default: the shipped weights of `dataset`). board_config:
    emulator.machine.MachineConfig (clock, wait states, conflict rule). count: only the
    first `count` images. Raises LenetError (one line) for bad input or a firmware fault."""
    images = check_images(images)
    if count is not None:
        if count < 0:
            raise LenetError(f"count must be >= 0, not {count}")
        images = images[:count]
    weights, sha = load_network(weights_path, dataset)
    dsp = LenetBoard(weights, board_config, host_costs)
    m = dsp.board.machine
    before = m.counters()
    exec_before = m.exec_count.copy()
    t0 = time.perf_counter()
    records = dsp.classify(images, overlap=overlap, progress=progress)
    wall = time.perf_counter() - t0
    after = m.counters()
    n = len(records)
    lat = {p: np.array([r.times[p] for r in records]) for p in PHASES + ("total",)}
    sequence = (dsp.board.now - dsp.first_ps) / 1e12 if n else 0.0
    instructions = np.array([r.instructions for r in records], dtype=np.int64)
    macs = np.array([r.macs for r in records], dtype=np.int64)
    slots = float(lat["compute"].sum()) * dsp.config.clock_hz / 4
    counters = {k: after[k] - before[k] for k in
                ("instructions", "cycles", "wait_clocks", "conflict_clocks", "macs")}
    return LenetResult(
        outputs=np.array([r.outputs for r in records]).reshape(n, 10),
        classes=np.array([r.pir for r in records], dtype=np.int64),
        latency_s=lat, sequence_s=sequence,
        digits_per_second=n / sequence if sequence else 0.0,
        instructions=instructions, macs=macs,
        mac_utilization=float(macs.sum()) / slots if slots else 0.0,
        profile=dsp.profile(exec_before) if n else {},
        counters=counters, board=board_settings(dsp.config, dsp.costs),
        weights_sha256=sha, activation=weights["meta"]["activation"], overlap=overlap,
        wall_s=wall, load=dsp.load)
