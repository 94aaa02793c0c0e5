"""Loading libdevaddr.so and calling its C functions through ctypes (internal)."""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path
from typing import Callable, Optional

LIBRARY_NAME = "libdevaddr.so"
"""File name of the shared library."""

ENV_VAR = "DEVADDR_LIBRARY"
"""Environment variable naming the library file (or the directory holding it)."""

_lock = threading.Lock()
_library: Optional[ctypes.CDLL] = None


def candidates() -> list[Path]:
    """Where the library is looked for, in order.

    1. ``$DEVADDR_LIBRARY``: the file itself, or a directory holding ``libdevaddr.so``.
    2. Inside this package: ``devaddr/lib/libdevaddr.so``, where the wheel carries it with the OR-Tools libraries it
       loads (``bindings/python/build-wheel.sh``).
    3. The repository's build output, ``bindings/lib/libdevaddr.so`` (what ``bindings/build.sh`` makes).
    """
    found: list[Path] = []
    configured = os.environ.get(ENV_VAR)
    if configured:
        path = Path(configured)
        found.append(path / LIBRARY_NAME if path.is_dir() else path)
    here = Path(__file__).resolve().parent
    found.append(here / "lib" / LIBRARY_NAME)
    found.append(here.parent.parent / "lib" / LIBRARY_NAME)
    return found


def library() -> ctypes.CDLL:
    """The loaded library (loaded once, on first use)."""
    global _library
    with _lock:
        if _library is None:
            _library = _load()
        return _library


def _load() -> ctypes.CDLL:
    tried = candidates()
    configured = os.environ.get(ENV_VAR)
    # An explicit setting must work: do not silently fall back to another copy.
    for path in tried[:1] if configured else tried:
        if path.is_file():
            lib = ctypes.CDLL(str(path))
            _declare(lib)
            return lib
    where = ", ".join(str(p) for p in (tried[:1] if configured else tried))
    raise OSError(
        f"{LIBRARY_NAME} not found (looked at {where}); install the devaddr wheel, build the library with "
        f"bindings/build.sh, or set {ENV_VAR} to its path"
    )


def _declare(lib: ctypes.CDLL) -> None:
    # Results are declared as void* (not c_char_p) so that the pointer can be handed back to devaddr_free.
    lib.devaddr_version.argtypes = []
    lib.devaddr_version.restype = ctypes.c_char_p
    for name in ("devaddr_plan", "devaddr_validate", "devaddr_hotplug_check"):
        try:
            function = getattr(lib, name)
        except AttributeError:  # a library older than this package: calls of the function say so (see call)
            continue
        function.argtypes = [ctypes.c_char_p]
        function.restype = ctypes.c_void_p
    lib.devaddr_free.argtypes = [ctypes.c_void_p]
    lib.devaddr_free.restype = None


def call(function: str, text: Optional[bytes]) -> str:
    """Calls ``char* function(const char*)`` and returns its result as text, freeing the C string.

    ``None`` passes a NULL pointer (the library answers with an error object). ctypes releases the GIL for the
    duration of the call, so calls from several threads run in parallel.
    """
    lib = library()
    try:
        native: Callable[[Optional[bytes]], Optional[int]] = getattr(lib, function)
    except AttributeError:
        raise OSError(f"{lib._name} does not export {function}: it is older than this package; "
                      f"rebuild it with bindings/build.sh") from None
    pointer = native(text)
    if not pointer:
        raise MemoryError(f"{function} returned NULL (out of memory)")
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.devaddr_free(pointer)


def version() -> str:
    """``devaddr_version()``."""
    value: bytes = library().devaddr_version()
    return value.decode("utf-8")
