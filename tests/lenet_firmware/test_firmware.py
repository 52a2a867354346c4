"""The LeNet-1 firmware on the emulated board: every output against the NumPy reference, the
memory image's walk orders against the network, the instruction and MAC counts worked out
from the code by hand, the pipeline and memory rules, the protocol, faults."""
import numpy as np
import pytest

from dsp32c.numbers import dsp_to_float
from emulator import state as S
from lenet_firmware import driver, model, pack
from lenet_firmware.data import load_dataset

CLOCK_NS = 80  # one instruction at 50 MHz


@pytest.fixture(scope="module")
def usps():
    weights, _ = driver.load_network(dataset="usps")
    images, labels = load_dataset("usps", "test")
    return weights, images, labels


@pytest.fixture(scope="module")
def board(usps):
    return driver.LenetBoard(usps[0])


# --- the memory image, checked without the emulator -----------------------------------------

def test_h1_ring_walk_gives_the_reference_h1(usps):
    """The 19x19 ring buffer (-16384 around the Q14 pixels) walked as lenet.s walks it, with
    pack's kernels (x 2^-14) and biases, gives the reference's H1 pre-activations."""
    weights, images, _ = usps
    x = images[3].astype(np.float64)
    ring = np.full((19, 19), -float(pack.PIXEL_SCALE))
    ring[2:18, 2:18] = x * pack.PIXEL_SCALE
    v = pack.region_values(weights)
    kern = v["H1W"].reshape(12, 25)
    bias = v["H1B"].reshape(12, 8, 8)
    _, hidden = model.forward(weights, x[None], hidden=True)
    for m in range(12):
        for u in range(8):
            for w in range(8):
                win = ring[2 * u:2 * u + 5, 2 * w:2 * w + 5].ravel()
                a = bias[m, u, w] + win @ kern[m]
                assert np.tanh(a) == pytest.approx(hidden["H1"][0, m, u, w], abs=1e-12)


