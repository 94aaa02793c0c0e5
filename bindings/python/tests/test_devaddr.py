"""Tests of the devaddr Python package against libdevaddr.so and the reference CLI."""

from __future__ import annotations

import ctypes
import importlib.metadata
import json
import os
import re
import unittest
from pathlib import Path
from typing import Optional

from . import support

import devaddr  # noqa: E402  (support puts the package on sys.path)
from devaddr import _native

Q35 = {
    "machine": {"arch": "x86_64", "type": "q35"},
    "devices": [
        {"id": "vda", "kind": "disk", "bus": "virtio", "target": "vda"},
        {"id": "nic0", "kind": "interface", "model": "virtio"},
    ],
}

OPTIMIZE = {
    "machine": {"arch": "x86_64", "type": "q35"},
    "policy": {"name": "optimize", "tunables": {"hotplugReserve": {"value": 2}}},
    "devices": [
        {"id": "vda", "kind": "disk", "bus": "virtio", "target": "vda"},
        {"id": "nic0", "kind": "interface", "model": "virtio"},
        {"id": "nic1", "kind": "interface", "model": "e1000e"},
    ],
}


note = support.note


def error_of(text: str) -> Optional[dict]:
    document = json.loads(text)
    return document.get("error") if isinstance(document, dict) else None


class VersionTests(unittest.TestCase):
    def test_version_is_a_release_number(self) -> None:
        self.assertRegex(devaddr.version(), r"^\d+\.\d+\.\d+$")

    def test_library_path_names_the_loaded_file(self) -> None:
        self.assertTrue(devaddr.library_path().endswith("libdevaddr.so"))


class PackageTests(unittest.TestCase):
    """The package under test is the one meant: the installed wheel (DEVADDR_TEST_INSTALLED=1), with the library it
    carries and its metadata, or else the repository's source."""

    def test_package_is_the_installed_wheel_or_the_repository_source(self) -> None:
        package = Path(devaddr.__file__).resolve().parent
        self.assertEqual(support.ROOT not in package.parents, support.INSTALLED, f"devaddr imported from {package}")
        self.assertTrue((package / "py.typed").is_file(), "py.typed (type hints) missing")

    def test_installed_wheel_loads_its_own_library_without_environment(self) -> None:
        if not support.INSTALLED:
            self.assertTrue(Path(devaddr.library_path()).is_file())
            return
        self.assertIsNone(os.environ.get(_native.ENV_VAR))
        package = Path(devaddr.__file__).resolve().parent
        self.assertEqual(Path(devaddr.library_path()).resolve(), package / "lib" / _native.LIBRARY_NAME)

    def test_installed_metadata_version_is_the_library_version(self) -> None:
        if not support.INSTALLED:
            self.assertRegex(devaddr.version(), r"^\d+\.\d+\.\d+$")
            return
        self.assertEqual(importlib.metadata.version("devaddr"), devaddr.version())
        self.assertEqual(importlib.metadata.metadata("devaddr")["License"], "Apache-2.0")


