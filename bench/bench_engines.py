"""The first full run with each engine (docs/scale-out.md, Timings): DuckDB and Spark side by side.

    python bench/bench_engines.py --keep /work/bench-data            # 100k sessions
    python bench/bench_engines.py --sizes 100k,1m --keep /work/bench-data

Per size: the source of bench/bench_run.py (generator seed 42, dirty rate 0.2 %, Europe/Berlin,
reused from --keep), then `run_daily` for its last day on an empty warehouse, once per engine,
each in a child process: the whole run's wall time with start-up, the steps, the build's summary,
the peak RSS of the process tree (Spark's JVM included). The reference query (bench/machine.py)
before and after tells how loaded the shared machine was. Figures are printed and written to
bench/results/engines.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench_run import END_DATE, SIZES, STEPS, bench_sizes, pipeline_run, source_for
from machine import reference_seconds

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "engines.md"
ENGINES = ("duckdb", "spark")


def bench_size(size: str, keep: Path, engines: list[str]) -> dict:
    source, _ = source_for(size, keep)
    result = {"size": size, "reference_before": reference_seconds(), "runs": {}}
    for engine in engines:
        with tempfile.TemporaryDirectory(prefix=f"bench-engines-{size}-{engine}-", dir=keep) as tmp:
            live = Path(tmp) / "source.sqlite3"
            shutil.copyfile(source, live)
            result["runs"][engine] = pipeline_run(live, Path(tmp) / "work", END_DATE, engine)
        print(f"  {size} {engine}: first full run {result['runs'][engine]['seconds']:.1f} s", flush=True)
    result["reference_after"] = reference_seconds()
    return result


def render(results: list[dict]) -> str:
    lines = ["# The first full run with each engine (bench/bench_engines.py)", "",
             (f"Source: bench/bench_run.py's (seed 42, dirty rate 0.2 %, Europe/Berlin), `run_daily` for "
              f"{END_DATE} on an empty warehouse. Spark: `local[2]`, driver memory 2g (the defaults). "
              "Peak memory is the RSS of the whole process tree (Spark's JVM included). Reference "
              "query: bench/machine.py (about 0.5 s on this VM when idle)."), ""]
    for r in results:
        runs = r["runs"]
        lines += [f"## {r['size']}", "",
                  f"- reference query {r['reference_before']:.2f} s before, {r['reference_after']:.2f} s after",
                  "", "| step | " + " | ".join(f"{engine} (s)" for engine in runs) + " |",
                  "|---|" + "---:|" * len(runs)]
        for step in STEPS:
            lines.append(f"| {step} | " + " | ".join(f"{run['steps'][step]:.1f}" for run in runs.values()) + " |")
        lines += ["| **total (wall, with start-up)** | "
                  + " | ".join(f"**{run['seconds']:.1f}**" for run in runs.values()) + " |",
                  "| peak RSS, process tree | "
                  + " | ".join(f"{run['peak_mb']:,.0f} MB" for run in runs.values()) + " |", ""]
        lines += [f"- {engine}: {run['build'].splitlines()[0]}" for engine, run in runs.items()]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k", help="comma-separated: " + ", ".join(SIZES))
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: duckdb, spark")
    parser.add_argument("--keep", type=Path, help="folder to keep / reuse generated sources in")
    parser.add_argument("--no-write", action="store_true", help="print only, leave bench/results/engines.md")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [s for s in sizes if s not in SIZES] + [e for e in engines if e not in ENGINES]
    if unknown:
        sys.exit(f"bench_engines: unknown size or engine {unknown[0]!r}")
    bench_sizes(sizes, args.keep, lambda size, keep: bench_size(size, keep, engines), render,
                None if args.no_write else RESULTS, prefix="bench-engines-")


if __name__ == "__main__":
    main()
