#!/usr/bin/env bash
# Builds every release artifact into dist/ (or --out DIR), with their SHA-256 sums:
#   devaddr-V-py3-none-manylinux_2_N_x86_64.whl   Python wheel (bindings/python/build-wheel.sh)
#   devaddr.V.nupkg, devaddr.linux-x64.V.nupkg,   the dotnet tool (`dotnet tool install -g devaddr --add-source dist/`):
#     devaddr.linux-arm64.V.nupkg                 a package per platform under one that points to them
#   DevAddr.Core.V.nupkg, DevAddr.Solver.V.nupkg, the C# libraries (samples/DevAddr.Sample uses them)
#     DevAddr.Libvirt.V.nupkg
#   libdevaddr-V-linux-x86_64.tar.gz              the C library: lib/ (libdevaddr.so + OR-Tools), include/devaddr.h
#   go/                                           the Go module as a module proxy directory (GOPROXY=file://.../go)
#   SHA256SUMS                                    `cd dist && sha256sum -c SHA256SUMS`
# V is the one version of Directory.Build.props; the script checks that every artifact carries it (the library's
# devaddr_version() and the tool's --version too). Everything is built in a temporary directory beside the output and
# moved into place at the end: on failure the output directory is left as it was.
# .NET builds go to artifacts/release, as bindings/build.sh's do (never the projects' own bin/ and obj/, which tests may
# be building), so the libraries are compiled once for the C library and the packages.
#
# Usage: tools/release.sh [--out DIR]
# Needs: the .NET SDK, gcc (NativeAOT), Debian's python3-build/-setuptools/-wheel (tools/install-packaging.sh), git.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/dist"
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--out DIR]" >&2; exit 1 ;;
    esac
done
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Timestamps inside the archives: the last commit's, so that the same sources give the same archives.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct)}
GO_MODULE=github.com/devaddr/devaddr/bindings/go
started=$SECONDS
step() { echo "release.sh: [$((SECONDS - started)) s] $*"; }
fail() { echo "release.sh: $*" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.$(basename "$out").stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
dist="$stage/dist"
mkdir -p "$dist"

version=$(dotnet msbuild "$root/src/DevAddr.Core/DevAddr.Core.csproj" -getProperty:Version -nologo)
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "Directory.Build.props: Version '$version' is not MAJOR.MINOR.PATCH"
step "version $version"

step "C library (bindings/build.sh)"
bash "$root/bindings/build.sh" >"$stage/native.log" 2>&1 || { cat "$stage/native.log" >&2; fail "bindings/build.sh failed"; }

step "Python wheel (bindings/python/build-wheel.sh)"
bash "$root/bindings/python/build-wheel.sh" --lib "$root/bindings/lib" --out "$dist" >"$stage/wheel.log" 2>&1 \
    || { cat "$stage/wheel.log" >&2; fail "build-wheel.sh failed"; }
# The wheel is named after the library's devaddr_version().
compgen -G "$dist/devaddr-$version-py3-none-manylinux_*_x86_64.whl" >/dev/null \
    || fail "the wheel is not version $version: $(cd "$dist" && ls ./*.whl)"

step "NuGet packages and the dotnet tool (dotnet pack tools/packages.slnf)"
dotnet pack "$root/tools/packages.slnf" -c Release -o "$dist" --artifacts-path "$root/artifacts/release" \
    -p:ContinuousIntegrationBuild=true -nologo >"$stage/pack.log" 2>&1 || { cat "$stage/pack.log" >&2; fail "dotnet pack failed"; }
tool_version=$(dotnet "$root/artifacts/release/publish/DevAddr.Cli/release_linux-x64/devaddr.dll" --version)
[ "$tool_version" = "$version" ] || fail "the tool says devaddr --version = $tool_version, not $version"

step "C library archive"
lib_dir="libdevaddr-$version-linux-x86_64"
mkdir -p "$stage/$lib_dir/lib" "$stage/$lib_dir/include"
cp -p "$root"/bindings/lib/* "$stage/$lib_dir/lib/"
cp "$root/bindings/c/devaddr.h" "$stage/$lib_dir/include/"
cp "$root/LICENSE" "$root/THIRD-PARTY-NOTICES.md" "$stage/$lib_dir/"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -cf - "$lib_dir" \
    | gzip -n >"$dist/$lib_dir.tar.gz"

step "Go module (module proxy directory go/)"
# The module's files as `go mod` would zip them: every file under bindings/go that git tracks or does not ignore.
(cd "$root" && git ls-files --cached --others --exclude-standard -- bindings/go) >"$stage/go-files"
python3 - "$root" "$dist/go" "$GO_MODULE" "v$version" "$SOURCE_DATE_EPOCH" "$stage/go-files" <<'EOF'
import json, os, sys, time, zipfile
root, proxy, module, version, epoch, listing = sys.argv[1:7]
with open(listing) as f:
    files = sorted(p for p in f.read().split("\n") if p and os.path.isfile(os.path.join(root, p)))
if not any(p == "bindings/go/go.mod" for p in files):
    sys.exit("release.sh: bindings/go/go.mod is not among the module's files")
at = os.path.join(proxy, module, "@v")
os.makedirs(at)
stamp = time.gmtime(int(epoch))
with zipfile.ZipFile(os.path.join(at, version + ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for path in files:
        entry = zipfile.ZipInfo(f"{module}@{version}/{os.path.relpath(path, 'bindings/go')}", stamp[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(root, path), "rb") as f:
            z.writestr(entry, f.read())
with open(os.path.join(root, "bindings/go/go.mod"), "rb") as src, open(os.path.join(at, version + ".mod"), "wb") as dst:
    dst.write(src.read())
with open(os.path.join(at, version + ".info"), "w") as f:
    json.dump({"Version": version, "Time": time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp)}, f)
with open(os.path.join(at, "list"), "w") as f:
    f.write(version + "\n")
EOF

step "checks and SHA256SUMS"
for f in "devaddr.$version.nupkg" "devaddr.linux-x64.$version.nupkg" "devaddr.linux-arm64.$version.nupkg" \
         "DevAddr.Core.$version.nupkg" "DevAddr.Solver.$version.nupkg" "DevAddr.Libvirt.$version.nupkg" \
         "$lib_dir.tar.gz" "go/$GO_MODULE/@v/v$version.zip"; do
    [ -s "$dist/$f" ] || fail "missing $f"
done
(cd "$dist" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)

# Into place: the new directory replaces the old one whole.
if [ -e "$out" ]; then
    mv "$out" "$stage/previous"
fi
mv "$dist" "$out"
step "done: $out"
(cd "$out" && find . -type f | LC_ALL=C sort | xargs du -h --apparent-size | sed 's|\./||; s|^|    |')
