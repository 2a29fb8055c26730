"""Custom resources, their scopes and applications' resource grants over the management API.

PingOne's pages: "Resource Operations" / "Create Resource"
(https://developer.pingidentity.com/pingone-api/platform/resources/resources-1.html), "Resource Scopes", and
"Create Grant" (https://developer.pingidentity.com/pingone-api/platform/applications/application-resource-grants/
create-grant.html). A resource created here is the one a token is for: its audience, its lifetime, revocable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests

from pinghelpers.errors import ConfigurationError
from pinghelpers.sandbox import Sandbox
from pinghelpers.sandbox.config import load_config
from pinghelpers.sandbox.issuer import Issuer
from pinghelpers.sandbox.keys import SigningKey
from pinghelpers.sandbox.state import WORKBOOK_API_ID

from ..conftest import MARKER_SECRET
from .conftest import default_target
from .flow import authorize, code_for, csj_form, exchange, oauth_error, platform_error, post_form, query


@pytest.fixture(scope="module")
def sb(signing_key: SigningKey) -> Iterator[Sandbox]:
    """A sandbox of its own: these tests add resources and change grants."""
    with Sandbox(client_secret=MARKER_SECRET, issuer=Issuer(signing_key=signing_key)) as sandbox:
        yield sandbox


def _worker_token(sb: Sandbox) -> str:
    r = requests.post(
        sb.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(sb.worker_id, sb.worker_secret.reveal()),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


def _call(sb: Sandbox, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
    return requests.request(
        method,
        f"{sb.api_path}/environments/{sb.env_id}{path}",
        json=body,
        headers={"Authorization": f"Bearer {_worker_token(sb)}"},
        timeout=10,
    )


def _resource(sb: Sandbox, scope: str = "", **fields: Any) -> dict[str, Any]:
    r = _call(sb, "POST", "/resources", {"name": f"Orders-{uuid.uuid4().hex[:8]}", **fields})
    assert r.status_code == 201, r.text
    resource: dict[str, Any] = r.json()
    if scope:
        s = _call(sb, "POST", f"/resources/{resource['id']}/scopes", {"name": scope, "description": "read orders"})
        assert s.status_code == 201, s.text
        resource["scope"] = s.json()
    return resource


def _grant(sb: Sandbox, app_id: str, resource: dict[str, Any]) -> requests.Response:
    body = {"resource": {"id": resource["id"]}, "scopes": [{"id": resource["scope"]["id"]}]}
    return _call(sb, "POST", f"/applications/{app_id}/grants", body)


def test_create_resource_defaults_audience_to_the_name_and_validity_to_3600(sb: Sandbox) -> None:
    """Create Resource: "If a value for the audience property is not specified, the value defaults to the name of
    the resource"; accessTokenValiditySeconds defaults to 3600."""
    name = f"Photos-{uuid.uuid4().hex[:8]}"
    r = _call(sb, "POST", "/resources", {"name": name})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["audience"] == name and body["accessTokenValiditySeconds"] == 3600 and body["type"] == "CUSTOM"
    assert r.headers["Location"].endswith(f"/resources/{body['id']}")
    assert _call(sb, "GET", f"/resources/{body['id']}").json()["name"] == name


@pytest.mark.parametrize("audience", ["https://api.pingone.example", "https://PingIdentity.example/api"])
def test_resource_audience_must_not_contain_pingone_or_pingidentity(sb: Sandbox, audience: str) -> None:
    r = _call(sb, "POST", "/resources", {"name": f"Bad-{uuid.uuid4().hex[:8]}", "audience": audience})
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "audience"


def test_only_custom_resources_can_be_created(sb: Sandbox) -> None:
    r = _call(sb, "POST", "/resources", {"name": f"P-{uuid.uuid4().hex[:8]}", "type": "PING_ONE_API"})
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "type"


@pytest.mark.parametrize("validity", [299, 2592001, "3600", True])
def test_resource_token_validity_is_300_to_2592000_seconds(sb: Sandbox, validity: Any) -> None:
    r = _call(sb, "POST", "/resources", {"name": f"V-{uuid.uuid4().hex[:8]}", "accessTokenValiditySeconds": validity})
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "accessTokenValiditySeconds"


def test_resource_names_are_unique(sb: Sandbox) -> None:
    name = _resource(sb)["name"]
    r = _call(sb, "POST", "/resources", {"name": name})
    detail = platform_error(r, 400, "INVALID_DATA")["details"][0]
    assert (detail["code"], detail["target"]) == ("UNIQUENESS_VIOLATION", "name")
    assert platform_error(_call(sb, "POST", "/resources", {"name": "openid"}), 400, "INVALID_DATA")


