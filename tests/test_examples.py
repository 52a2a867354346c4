"""The README's quick-start program does what the README says."""
import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dot4.s"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "dsp32c_cli", *args], capture_output=True, text=True)


def test_dot4_runs_to_idle_with_the_hand_computed_result_and_cycles():
    res = run_cli("run", str(EXAMPLE), "--dump", "result:1:f32", "--stats", "--hazards", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["status"] == "idle (goto $)"
    # 1*0.5 + 2*0.25 + 3*(-1) + 4*2 = 6, exact in DSP32 floats
    assert out["dumps"][0]["values"] == [6.0]
    # 11 instructions x 4 clocks; each of the 4 MACs makes 3 external accesses (fetch, X, Y)
    # where the conflict rule serves 2, so 1 extra clock each (reference README)
    assert out["instructions"] == 11
    assert out["stats"]["conflict_clocks"] == 4
    assert out["cycles"] == 11 * 4 + 4
    assert out["hazards"] == []


def test_hazards_line_says_none_when_clean():
    res = run_cli("run", str(EXAMPLE), "--hazards")
    assert res.returncode == 0
    assert "hazards: none" in res.stdout