@unittest.skipIf(support.cli_command() is None, "the devaddr CLI is not built (set DEVADDR_CLI)")
class CliParityTests(unittest.TestCase):
    """The library's text is the CLI's, byte for byte."""

    def test_plan_json_every_example_equals_cli_output_byte_for_byte(self) -> None:
        files = support.example_files()
        self.assertGreater(len(files), 0)
        equal = 0
        for path in files:
            with self.subTest(fixture=path.name):
                cli = support.run_cli("plan", str(path))
                self.assertEqual(cli.returncode, 0, cli.stderr.decode())
                ours = devaddr.plan_json(path.read_bytes()).encode("utf-8")
                self.assertEqual(ours, cli.stdout)
                equal += 1
        note(f"plan: byte-equal to `devaddr plan` on {equal}/{len(files)} fixtures in fixtures/examples "
             f"({', '.join(p.name for p in files)})")

    def test_plan_every_scenario_equals_cli_plan_or_error(self) -> None:
        files = support.scenario_files()
        plans = errors = 0
        for path in files:
            with self.subTest(fixture=path.name):
                cli = support.run_cli("plan", "--json-errors", str(path))
                raw = _native.call("devaddr_plan", path.read_bytes())
                if cli.returncode == 0:
                    self.assertEqual(raw.encode("utf-8"), cli.stdout)
                    plans += 1
                else:
                    self.assertEqual(error_of(raw), json.loads(cli.stderr))
                    errors += 1
        if files:
            note(f"plan: fixtures/scenarios (optimize policy, CP-SAT): {plans} plans byte-equal to `devaddr plan`, "
                 f"{errors} error objects equal to `devaddr plan --json-errors`, of {len(files)}")

    def test_plan_dict_equals_cli_plan_for_json_examples(self) -> None:
        for path in support.example_files():
            if path.suffix != ".json":
                continue
            with self.subTest(fixture=path.name):
                cli = support.run_cli("plan", str(path))
                self.assertEqual(devaddr.plan(json.loads(path.read_text())), json.loads(cli.stdout))

    def test_plan_json_optimize_policy_equals_cli_output(self) -> None:
        # The optimize policy runs OR-Tools' CP-SAT: its native libraries load from libdevaddr.so's directory.
        path = Path(self.tmp_dir()) / "optimize.json"
        path.write_text(json.dumps(OPTIMIZE))
        cli = support.run_cli("plan", str(path))
        self.assertEqual(cli.returncode, 0, cli.stderr.decode())
        self.assertEqual(devaddr.plan_json(path.read_text()).encode("utf-8"), cli.stdout)

    def test_plan_json_prior_in_request_equals_cli_prior_option(self) -> None:
        # The CLI's --prior PLAN is the request's "prior" member: {"devices": [...], "allowMoves": false}.
        prior = devaddr.plan(Q35)
        grown = dict(Q35, devices=Q35["devices"] + [{"id": "nic9", "kind": "interface", "model": "virtio"}])
        request = Path(self.tmp_dir()) / "grown.json"
        request.write_text(json.dumps(grown))
        prior_file = Path(self.tmp_dir()) / "prior.json"
        prior_file.write_text(json.dumps(prior))
        cli = support.run_cli("plan", str(request), "--prior", str(prior_file))
        self.assertEqual(cli.returncode, 0, cli.stderr.decode())
        ours = devaddr.plan_json(json.dumps(dict(grown, prior={"devices": prior["devices"]})))
        self.assertEqual(ours.encode("utf-8"), cli.stdout)

    def test_plan_error_equals_cli_json_error(self) -> None:
        cases = {
            "malformed.json": '{"machine": {"arch": "x86_64", "type": "q35"}, "devices": [',
            "unknown-machine.json": '{"machine": {"arch": "x86_64", "type": "pc-q99"}, "devices": []}',
            "duplicate-ids.json": json.dumps({"machine": Q35["machine"], "devices": [Q35["devices"][0]] * 2}),
            # Too deep for Core's readers (32 levels), which refuse it before building anything.
            "deep-40.yaml": "machine: " + "[" * 40 + "]" * 40 + "\n",
            "deep-100.yaml": "machine: " + "[" * 100 + "]" * 100 + "\n",
        }
        for name, text in cases.items():
            with self.subTest(case=name):
                path = Path(self.tmp_dir()) / name
                path.write_text(text)
                cli = support.run_cli("plan", "--json-errors", str(path))
                self.assertNotEqual(cli.returncode, 0)
                with self.assertRaises(devaddr.DevAddrError) as raised:
                    devaddr.plan_json(text)
                self.assertEqual(raised.exception.code, json.loads(cli.stderr)["code"])
                raw = _native.call("devaddr_plan", text.encode())
                self.assertEqual(error_of(raw), json.loads(cli.stderr))

    def test_validate_json_equals_cli_output(self) -> None:
        valid = devaddr.plan_json(json.dumps(Q35))
        broken = json.loads(valid)
        pci = [d for d in broken["devices"] if d.get("address", {}).get("type") == "pci"]
        pci[1]["address"] = dict(pci[0]["address"])  # two devices in one PCI slot
        for name, text in {"valid": valid, "clash": json.dumps(broken)}.items():
            with self.subTest(plan=name):
                path = Path(self.tmp_dir()) / f"{name}.json"
                path.write_text(text)
                cli = support.run_cli("validate", "--json", str(path))
                self.assertEqual(devaddr.validate_json(text).encode("utf-8"), cli.stdout)

    def tmp_dir(self) -> str:
        if not hasattr(self, "_tmp"):
            import tempfile

            self._tmp = tempfile.TemporaryDirectory()
            self.addCleanup(self._tmp.cleanup)
        return self._tmp.name


