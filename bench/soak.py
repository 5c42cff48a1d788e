"""The soak's long form: the daily pipeline through weeks of a moving source, with faults.

    python bench/soak.py                       # 60 days: 30 across March's DST change, 30 across October's
    python bench/soak.py --windows 2026-03-20:20  # one window of 20 days from 2026-03-20

Each window is a fresh source and warehouse (tests/soak_support.py: kills inside every step,
a refused second run, a rollback undone, a backfill, reconciliation after every run, a clean
replay at the end). Prints the figures docs/reliability.md records. Slow: about a minute per
run on a busy 2-core machine, and the clean replay runs every day again.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from soak_support import SoakPlan, run_soak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--windows", nargs="+", default=["2026-03-15:30", "2026-10-10:30"],
                        help="START:DAYS per window (default: both 2026 DST changes, 60 days)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--folder", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
        folder = args.folder or Path(scratch)
        for number, window in enumerate(args.windows):
            start, days = window.split(":")
            plan = SoakPlan(folder / f"window{number}", start=date.fromisoformat(start), days=int(days),
                            seed=args.seed + number, log=True)
            figures = run_soak(plan)
            print(f"window {start} + {days} days:")
            print("\n".join("  " + line for line in figures.lines()), flush=True)


if __name__ == "__main__":
    main()
