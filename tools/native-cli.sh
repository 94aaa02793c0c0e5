#!/usr/bin/env bash
# Publishes the devaddr command with NativeAOT: a native executable that starts without a JIT, with the native libraries
# it loads from its own directory beside it (OR-Tools and its dependencies for the "optimize" policy, SkiaSharp and
# HarfBuzz for `whatif --plot`). The managed build (`dotnet run --project src/DevAddr.Cli`, the dotnet tool) is not
# affected. Needs the .NET SDK and clang or gcc (NativeAOT links with the system toolchain).
# Usage: tools/native-cli.sh [--out DIR] [extra dotnet publish arguments]   (default DIR: artifacts/devaddr-linux-x64)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/artifacts/devaddr-linux-x64"
if [ "${1:-}" = "--out" ]; then out=$2; shift 2; fi
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
stage="$out.tmp"
# Its own artifacts directory: the NativeAOT build of the CLI never shares bin/ and obj/ with the managed builds of the
# same project (the tests', tools/release.sh's dotnet tool in artifacts/release).
artifacts="$root/artifacts/native-cli"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
rm -rf "$stage"
dotnet publish "$root/src/DevAddr.Cli/DevAddr.Cli.csproj" -c Release -r linux-x64 -p:PublishAot=true -o "$stage" \
    --artifacts-path "$artifacts" -p:ContinuousIntegrationBuild=true -nologo "$@"

# The executable and the shared objects only: no managed symbols (.pdb), XML docs or the separate debug file (.dbg).
find "$stage" -maxdepth 1 -type f \( -name '*.pdb' -o -name '*.xml' -o -name '*.dbg' -o -name '*.json' \) -delete
test -x "$stage/devaddr"
rm -rf "$out"
mv "$stage" "$out"
echo "tools/native-cli.sh: $(du -sh "$out" | cut -f1) in $out (devaddr $(du -h "$out/devaddr" | cut -f1), $(find "$out" -maxdepth 1 -type f | wc -l) files)"
