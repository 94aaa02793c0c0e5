#!/usr/bin/env python3
"""tools/bench.py [--devaddr PATH] [--native PATH] [--runs N] [--quick] [--markdown FILE] [--settle S] [--quiet-fs US] [--no-spread] [--no-in-process]

Measures DevAddr's performance figures in one run, on this machine, and prints them as one table with the target
and, against libvirt, the ratio. Every timing is a whole process (start-up, reading, planning, writing every
output file), wall time, the best of --runs (default 3) runs unless the row says median.

  1. end to end against libvirt: 900 guests (fixtures/conformance/libvirt-9.0 plus 400 fresh guests of every
     profile from ../shared/oracle/gen-cases when it is beside the repository, else 300 arches and 100 rules
     guests from fixtures/conformance), `devaddr libvirt expand --libvirt 9.0` against tools/oracle/libvirt-expand
     (libvirt 9.0 define + dumpxml; skipped without python3-libvirt: tools/oracle/install-libvirt.sh); every run
     writes into an output directory of its own, nothing is deleted before the last run, every timed
     run starts after a sync (no run pays for writing back another's files), and the tools take turns, one run
     each per round, so that the best of the rounds spans the whole measurement (a minute or so with libvirt);
  2. marginal wall cost per guest: (900 guests - 1 guest) / 899;
  3. start-up: `devaddr plan fixtures/examples/q35-basic.json`, median of 10;
  4. large guests: 4,000 SCSI disks planned, 60,000 devices refused (wall and peak memory);
  5. fleet: 100,000 guests with 20% distinct shapes (default policy) and 10,000 under the optimize policy,
     `devaddr fleet` on every core (wall and peak memory);
  and in process, the library after warm-up in the managed build (BenchmarkDotNet, benchmarks/DevAddr.Benchmarks,
  medians): the XML adapter over the first 300 corpus inputs, per guest, and a small guest's plan on pc, q35 and
  aarch64 virt (--no-in-process leaves them out; --quick runs them as BenchmarkDotNet's short job).

--devaddr  the devaddr to measure (default: the managed Release build, src/DevAddr.Cli/bin/Release/net10.0/devaddr,
           built first); --native adds a second devaddr (e.g. the NativeAOT binary, tools/native-cli.sh) as its
           own column. --quick: 1 run, 10,000-guest default fleet. --markdown writes the table to FILE too.

The file system's state is measured too, because it can cost more than the planning: on ext4 without a journal,
for a few minutes after thousands of files were deleted (another run's clean-up, for example), creating each new
file scans past every recently deleted inode of its block group (the kernel's recently_deleted check). Before the
900-guest runs a probe creates 300 files of 3 KB in a fresh directory beside the outputs; while it takes more than
--quiet-fs microseconds a file (default 40; about 18 on the development machine in its quiet state), the script
waits and probes again every 15 s, for up to --settle seconds (default 400; 0: do not wait). The probe's figures
before and after the 900-guest runs are printed under the table, so a run in the slow state says so.

The search covers one block group, and a new file goes to the group of its directory, which ext4 puts near its parent's
(/tmp's, where this script's previous clean-up and most other programs' temporary files were). So the work directory
is marked as the top of a directory hierarchy (chattr +T, as / is): the output directories made in it are spread over
the block groups and their files are created away from those deletions. Measured on the development machine in the
90 s after 11,000 files were deleted in /tmp, 900 guests against one, alternating between a marked and an unmarked
directory: 0.147-0.182 ms a guest in the marked one (and 0.214 in the run right after the deletion), up to 0.356 ms in
the unmarked one (0.177-0.356 in the first 40 s, 0.154-0.178 after 60 s). --no-spread leaves the mark off; the line
under the table says which was used.
"""
import argparse
import csv
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, cwd=None, check=True):
    """Runs cmd; returns (wall seconds, peak RSS MiB of the process (with /usr/bin/time), completed process)."""
    peak_file = None
    if os.access("/usr/bin/time", os.X_OK):
        fd, peak_file = tempfile.mkstemp(prefix="devaddr-bench-rss.")
        os.close(fd)
        cmd = ["/usr/bin/time", "-f", "%M", "-o", peak_file] + cmd
    # Files earlier runs wrote are flushed first: their write-back would otherwise be charged to this run.
    os.sync()
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    peak = None
    if peak_file:
        with open(peak_file) as f:
            text = f.read().split()
        os.unlink(peak_file)
        peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else None
    if check and p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[:500]}")
    return wall, peak, p


