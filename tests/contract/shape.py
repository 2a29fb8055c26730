"""Compare a sandbox answer with one PingOne publishes: same status, same keys with the same JSON types, and the
same values where the value *is* the contract (``error``, ``code``, ``details[].code``, ``details[].target``,
a flow's ``status``, ``token_type``). Ids, times, URLs and tokens may differ.

A fixture whose published body is **complete** must match key for key at every level (no key missing, none
extra). A **partial** one (the page shows an excerpt, or only a status line) is compared on what it shows: its
keys must be present with the same types; the sandbox may send more.
"""

from __future__ import annotations

from typing import Any

__all__ = ["VALUE_KEYS", "differences", "json_type"]

#: Keys whose value must be equal, not only of the same type.
VALUE_KEYS = frozenset({"error", "code", "target", "status", "token_type"})


def json_type(value: Any) -> str:
    """The JSON type of a parsed value (``int`` and ``float`` are both a JSON number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def differences(expected: Any, actual: Any, *, complete: bool, path: str = "$") -> list[str]:
    """Every way ``actual`` (the sandbox's body) differs from ``expected`` (PingOne's), as readable lines."""
    kind, got = json_type(expected), json_type(actual)
    if kind != got:
        return [f"{path}: PingOne sends a {kind}, the sandbox a {got}"]
    out: list[str] = []
    if kind == "object":
        missing = sorted(set(expected) - set(actual))
        out += [f"{path}.{k}: PingOne sends it, the sandbox does not" for k in missing]
        if complete:
            extra = sorted(set(actual) - set(expected))
            out += [f"{path}.{k}: the sandbox sends it, PingOne's example does not" for k in extra]
        for key in sorted(set(expected) & set(actual)):
            sub = f"{path}.{key}"
            # "code" is a value only in an error object (with "message"); an authorization code is a token.
            is_value = key in VALUE_KEYS and (key != "code" or "message" in expected)
            if is_value and isinstance(expected[key], str) and expected[key] != actual[key]:
                out.append(f"{sub}: PingOne {expected[key]!r}, the sandbox {actual[key]!r}")
            elif key == "details":
                out += _details(expected[key], actual[key], complete=complete, path=sub)
            else:
                out += differences(expected[key], actual[key], complete=complete, path=sub)
    elif kind == "array" and expected and actual:
        # Arrays hold one kind of item: compare the first of each (types and keys, not values).
        out += differences(expected[0], actual[0], complete=complete, path=f"{path}[0]")
    return out


def _details(expected: Any, actual: Any, *, complete: bool, path: str) -> list[str]:
    if json_type(expected) != "array" or json_type(actual) != "array":
        return differences(expected, actual, complete=complete, path=path)
    out = []
    if len(expected) != len(actual):
        out.append(f"{path}: PingOne sends {len(expected)} detail(s), the sandbox {len(actual)}")
    for n, (want, got) in enumerate(zip(expected, actual, strict=False)):
        out += differences(want, got, complete=complete, path=f"{path}[{n}]")
    return out
