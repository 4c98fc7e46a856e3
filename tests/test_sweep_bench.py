"""The sweep benchmark checks itself: what it expects the sweep to queue, and a failed build."""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from bench import sweep_bench


def test_a_small_run_queues_exactly_what_it_expects() -> None:
    """The notices against the bench's own count, the sweep's other duties (the weekly lists,
    the digest of held items) told apart: each listed, none counted as a notice."""
    run = subprocess.run(
        [sys.executable, "-m", "bench.sweep_bench", "--items", "400", "--due", "20"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "check: queued exactly as expected" in run.stdout
    [line] = [line for line in run.stdout.splitlines() if "queued by the 1st sweep" in line]
    assert "same keys: yes" in line
    assert "+ 6 weekly" in line  # one list per reader, not taken for notices


async def test_a_failed_build_closes_its_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that fails half-way closes the database it opened: an open connection's
    thread would keep the child process alive, and the benchmark waiting for it, forever."""

    def fails(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the directory could not be read")

    monkeypatch.setattr(sweep_bench, "parse_staff_csv", fails)
    args = argparse.Namespace(
        seed=1, at=sweep_bench.DEFAULT_AT, departments=4, items=10, due=1, spread=30
    )
    before = set(threading.enumerate())
    with pytest.raises(RuntimeError, match="could not be read"):
        await sweep_bench.build(args, tmp_path / "bench.sqlite3")
    started = [t for t in threading.enumerate() if t not in before and not t.daemon]
    for thread in started:  # a closed connection's thread ends soon after; an open one never
        thread.join(timeout=10)
    assert not [t for t in started if t.is_alive()], started
