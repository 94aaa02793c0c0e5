#!/usr/bin/env bash
# tools/golden.sh [check|update|requests]
#   check (default)  plan every golden case with this build and compare with fixtures/golden/plans byte for byte;
#                    prints which devices moved and how; exit 1 on any difference
#   update           rewrite the golden plans (removing those without a case) and print what moved: review the
#                    diff (git diff fixtures/golden) before committing, and see README "Plans as an ABI"
#   requests         draw the generated golden requests again (fixtures/golden/requests), then run update
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
exec dotnet run --project "$root/tools/DevAddr.Golden" -c Release -- "${1:-check}" --root "$root"
