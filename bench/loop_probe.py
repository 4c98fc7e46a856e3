"""Where the event loop stalls: run a module (the bot) under a probe of its loop.

    LOOP_PROBE_OUT=/tmp/probe.txt python -m bench.loop_probe bot [args…]

Each callback the event loop runs is timed; a watchdog thread samples the loop thread's stack
while a callback has run longer than LOOP_PROBE_SLOW_MS (default 20 ms), every few milliseconds,
so a stall is named by the code it was in (a stack seen in more samples blocked longer; a sample
is taken when the loop's thread lets go of the GIL, so it lands at a system call or after a
garbage collection rather than inside it). Garbage collections are timed by generation.
SIGUSR1 starts the count afresh (start-up is over). At exit the summary goes to LOOP_PROBE_OUT
(stderr when unset): callbacks over the threshold (count, total, worst), the stacks sampled in
them, the collections. For finding tail latency, not for timing: the probe costs a little CPU.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import os
import runpy
import signal
import sys
import threading
import time
import traceback
from collections import Counter
from typing import Any

SLOW = float(os.environ.get("LOOP_PROBE_SLOW_MS", "20")) / 1000
SAMPLE_EVERY = 0.004


class Probe:
    def __init__(self) -> None:
        self.started = 0.0  # when the running callback started (0: none runs)
        self.loop_thread = threading.get_ident()
        self.slow: list[float] = []
        self.callbacks = 0
        self.stacks: Counter[tuple[str, ...]] = Counter()
        self.gc_started = 0.0
        self.gc_times: dict[int, list[float]] = {0: [], 1: [], 2: []}

    def reset(self, *_: object) -> None:
        """Count from now on (SIGUSR1: the measured phase starts, start-up is over)."""
        self.slow.clear()
        self.callbacks = 0
        self.stacks.clear()
        self.gc_times = {0: [], 1: [], 2: []}

    def watch(self) -> None:
        while True:
            time.sleep(SAMPLE_EVERY)
            started = self.started
            if started and time.perf_counter() - started > SLOW:
                frame = sys._current_frames().get(self.loop_thread)
                if frame is not None:
                    stack = traceback.extract_stack(frame)
                    self.stacks[tuple(_short(entry) for entry in stack[-14:])] += 1

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.gc_started = time.perf_counter()
        else:
            self.gc_times[info["generation"]].append(time.perf_counter() - self.gc_started)

    def report(self) -> str:
        lines = [f"callbacks run: {self.callbacks:,}; over {SLOW * 1000:.0f} ms: {len(self.slow)}"]
        if self.slow:
            ordered = sorted(self.slow)
            lines.append(
                f"  total {sum(ordered) * 1000:,.0f} ms · worst {ordered[-1] * 1000:.0f} ms"
                f" · median {ordered[len(ordered) // 2] * 1000:.0f} ms"
            )
        for generation, times in self.gc_times.items():
            if times:
                lines.append(
                    f"gc generation {generation}: {len(times):,} collections,"
                    f" total {sum(times) * 1000:,.0f} ms, worst {max(times) * 1000:.1f} ms"
                )
        lines.append(f"stacks sampled in slow callbacks (every {SAMPLE_EVERY * 1000:.0f} ms):")
        for stack, count in self.stacks.most_common(25):
            lines.append(f"  {count} samples:")
            lines.extend(f"      {entry}" for entry in stack)
        return "\n".join(lines)


def _short(entry: traceback.FrameSummary) -> str:
    name = entry.filename
    for marker in ("site-packages/", "/wt-", "/lib/python3"):
        if marker in name:
            name = name.split(marker, 1)[1]
    return f"{name}:{entry.lineno} {entry.name}"


def install() -> Probe:
    probe = Probe()
    run = asyncio.events.Handle._run

    def timed(handle: asyncio.events.Handle) -> None:
        probe.started = started = time.perf_counter()
        try:
            run(handle)
        finally:
            probe.started = 0.0
            probe.callbacks += 1
            spent = time.perf_counter() - started
            if spent > SLOW:
                probe.slow.append(spent)

    asyncio.events.Handle._run = timed  # type: ignore[method-assign, assignment]
    gc.callbacks.append(probe.on_gc)
    signal.signal(signal.SIGUSR1, probe.reset)
    threading.Thread(target=probe.watch, name="loop-probe", daemon=True).start()

    def dump() -> None:
        text = probe.report() + "\n"
        path = os.environ.get("LOOP_PROBE_OUT")
        if path:
            with open(path, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            sys.stderr.write(text)

    atexit.register(dump)
    return probe


def main() -> None:
    module, *rest = sys.argv[1:]
    sys.argv = [module, *rest]
    install()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