class PlanTests(unittest.TestCase):
    def test_plan_q35_returns_every_device_with_an_address(self) -> None:
        result = devaddr.plan(Q35)
        self.assertEqual(result["machine"], {"arch": "x86_64", "type": "q35"})
        self.assertEqual(result["summary"]["devices"], len(result["devices"]))
        by_id = {d["id"]: d for d in result["devices"]}
        self.assertEqual(by_id["vda"]["address"]["type"], "pci")
        self.assertEqual(by_id["nic0"]["address"]["type"], "pci")

    def test_plan_optimize_policy_runs_the_solver(self) -> None:
        result = devaddr.plan(OPTIMIZE)
        self.assertEqual(result["policy"], "optimize")
        self.assertEqual(devaddr.validate(result), [])

    def test_plan_yaml_text_is_read_like_the_cli(self) -> None:
        yaml = "machine: {arch: x86_64, type: pc}\ndevices:\n  - {id: vda, kind: disk, bus: virtio, target: vda}\n"
        self.assertEqual(json.loads(devaddr.plan_json(yaml))["machine"]["type"], "pc")

    def test_plan_twice_gives_identical_text(self) -> None:
        self.assertEqual(devaddr.plan_json(json.dumps(OPTIMIZE)), devaddr.plan_json(json.dumps(OPTIMIZE)))


class ValidateTests(unittest.TestCase):
    def test_validate_planned_example_is_valid(self) -> None:
        for path in support.example_files():
            with self.subTest(fixture=path.name):
                self.assertEqual(devaddr.validate(json.loads(devaddr.plan_json(path.read_bytes()))), [])

    def test_validate_two_devices_in_one_slot_reports_a_violation(self) -> None:
        planned = devaddr.plan(Q35)
        pci = [d for d in planned["devices"] if d.get("address", {}).get("type") == "pci"]
        pci[1]["address"] = dict(pci[0]["address"])
        violations = devaddr.validate(planned)
        self.assertGreater(len(violations), 0)
        self.assertTrue(all({"code", "message"} <= v.keys() for v in violations))

    def test_validate_unreadable_plan_raises(self) -> None:
        with self.assertRaises(devaddr.DevAddrError) as raised:
            devaddr.validate({"devices": []})
        self.assertEqual(raised.exception.code, "invalid-input")


