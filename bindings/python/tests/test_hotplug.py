"""Tests of devaddr.hotplug_check (devaddr_hotplug_check) against the reference CLI's `devaddr hotplug-check`."""

from __future__ import annotations

import json
import tempfile
import unittest
from pathlib import Path
from typing import Any, Optional

from . import support

import devaddr  # noqa: E402  (support puts the package on sys.path)
from devaddr import _native

# A cold plan with spare root ports (the optimizing policy keeps 2 free), the layout of the plan-based cases.
SPARE_PORTS = {
    "machine": {"arch": "x86_64", "type": "q35"},
    "policy": {"name": "optimize", "tunables": {"hotplugReserve": {"value": 2}}},
    "devices": [
        {"id": "vda", "kind": "disk", "bus": "virtio", "target": "vda"},
        {"id": "nic0", "kind": "interface", "model": "virtio"},
    ],
}

GPU = {"id": "gpu", "kind": "hostdev", "type": "pci", "host": {"address": "0000:3b:00.0"},
       "tunables": {"bars": [{"size": "16G", "kind": "mem64pref"}, {"size": "16M", "kind": "mem32"}]}}

NIC = {"id": "nic9", "kind": "interface", "model": "virtio"}


note = support.note


def error_of(text: str) -> Optional[dict]:
    document = json.loads(text)
    return document.get("error") if isinstance(document, dict) else None


def fixture_request(case: Path) -> tuple[dict[str, Any], list[str]]:
    """The request of a fixtures/hotplug scenario and the CLI arguments that check the same.

    Device XML is passed as text, a JSON device list (devices with BARs) as a list; the firmware profile is the one
    expected.json names, if any.
    """
    devices_file = support.hotplug_devices_file(case)
    devices: Any = devices_file.read_text()
    if devices_file.suffix == ".json":
        devices = json.loads(devices)
    firmware = json.loads((case / "expected.json").read_text()).get("firmware")
    request = devaddr.hotplug_request((case / "layout.xml").read_text(), devices, firmware=firmware)
    args = ["hotplug-check", str(case / "layout.xml"), str(devices_file), "--format", "json"]
    if firmware:
        args += ["--firmware", firmware]
    return request, args


class HotplugRequestTests(unittest.TestCase):
    def test_hotplug_request_omits_options_left_at_none(self) -> None:
        self.assertEqual(devaddr.hotplug_request("<domain/>", "<interface/>"),
                         {"layout": "<domain/>", "devices": "<interface/>"})

    def test_hotplug_request_names_members_as_the_c_api(self) -> None:
        request = devaddr.hotplug_request({"devices": []}, [NIC], reserve=["4:pref64=16G"], firmware="seabios",
                                          acpi=False, memory_slots=4)
        self.assertEqual(request, {"layout": {"devices": []}, "devices": [NIC], "reserve": ["4:pref64=16G"],
                                   "firmware": "seabios", "acpi": False, "memorySlots": 4})

    def test_hotplug_request_bad_argument_types_raise_type_error(self) -> None:
        with self.assertRaises(TypeError):
            devaddr.hotplug_request(42, [NIC])  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            devaddr.hotplug_request("<domain/>", 7)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            devaddr.hotplug_request("<domain/>", [NIC], reserve="4:pref64=16G")


