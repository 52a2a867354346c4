"""`run_lenet` with the host's batched DMA (docs/board-and-host.md, "Batched DMA blocks") gives
exactly what the host making every port access one at a time gives: outputs, classes, every
per-digit latency phase, instruction and MAC counts, the profile, the machine's counters and
the emulated sequence time. Modes as in tests/emulator/test_host_batched_dma.py: "watched"
(the default), "parked only" (no watched runs) and "literal" (the DSP run before every access;
only the machine's executed-instruction total may differ, in its wait loops, which the digit
counts and the profile leave out)."""
import numpy as np
import pytest

from emulator.board import Board
from emulator.host import Host
from lenet_firmware import driver
from lenet_firmware.data import load_dataset

MODES = {"watched": (True, True), "parked only": (True, False), "literal": (False, False)}


@pytest.fixture(scope="module")
def images():
    return load_dataset("usps", "test")[0]


def run(images, mode, monkeypatch, count, overlap=True, outcomes=None):
    original, watched = Host.__init__, Board.sync_watched

    def init(self, *args, **kw):
        original(self, *args, **kw)
        self.batch_dma, self.watch_dma = MODES[mode]

    def spy(self, *args):
        ok = watched(self, *args)
        if outcomes is not None:
            outcomes.append(ok)
        return ok
    monkeypatch.setattr(Host, "__init__", init)
    monkeypatch.setattr(Board, "sync_watched", spy)
    try:
        return driver.run_lenet(images, count=count, overlap=overlap)
    finally:
        monkeypatch.undo()


def assert_same(a, b, instructions_total=True):
    assert np.array_equal(a.outputs, b.outputs) and np.array_equal(a.classes, b.classes)
    assert a.latency_s.keys() == b.latency_s.keys()
    for phase in a.latency_s:
        assert np.array_equal(a.latency_s[phase], b.latency_s[phase]), phase
    assert np.array_equal(a.instructions, b.instructions) and np.array_equal(a.macs, b.macs)
    assert a.profile == b.profile and a.load == b.load
    assert a.sequence_s == b.sequence_s and a.digits_per_second == b.digits_per_second
    ca, cb = dict(a.counters), dict(b.counters)
    if not instructions_total:
        ca.pop("instructions"), cb.pop("instructions")
    assert ca == cb


def test_overlapped_digits_identical_in_all_three_modes(images, monkeypatch):
    outcomes = []
    watched = run(images, "watched", monkeypatch, 5, outcomes=outcomes)
    assert outcomes.count(True) >= 8     # the pixel and result blocks of the digits, at least
    assert_same(watched, run(images, "parked only", monkeypatch, 5))
    assert_same(watched, run(images, "literal", monkeypatch, 5), instructions_total=False)
    # the pixels of the next digit really were sent while the DSP computed
    assert watched.overlap and watched.latency_s["total"][1] > watched.latency_s["compute"][1]


def test_sequential_digits_identical_watched_and_parked_only(images, monkeypatch):
    assert_same(run(images, "watched", monkeypatch, 3, overlap=False),
                run(images, "parked only", monkeypatch, 3, overlap=False))
