#!/usr/bin/env bash
# Installs the libvirt oracle's dependencies from Debian (bookworm: libvirt 9.0, QEMU 7.2) with the emulators of
# every architecture libvirt addresses (x86_64; aarch64 and armv7l; ppc64 and ppc64le; s390x and riscv64 in
# qemu-system-misc), pciutils (the host scan is compared with its lspci) and the libvirt-qemu user and group the
# QEMU driver insists on (the packages below do not create them).
# Idempotent: apt is skipped when every package is already installed. Needs root (or sudo).
set -euo pipefail

packages=(
    libvirt-daemon-driver-qemu libvirt-daemon libvirt-clients python3-libvirt
    qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-system-misc qemu-utils
    pciutils
)

# shellcheck source=../debian-packages.sh
. "$(dirname "${BASH_SOURCE[0]}")/../debian-packages.sh"
install_debian_packages install-libvirt "${packages[@]}"

getent group libvirt-qemu >/dev/null || as_root groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null ||
    as_root useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu

for emulator in x86_64 aarch64 arm ppc64 s390x riscv64; do
    if [ ! -x "/usr/bin/qemu-system-$emulator" ]; then
        echo "install-libvirt: /usr/bin/qemu-system-$emulator is missing" >&2
        exit 1
    fi
done

if ! /usr/bin/python3 -c 'import libvirt' 2>/dev/null; then
    echo "install-libvirt: /usr/bin/python3 still cannot import libvirt" >&2
    exit 1
fi
echo "install-libvirt: libvirt $(/usr/bin/python3 -c 'import libvirt; v = libvirt.getVersion(); print("%d.%d.%d" % (v // 1000000, v // 1000 % 1000, v % 1000))') ready"