class BadInputTests(unittest.TestCase):
    """Bad input gives an error object (raw C API) or DevAddrError (Python), never a crash."""

    BAD: dict[str, Optional[bytes]] = {
        "malformed JSON": b'{"machine": ',
        "not JSON at all": b"{this is not json}",
        "trailing garbage": b'{"machine": {"arch": "x86_64", "type": "q35"}} xyz',
        "empty text": b"",
        "JSON array": b"[1, 2, 3]",
        "JSON string": b'"q35"',
        "wrong member type": b'{"machine": {"arch": "x86_64", "type": "q35"}, "devices": 7}',
        "unknown member": b'{"machine": {"arch": "x86_64", "type": "q35"}, "cpus": 4}',
        "missing machine": b'{"devices": []}',
        "huge number": b'{"machine": {"arch": "x86_64", "type": "q35"}, "numaNodes": 1e400}',
        "deep nesting": b"[" * 10000 + b"]" * 10000,
        "invalid UTF-8": b'{"machine": {"arch": "\xff\xfe", "type": "q35"}}',
        "NUL pointer": None,
        "negative slot": json.dumps({"machine": {"arch": "x86_64", "type": "q35"}, "devices": [
            {"id": "n", "kind": "interface", "model": "virtio",
             "address": {"type": "pci", "domain": 0, "bus": 0, "slot": -1, "function": 0}}]}).encode(),
        "unknown machine": b'{"machine": {"arch": "x86_64", "type": "pc-q99"}, "devices": []}',
        # Core's YAML reader recurses: 10^6 levels would overflow any stack and end the process.
        "deep YAML flow nesting": b"machine: " + b"[" * 1_000_000 + b"]" * 1_000_000,
        "deep YAML block nesting": b"machine:\n" + b"- " * 200_000 + b"x\n",
        # "Billion laughs": 10^9 nodes once the aliases are expanded.
        "YAML alias bomb": ("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))).encode(),
    }

    def test_plan_bad_input_returns_error_object_with_code(self) -> None:
        for name, text in self.BAD.items():
            with self.subTest(case=name):
                raw = _native.call("devaddr_plan", text)
                error = error_of(raw)
                self.assertIsNotNone(error, raw[:200])
                assert error is not None
                # A negative slot is read, then refused by the planner's range check (naming the device and field).
                self.assertIn(error["code"], {"invalid-input", "unknown-model", "address-conflict"}, raw)
                self.assertTrue(error["message"])

    def test_validate_bad_input_returns_error_object(self) -> None:
        for name, text in self.BAD.items():
            with self.subTest(case=name):
                error = error_of(_native.call("devaddr_validate", text))
                self.assertIsNotNone(error)

    def test_plan_json_bad_json_raises_devaddr_error_with_fields(self) -> None:
        with self.assertRaises(devaddr.DevAddrError) as raised:
            devaddr.plan_json('{"machine": ')
        error = raised.exception
        self.assertEqual(error.code, "invalid-input")
        self.assertEqual(error.rule, "well-formed")
        self.assertIn("malformed request", error.message)
        self.assertIsNone(error.device_id)

    def test_plan_error_about_a_device_names_it(self) -> None:
        request = {"machine": {"arch": "x86_64", "type": "q35"}, "devices": [
            {"id": "nic0", "kind": "interface", "model": "virtio",
             "address": {"type": "pci", "domain": 0, "bus": 0, "slot": 1, "function": 0}},
            {"id": "nic1", "kind": "interface", "model": "virtio",
             "address": {"type": "pci", "domain": 0, "bus": 0, "slot": 1, "function": 0}}]}
        with self.assertRaises(devaddr.DevAddrError) as raised:
            devaddr.plan(request)
        self.assertIn(raised.exception.device_id, {"nic0", "nic1"})
        self.assertTrue(raised.exception.code)

    def test_plan_non_text_argument_raises_type_error(self) -> None:
        with self.assertRaises(TypeError):
            devaddr.plan_json(42)  # type: ignore[arg-type]

    def test_library_survives_bad_input_and_still_plans(self) -> None:
        for text in self.BAD.values():
            _native.call("devaddr_plan", text)
        self.assertIn("summary", devaddr.plan(Q35))


class ThreadTests(unittest.TestCase):
    """Two threads calling the library at once get the plans one thread gets."""

    ROUNDS = 40

    def test_two_threads_plan_concurrently_and_get_correct_plans(self) -> None:
        requests = [p.read_bytes() for p in support.example_files()] + [json.dumps(OPTIMIZE).encode()]
        run = support.run_two_threads(requests, devaddr.plan_json,
                                      lambda: _native.call("devaddr_plan", b'{"machine": '), self.ROUNDS)
        self.assertEqual(run.failures, [])
        self.assertEqual(run.mismatches, [])
        self.assertEqual(len(run.calls), 2 * run.per_thread)
        # Evidence that the calls really overlapped: some call of thread 1 ran during one of thread 0.
        self.assertGreater(run.overlapping, 0)
        note(f"2 threads x {run.per_thread} plans (+ as many bad-JSON calls) in {run.elapsed:.1f} s: "
             f"0 mismatches, {run.overlapping}/{run.second_thread_calls} calls of thread 1 overlapped thread 0")


if __name__ == "__main__":
    unittest.main()
