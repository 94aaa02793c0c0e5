#!/usr/bin/env bash
# bench-vs-libvirt.sh [-n REPS] [-c CASES] [--no-build] [--r2r]
#
# Times `devaddr libvirt expand` against real libvirt 9.0 (tools/oracle/libvirt-expand: define + dumpxml in an
# embedded QEMU driver) on the same corpus, the first CASES (default 300) files of
# fixtures/conformance/libvirt-9.0/input in name order, in one run: one untimed warm-up of each, then REPS
# (default 5) timed repetitions with the order alternating (devaddr first on odd repetitions). Each timing is a
# whole process, end to end (start-up, reading, planning, writing every output file). Prints every repetition,
# the medians of wall and CPU (user+sys) time, and the ratios libvirt/devaddr; then checks that both gave the
# same outcome (expanded XML vs error) per case.
#   --no-build  use the existing Release build of src/DevAddr.Cli
#   --r2r       also publish devaddr ReadyToRun (ahead-of-time compiled; less JIT at start-up) and time that too
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
reps=5 cases=300 build=1 r2r=0
while [ $# -gt 0 ]; do
    case "$1" in
        -n) reps=$2; shift 2 ;;
        -c) cases=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --r2r) r2r=1; shift ;;
        *) echo "usage: $0 [-n REPS] [-c CASES] [--no-build] [--r2r]" >&2; exit 1 ;;
    esac
done
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
if ! /usr/bin/python3 -c 'import libvirt' 2>/dev/null; then
    echo "bench-vs-libvirt: python3-libvirt is missing; run tools/oracle/install-libvirt.sh" >&2
    exit 1
fi
[ -x /usr/bin/time ] || { echo "bench-vs-libvirt: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/devaddr-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

devaddr="$root/src/DevAddr.Cli/bin/Release/net10.0/devaddr"
if [ "$build" = 1 ]; then
    dotnet build "$root/src/DevAddr.Cli" -c Release -nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi
[ -x "$devaddr" ] || { echo "bench-vs-libvirt: $devaddr is missing (build src/DevAddr.Cli -c Release)" >&2; exit 1; }
tools=(devaddr libvirt)
declare -A cmd=([devaddr]="$devaddr libvirt expand" [libvirt]="$root/tools/oracle/libvirt-expand")
if [ "$r2r" = 1 ]; then
    rid=$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')
    dotnet publish "$root/src/DevAddr.Cli" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
        -o "$work/r2r" -nologo -v q >"$work/publish.log" 2>&1 || { cat "$work/publish.log" >&2; exit 1; }
    tools+=(devaddr-r2r)
    cmd[devaddr-r2r]="$work/r2r/devaddr libvirt expand"
fi

mkdir -p "$work/in"
input="$root/fixtures/conformance/libvirt-9.0/input"
find "$input" -maxdepth 1 -name '*.xml' -printf '%f\n' | LC_ALL=C sort | head -n "$cases" | while read -r f; do cp "$input/$f" "$work/in/"; done
n=$(find "$work/in" -name '*.xml' | wc -l)

# run TOOL OUTDIR -> appends "wall cpu" to $work/TOOL.times (unless OUTDIR is the warm-up)
run() {
    rm -rf "$2"
    /usr/bin/time -f "%e %U %S" -o "$work/t" ${cmd[$1]} "$work/in" "$2" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    awk -v tool="$1" '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/t" >>"$work/$1.times.$3"
}

echo "corpus: first $n files of fixtures/conformance/libvirt-9.0/input; $reps repetitions after one warm-up each; load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
for t in "${tools[@]}"; do run "$t" "$work/out-$t" warm; done
printf '%-4s' rep; for t in "${tools[@]}"; do printf '  %-12s %9s %8s' "$t" "wall s" "cpu s"; done; echo
for ((r = 1; r <= reps; r++)); do
    order=("${tools[@]}")
    if ((r % 2 == 0)); then order=(); for ((i = ${#tools[@]} - 1; i >= 0; i--)); do order+=("${tools[$i]}"); done; fi
    for t in "${order[@]}"; do run "$t" "$work/out-$t" timed; done
    printf '%-4s' "$r"
    for t in "${tools[@]}"; do read -r w c < <(tail -n 1 "$work/$t.times.timed"); printf '  %-12s %9s %8s' "" "$w" "$c"; done
    echo
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A mw mc
for t in "${tools[@]}"; do
    mw[$t]=$(cut -d' ' -f1 "$work/$t.times.timed" | median)
    mc[$t]=$(cut -d' ' -f2 "$work/$t.times.timed" | median)
    awk -v t="$t" -v w="${mw[$t]}" -v c="${mc[$t]}" -v n="$n" \
        'BEGIN { printf "median %-12s wall %7.3f s (%6.2f ms/guest)   cpu %7.3f s (%6.2f ms/guest)\n", t, w, 1000 * w / n, c, 1000 * c / n }'
done
for t in "${tools[@]}"; do
    [ "$t" = libvirt ] && continue
    awk -v t="$t" -v lw="${mw[libvirt]}" -v lc="${mc[libvirt]}" -v w="${mw[$t]}" -v c="${mc[$t]}" \
        'BEGIN { printf "ratio libvirt / %-12s wall %.1fx   cpu %.1fx\n", t, lw / w, lc / c }'
done

same=0 differ=()
for f in "$work"/in/*.xml; do
    b=$(basename "$f" .xml)
    if { [ -e "$work/out-devaddr/$b.xml" ] && [ -e "$work/out-libvirt/$b.xml" ]; } ||
       { [ -e "$work/out-devaddr/$b.error" ] && [ -e "$work/out-libvirt/$b.error" ]; }; then
        same=$((same + 1))
    else
        differ+=("$b")
    fi
done
echo "same outcome (expanded XML vs error) on $same/$n cases${differ:+; differ: ${differ[*]}}"
