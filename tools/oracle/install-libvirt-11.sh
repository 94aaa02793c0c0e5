#!/usr/bin/env bash
# Installs the second oracle: libvirt 11.3 + QEMU 10.0 from Debian 13 (trixie) in a minimal Debian root at
# $LIBVIRT11_ROOT (default /opt/libvirt-11.3), beside the host's libvirt 9.0 (tools/oracle/install-libvirt.sh).
# Needs root, debootstrap (installed from Debian if missing) and Debian's package mirror. Idempotent: nothing is
# downloaded when the root already has libvirt and the emulators; about a minute on a fresh machine.
set -euo pipefail
root=${LIBVIRT11_ROOT:-/opt/libvirt-11.3}
[ "$(id -u)" -eq 0 ] || { echo "install-libvirt-11: must run as root (debootstrap and chroot)" >&2; exit 1; }
emulators=(qemu-system-x86_64 qemu-system-aarch64 qemu-system-arm qemu-system-ppc64 qemu-system-s390x qemu-system-riscv64)
ready() {
    [ -x "$root/usr/bin/virsh" ] && chroot "$root" /usr/bin/python3 -c 'import libvirt' 2>/dev/null || return 1
    for e in "${emulators[@]}"; do [ -x "$root/usr/bin/$e" ] || return 1; done
}
mount_all() {
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    mountpoint -q "$root/sys" || mount -t sysfs sys "$root/sys"
    mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
}
if [ -d "$root" ] && ready; then
    echo "install-libvirt-11: libvirt $(chroot "$root" virsh --version) already in $root"
    exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap </dev/null >/dev/null
fi
[ -x "$root/usr/bin/apt-get" ] || debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian >/dev/null
mount_all
chroot "$root" bash -c 'export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends libvirt-daemon-driver-qemu libvirt-daemon \
    libvirt-clients python3-libvirt qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-system-misc \
    qemu-system-modules-spice qemu-utils >/dev/null
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu' </dev/null
ready || { echo "install-libvirt-11: $root still lacks libvirt or an emulator" >&2; exit 1; }
echo "install-libvirt-11: libvirt $(chroot "$root" virsh --version) with $(chroot "$root" qemu-system-x86_64 --version | head -1) ready in $root"
