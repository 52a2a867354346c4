"""Memory map, Python-side memory access, and timing (reference README: 4 clocks per
instruction, wait states per external access, the conflict rule of emulator/timing.py).
Every clock count below is worked out by hand: 4 per instruction + waits + conflicts."""
import pytest

from dsp32c.decode import encode
from emulator.errors import BusError
from emulator.machine import Machine, MachineConfig

IDLE = [encode("goto", c=1, rh=15, n=-8), 0]
RAM0, RAM1, RAM2 = 0xFFF000, 0xFFF800, 0xFFE000


def li(r, n):
    return encode("add_imm", e=0, rd=r, rh=0, n=n)


def mac(z=False):
    """a0 = a0 + *r1 * *r2, with *r3 = in front when z."""
    return encode("da_mul_acc", m=0, f=0, s=0, an=0, xp=1, xi=0, yp=2, yi=0,
                  zp=3 if z else 0, zi=0 if z else 7)


def machine(code_at, words, config=None, r1=0, r2=0, r3=0):
    m = Machine(config)
    m.load_words(code_at, list(words) + IDLE)
    m.set_reg("pc", code_at)
    m.set_reg("r1", r1)
    m.set_reg("r2", r2)
    m.set_reg("r3", r3)
    return m


# --- the map and the Python API ---------------------------------------------------------------
def test_default_map_regions():
    m = Machine()
    assert [(r.name, r.start, r.size) for r in m.regions] == [
        ("ext", 0, 0x40000), ("ram2", RAM2, 0x800), ("ram0", RAM0, 0x800), ("ram1", RAM1, 0x800)]
    for addr, name in ((0x3FFFC, "ext"), (RAM2 + 0x7FC, "ram2"), (RAM0, "ram0"), (0xFFFFFC, "ram1")):
        assert m.region_of(addr) == name
    for addr in (0x40000, 0x7FFFFC, RAM2 + 0x800, 0xFFEFFC):
        assert m.region_of(addr) is None
        with pytest.raises(BusError):
            m.read(addr, 4)


def test_little_endian_sizes():
    m = Machine()
    m.write(RAM0, 4, 0x11223344)
    assert m.read(RAM0, 1) == 0x44 and m.read(RAM0 + 3, 1) == 0x11
    assert m.read(RAM0, 2) == 0x3344 and m.read(RAM0 + 2, 2) == 0x1122
    m.write(RAM0 + 1, 1, 0xAA)
    assert m.read(RAM0, 4) == 0x1122AA44
    assert m.read_block(RAM0, 4) == bytes([0x44, 0xAA, 0x22, 0x11])


@pytest.mark.parametrize("addr,size", [(RAM0 + 1, 2), (RAM0 + 2, 4), (0x800000, 1), (-4, 4),
                                       (0x1000000, 4), (RAM0, 3)])
def test_python_access_errors(addr, size):
    m = Machine()
    with pytest.raises(BusError):
        m.read(addr, size)
    with pytest.raises(BusError):
        m.write(addr, size, 0)


def test_blocks_span_adjacent_regions_and_stop_at_holes():
    m = Machine()
    m.write_block(RAM1 - 4, bytes(range(8)))      # RAM0's last word and RAM1's first
    assert m.read(RAM0 + 0x7FC, 4) == 0x03020100 and m.read(RAM1, 4) == 0x07060504
    assert m.read_block(RAM1 - 2, 4) == bytes([2, 3, 4, 5])
    with pytest.raises(BusError):
        m.write_block(0x3FFFE, b"\0\0\0\0")        # runs past the end of external memory


def test_custom_map():
    from emulator.memory import Region
    cfg = MachineConfig(memory_map=(Region("lo", 0, 0x1000, True), Region("hi", 0x800000, 0x100, False)))
    m = Machine(cfg)
    m.write(0x8000FC, 4, 7)
    assert m.read(0x8000FC, 4) == 7 and m.region_of(0x800000) == "hi"
    with pytest.raises(BusError):
        m.read(0x1000, 4)
    with pytest.raises(ValueError):
        Machine(MachineConfig(memory_map=(Region("a", 0, 0x100, True), Region("b", 0x80, 0x100, True))))


# --- timing -------------------------------------------------------------------------------------
def test_four_clocks_per_instruction_and_clock_rate():
    m = machine(0, [li(1, 1), li(2, 2), li(3, 3)])
    m.run(10_000)
    c = m.counters()
    assert (c["instructions"], c["cycles"], c["wait_clocks"], c["conflict_clocks"]) == (5, 20, 0, 0)
    assert c["seconds"] == pytest.approx(20 / 50e6)


