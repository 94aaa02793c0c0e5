# Sourced by the install scripts (tools/install-packaging.sh, tools/oracle/install-libvirt.sh): installing Debian
# packages as root, skipping apt when every one is already installed.
#   as_root COMMAND...                  runs COMMAND as root (directly, or with sudo -n)
#   install_debian_packages NAME PKG... installs the PKGs not yet installed; NAME prefixes the messages

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        echo "${install_name:-install}: must run as root (or with sudo) to run: $*" >&2
        exit 1
    fi
}

install_debian_packages() {
    install_name=$1
    shift
    local missing=() p
    for p in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != "installed" ]; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "$install_name: installing ${missing[*]}"
        as_root apt-get update </dev/null
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" </dev/null
    else
        echo "$install_name: packages already installed"
    fi
}