def test_read_all_resources_lists_the_platform_resources_too(sb: Sandbox) -> None:
    listed = _call(sb, "GET", "/resources").json()["_embedded"]["resources"]
    kinds = {r["name"]: r["type"] for r in listed}
    assert kinds["PingOne API"] == "PING_ONE_API" and kinds["openid"] == "OPENID_CONNECT"
    assert kinds["Workbook API"] == "CUSTOM"
    openid = next(r for r in listed if r["name"] == "openid")
    names = [s["name"] for s in _call(sb, "GET", f"/resources/{openid['id']}/scopes").json()["_embedded"]["scopes"]]
    assert {"openid", "profile", "email", "address"} <= set(names)


def test_delete_resource_is_204_and_takes_its_grants(sb: Sandbox) -> None:
    resource = _resource(sb, "gone:read")
    assert _grant(sb, sb.client_id, resource).status_code == 201
    assert _call(sb, "DELETE", f"/resources/{resource['id']}").status_code == 204
    platform_error(_call(sb, "GET", f"/resources/{resource['id']}"), 404, "NOT_FOUND")
    grants = _call(sb, "GET", f"/applications/{sb.client_id}/grants").json()["_embedded"]["grants"]
    assert all(g["resource"]["id"] != resource["id"] for g in grants)
    pingone_api = next(
        r for r in _call(sb, "GET", "/resources").json()["_embedded"]["resources"] if r["name"] == "PingOne API"
    )
    platform_error(_call(sb, "DELETE", f"/resources/{pingone_api['id']}"), 400, "INVALID_REQUEST")


def test_resource_scopes_are_created_listed_and_unique(sb: Sandbox) -> None:
    resource = _resource(sb, "orders:read")
    assert resource["scope"]["resource"]["id"] == resource["id"] and resource["scope"]["name"] == "orders:read"
    listed = _call(sb, "GET", f"/resources/{resource['id']}/scopes").json()["_embedded"]["scopes"]
    assert [s["id"] for s in listed] == [resource["scope"]["id"]]
    again = _call(sb, "POST", f"/resources/{resource['id']}/scopes", {"name": "orders:read"})
    assert platform_error(again, 400, "INVALID_DATA")["details"][0]["code"] == "UNIQUENESS_VIOLATION"
    spaced = _call(sb, "POST", f"/resources/{resource['id']}/scopes", {"name": "two words"})
    assert platform_error(spaced, 400, "INVALID_DATA")["details"][0]["target"] == "name"


def test_a_created_resource_gives_its_tokens_audience_lifetime_and_revocation(sb: Sandbox) -> None:
    """The token's aud is the resource's audience; its lifetime the resource's accessTokenValiditySeconds
    ("Customizing access token lifetime"); it has a sid, so PingOne's revocation rule lets it be revoked."""
    resource = _resource(sb, "ledger:read", audience="https://ledger.example.com", accessTokenValiditySeconds=600)
    assert _grant(sb, sb.client_id, resource).status_code == 201
    t = default_target(sb)
    code, verifier = code_for(t, scope="openid ledger:read")
    r = exchange(t, code, verifier)
    assert r.status_code == 200, r.text
    tokens = r.json()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["aud"] == ["https://ledger.example.com"] and tokens["expires_in"] == 600
    assert claims["exp"] - claims["iat"] == 600 and claims["sid"]
    assert post_form(
        f"{t.issuer}/revoke", {"token": tokens["access_token"], **csj_form(t, aud=f"{t.issuer}/revoke")}
    ).ok
    inactive = post_form(
        f"{t.issuer}/introspect", {"token": tokens["access_token"], **csj_form(t, aud=f"{t.issuer}/introspect")}
    )
    assert inactive.json() == {"active": False}


def test_grants_gate_custom_resource_scopes(sb: Sandbox) -> None:
    """An app gets a custom resource's scopes only through a grant: authorize redirects invalid_scope, and the
    token endpoint answers invalid_scope for client_credentials."""
    resource = _resource(sb, "vault:read")
    t = default_target(sb)
    r = authorize(t, requests.Session(), scope="openid vault:read", state="s1")
    assert r.status_code == 302 and query(r.headers["Location"])["error"] == "invalid_scope"
    assert query(r.headers["Location"])["state"] == "s1"
    worker = requests.post(
        sb.token_endpoint,
        data={"grant_type": "client_credentials", "scope": "vault:read"},
        auth=(sb.worker_id, sb.worker_secret.reveal()),
        timeout=10,
    )
    oauth_error(worker, 400, "invalid_scope")
    granted = _grant(sb, sb.worker_id, resource)
    assert granted.status_code == 201, granted.text
    again = requests.post(
        sb.token_endpoint,
        data={"grant_type": "client_credentials", "scope": "vault:read"},
        auth=(sb.worker_id, sb.worker_secret.reveal()),
        timeout=10,
    )
    assert again.status_code == 200 and again.json()["scope"] == "vault:read", again.text
    # Deleting the grant takes the scopes away again.
    assert _call(sb, "DELETE", f"/applications/{sb.worker_id}/grants/{granted.json()['id']}").status_code == 204
    oauth_error(
        requests.post(
            sb.token_endpoint,
            data={"grant_type": "client_credentials", "scope": "vault:read"},
            auth=(sb.worker_id, sb.worker_secret.reveal()),
            timeout=10,
        ),
        400,
        "invalid_scope",
    )


