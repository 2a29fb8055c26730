"""WSGI target for `granian --interface wsgi granian_app:app` (port from SANDBOX_PORT)."""

import os

from pinghelpers.sandbox import Sandbox

_sb = Sandbox()
app = _sb.app
app.base_url = f"http://127.0.0.1:{os.environ['SANDBOX_PORT']}"
