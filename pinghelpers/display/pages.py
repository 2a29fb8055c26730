"""The pages a person's browser shows at the end of a browser sign-on (the loopback callback server's answers).

:mod:`pinghelpers.browser` receives the redirect and decides what happened; these functions only turn that
into a small, self-contained HTML page (UTF-8 bytes, every value escaped).
"""

from __future__ import annotations

from html import escape

from .palette import FAIL, OK

__all__ = ["already_answered_page", "not_the_callback_page", "sign_on_failed_page", "signed_on_page"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — pinghelpers</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}}
main{{max-width:34em;margin:4em auto;background:#fff;padding:2em;border-radius:8px;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.4em;color:{colour}}} code{{background:#eef;padding:0 .2em}}
</style></head>
<body><main><h1 id="result">{title}</h1>{body}</main></body></html>
"""


def _page(title: str, body: str, *, ok: bool) -> bytes:
    return _PAGE.format(title=escape(title), body=body, colour=OK if ok else FAIL).encode("utf-8")


def signed_on_page() -> bytes:
    """The code arrived: the person may close the tab."""
    return _page(
        "Signed on",
        "<p>The authorization code reached <code>pinghelpers</code>. You can close this tab and "
        "return to your notebook or terminal.</p>",
        ok=True,
    )


def sign_on_failed_page(message: str, fix: str | None) -> bytes:
    """The redirect carried an error (or a foreign ``state``): what went wrong, and the fix."""
    body = f"<p>{escape(message)}</p>"
    if fix:
        body += f"<p><b>Fix:</b> {escape(fix)}</p>"
    return _page("Sign-on failed", body, ok=False)


def already_answered_page() -> bytes:
    """A reload or a second tab after the one redirect this sign-on accepts."""
    return _page(
        "Already done",
        "<p>This sign-on has already been answered. Close this tab and return to your notebook or terminal.</p>",
        ok=False,
    )


def not_the_callback_page() -> bytes:
    """Any path other than the redirect URI's."""
    return _page("Not the callback", "<p>This address only answers the sign-on redirect.</p>", ok=False)
