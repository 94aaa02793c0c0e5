"""DevAddr for Python: plan and validate QEMU/KVM guest device addresses.

A thin ``ctypes`` binding (standard library only) to ``libdevaddr.so``, the planner compiled ahead of time; build it
with ``bindings/build.sh``. Requests and plans are the JSON documents of the ``devaddr`` command-line tool, as
Python dicts (``plan``, ``validate``) or as JSON text (``plan_json``, ``validate_json``, whose results are the exact
text the library returns, byte for byte what ``devaddr plan`` prints).

    >>> import devaddr
    >>> result = devaddr.plan({"machine": {"arch": "x86_64", "type": "q35"},
    ...                        "devices": [{"id": "nic0", "kind": "interface", "model": "virtio"}]})
    >>> result["summary"]["devices"] > 1
    True

Every function is thread-safe, and calls from several threads run in parallel (ctypes releases the GIL).
The library is found through ``$DEVADDR_LIBRARY`` (the file, or its directory), next to this package, or in the
repository's ``bindings/lib``.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Union

from . import _native

__all__ = ["DevAddrError", "plan", "plan_json", "validate", "validate_json", "version", "library_path"]

JsonText = Union[str, bytes]
"""JSON text: ``str``, or ``bytes`` in UTF-8."""


class DevAddrError(Exception):
    """A failure the library reported as an error object ``{"error": {code, message, deviceId, rule}}``.

    Attributes:
        code: stable machine-readable code: ``invalid-input``, ``unknown-model``, ``address-conflict``,
            ``no-space``, ``infeasible``, ``solver-limit``, ``unsupported`` or ``internal-error``
            (see ``bindings/c/devaddr.h``).
        message: human-readable message.
        device_id: the device the error is about, or None.
        rule: the rule that was broken, or None.
    """

    def __init__(self, code: str, message: str, device_id: Optional[str] = None, rule: Optional[str] = None):
        super().__init__(f"[{code}{'/' + rule if rule else ''}]{f' device {device_id!r}' if device_id else ''}: {message}")
        self.code = code
        self.message = message
        self.device_id = device_id
        self.rule = rule

    @classmethod
    def from_json(cls, error: Mapping[str, Any]) -> "DevAddrError":
        """Builds the exception from the inner object of an error object."""
        return cls(
            code=str(error.get("code", "internal-error")),
            message=str(error.get("message", "")),
            device_id=error.get("deviceId"),
            rule=error.get("rule"),
        )


def version() -> str:
    """The library version, e.g. ``"0.1.0"``."""
    return _native.version()


def library_path() -> str:
    """The path of the loaded ``libdevaddr.so`` (loads it if needed)."""
    return str(_native.library()._name)


def plan_json(request: JsonText) -> str:
    """Plans a request given as JSON text (or YAML, as ``devaddr plan -`` reads it).

    Returns:
        The plan as the library returns it: byte for byte the output of ``devaddr plan``.
    Raises:
        DevAddrError: the library returned an error object.
    """
    text = _native.call("devaddr_plan", _encode(request))
    _raise_if_error(text)
    return text


def plan(request: Mapping[str, Any]) -> dict[str, Any]:
    """Plans every device address of a request.

    Args:
        request: the request document, e.g. ``{"machine": {"arch": "x86_64", "type": "q35"}, "devices": [...]}``.
    Returns:
        The plan: ``machine``, ``policy``, ``devices`` (every device, with its address) and ``summary``.
    Raises:
        DevAddrError: the request is invalid or cannot be planned (``.code`` says why).
    """
    result = json.loads(plan_json(json.dumps(request)))
    if not isinstance(result, dict):
        raise DevAddrError("internal-error", f"devaddr_plan returned a {type(result).__name__}, not an object")
    return result


def validate_json(plan: JsonText) -> str:
    """Validates a plan given as JSON text.

    Returns:
        The JSON array of violations (``"[]\\n"`` when valid): byte for byte ``devaddr validate --json``.
    Raises:
        DevAddrError: the plan could not be read.
    """
    text = _native.call("devaddr_validate", _encode(plan))
    _raise_if_error(text)
    return text


def validate(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Checks a plan against every addressing invariant.

    Args:
        plan: a plan, as :func:`plan` returns it (possibly edited).
    Returns:
        The violations, each ``{"code", "message", "deviceId"?, "rule"?}``; empty when the plan is valid.
    Raises:
        DevAddrError: the plan could not be read (e.g. a required member is missing).
    """
    result = json.loads(validate_json(json.dumps(plan)))
    if not isinstance(result, list):
        raise DevAddrError("internal-error", f"devaddr_validate returned a {type(result).__name__}, not a list")
    return result


def _encode(text: JsonText) -> bytes:
    if isinstance(text, bytes):
        return text
    if isinstance(text, str):
        return text.encode("utf-8")
    raise TypeError(f"expected JSON text (str or bytes), got {type(text).__name__}")


def _raise_if_error(text: str) -> None:
    # Cheap test first: plans and violation lists never start with an "error" member.
    if not text.lstrip().startswith("{") or '"error"' not in text[:32]:
        return
    document = json.loads(text)
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        raise DevAddrError.from_json(document["error"])
