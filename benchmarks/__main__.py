"""Run every benchmark, one at a time: ``python -m benchmarks [NAME ...] [--list]``.

A benchmark is any ``benchmarks/*.py`` module (not starting with ``_``) that defines a top-level
``main()``; new ones are picked up without registering them. Each runs in its own fresh Python
process (so import caches and Qt state never carry over) and never two at once, since these
machines' figures drift when anything else runs.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def discover() -> list[str]:
    """Names of the benchmark modules, found by reading (not importing) each file."""
    names = []
    for path in sorted(HERE.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        if any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            names.append(path.stem)
    return names


def run_one(name: str) -> tuple[int, float]:
    """Run ``benchmarks.<name>.main()`` in a fresh process; output goes straight through."""
    code = f"import sys, benchmarks.{name} as b; sys.exit(b.main() or 0)"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=False)
    return done.returncode, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; have {', '.join(available)}")
    chosen = args.names or available
    results = []
    for name in chosen:
        print(f"== {name}", flush=True)
        returncode, seconds = run_one(name)
        results.append((name, returncode, seconds))
    print("\n== summary")
    for name, returncode, seconds in results:
        status = "ok" if returncode == 0 else f"FAILED (exit {returncode})"
        print(f"{name:<28} {status:<20} {seconds:6.1f} s")
    return 0 if all(r == 0 for _, r, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