@unittest.skipIf(support.cli_command() is None, "the devaddr CLI is not built (set DEVADDR_CLI)")
class HotplugCliParityTests(unittest.TestCase):
    """hotplug_check's text is the CLI's `devaddr hotplug-check --format json`, byte for byte."""

    def test_every_hotplug_fixture_equals_cli_output_byte_for_byte(self) -> None:
        cases = support.hotplug_cases()
        self.assertGreater(len(cases), 0)
        equal = feasible = 0
        for case in cases:
            with self.subTest(fixture=case.name):
                request, args = fixture_request(case)
                cli = support.run_cli(*args)
                self.assertIn(cli.returncode, (0, 3), cli.stderr.decode())
                ours = devaddr.hotplug_check_json(json.dumps(request))
                self.assertEqual(ours.encode("utf-8"), cli.stdout)
                report = devaddr.hotplug_check(request["layout"], request["devices"], firmware=request.get("firmware"))
                self.assertEqual(report, json.loads(cli.stdout))
                self.assertEqual(report["feasible"], cli.returncode == 0)
                equal += 1
                feasible += report["feasible"]
        note(f"hotplug_check: byte-equal to `devaddr hotplug-check --format json` on {equal}/{len(cases)} scenarios "
             f"in fixtures/hotplug ({feasible} all feasible, {equal - feasible} with an infeasible device)")

    def test_plan_layout_with_every_option_equals_cli_output(self) -> None:
        # A plan as the layout (dict), JSON devices with BARs, and all four options of the CLI.
        layout = devaddr.plan(SPARE_PORTS)
        ports = [d["index"] for d in layout["devices"] if d.get("model") == "pcie-root-port" and "index" in d]
        self.assertGreater(len(ports), 0)
        options = {"reserve": [f"{ports[-1]}:pref64=16G,mem=32M"], "firmware": "seabios", "acpi": False,
                   "memory_slots": 4}
        tmp = self.tmp_dir()
        (tmp / "layout.json").write_text(json.dumps(layout))
        (tmp / "devices.json").write_text(json.dumps([NIC, GPU]))
        cli = support.run_cli("hotplug-check", str(tmp / "layout.json"), str(tmp / "devices.json"), "--format", "json",
                              "--reserve", options["reserve"][0], "--firmware", "seabios", "--acpi", "off",
                              "--memory-slots", "4")
        self.assertIn(cli.returncode, (0, 3), cli.stderr.decode())
        request = devaddr.hotplug_request(layout, [NIC, GPU], **options)
        self.assertEqual(devaddr.hotplug_check_json(json.dumps(request)).encode("utf-8"), cli.stdout)
        # The same layout as plan text, the devices as JSON text: the CLI's readers, the same report.
        text_request = devaddr.hotplug_request(json.dumps(layout), json.dumps([NIC, GPU]), **options)
        self.assertEqual(devaddr.hotplug_check_json(json.dumps(text_request)).encode("utf-8"), cli.stdout)
        report = devaddr.hotplug_check(layout, [NIC, GPU], **options)
        self.assertEqual(report, json.loads(cli.stdout))
        self.assertTrue(any(a.startswith("firmware profile 'seabios'") for a in report["assumptions"]))

    def test_check_error_equals_cli_json_error(self) -> None:
        # A device id the layout already uses: the check's own error, which the CLI prints as JSON on stderr.
        layout = devaddr.plan(SPARE_PORTS)
        duplicate = [dict(NIC, id="nic0")]
        tmp = self.tmp_dir()
        (tmp / "layout.json").write_text(json.dumps(layout))
        (tmp / "devices.json").write_text(json.dumps(duplicate))
        cli = support.run_cli("hotplug-check", str(tmp / "layout.json"), str(tmp / "devices.json"), "--format", "json")
        self.assertEqual(cli.returncode, 2, cli.stderr.decode())
        raw = _native.call("devaddr_hotplug_check", json.dumps(devaddr.hotplug_request(layout, duplicate)).encode())
        self.assertEqual(error_of(raw), json.loads(cli.stderr))
        with self.assertRaises(devaddr.DevAddrError) as raised:
            devaddr.hotplug_check(layout, duplicate)
        self.assertEqual((raised.exception.code, raised.exception.device_id, raised.exception.rule),
                         ("invalid-input", "nic0", "device-id-unique"))

    def tmp_dir(self) -> Path:
        if not hasattr(self, "_tmp"):
            self._tmp = tempfile.TemporaryDirectory()
            self.addCleanup(self._tmp.cleanup)
        return Path(self._tmp.name)


