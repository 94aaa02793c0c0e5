"""The golden plans (fixtures/golden/plans) through the Python binding and the NativeAOT library under it.

The cases come from ``$DEVADDR_GOLDEN_CASES``: a directory the .NET test suite exports (``index.tsv`` with a line
``N<TAB>PATH`` per case, ``N.request.json`` the exact request, ``PATH`` the golden file under fixtures/golden/plans).
"""

from __future__ import annotations

import json
import os
import unittest
from pathlib import Path

from . import support

import devaddr  # noqa: E402  (support puts the package on sys.path)

GOLDEN_PLANS = support.ROOT / "fixtures" / "golden" / "plans"


def minify(text: str) -> str:
    """The JSON text without whitespace outside strings (the golden layout differs from devaddr's only there)."""
    out: list[str] = []
    in_string = escaped = False
    for c in text:
        if in_string:
            out.append(c)
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif c not in " \t\r\n":
            out.append(c)
    return "".join(out)


@unittest.skipUnless(os.environ.get("DEVADDR_GOLDEN_CASES"), "DEVADDR_GOLDEN_CASES is not set (the .NET Native tests set it)")
class GoldenPlanTests(unittest.TestCase):
    def test_every_golden_request_plans_to_its_golden_plan_or_error(self) -> None:
        cases = Path(os.environ["DEVADDR_GOLDEN_CASES"])
        index = [line.split("\t") for line in (cases / "index.tsv").read_text(encoding="utf-8").splitlines() if line]
        self.assertGreater(len(index), 0)
        mismatches: list[str] = []
        planned = refused = 0
        for number, path in index:
            request = (cases / f"{number}.request.json").read_text(encoding="utf-8")
            golden = (GOLDEN_PLANS / path).read_text(encoding="utf-8")
            try:
                got = minify(devaddr.plan_json(request))
                planned += 1
            except devaddr.DevAddrError as error:
                refused += 1
                fields = {"code": error.code, "message": error.message, "deviceId": error.device_id, "rule": error.rule}
                got = minify(json.dumps({k: v for k, v in fields.items() if v is not None}, ensure_ascii=False))
                golden = minify(json.dumps(json.loads(golden), ensure_ascii=False))
            if got != minify(golden):
                mismatches.append(path)
        support.note(f"golden plans through the binding: {len(index) - len(mismatches)} of {len(index)} reproduced "
                     f"({planned} plans, {refused} errors)")
        self.assertEqual([], mismatches[:20], f"{len(mismatches)} golden plans differ")


if __name__ == "__main__":
    unittest.main()
