"""A throw-away embedded libvirt QEMU driver for running guests (shared by libvirt-hotplug and libvirt-start).

Root, no virtlogd (QEMU's output goes to a file), no cgroups; the domains never leave the temporary root.
"""
import os

import libvirt

QEMU_CONF = 'user = "root"\ngroup = "root"\nstdio_handler = "file"\ncgroup_controllers = [ ]\n'


def open_embedded(root):
    """Writes the driver's qemu.conf under root and opens qemu:///embed there; errors arrive as exceptions."""
    for conf_dir in (os.path.join(root, "etc"), os.path.join(root, "etc", "libvirt")):
        os.makedirs(conf_dir, exist_ok=True)
        with open(os.path.join(conf_dir, "qemu.conf"), "w") as f:
            f.write(QEMU_CONF)
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    libvirt.virEventRegisterDefaultImpl()
    return libvirt.open("qemu:///embed?root=" + root)