class HotplugBadInputTests(unittest.TestCase):
    """Bad hotplug requests give an error object (raw C API) or DevAddrError (Python), never a crash."""

    LAYOUT = (support.HOTPLUG / "q35-one-spare-port-two-virtio-nics" / "layout.xml").read_text()

    BAD: dict[str, Optional[bytes]] = {
        "malformed JSON": b'{"layout": ',
        "not JSON at all": b"{this is not json}",
        "trailing garbage": b'{"layout": "<domain/>", "devices": []} xyz',
        "empty text": b"",
        "JSON array": b"[1, 2, 3]",
        "JSON string": b'"q35"',
        "unknown member": json.dumps({"layout": LAYOUT, "devices": [NIC], "cpus": 4}).encode(),
        "duplicate member": b'{"layout": {}, "layout": {}, "devices": []}',
        "missing layout": json.dumps({"devices": [NIC]}).encode(),
        "missing devices": json.dumps({"layout": LAYOUT}).encode(),
        "layout a number": json.dumps({"layout": 7, "devices": [NIC]}).encode(),
        "layout not a plan": json.dumps({"layout": {"machine": "q35"}, "devices": [NIC]}).encode(),
        "layout bad XML": json.dumps({"layout": "<domain><devices>", "devices": [NIC]}).encode(),
        "layout XML not a domain": json.dumps({"layout": "<interface/>", "devices": [NIC]}).encode(),
        "devices a number": json.dumps({"layout": LAYOUT, "devices": 7}).encode(),
        "devices bad XML": json.dumps({"layout": LAYOUT, "devices": "<interface"}).encode(),
        "device without kind": json.dumps({"layout": LAYOUT, "devices": [{"id": "x"}]}).encode(),
        "reserve not a list": json.dumps({"layout": LAYOUT, "devices": [NIC], "reserve": "4:pref64=16G"}).encode(),
        "reserve unreadable": json.dumps({"layout": LAYOUT, "devices": [NIC], "reserve": ["4:huge=16G"]}).encode(),
        "firmware unknown": json.dumps({"layout": LAYOUT, "devices": [NIC], "firmware": "coreboot"}).encode(),
        "acpi as text": json.dumps({"layout": LAYOUT, "devices": [NIC], "acpi": "on"}).encode(),
        "memorySlots fraction": json.dumps({"layout": LAYOUT, "devices": [NIC], "memorySlots": 1.5}).encode(),
        "deep nesting": b"[" * 10000 + b"]" * 10000,
        "deep YAML devices": json.dumps({"layout": LAYOUT, "devices": "x: " + "[" * 100000 + "]" * 100000}).encode(),
        "invalid UTF-8": b'{"layout": "\xff\xfe", "devices": []}',
        "NUL pointer": None,
    }

    def test_bad_request_returns_error_object_with_code(self) -> None:
        for name, text in self.BAD.items():
            with self.subTest(case=name):
                raw = _native.call("devaddr_hotplug_check", text)
                error = error_of(raw)
                self.assertIsNotNone(error, raw[:200])
                assert error is not None
                self.assertIn(error["code"], {"invalid-input", "unknown-model"}, raw)
                self.assertTrue(error["message"])
        note(f"hotplug_check: {len(self.BAD)} bad requests, each an error object (invalid-input), no crash")

    def test_hotplug_check_json_bad_json_raises_devaddr_error_with_code(self) -> None:
        with self.assertRaises(devaddr.DevAddrError) as raised:
            devaddr.hotplug_check_json('{"layout": ')
        error = raised.exception
        self.assertEqual(error.code, "invalid-input")
        self.assertEqual(error.rule, "well-formed")
        self.assertIn("malformed hotplug request", error.message)
        self.assertIsNone(error.device_id)

    def test_hotplug_check_bad_layout_raises_devaddr_error(self) -> None:
        with self.assertRaises(devaddr.DevAddrError) as raised:
            devaddr.hotplug_check("<domain><devices>", [NIC])
        self.assertEqual((raised.exception.code, raised.exception.rule), ("invalid-input", "domain-xml"))
        self.assertIn("XML error", raised.exception.message)

    def test_library_survives_bad_requests_and_still_checks(self) -> None:
        for text in self.BAD.values():
            _native.call("devaddr_hotplug_check", text)
        report = devaddr.hotplug_check(self.LAYOUT, [NIC])
        self.assertTrue(report["feasible"])


class HotplugThreadTests(unittest.TestCase):
    """Two threads calling hotplug_check at once get the reports one thread gets."""

    ROUNDS = 10

    def test_two_threads_hotplug_check_concurrently_and_get_correct_reports(self) -> None:
        cases = support.hotplug_cases()
        self.assertGreater(len(cases), 0)
        requests = [json.dumps(fixture_request(case)[0]) for case in cases]
        run = support.run_two_threads(requests, devaddr.hotplug_check_json,
                                      lambda: _native.call("devaddr_hotplug_check", b'{"layout": '), self.ROUNDS,
                                      labels=[case.name for case in cases])
        self.assertEqual(run.failures, [])
        self.assertEqual(run.mismatches, [])
        self.assertEqual(len(run.calls), 2 * run.per_thread)
        # Evidence that the calls really overlapped: some call of thread 1 ran during one of thread 0.
        self.assertGreater(run.overlapping, 0)
        note(f"hotplug_check: 2 threads x {run.per_thread} checks of the {len(cases)} fixtures/hotplug scenarios "
             f"(+ as many bad-JSON calls) in {run.elapsed:.1f} s: 0 mismatches, "
             f"{run.overlapping}/{run.second_thread_calls} calls of thread 1 overlapped thread 0")


if __name__ == "__main__":
    unittest.main()
