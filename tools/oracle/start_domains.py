"""Start domains with real libvirt 9.0 + QEMU 7.2 (embedded QEMU driver, no daemon, TCG) and read the firmware's PCI view.

usage: libvirt-start IN_DIR [--qom PATH:PROPERTY ...]

Defines and starts every IN_DIR/*.xml paused in one throw-away embedded libvirt, lets them all run for a few seconds
at once (the firmware enumerates PCI and sizes every window; no guest OS is needed; PCI_WAIT seconds, default 4, then
until query-pci stops changing, at most PCI_SETTLE seconds more, default 60), then asks each QEMU for query-pci and
for the QOM properties given with --qom (PATH:PROPERTY, e.g. /machine/q35:pci-hole64-size or
/machine/peripheral/pci.1:numa_node), and destroys it.
Prints one JSON object keyed by file name (without .xml):
  {"NAME": {"started": bool, "error": str|null, "pci": [...query-pci...], "qom": {"PATH:PROPERTY": value|null}}}
"""
import json
import os
import shutil
import sys
import tempfile
import time

try:
    import libvirt
    import libvirt_qemu
except ImportError:
    sys.exit("libvirt-start: python3-libvirt is missing; run tools/oracle/install-libvirt.sh")

from embedded_libvirt import open_embedded  # noqa: E402  (after the check that libvirt imports)



def monitor(dom, command, **arguments):
    request = {"execute": command}
    if arguments:
        request["arguments"] = arguments
    reply = json.loads(libvirt_qemu.qemuMonitorCommand(dom, json.dumps(request), 0))
    return reply.get("return")


def settled_trees(running):
    """Each domain's query-pci once the firmware is done with it: after PCI_WAIT seconds (default 4), polled every
    second until no domain's tree changed since the last poll (a firmware still sizing BARs shows them moving), for at
    most PCI_SETTLE seconds more (default 60; a domain still changing then is read as it is)."""
    if not running:
        return {}
    time.sleep(float(os.environ.get("PCI_WAIT", "4")))
    deadline = time.monotonic() + float(os.environ.get("PCI_SETTLE", "60"))
    last = {}
    while True:
        trees = {}
        for key, dom in running:
            try:
                trees[key] = monitor(dom, "query-pci")
            except libvirt.libvirtError:
                pass  # read again (and its error reported) by the caller
        if trees == last or time.monotonic() > deadline:
            return trees
        last = trees
        time.sleep(1)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    in_dir, qom = argv[1], []
    i = 2
    while i < len(argv):
        if argv[i] == "--qom" and i + 1 < len(argv):
            qom.append(argv[i + 1])
            i += 2
        else:
            sys.exit("libvirt-start: unknown argument %s" % argv[i])

    root = tempfile.mkdtemp(prefix="devaddr-start-")
    results, running = {}, []
    conn = None
    try:
        conn = open_embedded(root)
        for name in sorted(f for f in os.listdir(in_dir) if f.endswith(".xml")):
            key = name[:-4]
            out = results[key] = {"started": False, "error": None, "pci": None, "qom": {}}
            with open(os.path.join(in_dir, name), encoding="utf-8") as f:
                xml = f.read()
            try:
                dom = conn.defineXML(xml)
            except libvirt.libvirtError as e:
                out["error"] = str(e).strip()
                continue
            try:
                dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
                out["started"] = True
                running.append((key, dom))
            except libvirt.libvirtError as e:
                out["error"] = str(e).strip()
                dom.undefine()
        for _, dom in running:
            dom.resume()
        trees = settled_trees(running)
        for key, dom in running:
            out = results[key]
            try:
                out["pci"] = trees[key] if key in trees else monitor(dom, "query-pci")
                for item in qom:
                    path, _, prop = item.rpartition(":")
                    try:
                        out["qom"][item] = monitor(dom, "qom-get", path=path, property=prop)
                    except libvirt.libvirtError:
                        out["qom"][item] = None
            except libvirt.libvirtError as e:
                out["error"] = str(e).strip()
        return results
    except libvirt.libvirtError as e:
        results["*"] = {"started": False, "error": str(e).strip(), "pci": None, "qom": {}}
        return results
    finally:
        for _, dom in running:
            try:
                if dom.isActive():
                    dom.destroy()
                dom.undefine()
            except libvirt.libvirtError:
                pass
        if conn is not None:
            conn.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    json.dump(main(sys.argv), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