def test_seeded_apps_are_granted_the_workbook_api(sb: Sandbox) -> None:
    """The sandbox's choice: the seeded apps keep today's access to the Workbook API (notebook 6) through grants."""
    grants = _call(sb, "GET", f"/applications/{sb.client_id}/grants").json()["_embedded"]["grants"]
    assert any(g["resource"]["id"] == WORKBOOK_API_ID and len(g["scopes"]) == 2 for g in grants)


def test_create_grant_validates_resource_scopes_and_uniqueness(sb: Sandbox) -> None:
    resource, other = _resource(sb, "a:read"), _resource(sb, "b:read")
    unknown = _call(
        sb,
        "POST",
        f"/applications/{sb.client_id}/grants",
        {"resource": {"id": str(uuid.uuid4())}, "scopes": [{"id": "x"}]},
    )
    assert platform_error(unknown, 400, "INVALID_DATA")["details"][0]["target"] == "resource.id"
    foreign = {"resource": {"id": resource["id"]}, "scopes": [{"id": other["scope"]["id"]}]}
    r = _call(sb, "POST", f"/applications/{sb.client_id}/grants", foreign)
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "scopes[0].id"
    assert _grant(sb, sb.client_id, resource).status_code == 201
    twice = _grant(sb, sb.client_id, resource)
    assert platform_error(twice, 400, "INVALID_DATA")["details"][0]["code"] == "UNIQUENESS_VIOLATION"
    platform_error(_call(sb, "GET", "/applications/nope/grants"), 404, "NOT_FOUND")


def test_worker_with_client_credentials_gets_no_oidc_scopes(sb: Sandbox) -> None:
    """Create Grant: "Worker apps that have the client_credentials grant type do not support OIDC scopes"."""
    openid = next(r for r in _call(sb, "GET", "/resources").json()["_embedded"]["resources"] if r["name"] == "openid")
    scope = _call(sb, "GET", f"/resources/{openid['id']}/scopes").json()["_embedded"]["scopes"][0]
    r = _call(
        sb,
        "POST",
        f"/applications/{sb.worker_id}/grants",
        {"resource": {"id": openid["id"]}, "scopes": [{"id": scope["id"]}]},
    )
    assert platform_error(r, 400, "INVALID_DATA")["details"][0]["target"] == "resource.id"


def test_config_grants_choose_an_apps_custom_scopes() -> None:
    """--config: an app's ``grants`` name its custom-resource scopes; without the key it gets all of them; an
    unknown resource or scope is reported with its JSON path."""
    app = {"name": "Web", "redirectUris": ["https://a.example/cb"]}
    resource = {"name": "Orders", "audience": "https://orders.example", "scopes": ["orders:read", "orders:write"]}

    def env(**extra: Any) -> dict[str, Any]:
        return {"environments": [{"applications": [{**app, **extra}], "resources": [resource]}]}

    (everything,) = load_config(env()).primary_env.apps[load_config(env()).primary_app].grants
    assert everything.scopes == ["orders:read", "orders:write"]
    config = load_config(env(grants=[{"resource": "Orders", "scopes": ["orders:read"]}]))
    assert [g.scopes for g in config.primary_env.apps[config.primary_app].grants] == [["orders:read"]]
    none = load_config(env(grants=[]))
    assert none.primary_env.apps[none.primary_app].grants == []
    with pytest.raises(ConfigurationError) as caught:
        load_config(env(grants=[{"resource": "Nope", "scopes": []}, {"resource": "Orders", "scopes": ["x"]}]))
    text = str(caught.value)
    assert "applications[0].grants[0].resource" in text and "applications[0].grants[1].scopes" in text


def test_resources_need_a_worker_token(sb: Sandbox) -> None:
    r = requests.get(f"{sb.api_path}/environments/{sb.env_id}/resources", timeout=10)
    platform_error(r, 401, "ACCESS_FAILED")
