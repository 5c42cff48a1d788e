"""Run every benchmark script in bench/ in turn; each prints its own figures and ratios."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parent

if __name__ == "__main__":
    failed = []
    for script in sorted(BENCH.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False).returncode != 0:
            failed.append(script.name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
