"""DevAddr for Python: plan and validate QEMU/KVM guest device addresses, and check hotplugs into running guests.

A thin ``ctypes`` binding (standard library only) to ``libdevaddr.so``, the planner compiled ahead of time, which the
wheel carries (``pip install devaddr-*.whl``; in the repository, ``bindings/build.sh`` builds it). Requests and plans
are the JSON documents of the ``devaddr`` command-line tool, as Python dicts (``plan``, ``validate``,
``hotplug_check``) or as JSON text (``plan_json``, ``validate_json``, ``hotplug_check_json``, whose results are the
exact text the library returns, byte for byte what ``devaddr plan``, ``devaddr validate --json`` and
``devaddr hotplug-check --format json`` print).

    >>> import devaddr
    >>> result = devaddr.plan({"machine": {"arch": "x86_64", "type": "q35"},
    ...                        "devices": [{"id": "nic0", "kind": "interface", "model": "virtio"}]})
    >>> result["summary"]["devices"] > 1
    True

Every function is thread-safe, and calls from several threads run in parallel (ctypes releases the GIL).
The library is found through ``$DEVADDR_LIBRARY`` (the file, or its directory), in this package (``devaddr/lib``, where
the wheel puts it), or in the repository's ``bindings/lib``.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence, Union

from . import _native

__all__ = [
    "DevAddrError",
    "hotplug_check",
    "hotplug_check_json",
    "hotplug_request",
    "library_path",
    "plan",
    "plan_json",
    "validate",
    "validate_json",
    "version",
]

JsonText = Union[str, bytes]
"""JSON text: ``str``, or ``bytes`` in UTF-8."""

Layout = Union[Mapping[str, Any], str]
"""A running guest: a plan (dict, as :func:`plan` returns it) or text: its domain XML (``virsh dumpxml``) or a plan
in JSON/YAML."""

Devices = Union[Sequence[Mapping[str, Any]], str]
"""Devices to hot-plug, in attach order: a list of device dicts (as in a request; ``tunables.bars`` gives a device's
BARs) or text: libvirt device XML (one element, or several inside ``<devices>``) or a JSON/YAML device list."""


class DevAddrError(Exception):
    """A failure the library reported as an error object ``{"error": {code, message, deviceId, rule}}``.

    Attributes:
        code: stable machine-readable code: ``invalid-input``, ``unknown-model``, ``address-conflict``,
            ``no-space``, ``infeasible``, ``solver-limit``, ``unsupported``, ``unusable-layout`` or ``internal-error``
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
    return _call("devaddr_plan", request)


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
    return _call("devaddr_validate", plan)


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


def hotplug_request(
    layout: Layout,
    devices: Devices,
    *,
    reserve: Optional[Sequence[str]] = None,
    firmware: Optional[str] = None,
    acpi: Optional[bool] = None,
    memory_slots: Optional[int] = None,
) -> dict[str, Any]:
    """The request document of :func:`hotplug_check_json` (``devaddr_hotplug_check``) for these arguments.

    Members left at None are omitted (the CLI's defaults apply). See :func:`hotplug_check` for the arguments.
    """
    if not isinstance(layout, (str, Mapping)):
        raise TypeError(f"layout: expected a plan (dict) or text (domain XML, plan JSON/YAML), got {type(layout).__name__}")
    if not isinstance(devices, (str, Sequence)):
        raise TypeError(f"devices: expected a list of devices or text (device XML), got {type(devices).__name__}")
    if isinstance(reserve, str):
        raise TypeError("reserve: expected a list of INDEX:name=size[,...] texts, e.g. ['4:pref64=16G'], not one text")
    request: dict[str, Any] = {
        "layout": layout if isinstance(layout, str) else dict(layout),
        "devices": devices if isinstance(devices, str) else list(devices),
    }
    if reserve is not None:
        request["reserve"] = list(reserve)
    if firmware is not None:
        request["firmware"] = firmware
    if acpi is not None:
        request["acpi"] = acpi
    if memory_slots is not None:
        request["memorySlots"] = memory_slots
    return request


def hotplug_check_json(request: JsonText) -> str:
    """Checks a hotplug request given as JSON text (:func:`hotplug_request` makes one).

    The request is ``{"layout", "devices", "reserve"?, "firmware"?, "acpi"?, "memorySlots"?}``: the arguments and
    options of ``devaddr hotplug-check LAYOUT DEVICES`` (see ``bindings/c/devaddr.h``).

    Returns:
        The report as the library returns it: byte for byte the output of ``devaddr hotplug-check --format json``.
    Raises:
        DevAddrError: the library returned an error object.
    """
    return _call("devaddr_hotplug_check", request)


def hotplug_check(
    layout: Layout,
    devices: Devices,
    *,
    reserve: Optional[Sequence[str]] = None,
    firmware: Optional[str] = None,
    acpi: Optional[bool] = None,
    memory_slots: Optional[int] = None,
) -> dict[str, Any]:
    """Checks whether devices can be hot-plugged, in order, into a running guest (``devaddr hotplug-check``).

    Args:
        layout: the running guest: a plan (dict, as :func:`plan` returns it), or its domain XML (``virsh dumpxml``;
            window reserves in ``<qemu:override>``, ``<features><acpi/>`` and ``<maxMemory slots>`` are read from
            it), or a plan as JSON/YAML text.
        devices: the devices to add, in attach order: a list of device dicts (``tunables.bars`` gives a device's
            BARs), or libvirt device XML (one element, or several inside ``<devices>``; a user alias ``ua-NAME``
            becomes the id NAME).
        reserve: window reserves of ports and bridges, ``INDEX:name=size[,...]`` with names io, mem, pref32, pref64
            (``--reserve``), e.g. ``["4:pref64=16G"]``; each replaces the layout's reserve of that index.
        firmware: the firmware profile for windows without a reserve, ``"generic"`` (default) or ``"seabios"``.
        acpi: whether the guest has ACPI (``--acpi on|off``); default: from the domain XML, assumed on for a plan.
        memory_slots: the guest's memory hotplug slots, for DIMMs; default: from the domain XML, unknown for a plan.
    Returns:
        The report of ``devaddr hotplug-check --format json``: ``feasible``, ``summary``, ``machine``, ``devices``
        (a verdict per device: address, PCI path, every reason when infeasible), ``suggestions``, ``assumptions``
        and ``layoutAfter`` (the layout with the feasible devices added).
    Raises:
        DevAddrError: the request cannot be read or checked (``.code`` says why), e.g. a device id already in use.
    """
    request = hotplug_request(layout, devices, reserve=reserve, firmware=firmware, acpi=acpi, memory_slots=memory_slots)
    result = json.loads(hotplug_check_json(json.dumps(request)))
    if not isinstance(result, dict):
        raise DevAddrError("internal-error", f"devaddr_hotplug_check returned a {type(result).__name__}, not an object")
    return result


def _call(function: str, text: JsonText) -> str:
    """Calls a library function on JSON text and returns its result; an error object is raised as DevAddrError."""
    result = _native.call(function, _encode(text))
    _raise_if_error(result)
    return result


def _encode(text: JsonText) -> bytes:
    if isinstance(text, bytes):
        return text
    if isinstance(text, str):
        return text.encode("utf-8")
    raise TypeError(f"expected JSON text (str or bytes), got {type(text).__name__}")


def _raise_if_error(text: str) -> None:
    # Cheap test first: plans, violation lists and hotplug reports never start with an "error" member.
    if not text.lstrip().startswith("{") or '"error"' not in text[:32]:
        return
    document = json.loads(text)
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        raise DevAddrError.from_json(document["error"])