def test_h2_group_array_walk_gives_the_reference_h2(usps):
    """Group arrays [row][slot][col] of the reference H1 maps, walked as lenet.s walks them
    (c taps, then a jump of 9 - c floats, 8r times from row y0, column x0), against pack's
    H2W stream and folded H2B, give the reference's H2 units."""
    weights, images, _ = usps
    _, hidden = model.forward(weights, images[7:8], hidden=True)
    h1 = hidden["H1"][0]
    groups = [np.array([[[h1[m, y, x] for x in range(8)] for m in maps] for y in range(8)]).ravel()
              for maps in pack.GROUP_MAPS]
    stream = iter(pack.region_values(weights)["H2W"])
    bias = iter(pack.region_values(weights)["H2B"])
    for k in range(12):
        g = groups[k // 4]
        for u in range(4):
            y0, y1 = pack.window(u)
            for v in range(4):
                x0, x1 = pack.window(v)
                r, c = y1 - y0 + 1, x1 - x0 + 1
                ptr, a = y0 * 64 + x0, next(bias)
                for _ in range(8 * r):
                    for t in range(c):
                        a += g[ptr] * next(stream)
                        ptr += 1 if t < c - 1 else 9 - c
                assert np.tanh(a) == pytest.approx(hidden["H2"][0, k, u, v], abs=1e-12)
    assert next(stream, None) is None and next(bias, None) is None


def test_pack_refuses_a_connection_table_without_a_group_array(usps):
    weights = dict(usps[0])
    table = [list(r) for r in model.CONNECTION_TABLE]
    table[5] = [0, 1, 2, 3, 4, 5, 6, 8]
    weights["meta"] = dict(weights["meta"], connection_table=table)
    with pytest.raises(pack.PackError, match="row 5"):
        pack.region_values(weights)


def test_pixel_codes_are_q14():
    codes = pack.pixels_to_codes(np.array([[-1.0, 1.0, 0.5, -0.25, 1e-5, 0.999]]))
    assert codes.dtype == np.int16
    assert codes.tolist() == [[-16384, 16384, 8192, -4096, 0, 16368]]


# --- the firmware on the board ----------------------------------------------------------------

def test_every_output_matches_the_reference(board, usps):
    weights, images, _ = usps
    recs = board.classify(images[:6])
    ref = model.forward(weights, images[:6])
    out = np.array([r.outputs for r in recs])
    assert np.abs(out - ref).max() <= driver.OUTPUT_TOLERANCE
    assert [r.pir for r in recs] == list(ref.argmax(axis=1))


@pytest.mark.parametrize("dataset,activation", [("mnist", None), ("usps", "1.7159*tanh(2x/3)")])
def test_other_weights_and_the_scaled_tanh(dataset, activation):
    weights, _ = driver.load_network(dataset=dataset)
    if activation:   # the same numbers read as a network with LeCun's squashing function
        weights = dict(weights, meta=dict(weights["meta"], activation=activation))
    images, _ = load_dataset(dataset, "test")
    recs = driver.LenetBoard(weights).classify(images[10:14], overlap=False)
    ref = model.forward(weights, images[10:14])
    out = np.array([r.outputs for r in recs])
    assert np.abs(out - ref).max() <= driver.OUTPUT_TOLERANCE
    assert [r.pir for r in recs] == list(ref.argmax(axis=1))


def test_instructions_and_macs_per_digit_follow_from_the_code(board, usps):
    """Counted from lenet.s and squash.inc by hand (docs/firmware.md, "Cycle budget")."""
    receive = 4 + 256 + 1
    h1_map = 2 + 8 * (1 + 8 * 30 + 2) + 3 + (5 + 64) + (3 + 64) + 2 + 1 + 2
    h1 = 12 + 12 * h1_map
    h2_row = {r: 3 + (28 + 8 * r * (3 + 5 + 5 + 4)) + 2 for r in (3, 5, 5, 4)}
    h2_map = 2 + sum(h2_row[r] for r in (3, 5, 5, 4)) + 2
    h2 = 8 + 3 * (2 + 4 * h2_map + 3 + 3 + 64 + 3 + 2)
    h3 = 5 + 30 * (2 + 192 + 4 + 2) + 3 + 4 + 30 + 2
    out = 5 + 10 * (2 + 30 + 4 + 2) + 3 + 4 + 10 + 2
    klass = 5 + 3 * 9 + 1 + 3 + 3 + 2
    stages = sum(12 * n + 57 for n in [64] * 15 + [30, 10])
    assert h1 == 25_092 and h2 == 29_615 and stages == 12_969
    total = receive + h1 + h2 + h3 + out + klass + stages
    # MACs: the network's 63,660 (25/unit in H1 with its ring, in-bounds only in H2) are
    # 19,200 + 27,744 + 5,760 + 300; the squashing adds 12 products per unit, H1 one more copy
    macs = 19_200 + 27_744 + 5_760 + 300 + 12 * 1000 + 768
    recs = board.classify(usps[1][:2])
    assert [r.instructions for r in recs] == [total, total] == [74_426] * 2
    assert [r.macs for r in recs] == [macs, macs] == [65_772] * 2
    # compute time = the digit's instructions at 80 ns, less the DSP's head start inside the
    # host's 1 us PIR write and the 2 instructions after its PIR write
    for r in recs:
        assert abs(r.times["compute"] - total * CLOCK_NS * 1e-9) < 1.5e-6


def test_no_hazards_and_no_conflict_clocks(board, usps):
    m = board.board.machine
    hazards = []
    m.hazard_sink = hazards.append
    before = m.counters()
    m.run = lambda *a, **k: type(m).run(m, *a, **{**k, "hazards": True})
    try:
        board.classify(usps[1][20:21], overlap=False)
    finally:
        del m.run
        m.hazard_sink = None
    assert not hazards, "the firmware reads a value still in flight"
    after = m.counters()
    assert after["conflict_clocks"] == before["conflict_clocks"]
    assert after["wait_clocks"] == before["wait_clocks"]


def test_protocol_pir_carries_the_class_and_the_dsp_waits_for_the_read(usps):
    weights, images, _ = usps
    b = driver.LenetBoard(weights)
    h, m, prog = b.host, b.board.machine, b.program
    codes = pack.pixels_to_codes(images[:1])
    slot = prog.constants["SLOT1"]
    h.dma_write(slot, codes[0].ravel().view(np.uint16), 16)
    h.write_pir(slot)                    # the command: the address of the input block
    h.wait_flag("pif", timeout_s=1.0)
    h.spend(50e-6)
    b.board.run_dsp_until(b.board.now)
    done = prog.symbols["done"]
    assert done <= int(m.st[S.PC]) <= done + 4, "the DSP must wait until its result is read"
    cls = h.read_pir()
    h.spend(50e-6)
    b.board.run_dsp_until(b.board.now)
    wait = prog.symbols["wait"]
    assert wait <= int(m.st[S.PC]) <= wait + 4, "after the read it waits for a command"
    raw = h.dma_read(slot + prog.constants["RESULT"], 42, 16)
    ref = model.forward(weights, images[:1])[0]
    assert cls == ref.argmax() == np.frombuffer(raw[40:], "<i2")[0]
    out = dsp_to_float(np.frombuffer(raw[:40], "<u4"))
    assert np.abs(out - ref).max() <= driver.OUTPUT_TOLERANCE


def test_latency_split_and_overlap(board, usps):
    images = usps[1][30:36]
    seq = driver.run_lenet(images, count=6, overlap=False)
    ovl = driver.run_lenet(images, count=6, overlap=True)
    for r in (seq, ovl):
        parts = sum(r.latency_s[p] for p in driver.PHASES)
        np.testing.assert_allclose(parts, r.latency_s["total"], rtol=0, atol=1e-12)
        assert r.digits_per_second == pytest.approx(6 / r.sequence_s)
        # 256 halfwords + PARE, PAR, 2 x PCR + the PIR command at 1 us each
        np.testing.assert_allclose(r.latency_s["transfer_in"], 261e-6, atol=1e-9)
        # PIR read + 21 halfwords + 4 DMA set-up accesses
        np.testing.assert_allclose(r.latency_s["transfer_out"], 26e-6, atol=1e-9)
    np.testing.assert_array_equal(seq.outputs, ovl.outputs)
    # overlapping hides the pixel transfer: about 0.26 ms more per digit of emulated time
    assert 1 / seq.digits_per_second - 1 / ovl.digits_per_second > 0.2e-3
    assert ovl.latency_s["waiting"].max() < 0.1e-3
    assert set(ovl.profile) == set(driver.ROUTINES)
    assert sum(p["macs"] for p in ovl.profile.values()) == ovl.macs.sum()
    assert sum(p["instructions"] for p in ovl.profile.values()) == ovl.instructions.sum()
    assert ovl.profile["h2"]["macs"] == 6 * (27_744 + 192)


def test_a_firmware_fault_names_the_digit_pc_and_word(usps):
    weights, images, _ = usps
    b = driver.LenetBoard(weights)
    h3 = b.program.symbols["h3"]
    b.board.machine.write(h3, 4, 0x08000000)      # an unassigned opcode where H3 begins
    with pytest.raises(driver.LenetError) as exc:
        b.classify(images[:2])
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("digit 0: ")
    assert f"pc={h3:#08x}" in msg and "word=0x08000000" in msg and "illegal" in msg


@pytest.mark.parametrize("bad,match", [
    (np.zeros((2, 16, 15)), "shape"),
    (np.full((1, 16, 16), np.nan), "non-finite"),
    (np.full((1, 16, 16), 1.5), r"\[-1, 1\]"),
    ("abc", "not numeric"),
])
def test_bad_images_are_one_line_errors(bad, match):
    with pytest.raises(driver.LenetError, match=match):
        driver.check_images(bad)
