"""Endpoints: every region, the custom domain, any issuer through discovery (cached), one place for URLs."""

from __future__ import annotations

import pytest
import requests

from pinghelpers import REGIONS, ConfigurationError, Endpoints, InvalidResponse
from pinghelpers.endpoints import clear_discovery_cache, normalize_region
from pinghelpers.sandbox import Sandbox

ENV = "3f1c6a52-8d3e-4b7a-9c0d-5a6e7f8a9b0c"

# Region → TLD from PingOne's domain reference and Ping's Go SDK (TopLevelDomainNA/CA/EU/AU/SG/APAC).
EXPECTED = {"NA": "com", "CA": "ca", "EU": "eu", "AU": "com.au", "SG": "sg", "AP": "asia"}


def test_the_six_regions() -> None:
    assert REGIONS == EXPECTED


@pytest.mark.parametrize(("region", "tld"), sorted(EXPECTED.items()))
def test_every_region_builds_every_url(region: str, tld: str) -> None:
    ep = Endpoints.from_region(ENV, region)
    issuer = f"https://auth.pingone.{tld}/{ENV}/as"
    assert ep.issuer == issuer
    assert ep.authorization_endpoint == f"{issuer}/authorize"
    assert ep.token_endpoint == f"{issuer}/token"
    assert ep.jwks_uri == f"{issuer}/jwks"
    assert ep.userinfo_endpoint == f"{issuer}/userinfo"
    assert ep.introspection_endpoint == f"{issuer}/introspect"
    assert ep.revocation_endpoint == f"{issuer}/revoke"
    assert ep.end_session_endpoint == f"{issuer}/signoff"
    assert ep.discovery_url == f"{issuer}/.well-known/openid-configuration"
    assert ep.resume_endpoint == f"{issuer}/resume"
    assert ep.flow_url("f1") == f"https://auth.pingone.{tld}/{ENV}/flows/f1"
    assert ep.api_path == f"https://api.pingone.{tld}/v1"
    assert ep.management_url("applications") == f"https://api.pingone.{tld}/v1/environments/{ENV}/applications"
    assert ep.signon_base == f"https://apps.pingone.{tld}"
    assert ep.region == region
    # TLD spelling (the Postman {{tld}}) gives the same endpoints.
    assert Endpoints.from_region(ENV, tld) == ep


@pytest.mark.parametrize("bad", ["", "US", "eu-west", "com.br"])
def test_unknown_region_lists_the_known_ones(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Endpoints.from_region(ENV, bad)
    assert "NA (.com)" in str(info.value) and info.value.setting == "PINGONE_REGION"


def test_normalize_region() -> None:
    assert [normalize_region(x) for x in ("na", " eu ", "com.au", ".asia", "CA")] == ["NA", "EU", "AU", "AP", "CA"]


def test_custom_domain_has_no_env_id_in_auth_urls_and_api_stays_on_pingone() -> None:
    ep = Endpoints.from_custom_domain("login.bxretail.example", env_id=ENV, region="EU")
    assert ep.issuer == "https://login.bxretail.example/as"
    assert ep.token_endpoint == "https://login.bxretail.example/as/token"
    assert ep.authorization_endpoint == "https://login.bxretail.example/as/authorize"
    assert ep.flow_url("f1") == "https://login.bxretail.example/flows/f1"
    assert all(ENV not in u for u in (ep.issuer, ep.token_endpoint, ep.jwks_uri, ep.flow_url("x")))
    assert ep.management_url("users") == f"https://api.pingone.eu/v1/environments/{ENV}/users"
    # aud for a client assertion: the token endpoint or the issuer, on either domain (PingOne accepts both).
    assert ep.accepted_audiences() == (
        "https://login.bxretail.example/as/token",
        "https://login.bxretail.example/as",
        f"https://auth.pingone.eu/{ENV}/as/token",
        f"https://auth.pingone.eu/{ENV}/as",
    )


def test_custom_domain_refuses_plain_http() -> None:
    with pytest.raises(ConfigurationError, match="http://"):
        Endpoints.from_custom_domain("http://login.example.com")


def test_env_id_must_be_a_uuid() -> None:
    with pytest.raises(ConfigurationError, match="UUID"):
        Endpoints.from_region("my-env", "NA")


def test_accepted_audiences_include_the_called_endpoint() -> None:
    ep = Endpoints.from_region(ENV, "NA")
    assert ep.accepted_audiences(ep.introspection_endpoint)[-1] == ep.introspection_endpoint


def test_discovery_against_the_local_sandbox_is_cached(sandbox: Sandbox) -> None:
    clear_discovery_cache()
    counted: list[str] = []

    def count(response: requests.Response, *args: object, **kwargs: object) -> None:
        counted.append(response.url)

    with requests.Session() as session:
        session.hooks["response"].append(count)
        first = Endpoints.from_discovery(sandbox.issuer_url, session=session)
        second = Endpoints.from_discovery(sandbox.issuer_url + "/", session=session)
    assert first is second
    assert len(counted) == 1  # the second call came from the cache
    assert first.token_endpoint == sandbox.token_endpoint
    # A PingOne-shaped issuer is recognised: env id and flows API come back.
    assert first.env_id == sandbox.env_id and first.flow_url("f") == f"{sandbox.base_url}/{sandbox.env_id}/flows/f"
    assert first.discovery is not None and "token_endpoint_auth_methods_supported" in first.discovery


def test_discovery_document_for_a_generic_issuer_has_no_flows_api() -> None:
    ep = Endpoints.from_discovery_document(
        {
            "issuer": "https://idp.example.com/realms/demo",
            "authorization_endpoint": "https://idp.example.com/auth",
            "token_endpoint": "https://idp.example.com/token",
            "jwks_uri": "https://idp.example.com/certs",
        }
    )
    assert ep.env_id is None
    with pytest.raises(ConfigurationError, match="flows API"):
        ep.flow_url("x")


def test_discovery_document_missing_fields_is_refused() -> None:
    with pytest.raises(InvalidResponse, match="token_endpoint"):
        Endpoints.from_discovery_document({"issuer": "https://x", "authorization_endpoint": "https://x/a"})


def test_discovery_whose_issuer_differs_is_refused(sandbox: Sandbox) -> None:
    clear_discovery_cache()
    # The sandbox publishes 127.0.0.1; asking via "localhost" names a different issuer (OIDC Discovery §4.3).
    other = sandbox.issuer_url.replace("127.0.0.1", "localhost")
    with pytest.raises(InvalidResponse, match="different issuer"):
        Endpoints.from_discovery(other)


def test_endpoints_are_frozen() -> None:
    ep = Endpoints.from_region(ENV)
    with pytest.raises(AttributeError):
        ep.token_endpoint = "https://evil.example/token"  # type: ignore[misc]
