"""Shared helpers of the binding tests: the repository's fixtures and the reference CLI."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

ROOT = Path(__file__).resolve().parents[3]
"""The repository root."""

EXAMPLES = ROOT / "fixtures" / "examples"

SCENARIOS = ROOT / "fixtures" / "scenarios"

HOTPLUG = ROOT / "fixtures" / "hotplug"

INSTALLED = os.environ.get("DEVADDR_TEST_INSTALLED") == "1"
"""Test the installed package (the wheel, in a virtual environment) instead of the repository's bindings/python."""

if INSTALLED:
    # unittest's discovery put its top-level directory (bindings/python) first on sys.path: take it off, so that
    # `import devaddr` finds the installed package.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bindings" / "python"]
else:
    # Let `python3 -m unittest discover bindings/python/tests` import the package without installing it.
    sys.path.insert(0, str(ROOT / "bindings" / "python"))


def note(message: str) -> None:
    """A line for the log of the run (measured results)."""
    print(f"\n[devaddr-python] {message}", file=sys.stderr, flush=True)


def example_files() -> list[Path]:
    """Every request in fixtures/examples (JSON and YAML), sorted by name."""
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".json", ".yaml", ".yml"))


def scenario_files() -> list[Path]:
    """Every request in fixtures/scenarios (optimize-policy cases, some infeasible), sorted; empty if none."""
    return sorted(SCENARIOS.glob("*.json")) if SCENARIOS.is_dir() else []


def hotplug_cases() -> list[Path]:
    """Every hotplug scenario in fixtures/hotplug (a directory with layout.xml and devices.xml or devices.json; the
    hot-unplug scenarios have no devices and are left out), sorted by name."""
    if not HOTPLUG.is_dir():
        return []
    return sorted(d for d in HOTPLUG.iterdir()
                  if (d / "layout.xml").is_file() and ((d / "devices.xml").is_file() or (d / "devices.json").is_file()))


def hotplug_devices_file(case: Path) -> Path:
    """The devices file of a hotplug scenario: devices.json where the devices carry BARs, else devices.xml."""
    return case / "devices.json" if (case / "devices.json").is_file() else case / "devices.xml"


def cli_command() -> Optional[list[str]]:
    """The reference ``devaddr`` CLI as a command line, or None when it is not built.

    ``$DEVADDR_CLI`` names it (an executable, a ``devaddr.dll`` run with ``dotnet``, or a shell-quoted command);
    otherwise the Release build in src/DevAddr.Cli/bin is used when present.
    """
    configured = os.environ.get("DEVADDR_CLI")
    if configured:
        return ["dotnet", configured] if configured.endswith(".dll") else shlex.split(configured)
    built = ROOT / "src" / "DevAddr.Cli" / "bin" / "Release" / "net10.0" / "devaddr.dll"
    return ["dotnet", str(built)] if built.is_file() else None


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Runs the CLI with arguments; stdout and stderr are kept as bytes."""
    command = cli_command()
    if command is None:
        raise RuntimeError("the devaddr CLI is not built (set DEVADDR_CLI)")
    env = dict(os.environ, DOTNET_NOLOGO="1", DOTNET_CLI_TELEMETRY_OPTOUT="1")
    return subprocess.run(command + list(args), capture_output=True, timeout=300, env=env, stdin=subprocess.DEVNULL)


@dataclass
class ConcurrentRun:
    """What two threads making the same calls at once measured (see run_two_threads)."""

    elapsed: float
    """Seconds from starting the threads to both having finished."""
    per_thread: int
    """Calls each thread was to make: rounds x requests (each with one bad-input call besides)."""
    calls: list[tuple[int, float, float]]
    """Every call made, as (thread, start, end) in time.perf_counter() seconds."""
    overlapping: int
    """Calls of thread 1 that ran while one of thread 0 ran: evidence the calls really overlapped."""
    second_thread_calls: int
    """Calls thread 1 made (what overlapping counts out of)."""
    mismatches: list[str]
    """Calls whose result differed from the one thread's, each named by thread, round and request."""
    failures: list[BaseException]
    """Exceptions raised in the threads."""


def run_two_threads(requests: Sequence[Any], call: Callable[[Any], Any], bad_call: Callable[[], Any], rounds: int,
                    labels: Optional[Sequence[str]] = None) -> ConcurrentRun:
    """Two threads each make ``rounds`` passes over the requests at once (alternately forwards and backwards, the
    threads in opposite orders), each ``call(request)`` followed by ``bad_call()``, and compare every result with the
    one a single thread got first. ``labels`` name the requests in mismatches (default ``request {i}``)."""
    expected = [call(r) for r in requests]  # one thread, first
    expected_bad = bad_call()
    names = list(labels) if labels is not None else [f"request {i}" for i in range(len(requests))]
    barrier = threading.Barrier(2)
    calls: list[tuple[int, float, float]] = []
    mismatches: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            for round_ in range(rounds):
                order = range(len(requests)) if (index + round_) % 2 == 0 else reversed(range(len(requests)))
                for i in order:
                    start = time.perf_counter()
                    got = call(requests[i])
                    got_bad = bad_call()
                    end = time.perf_counter()
                    with lock:
                        calls.append((index, start, end))
                        if got != expected[i]:
                            mismatches.append(f"thread {index} round {round_} {names[i]}")
                        if got_bad != expected_bad:
                            mismatches.append(f"thread {index} round {round_}: error object differs")
        except BaseException as ex:  # noqa: BLE001 - reported by the caller
            failures.append(ex)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    clock = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.perf_counter() - clock
    zero = [(s, e) for i, s, e in calls if i == 0]
    one = [(s, e) for i, s, e in calls if i == 1]
    overlapping = sum(1 for s, e in one if any(s < e0 and s0 < e for s0, e0 in zero))
    return ConcurrentRun(elapsed=elapsed, per_thread=rounds * len(requests), calls=calls, overlapping=overlapping,
                         second_thread_calls=len(one), mismatches=mismatches, failures=failures)
