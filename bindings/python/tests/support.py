"""Shared helpers of the binding tests: the repository's fixtures and the reference CLI."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[3]
"""The repository root."""

EXAMPLES = ROOT / "fixtures" / "examples"

SCENARIOS = ROOT / "fixtures" / "scenarios"

HOTPLUG = ROOT / "fixtures" / "hotplug"

# Let `python3 -m unittest discover bindings/python/tests` import the package without installing it.
sys.path.insert(0, str(ROOT / "bindings" / "python"))


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
