"""Expand libvirt domain XMLs with real libvirt 9.0 (embedded QEMU driver, no daemon).

usage: libvirt-expand IN_DIR OUT_DIR

For every IN_DIR/NAME.xml, in name order and in one process: define the domain, read back libvirt's
expanded XML (the addresses and implicit controllers libvirt assigns) and undefine it. The result goes to
OUT_DIR/NAME.xml, or OUT_DIR/NAME.error holding libvirt's (or the XML parser's) message; a stale result of
the other kind is removed. Output is reproducible byte for byte: the random <uuid> is dropped and the
domain keeps the <name> it was given.
"""
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

try:
    import libvirt
except ImportError:
    sys.exit("libvirt-expand: python3-libvirt is missing; run tools/oracle/install-libvirt.sh")

NAME_RE = re.compile(r"<name>[^<]*</name>")
INPUT_UUID_RE = re.compile(r"\s*<uuid>[^<]*</uuid>")
OUTPUT_UUID_RE = re.compile(r"^\s*<uuid>.*</uuid>\n", re.M)
# The embedded driver runs QEMU as root; without these libvirt wants the libvirt-qemu user's ids.
QEMU_CONF = 'user = "root"\ngroup = "root"\n'


def with_name(xml_text, name):
    """Replaces the first <name> element's text."""
    return NAME_RE.sub(lambda _: "<name>%s</name>" % name, xml_text, count=1)


class EmbeddedLibvirt:
    """A private libvirt QEMU driver rooted in a temporary directory, removed on exit."""

    def __enter__(self):
        self.root = tempfile.mkdtemp(prefix="devaddr-libvirt-")
        for conf_dir in (os.path.join(self.root, "etc"), os.path.join(self.root, "etc", "libvirt")):
            os.makedirs(conf_dir, exist_ok=True)
            with open(os.path.join(conf_dir, "qemu.conf"), "w") as f:
                f.write(QEMU_CONF)
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors arrive as exceptions
        libvirt.virEventRegisterDefaultImpl()
        self.conn = libvirt.open("qemu:///embed?root=" + self.root)
        return self

    def __exit__(self, *exc):
        try:
            if getattr(self, "conn", None) is not None:
                self.conn.close()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
        return False

    def expand(self, xml_text, scratch_name):
        """Defines the domain under scratch_name and returns libvirt's expanded XML."""
        dom = self.conn.defineXML(with_name(INPUT_UUID_RE.sub("", xml_text, count=1), scratch_name))
        try:
            return dom.XMLDesc(0)
        finally:
            dom.undefine()


def expand_one(lv, path, base, ordinal):
    """Returns (text, extension) for one input file."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        name_el = ET.fromstring(text).find("name")
        name = base if name_el is None else name_el.text
        expanded = lv.expand(text, "expand-%d" % ordinal)
        return with_name(OUTPUT_UUID_RE.sub("", expanded), name), ".xml"
    except (libvirt.libvirtError, ET.ParseError, UnicodeDecodeError) as e:
        return str(e).strip() + "\n", ".error"


def write_result(out_dir, base, text, ext):
    for stale in (".xml", ".error"):
        p = os.path.join(out_dir, base + stale)
        if os.path.exists(p):
            os.remove(p)
    with open(os.path.join(out_dir, base + ext), "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: libvirt-expand IN_DIR OUT_DIR")
    in_dir, out_dir = argv[1], argv[2]
    if not os.path.isdir(in_dir):
        sys.exit("libvirt-expand: %s is not a directory" % in_dir)
    os.makedirs(out_dir, exist_ok=True)
    inputs = sorted(f for f in os.listdir(in_dir) if f.endswith(".xml"))
    with EmbeddedLibvirt() as lv:
        for ordinal, fname in enumerate(inputs):
            base = fname[:-len(".xml")]
            text, ext = expand_one(lv, os.path.join(in_dir, fname), base, ordinal)
            write_result(out_dir, base, text, ext)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
