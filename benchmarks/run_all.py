"""Every benchmark in benchmarks/, one after the other, each with its default arguments; their
outputs go to benchmarks/results/<name>.log (the load benchmark also writes load.json).

Run: .venv/bin/python benchmarks/run_all.py [--only load,booking_bench] [--quick]

--quick runs the load benchmark for 5 s a scenario (a smoke run, not figures to publish).
Figures to publish go into BENCHMARKS.md by hand, with the machine and the date.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "nlu_bench": [],
    "booking_bench": [],
    "twiml_bench": ["--calls", "200"],
    "operators": [],
    "notices": [],
    "load": [],
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="comma-separated names")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    chosen = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    failed = []
    for name in chosen:
        extra = list(BENCHMARKS[name])
        if name == "load" and args.quick:
            extra += ["--seconds", "5"]
        started = time.monotonic()
        with open(results / f"{name}.log", "w") as log:
            code = subprocess.call([sys.executable, str(HERE / f"{name}.py"), *extra],
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        took = time.monotonic() - started
        print(f"{name}: {'ok' if code == 0 else f'exit {code}'} in {took:.0f} s "
              f"(benchmarks/results/{name}.log)", flush=True)  # fmt: skip
        if code:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
