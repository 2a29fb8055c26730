"""The curated public API: sorted, complete, importable, and the lazy sandbox import works."""

from __future__ import annotations

import subprocess
import sys

import pinghelpers


def test_all_is_sorted_and_every_name_resolves() -> None:
    names = pinghelpers.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(pinghelpers, name) is not None, name


def test_public_names_the_notebooks_rely_on_are_there() -> None:
    for name in (
        "Settings",
        "PingOneClient",
        "build_client_assertion",
        "check_assertion",
        "hmac_walkthrough",
        "decode_unverified",
        "verify_with_jwks",
        "validate_id_token",
        "explain",
        "TokenResponse",
        "snippet",
        "Secret",
    ):
        assert name in pinghelpers.__all__


def test_import_is_light_and_the_sandbox_is_lazy() -> None:
    code = (
        "import sys, pinghelpers; "
        "heavy = [m for m in ('werkzeug', 'ipywidgets', 'pinghelpers.sandbox') if m in sys.modules]; "
        "print(heavy); pinghelpers.Sandbox; print('pinghelpers.sandbox' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]" and out[1] == "True"


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        pinghelpers.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")
