#!/usr/bin/env bash
# Installs from Debian what tools/release.sh and the release tests need besides the .NET SDK and gcc: Python's
# packaging tools (python3-build, python3-setuptools, python3-wheel; the wheel is built without a Python package
# index), python3-venv (the tests install the wheel into a fresh virtual environment) and binutils (readelf, for the
# wheel's manylinux tag). Idempotent: apt is skipped when every package is already installed. Needs root (or sudo).
set -euo pipefail

packages=(python3 python3-build python3-setuptools python3-wheel python3-venv python3-pip-whl python3-setuptools-whl binutils)

# shellcheck source=debian-packages.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh"
install_debian_packages install-packaging "${packages[@]}"
