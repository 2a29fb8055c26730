"""The app's route cache (a speed choice) answers exactly as Werkzeug's matcher: same routes, 404s and 405s."""

from __future__ import annotations

from werkzeug.test import Client

from pinghelpers.sandbox.app import SandboxApp
from pinghelpers.sandbox.errors import json_response
from pinghelpers.sandbox.issuer import Issuer
from pinghelpers.sandbox.keys import SigningKey


def test_route_cache_keeps_404_405_and_sees_new_routes(signing_key: SigningKey) -> None:
    issuer = Issuer(signing_key=signing_key)
    issuer.seed_default()
    app = SandboxApp(issuer)
    client = Client(app)
    for _ in range(2):  # the second round is served from the cache
        assert client.get("/__sandbox/health").status_code == 200
        assert client.post("/__sandbox/health").status_code == 405  # a cached GET does not let POST in
        assert client.get("/__sandbox/nowhere").status_code == 404
    assert app._routes  # the health GET was cached
    app.register("/__sandbox/nowhere", "nowhere", ("GET",), lambda ctx: json_response({"ok": 1}))
    assert not app._routes  # a new route empties the cache
    response = client.get("/__sandbox/nowhere")
    assert response.status_code == 200 and response.get_json() == {"ok": 1}
