#!/usr/bin/env bash
# Builds the Python wheel: devaddr-VERSION-py3-none-manylinux_2_N_x86_64.whl, the package bindings/python/devaddr with
# libdevaddr.so and the OR-Tools libraries it loads in devaddr/lib/, so that `pip install` is all a user does.
#   VERSION  the library's devaddr_version() (the Version of Directory.Build.props)
#   2_N      the newest glibc symbol version the libraries need (wheel_platform.py)
# Uses Debian's Python packaging tools only (python3-build, python3-setuptools, python3-wheel; tools/install-packaging.sh
# installs them), without build isolation, so nothing is fetched from a Python package index.
#
# Usage: bindings/python/build-wheel.sh [--lib DIR] [--out DIR]
#   --lib DIR  take libdevaddr.so and its libraries from DIR (default: run bindings/build.sh, use bindings/lib)
#   --out DIR  put the wheel there (default: dist/); it appears there whole or not at all
# Environment: PYTHON, the interpreter that has those tools (default /usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-/usr/bin/python3}
lib=""
out="$root/dist"
while [ $# -gt 0 ]; do
    case "$1" in
        --lib) lib=$(cd "$2" && pwd); shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--lib DIR] [--out DIR]" >&2; exit 1 ;;
    esac
done

if ! "$python" -c 'import build, setuptools, wheel' 2>/dev/null; then
    echo "build-wheel.sh: $python lacks build, setuptools or wheel; install Debian's python3-build, python3-setuptools and python3-wheel (tools/install-packaging.sh)" >&2
    exit 1
fi
if [ -z "$lib" ]; then
    bash "$root/bindings/build.sh"
    lib="$root/bindings/lib"
fi
test -f "$lib/libdevaddr.so" || { echo "build-wheel.sh: no libdevaddr.so in $lib" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/devaddr-wheel.XXXXXX")
trap 'rm -rf "$stage"' EXIT
src="$stage/src"
mkdir -p "$src/devaddr/lib" "$stage/out"
cp "$here/pyproject.toml" "$here/setup.py" "$here/README.md" "$root/LICENSE" "$root/THIRD-PARTY-NOTICES.md" "$src/"
cp "$here"/devaddr/*.py "$here/devaddr/py.typed" "$src/devaddr/"
find "$lib" -maxdepth 1 -type f -name '*.so*' -exec cp -p {} "$src/devaddr/lib/" \;

version=$("$python" -c 'import ctypes, sys
lib = ctypes.CDLL(sys.argv[1]); lib.devaddr_version.restype = ctypes.c_char_p
print(lib.devaddr_version().decode())' "$src/devaddr/lib/libdevaddr.so")
echo "$version" > "$src/VERSION"
tag=$("$python" "$here/wheel_platform.py" "$src/devaddr/lib")
printf '[bdist_wheel]\nplat_name = %s\n' "$tag" > "$src/setup.cfg"

# Zip entry times from the last commit, so that the same sources give the same wheel.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 315532800)}
"$python" -m build --wheel --no-isolation --outdir "$stage/out" "$src" >"$stage/build.log" 2>&1 \
    || { cat "$stage/build.log" >&2; echo "build-wheel.sh: python3 -m build failed" >&2; exit 1; }

wheel="$stage/out/devaddr-$version-py3-none-$tag.whl"
test -f "$wheel" || { ls "$stage/out" >&2; echo "build-wheel.sh: expected $(basename "$wheel")" >&2; exit 1; }
mkdir -p "$out"
cp "$wheel" "$out/.$(basename "$wheel").partial"
mv "$out/.$(basename "$wheel").partial" "$out/$(basename "$wheel")"
echo "build-wheel.sh: $out/$(basename "$wheel") ($(du -h "$out/$(basename "$wheel")" | cut -f1))"
