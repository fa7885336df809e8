"""The benchmark runner finds every benchmarks/*.py with a main() without importing them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import benchmarks.__main__ as runner

REPO = Path(__file__).resolve().parents[2]


def test_discovery_reads_main_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "with_main.py").write_text("import no_such_module\n\ndef main():\n    pass\n")
    (tmp_path / "helper.py").write_text("def build():\n    pass\n")
    (tmp_path / "_private.py").write_text("def main():\n    pass\n")
    (tmp_path / "nested_main.py").write_text("class X:\n    def main(self):\n        pass\n")
    monkeypatch.setattr(runner, "HERE", tmp_path)
    assert runner.discover() == ["with_main"]


def test_the_real_benchmarks_are_listed() -> None:
    names = runner.discover()
    assert "cli_cold_start" in names
    assert "__main__" not in names
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--list"],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    assert done.stdout.split() == names


def test_unknown_names_are_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "no_such_benchmark"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "unknown benchmark" in done.stderr


def test_a_failing_benchmark_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []

    def fake_run(name: str) -> tuple[int, float]:
        calls.append(name)
        return (0 if name == "good" else 3), 0.1

    monkeypatch.setattr(runner, "discover", lambda: ["bad", "good"])
    monkeypatch.setattr(runner, "run_one", fake_run)
    assert runner.main([]) == 1
    assert calls == ["bad", "good"]  # one after the other, all of them
    out = capsys.readouterr().out
    assert "FAILED (exit 3)" in out
    assert runner.main(["good"]) == 0