def test_wait_states_on_every_external_fetch():
    m = machine(0, [li(1, 1), li(2, 2), li(3, 3)], MachineConfig(ext_wait_states=2))
    m.run(10_000)
    c = m.counters()
    assert (c["cycles"], c["wait_clocks"], c["accesses"]["ext"]) == (30, 10, 5)


def test_wait_states_on_external_data_only_when_code_is_on_chip():
    m = machine(RAM0, [mac()], MachineConfig(ext_wait_states=2), r1=0x100, r2=RAM1)
    m.run(10_000)
    c = m.counters()
    # 3 instructions fetched from RAM0; X from ext (+2), Y from RAM1
    assert (c["cycles"], c["wait_clocks"], c["conflict_clocks"]) == (14, 2, 0)
    assert c["accesses"] == {"ext": 1, "ram2": 0, "ram0": 3, "ram1": 1}


def test_cau_load_and_store_pay_external_wait_states():
    words = [encode("load_ind", d=0, sz=3, rh=5, p=1, i=0), encode("load_ind", d=1, sz=3, rh=5, p=2, i=0)]
    m = machine(RAM0, words, MachineConfig(ext_wait_states=3), r1=0x200, r2=0x204)
    m.run(10_000)
    assert m.counters()["cycles"] == 4 * 4 + 3 + 3


@pytest.mark.parametrize("z,extra", [(False, 1), (True, 2)])
def test_conflicts_on_the_external_bus(z, extra):
    # fetch + X + Y (+ Z) all external: 3 (4) accesses, 2 served, 1 (2) extra clocks
    m = machine(0, [mac(z)], r1=0x100, r2=0x104, r3=0x108)
    m.run(10_000)
    c = m.counters()
    assert c["conflict_clocks"] == extra and c["cycles"] == 3 * 4 + extra


@pytest.mark.parametrize("z,extra", [(False, 0), (True, 1)])
def test_conflicts_in_one_on_chip_block(z, extra):
    m = machine(RAM0, [mac(z)], r1=RAM1, r2=RAM1 + 4, r3=RAM1 + 8)
    m.run(10_000)
    assert m.counters()["conflict_clocks"] == extra


def test_no_conflict_across_blocks():
    m = machine(RAM0, [mac(True)], r1=RAM1, r2=RAM2, r3=0x100)
    m.run(10_000)
    assert m.counters()["conflict_clocks"] == 0 and m.counters()["cycles"] == 12


def test_conflict_rule_is_a_table():
    cfg = MachineConfig(conflict_rule={"ext": 2, "ram0": 2, "ram1": 1, "ram2": 2})
    m = machine(RAM0, [mac()], cfg, r1=RAM1, r2=RAM1 + 4)
    m.run(10_000)
    assert m.counters()["conflict_clocks"] == 1


def test_waits_and_conflicts_add():
    m = machine(0, [mac()], MachineConfig(ext_wait_states=1), r1=0x100, r2=0x104)
    m.run(10_000)
    c = m.counters()
    # 3 instructions fetched externally (3 waits) + X, Y (2 waits) + 1 conflict clock
    assert (c["wait_clocks"], c["conflict_clocks"], c["cycles"]) == (5, 1, 12 + 6)


def test_execution_counts_per_address():
    words = [encode("do_imm", k=1, n=4), li(1, 1), li(2, 2)]
    m = machine(RAM0, words)
    m.run(10_000)
    counts = m.exec_counts()
    assert counts[RAM0] == 1 and counts[RAM0 + 4] == 5 and counts[RAM0 + 8] == 5
    assert counts[RAM0 + 12] == 1 and RAM0 + 20 not in counts


def test_same_input_same_cycles():
    def once():
        m = machine(0, [mac(True)] * 6 + [encode("do_imm", k=0, n=9), mac()],
                    MachineConfig(ext_wait_states=1), r1=0x100, r2=RAM1, r3=0x200)
        m.run(10_000)
        return m.counters()["cycles"], m.read_block(0x200, 8), m.get_acc_raw(0)
    first = once()
    assert first == once()
    # and the count is the one the rules give (code external, 1 wait state per access):
    # 6 x (*r3 = a0 + *r1 * *r2): fetch, X and Z external = 3 waits + 1 conflict (3 to one
    # memory) -> 8 clocks; do: fetch only -> 5; its body 10 x (fetch, X external) -> 6;
    # goto $ and its slot -> 5 each
    assert first[0] == 6 * (4 + 3 + 1) + (4 + 1) + 10 * (4 + 2) + 2 * (4 + 1)
