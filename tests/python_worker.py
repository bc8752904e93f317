"""The subprocess behind `tests.isolated.PythonWorker`: runs Python modules it is sent.

Each request (a pickled dict, length-prefixed, on stdin) holds a module's source, the
functions to call and the rows to call them on; the reply (pickled, length-prefixed, on
the original stdout) holds one result per row and path, or the error raised. The module
runs in a fresh namespace; what it prints goes to stderr, never into the reply channel.
Started with `python -I` so that nothing but the standard library and the virtualenv's
packages can be imported: an emitted module must need nothing else.
"""

from __future__ import annotations

import math
import os
import pickle
import struct
import sys
import traceback
from typing import Any, BinaryIO


def _describe(error: BaseException) -> str:
    last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    where = f" (line {last[0].lineno} of {last[0].filename})" if last else ""
    return f"{type(error).__name__}: {error}{where}"


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    return float(value)


def _rows(function: Any, args: list[list[Any]], rows: int) -> dict[str, Any]:
    values, errors = [], []
    for i in range(rows):
        try:
            values.append(_number(function(*(column[i] for column in args))))
        except BaseException as error:  # noqa: BLE001 - the module's own failure is the result
            values.append(math.nan)
            errors.append(f"row {i}: {_describe(error)}")
    return {"values": values, "error": errors[0] if errors else None, "errors": len(errors)}


def _batch(function: Any, args: list[list[Any]], kinds: list[str], rows: int) -> dict[str, Any]:
    import numpy as np

    arrays = [np.array([math.nan if v is None else v for v in column], dtype=np.float64) if kind == "numeric" else list(column) for column, kind in zip(args, kinds)]
    try:
        result = np.asarray(function(*arrays), dtype=np.float64)
    except BaseException as error:  # noqa: BLE001
        return {"values": None, "error": _describe(error), "errors": rows}
    if result.shape != (rows,):
        return {"values": None, "error": f"a batch of {rows} rows returned shape {result.shape}", "errors": rows}
    return {"values": result.tolist(), "error": None, "errors": 0}


def handle(request: dict[str, Any]) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "pwlc_fuzz_module"}
    try:
        # as the file's bytes, so that CPython decodes them as it decodes a file (a UTF-8 byte order mark is no character)
        exec(compile(request["source"].encode("utf-8"), request["filename"], "exec"), namespace)
    except BaseException as error:  # noqa: BLE001
        return {"error": _describe(error), "results": {}}
    results: dict[str, Any] = {}
    rows = len(request["args"][0]) if request["args"] else request.get("rows", 1)
    for name, label in request["functions"]:
        function = namespace.get(name)
        if not callable(function):
            return {"error": f"the module defines no function {name!r}", "results": results}
        results[f"row {label}"] = _rows(function, request["args"], rows)
        if request["batch"]:
            results[f"batch {label}"] = _batch(function, request["args"], request["kinds"], rows)
    return {"error": None, "results": results}


def _read(stream: BinaryIO, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def main() -> None:
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the modules print goes to stderr
    sys.stdout = sys.stderr
    source = sys.stdin.buffer
    while True:
        try:
            (size,) = struct.unpack("<Q", _read(source, 8))
        except EOFError:
            return
        reply = pickle.dumps(handle(pickle.loads(_read(source, size))))
        channel.write(struct.pack("<Q", len(reply)) + reply)
        channel.flush()


if __name__ == "__main__":
    main()