def fs_probe(parent, count=300):
    """Microseconds to create, write (3 KB) and close one new file in a fresh directory under parent."""
    d = tempfile.mkdtemp(prefix="fs-probe.", dir=parent)
    data = b"x" * 3072
    os.sync()
    start = time.perf_counter()
    for i in range(count):
        fd = os.open(os.path.join(d, f"{i}.xml"), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    return (time.perf_counter() - start) / count * 1e6


def settle_fs(parent, quiet_us, max_wait):
    """Probes the file system until a new file costs at most quiet_us or max_wait seconds have passed: (last probe, seconds waited)."""
    waited = 0
    us = fs_probe(parent)
    while us > quiet_us and waited < max_wait:
        print(f"bench: creating a file takes {us:.0f} us (quiet: <= {quiet_us:.0f}); waiting for the file system "
              f"({waited} of at most {max_wait} s)", file=sys.stderr)
        pause = min(15, max_wait - waited)
        time.sleep(pause)
        waited += pause
        us = fs_probe(parent)
    return us, waited


def bdn_seconds(text):
    """A BenchmarkDotNet time ("12.94 us", "27,381.51 μs", "1.2 ms") in seconds."""
    value, unit = text.replace(",", "").split()
    return float(value) * {"ns": 1e-9, "us": 1e-6, "μs": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def in_process_rows(work, quick):
    """Runs the in-process benchmarks (BenchmarkDotNet, medians): {(figure, target): text for the devaddr column}."""
    artifacts = os.path.join(work, "bdn")
    cmd = ["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "benchmarks/DevAddr.Benchmarks"), "--",
           "--filter", "*SmallGuestBenchmarks.Plan", "*XmlAdapterBenchmarks.Expand",
           "--artifacts", artifacts, "--exporters", "csv"] + (["--job", "short"] if quick else [])
    print("bench: in-process benchmarks (BenchmarkDotNet, a few minutes)", file=sys.stderr)
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"bench: the in-process benchmarks failed ({p.returncode}): {p.stdout.strip()[-1000:]}")

    def report(cls):
        with open(os.path.join(artifacts, "results", f"DevAddr.Benchmarks.{cls}-report.csv"), newline="") as f:
            return list(csv.DictReader(f))
    job = "short job" if quick else "default job"
    plans = {r["Machine"]: bdn_seconds(r["Median"]) for r in report("SmallGuestBenchmarks") if r["Method"] == "Plan"}
    expand = {r["Input"]: bdn_seconds(r["Median"]) for r in report("XmlAdapterBenchmarks") if r["Method"] == "Expand"}
    corpus = len([f for f in os.listdir(os.path.join(ROOT, "fixtures/conformance/libvirt-9.0/input")) if f.endswith(".xml")][:300])
    return {
        (f"in process: XML adapter (parse, plan, write), {corpus} corpus inputs, per guest (BenchmarkDotNet median, {job})", "<= 0.15 ms"):
            f"{expand['corpus'] / corpus * 1000:.3f} ms ({fmt_s(expand['corpus'])} for {corpus})",
        (f"in process: a small guest's plan, pc / q35 / aarch64 virt (BenchmarkDotNet median, {job})", "<= 25 us"):
            " / ".join(f"{plans[m] * 1e6:.1f}" for m in ("pc", "q35", "virt")) + " us",
    }


def disk_name(i):
    """libvirt's disk target name of index i: sda..sdz, sdaa, ..."""
    letters = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        letters = chr(ord("a") + r) + letters
    return "sd" + letters


def fmt_s(s):
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devaddr")
    ap.add_argument("--native")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown")
    ap.add_argument("--settle", type=int, default=400)
    ap.add_argument("--quiet-fs", type=float, default=40.0)
    ap.add_argument("--no-spread", action="store_true")
    ap.add_argument("--no-in-process", action="store_true")
    a = ap.parse_args()
    runs = 1 if a.quick else max(1, a.runs)

    if a.devaddr is None:
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "src/DevAddr.Cli"), "-c", "Release", "-nologo", "-v", "q"],
                       check=True, stdout=subprocess.DEVNULL)
        a.devaddr = os.path.join(ROOT, "src/DevAddr.Cli/bin/Release/net10.0/devaddr")
    tools = [("devaddr", a.devaddr)] + ([("devaddr native", a.native)] if a.native else [])
    work = tempfile.mkdtemp(prefix="devaddr-bench.")
    # On ext4 the directories made inside a directory marked as the top of a hierarchy (chattr +T) are spread over the
    # block groups, as those made in / are, instead of going where their parent is: the output directories then land
    # away from the inodes recently deleted beside the work directory (see above). Elsewhere the mark is refused or
    # means nothing, and the runs go on as they are.
    spread = False
    if not a.no_spread and shutil.which("chattr"):
        spread = subprocess.run(["chattr", "+T", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    rows = []  # (figure, target, {tool: text}, ratio text)
    fs_state = None

    def add(figure, target, values, ratio=""):
        rows.append((figure, target, values, ratio))
        print(f"  {figure}: " + ", ".join(f"{k} {v}" for k, v in values.items()) + (f" ({ratio})" if ratio else ""), file=sys.stderr)

    try:
        # 1-2. 900 guests.
        corpus = os.path.join(work, "in")
        os.makedirs(corpus)
        src = os.path.join(ROOT, "fixtures/conformance/libvirt-9.0/input")
        for f in sorted(os.listdir(src)):
            if f.endswith(".xml"):
                shutil.copy(os.path.join(src, f), os.path.join(corpus, "corpus-" + f))
        gen = os.path.join(ROOT, "..", "shared", "oracle", "gen-cases")
        if os.access(gen, os.X_OK):
            fresh = "400 fresh gen-cases guests (100 each of dev, wide, breadth, arches; seed 14001-14004)"
            for i, profile in enumerate(["dev", "wide", "breadth", "arches"]):
                d = os.path.join(work, "gen-" + profile)
                subprocess.run([gen, "--seed", str(14001 + i), "--count", "100", "--profile", profile, d], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for f in sorted(os.listdir(d)):
                    if f.endswith(".xml"):
                        shutil.copy(os.path.join(d, f), os.path.join(corpus, f"{profile}-{f}"))
        else:
            fresh = "300 arches and 100 rules guests from fixtures/conformance (gen-cases not found)"
            for name, count in (("libvirt-9.0-arches", 300), ("libvirt-9.0-rules", 100)):
                d = os.path.join(ROOT, "fixtures/conformance", name, "input")
                for f in sorted(x for x in os.listdir(d) if x.endswith(".xml"))[:count]:
                    shutil.copy(os.path.join(d, f), os.path.join(corpus, f"{name}-{f}"))
        n = len([f for f in os.listdir(corpus) if f.endswith(".xml")])
        one = os.path.join(work, "one")
        os.makedirs(one)
        first = sorted(os.listdir(corpus))[0]
        shutil.copy(os.path.join(corpus, first), one)
        print(f"bench: {n} guests: 500 of the libvirt 9.0 corpus and {fresh}", file=sys.stderr)

        # Each run writes into a directory of its own and nothing is deleted until every run is over: on a file
        # system that discards deleted blocks online (ext4 -o discard), creating files right after deleting a
        # previous run's hundreds of files costs several times more, and that would be charged to the next run.
        outs = itertools.count()
        fresh = lambda: os.path.join(work, f"out-{next(outs)}")
        full, single = {name: [] for name, _ in tools}, {name: [] for name, _ in tools}
        expand = os.path.join(ROOT, "tools/oracle/libvirt-expand")
        have_libvirt = subprocess.run(["/usr/bin/python3", "-c", "import libvirt"], stderr=subprocess.DEVNULL).returncode == 0
        libvirt_runs = []
        before, waited = settle_fs(work, a.quiet_fs, a.settle)
        for name, exe in tools:
            run([exe, "libvirt", "expand", "--libvirt", "9.0", corpus, fresh()])  # warm-up (disk cache)
        if have_libvirt:
            run([expand, corpus, fresh()])
        # The runs are interleaved, a round of each tool at a time (libvirt's takes ~15 s), so that the best of the
        # rounds is taken over the whole measurement rather than over a second or two: a shared machine has slower
        # stretches of tens of seconds, which would otherwise decide every run of one tool.
        for _ in range(runs):
            for name, exe in tools:
                full[name].append(run([exe, "libvirt", "expand", "--libvirt", "9.0", corpus, fresh()])[0])
                single[name].append(run([exe, "libvirt", "expand", "--libvirt", "9.0", one, fresh()])[0])
            if have_libvirt:
                libvirt_runs.append(run([expand, corpus, fresh()])[0])
        full = {k: min(v) for k, v in full.items()}
        single = {k: min(v) for k, v in single.items()}
        libvirt = min(libvirt_runs) if libvirt_runs else None
        after = fs_probe(work)
        state = "quiet" if max(before, after) <= a.quiet_fs else "SLOW: file creation, not planning, dominates the marginal figure"
        fs_state = (f"File system probe (one new 3 KB file, {a.quiet_fs:.0f} us or less is quiet): {before:.0f} us before the "
                    f"{n}-guest runs{f' (after waiting {waited} s)' if waited else ''}, {after:.0f} us after them: {state}. "
                    f"Output directories {'spread over the block groups (chattr +T on the work directory)' if spread else 'beside the work directory (not spread)'}.")
        values = {k: fmt_s(v) for k, v in full.items()}
        if libvirt is not None:
            values["libvirt 9.0"] = fmt_s(libvirt)
        ratio = ", ".join(f"{k} {libvirt / v:.1f}x" for k, v in full.items()) if libvirt else "libvirt not installed"
        add(f"{n} guests, libvirt expand, whole process (best of {runs})", "20x libvirt", values, ratio)
        add("marginal wall per guest in the CLI ((N - 1 guest) / (N - 1))", "<= 0.2 ms",
            {k: f"{(full[k] - single[k]) / (n - 1) * 1000:.3f} ms" for k in full})

        # 2b. In process (BenchmarkDotNet): the library's steady state, after warm-up, in the managed build.
        if not a.no_in_process:
            for name, text in in_process_rows(work, a.quick).items():
                add(*name, {"devaddr": text})

        # 3. Start-up.
        example = os.path.join(ROOT, "fixtures/examples/q35-basic.json")
        starts = {}
        for name, exe in tools:
            run([exe, "plan", example])
            starts[name] = statistics.median(run([exe, "plan", example])[0] for _ in range(10))
        add("start-up: plan fixtures/examples/q35-basic.json (median of 10)", "<= 50 ms", {k: fmt_s(v) for k, v in starts.items()})

        # 4. Large guests.
        def guest(devices, name):
            path = os.path.join(work, name)
            with open(path, "w") as f:
                json.dump({"machine": {"arch": "x86_64", "type": "q35"}, "devices": devices}, f)
            return path
        # One virtio-scsi controller (16,384 units) and 3,999 SCSI disks: 4,000 devices given, every disk a drive address.
        disks = [{"id": "scsi0", "kind": "controller", "type": "scsi", "model": "virtio-scsi", "index": 0}]
        disks += [{"id": f"d{i}", "kind": "disk", "bus": "scsi", "target": disk_name(i)} for i in range(3999)]
        big = guest(disks, "4000.json")
        huge = guest([{"id": f"n{i}", "kind": "interface", "model": "virtio"} for i in range(60000)], "60000.json")
        for label, path, target in (("4,000 devices (3,999 SCSI disks), planned", big, "<= 0.2 s"), ("60,000 devices, refused", huge, "< 1 s, < 1 GiB")):
            values = {}
            for name, exe in tools:
                walls, peaks = [], []
                for _ in range(runs):
                    w, peak, p = run([exe, "plan", path, "-o", os.path.join(work, "big-plan.json")], check=False)
                    walls.append(w)
                    peaks.append(peak)
                outcome = "planned" if p.returncode == 0 else f"exit {p.returncode}"
                peak = max((x for x in peaks if x), default=None)
                values[name] = f"{fmt_s(min(walls))}{'' if peak is None else f', {peak:.0f} MiB'} ({outcome})"
            add(f"large guest: {label}", target, values)

        # 5. Fleets.
        gen_dll = os.path.join(ROOT, "tools/DevAddr.FleetGen/bin/Release/net10.0/fleetgen.dll")
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "tools/DevAddr.FleetGen"), "-c", "Release", "-nologo", "-v", "q"],
                       check=True, stdout=subprocess.DEVNULL)
        guests = 10000 if a.quick else 100000
        fleet = os.path.join(work, "fleet.jsonl")
        subprocess.run(["dotnet", gen_dll, "generate", "-o", fleet, "--guests", str(guests), "--unique", "0.2", "--seed", "1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        optimize = os.path.join(work, "fleet-optimize.jsonl")
        with open(fleet) as src_f, open(optimize, "w") as dst:
            for i, line in enumerate(src_f):
                if i == 10000:
                    break
                o = json.loads(line)
                o["request"]["policy"] = {"name": "optimize"}
                dst.write(json.dumps(o, separators=(",", ":")) + "\n")
        for label, path, target in ((f"fleet: {guests:,} guests, 20% distinct, default policy", fleet, "<= 3 s, < 1 GiB"),
                                    ("fleet: 10,000 guests, optimize policy", optimize, "<= 5 s, < 1 GiB")):
            values = {}
            for name, exe in tools:
                walls, peaks = [], []
                for _ in range(runs):
                    w, peak, _ = run([exe, "fleet", path, "-o", os.path.join(work, "fleet-out.jsonl"), "--no-progress"])
                    walls.append(w)
                    peaks.append(peak)
                peak = max((x for x in peaks if x), default=None)
                values[name] = f"{fmt_s(min(walls))}{'' if peak is None else f', {peak:.0f} MiB'}"
            add(label, target, values)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    names = [t[0] for t in tools] + (["libvirt 9.0"] if any("libvirt 9.0" in r[2] for r in rows) else [])
    lines = ["| figure | target | " + " | ".join(names) + " | ratio |", "|---|---|" + "---:|" * len(names) + "---|"]
    for figure, target, values, ratio in rows:
        lines.append(f"| {figure} | {target} | " + " | ".join(values.get(k, "") for k in names) + f" | {ratio} |")
    load = os.getloadavg()
    lines.append("")
    lines.append(f"{os.cpu_count()} cores, load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) when the run ended.")
    if fs_state:
        lines.append("")
        lines.append(fs_state)
    table = "\n".join(lines)
    print(table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
