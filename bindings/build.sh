#!/usr/bin/env bash
# Publishes src/DevAddr.Native with NativeAOT as libdevaddr.so and puts it where the bindings look for it:
#   bindings/lib/libdevaddr.so   with the native libraries it loads from its own directory (OR-Tools and its
#                                dependencies, for the "optimize" policy)
# The C and Go examples link against bindings/lib; the Python package finds it there too (or via DEVADDR_LIBRARY).
# Needs the .NET SDK and clang or gcc (NativeAOT links with the system toolchain); restores the ILCompiler packages
# from NuGet on first use. Usage: bindings/build.sh [extra dotnet publish arguments]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/bindings/lib"
stage="$root/bindings/.lib.tmp"
# Build in artifacts/release (bin/ and obj/ per project), never in the projects' own bin/ and obj/: the tests run this
# while `dotnet test` may still build other projects from the same sources. tools/release.sh packs from the same
# directory with the same settings (a continuous-integration build: deterministic paths), so the libraries the C
# library is made of are compiled once for both.
artifacts="$root/artifacts/release"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
rm -rf "$stage"
dotnet publish "$root/src/DevAddr.Native/DevAddr.Native.csproj" -c Release -r linux-x64 -o "$stage" \
    --artifacts-path "$artifacts" -p:ContinuousIntegrationBuild=true -nologo "$@"

# Keep the shared objects only: no managed symbols (.pdb), XML docs or the separate debug file (.dbg).
find "$stage" -maxdepth 1 -type f \( -name '*.pdb' -o -name '*.xml' -o -name '*.dbg' -o -name '*.json' \) -delete
test -f "$stage/libdevaddr.so"
rm -rf "$out"
mv "$stage" "$out"
echo "bindings/build.sh: $(du -sh "$out" | cut -f1) in $out ($(find "$out" -maxdepth 1 -type f | wc -l) files)"
