"""A string that refuses to show itself.

A PingOne client secret must never reach a notebook output, a log line, a ``repr`` or an exception text.
:class:`Secret` holds it; every way of displaying it prints a mask. The value comes out only through
:meth:`Secret.reveal`, which is called in exactly the places that sign or send it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Secret", "mask"]


def mask(value: str | None, *, keep: int = 0) -> str:
    """A display form of ``value``: its length and at most ``keep`` leading characters, nothing else.

    >>> mask("abcdefgh")
    '•••••••• (8 chars)'
    """
    if not value:
        return "(empty)"
    shown = value[:keep] if keep else ""
    return f"{shown}{'•' * 8} ({len(value)} chars)"


class Secret:
    """Wraps a secret string. ``str()``, ``repr()``, f-strings and HTML all show a mask.

    >>> s = Secret("x" * 64)
    >>> s
    Secret('•••••••• (64 chars)')
    >>> len(s.reveal())
    64
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"Secret wants a str, got {type(value).__name__}")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The real value. Call it only to sign or send; never to print."""
        value: str = object.__getattribute__(self, "_value")
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Secret is immutable")

    def __len__(self) -> int:
        return len(self.reveal())

    def __bool__(self) -> bool:
        return bool(self.reveal())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self.reveal() == other.reveal()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self.reveal()))

    def __repr__(self) -> str:
        return f"Secret({mask(self.reveal())!r})"

    def __str__(self) -> str:
        return mask(self.reveal())

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def _repr_html_(self) -> str:
        from .display.reprs import secret_html

        return secret_html(str(self))

    def __reduce__(self) -> Any:
        # Pickling would write the value to disk; refuse rather than leak.
        raise TypeError("a Secret cannot be pickled")
