"""The manylinux platform tag of a directory of shared libraries (what auditwheel decides, for the checks it makes).

    python3 wheel_platform.py DIR      # prints e.g. manylinux_2_34_x86_64; exit 1 with the reason when none fits

A wheel may carry its own libraries but link, outside itself, only against the system libraries every manylinux
distribution has (PEP 600: glibc's, libstdc++, libgcc_s). Its tag ``manylinux_2_N_ARCH`` promises it runs on any
such distribution with glibc 2.N or newer, so N is the newest glibc symbol version any of the libraries needs.
Reads the ELF files with ``readelf`` (binutils).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SYSTEM_LIBRARIES = frozenset({
    "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0", "libresolv.so.2", "libutil.so.1",
    "libnsl.so.1", "libgcc_s.so.1", "libstdc++.so.6", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
})
"""The libraries a manylinux wheel may need from the system (PEP 600 and auditwheel's policies)."""

MACHINES = {"Advanced Micro Devices X86-64": "x86_64", "AArch64": "aarch64"}
"""readelf's machine names and the wheel architecture they are."""


@dataclass
class ElfFile:
    """What one shared library needs from others."""

    path: Path
    machine: str
    needed: list[str] = field(default_factory=list)
    versions: dict[str, set[str]] = field(default_factory=dict)
    """Symbol versions needed, by the library that defines them (e.g. libc.so.6 -> {GLIBC_2.34, ...})."""


def read_elf(path: Path) -> ElfFile:
    """The machine, DT_NEEDED entries and needed symbol versions of a shared library."""
    result = subprocess.run(["readelf", "--file-header", "--dynamic", "--version-info", "--wide", str(path)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ValueError(f"{path.name}: not an ELF file ({result.stderr.strip()})")
    machine = re.search(r"^\s*Machine:\s*(.+?)\s*$", result.stdout, re.M)
    elf = ElfFile(path, MACHINES.get(machine.group(1), machine.group(1)) if machine else "unknown")
    elf.needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", result.stdout)
    in_needs, current = False, ""
    for line in result.stdout.splitlines():
        if line.startswith("Version "):  # a section header: the needs section, or another one
            in_needs = line.startswith("Version needs section")
        elif in_needs:
            file = re.search(r"File: (\S+)", line)
            name = re.search(r"Name: (\S+)", line)
            if file:
                current = file.group(1)
            elif name and current:
                elf.versions.setdefault(current, set()).add(name.group(1))
    return elf


def newest(versions: set[str], prefix: str) -> tuple[int, ...]:
    """The highest version number among names PREFIX_X.Y[.Z] (e.g. GLIBC_2.34 -> (2, 34)); () when none."""
    numbers = [tuple(int(p) for p in v[len(prefix) + 1:].split(".")) for v in versions
               if v.startswith(prefix + "_") and re.fullmatch(r"\d+(\.\d+)*", v[len(prefix) + 1:])]
    return max(numbers, default=())


def platform_tag(directory: Path) -> tuple[str, list[str]]:
    """The tag, and a line per fact it rests on; ValueError when the libraries cannot make a manylinux wheel."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and ".so" in p.name)
    if not files:
        raise ValueError(f"no shared libraries in {directory}")
    elves = [read_elf(p) for p in files]
    bundled = {p.name for p in files}
    problems = [f"{e.path.name} needs {lib}, which is neither bundled nor a manylinux system library"
                for e in elves for lib in e.needed if lib not in bundled and lib not in SYSTEM_LIBRARIES]
    machines = {e.machine for e in elves}
    if len(machines) != 1 or not machines <= set(MACHINES.values()):
        problems.append(f"the libraries are built for {', '.join(sorted(machines))}, not one of {', '.join(MACHINES.values())}")
    if problems:
        raise ValueError("; ".join(problems))
    glibc: set[str] = set()
    other: dict[str, set[str]] = {}
    for e in elves:
        for lib, names in e.versions.items():
            if lib in bundled:
                continue
            for name in names:
                (glibc if name.startswith("GLIBC_") else other.setdefault(name.split("_")[0], set())).add(name)
    major, minor = newest(glibc, "GLIBC") or (2, 17)
    if major != 2:
        raise ValueError(f"glibc symbol version {major}.{minor} has no manylinux tag")
    machine = machines.pop()
    needing = sorted(e.path.name for e in elves
                     if any(newest({n}, "GLIBC") == (major, minor) for names in e.versions.values() for n in names))
    facts = [f"{len(files)} libraries for {machine}; outside them only system libraries: "
             + ", ".join(sorted({lib for e in elves for lib in e.needed} - bundled)),
             f"newest glibc symbol version needed: GLIBC_{major}.{minor} (by {', '.join(needing)})"]
    facts += [f"newest {prefix} needed: {prefix}_{'.'.join(map(str, newest(names, prefix)))}"
              for prefix, names in sorted(other.items()) if newest(names, prefix)]
    return f"manylinux_{major}_{minor}_{machine}", facts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: wheel_platform.py DIR", file=sys.stderr)
        return 2
    try:
        tag, facts = platform_tag(Path(argv[1]))
    except ValueError as ex:
        print(f"wheel_platform.py: {ex}", file=sys.stderr)
        return 1
    for fact in facts:
        print(f"  {fact}", file=sys.stderr)
    print(tag)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
