"""Write the README's "## Benchmarks" section: the tables of `dsp32c bench --markdown`.

    python benchmarks/update_readme.py                      # run the full bench (minutes)
    python benchmarks/update_readme.py --from-json out.json # from `dsp32c bench --json > out.json`

Only that section changes: from its heading to the next "## " heading (it is placed before
"## Status" when the README has none yet).
"""
import argparse
import json
import re
import textwrap
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## Benchmarks"
INTRO = ("Emulated-time figures (digits/s on the board, latency, cycles, MAC utilisation) are "
         "deterministic; wall-clock figures depend on the machine below and are given beside "
         "a reference measured in the same run. `dsp32c bench --json` gives every figure "
         "(`--quick`: a reduced run for CI; `--digits N`, `--processes N` to size it); "
         "benchmarks/README.md defines them, and `python benchmarks/update_readme.py` "
         "rewrites this section.")


def section(result: dict) -> str:
    from benchmarks import report

    return f"{HEADING}\n\n{textwrap.fill(INTRO, 96)}\n\n{report.render_markdown(result)}\n"


def replace_section(text: str, new: str) -> str:
    m = re.search(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", text, re.S | re.M)
    if m:
        return text[:m.start()] + new + text[m.end():]
    m = re.search(r"^## Status\n", text, re.M)
    if m:
        return text[:m.start()] + new + text[m.start():]
    return text.rstrip("\n") + "\n\n" + new


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from-json", metavar="FILE", help="a saved `dsp32c bench --json` result")
    ap.add_argument("--quick", action="store_true", help="run the quick bench instead")
    args = ap.parse_args()
    if args.from_json:
        result = json.loads(Path(args.from_json).read_text())
    else:
        from benchmarks import suite

        result = suite.run_all(suite.plan(args.quick))
    README.write_text(replace_section(README.read_text(), section(result)))
    print(f"wrote the {HEADING[3:]} section of {README}")


if __name__ == "__main__":
    main()
