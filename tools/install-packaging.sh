#!/usr/bin/env bash
# Installs from Debian what tools/release.sh and the release tests need besides the .NET SDK and gcc: Python's
# packaging tools (python3-build, python3-setuptools, python3-wheel; the wheel is built without a Python package
# index), python3-venv (the tests install the wheel into a fresh virtual environment) and binutils (readelf, for the
# wheel's manylinux tag). Idempotent: apt is skipped when every package is already installed. Needs root (or sudo).
set -euo pipefail

packages=(python3 python3-build python3-setuptools python3-wheel python3-venv python3-pip-whl python3-setuptools-whl binutils)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        echo "install-packaging: must run as root (or with sudo) to run: $*" >&2
        exit 1
    fi
}

missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != "installed" ]; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-packaging: installing ${missing[*]}"
    as_root apt-get update -qq </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" </dev/null
else
    echo "install-packaging: packages already installed"
fi
