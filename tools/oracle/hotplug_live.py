"""Live hotplug with real libvirt 9.0 + QEMU 7.2 (embedded QEMU driver, no daemon, TCG, guest paused).

usage: libvirt-hotplug DOMAIN.xml [--attach DEVICES.xml] [--detach ALIAS ...] [--query-pci]

Defines DOMAIN.xml, starts it paused (no guest OS runs; QEMU and libvirt do all the addressing), then
  --attach DEVICES.xml  attaches every child of the file's <devices> element, in order, with
                        attach-device --live (VIR_DOMAIN_AFFECT_LIVE);
  --detach ALIAS        detaches the device with that alias in the live XML (net0, scsi0-0-0-1, pci.3,
                        or a user alias ua-NAME) with detach-device --live, after the attaches.
Prints one JSON document: {"started": bool, "error": str|null, "steps": [...], "live": "<domain ...>"}.
Each attach step lists the elements that appeared in the live XML (the device, plus any controller libvirt
added for it, e.g. a SCSI controller) with their addresses (s390x zPCI ids under "zpci"), or libvirt's error
message. A detach step
says whether libvirt accepted the request (a paused guest without an OS never completes an unplug, so
accepted means "requested", not "removed", except for devices QEMU removes at once, e.g. SCSI disks).
--query-pci             finally lets the guest run for a few seconds (the firmware numbers the PCI buses; no OS
                        is needed) and adds QEMU's query-pci answer as "pci": guest bus numbers per device.
With KEEP=1 in the environment the temporary libvirt root (with QEMU's log and command line) is kept.
"""
import json
import os
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

try:
    import libvirt
except ImportError:
    sys.exit("libvirt-hotplug: python3-libvirt is missing; run tools/oracle/install-libvirt.sh")

from embedded_libvirt import open_embedded  # noqa: E402  (after the check that libvirt imports)



def devices_of(xml_text):
    root = ET.fromstring(xml_text)
    devs = root.find("devices")
    return [] if devs is None else [d for d in devs if d.tag != "emulator"]


def alias_of(el):
    a = el.find("alias")
    return None if a is None else a.get("name")


def address_of(el):
    a = el.find("address")
    if a is None:
        return None
    address = {k: v for k, v in sorted(a.attrib.items())}
    zpci = a.find("zpci")
    if zpci is not None:
        address["zpci"] = {k: v for k, v in sorted(zpci.attrib.items())}
    return address


def describe(el):
    return {"element": el.tag, "type": el.get("type"), "model": el.get("model"),
            "alias": alias_of(el), "address": address_of(el)}


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    domain_path, attach_path, detach, query_pci = argv[1], None, [], False
    i = 2
    while i < len(argv):
        if argv[i] == "--attach" and i + 1 < len(argv):
            attach_path = argv[i + 1]
            i += 2
        elif argv[i] == "--detach" and i + 1 < len(argv):
            detach.append(argv[i + 1])
            i += 2
        elif argv[i] == "--query-pci":
            query_pci = True
            i += 1
        else:
            sys.exit("libvirt-hotplug: unknown argument %s" % argv[i])

    with open(domain_path, encoding="utf-8") as f:
        domain_xml = f.read()
    attach = []
    if attach_path is not None:
        with open(attach_path, encoding="utf-8") as f:
            wrapper = ET.fromstring(f.read())
        attach = [ET.tostring(d, encoding="unicode") for d in wrapper]

    root = tempfile.mkdtemp(prefix="devaddr-hotplug-")
    out = {"started": False, "error": None, "steps": [], "live": None}
    conn = dom = None
    try:
        conn = open_embedded(root)
        dom = conn.defineXML(domain_xml)
        try:
            dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
        except libvirt.libvirtError as e:
            out["error"] = str(e).strip()
            return out
        out["started"] = True
        for dev in attach:
            before = {alias_of(d) for d in devices_of(dom.XMLDesc(0))}
            step = {"op": "attach", "device": dev}
            try:
                dom.attachDeviceFlags(dev, libvirt.VIR_DOMAIN_AFFECT_LIVE)
                step["ok"] = True
                step["added"] = [describe(d) for d in devices_of(dom.XMLDesc(0)) if alias_of(d) not in before]
            except libvirt.libvirtError as e:
                step["ok"] = False
                step["error"] = str(e).strip()
            out["steps"].append(step)
        for alias in detach:
            live = [d for d in devices_of(dom.XMLDesc(0)) if alias_of(d) == alias]
            step = {"op": "detach", "alias": alias}
            if not live:
                step["ok"] = False
                step["error"] = "no device with alias %s" % alias
            else:
                step["device"] = describe(live[0])
                try:
                    dom.detachDeviceFlags(ET.tostring(live[0], encoding="unicode"), libvirt.VIR_DOMAIN_AFFECT_LIVE)
                    step["ok"] = True
                except libvirt.libvirtError as e:
                    step["ok"] = False
                    step["error"] = str(e).strip()
            out["steps"].append(step)
        if query_pci:
            import libvirt_qemu
            dom.resume()
            time.sleep(float(os.environ.get("PCI_WAIT", "4")))
            reply = json.loads(libvirt_qemu.qemuMonitorCommand(dom, '{"execute": "query-pci"}', 0))
            out["pci"] = reply.get("return")
        out["live"] = dom.XMLDesc(0)
        return out
    except libvirt.libvirtError as e:
        out["error"] = str(e).strip()
        return out
    finally:
        if dom is not None:
            try:
                if dom.isActive():
                    dom.destroy()
            except libvirt.libvirtError:
                pass
            try:
                dom.undefine()
            except libvirt.libvirtError:
                pass
        if conn is not None:
            conn.close()
        if os.environ.get("KEEP"):
            out["root"] = root
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    result = main(sys.argv)
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
