"""``PingOneClient``: the authorization-code flow against PingOne (or the local sandbox), one call per step.

::

    with PingOneClient(settings) as client:
        request = client.authorization_request()            # state, nonce, PKCE S256
        result = client.sign_on(request, username, password) # authorize → flows API → resume → code
        tokens = client.exchange_code(result.code, code_verifier=request.code_verifier)

It owns a ``requests.Session`` (no automatic retries), puts a timeout on every call, and never resends a token
POST (a code is single-use). Threads: one client may serve a whole web app — every call is thread-safe (each
builds its own assertion; a failed call's error carries the one *it* sent) except the headless ``sign_on``,
which keeps the user's ``ST`` cookie in the session: one client per concurrent headless sign-on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from requests.auth import AuthBase

from .assertion import ClientAssertion
from .auth import auth_for_method
from .decoding import decode_unverified
from .endpoints import Endpoints
from .errors import (
    DIAGNOSIS_HEADER,
    ConfigurationError,
    InvalidResponse,
    SandboxDiagnosis,
    SignOnError,
    TokenValidationError,
)
from .http import DEFAULT_TIMEOUT, error_from_response, get_json, new_session, parse_json, send, send_prepared
from .messages import (
    AuthorizationRequest,
    AuthorizationResult,
    Flow,
    TokenResponse,
    code_from,
    pkce_pair,
    random_value,
)
from .par import push_authorization_request
from .rules import METHOD_CLIENT_SECRET_JWT, USERNAME_PASSWORD_CHECK, auth_method
from .secret import Secret
from .settings import Settings
from .signon import answer_flow
from .snippets import snippet

if TYPE_CHECKING:
    from .explain import Explanation
    from .idtoken import IdTokenReport

__all__ = [
    "AuthorizationRequest",
    "AuthorizationResult",
    "Flow",
    "PingOneClient",
    "TokenResponse",
    "code_from",
    "pkce_pair",
]


class PingOneClient:
    """A PingOne OAuth/OIDC client for one application. Owns a ``requests.Session``; use it in ``with``.

    ``settings`` says where (region, auth path, custom domain or issuer) and as whom (client id and secret).
    ``auth`` overrides the client authentication (default: from ``settings.auth_method``, CLIENT_SECRET_JWT).
    Thread-safe for every call but the headless ``sign_on`` (module docstring; tests/unit/test_webapp.py).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        endpoints: Endpoints | None = None,
        auth: AuthBase | None = None,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        private_key: Any = None,
        kid: str | None = None,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.session = session or new_session()
        self._own_session = session is None
        if session is None and settings.is_local_sandbox:
            # Loopback needs no proxy/.netrc; requests re-reads them per call (measured: ~half the client's CPU).
            self.session.trust_env = False
        self.endpoints = endpoints or settings.endpoints(session=self.session, timeout=timeout)
        self._auth = auth
        self._private_key = private_key
        self._kid = kid

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> PingOneClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __repr__(self) -> str:
        return f"PingOneClient(issuer={self.endpoints.issuer!r}, client_id={self.settings.client_id!r})"

    # -- client authentication ---------------------------------------------------------------------
    @property
    def auth(self) -> AuthBase:
        if self._auth is not None:
            return self._auth
        self.settings.require("client_id")
        options: dict[str, Any] = {}
        secret_jwt = auth_method(self.settings.auth_method).name == METHOD_CLIENT_SECRET_JWT
        if secret_jwt:
            options["algorithm"] = self.settings.assertion_alg
        if secret_jwt and not self.is_pingone:
            # PingOne ignores jti/iat, but many other providers (Authlib, Keycloak, …) require a jti to
            # detect replays (RFC 7523 §3 (7)); send both when the issuer is not PingOne.
            options.update(jti=True, include_iat=True)
        return auth_for_method(
            self.settings.auth_method,
            str(self.settings.client_id),
            self.settings.client_secret,
            private_key=self._private_key,
            kid=self._kid,
            **options,
        )

    @property
    def is_pingone(self) -> bool:
        """True when the endpoints are a PingOne environment's (region, auth path or custom domain), False
        for any other OIDC provider reached through discovery."""
        return self.endpoints.flows_base is not None

    # -- step 1: the authorization request ---------------------------------------------------------
    def authorization_request(
        self,
        *,
        scope: str | None = None,
        redirect_uri: str | None = None,
        state: str | None = None,
        nonce: str | None = None,
        pkce: bool = True,
        code_verifier: str | None = None,
        response_mode: str | None = None,
        prompt: str | None = None,
        login_hint: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> AuthorizationRequest:
        """Build the ``/as/authorize`` URL with ``state``, ``nonce`` and PKCE S256 (RFC 6749 §4.1.1, RFC 7636)."""
        self.settings.require("client_id")
        redirect = redirect_uri or self.settings.redirect_uri
        if not redirect and response_mode != "pi.flow":
            raise ConfigurationError(
                "no redirect URI",
                setting="PINGONE_REDIRECT_URI",
                fix="set PINGONE_REDIRECT_URI to a URI registered on the application",
            )
        state = state or random_value(16)
        nonce = nonce or random_value(16)
        params: dict[str, str] = {
            "response_type": "code",
            "client_id": str(self.settings.client_id),
        }
        if redirect:
            params["redirect_uri"] = redirect
        params["scope"] = scope or self.settings.scope
        params["state"] = state
        params["nonce"] = nonce
        verifier = None
        if pkce:
            verifier, challenge = pkce_pair(code_verifier)
            params["code_challenge"] = challenge
            params["code_challenge_method"] = "S256"
        if response_mode:
            params["response_mode"] = response_mode
        if prompt:
            params["prompt"] = prompt
        if login_hint:
            params["login_hint"] = login_hint
        if extra:
            params.update(extra)
        url = f"{self.endpoints.authorization_endpoint}?{urlencode(params)}"
        return AuthorizationRequest(url=url, params=params, state=state, nonce=nonce, code_verifier=verifier)

    def push_authorization_request(
        self, request: AuthorizationRequest, *, auth: AuthBase | None = None
    ) -> AuthorizationRequest:
        """PAR (RFC 9126): push ``request`` to ``/as/par``; the same request with a short ``request_uri`` URL."""
        return push_authorization_request(self, request, auth=auth)

    def start_authorization(self, request: AuthorizationRequest) -> Flow:
        """GET the authorize URL without following the 302; return the flow it starts.

        PingOne answers ``302`` to the hosted sign-on page ``…/signon/?flowId={flowID}`` (or ``200`` + the
        flow JSON with ``response_mode=pi.flow``).
        """
        response = send(self.session, "GET", request.url, timeout=self.timeout, what="the authorize request")
        if response.status_code == 200:
            return Flow(parse_json(response, what="the authorize response"))
        if response.status_code not in (302, 303):
            raise error_from_response(response, what="the authorize request")
        location = response.headers.get("Location", "")
        query = parse_qs(urlsplit(location).query)
        if "error" in query:
            diagnosis = SandboxDiagnosis.parse(response.headers.get(DIAGNOSIS_HEADER))  # local sandbox only
            raise SignOnError(
                f"authorize was refused: {query['error'][0]}"
                + (f" — {query['error_description'][0]}" if "error_description" in query else "")
                + (f" (the local sandbox's diagnosis: {diagnosis})" if diagnosis else ""),
                fix="check client_id, redirect_uri, scope and PKCE settings of the application",
            )
        flow_id = (query.get("flowId") or [""])[0]
        if not flow_id:
            raise InvalidResponse(
                f"the authorize redirect has no flowId: {location!r}",
                url=request.url,
                fix="the user may already be signed on; try prompt=login",
            )
        return self.get_flow(flow_id)

    # -- step 2: sign on with the flows API --------------------------------------------------------
    def get_flow(self, flow_id: str) -> Flow:
        """``GET {authPath}/{envID}/flows/{flowID}``."""
        url = self.endpoints.flow_url(flow_id)
        response = send(self.session, "GET", url, timeout=self.timeout, what="reading the flow")
        if response.status_code >= 400:
            raise error_from_response(response, what="reading the flow")
        return Flow(parse_json(response, what="the flow"))

    def check_username_password(self, flow: Flow, username: str, password: Secret | str) -> Flow:
        """POST ``usernamePassword.check`` to the flow; on success PingOne sets the ``ST`` session cookie."""
        url = flow.link("usernamePassword.check") or self.endpoints.flow_url(flow.id)
        pw = password.reveal() if isinstance(password, Secret) else password
        response = send(
            self.session,
            "POST",
            url,
            timeout=self.timeout,
            what="the username/password check",
            data=json.dumps({"username": username, "password": pw}),
            headers={"Content-Type": USERNAME_PASSWORD_CHECK, "Accept": "*/*"},
        )
        if response.status_code >= 400:
            error = error_from_response(response, what="the username/password check")
            wrong_password = any(
                d.get("target") == "password" for d in getattr(error, "details", []) if isinstance(d, dict)
            )
            raise SignOnError(
                f"sign-on failed: {error.message}",
                rule=error.rule,
                fix="check the username and password of the test user"
                if wrong_password
                else "start the sign-on again (the flow may have expired: flows last 15 minutes idle)",
            ) from error
        return Flow(parse_json(response, what="the flow"))

    def resume(self, flow: Flow, *, expected_state: str | None = None) -> AuthorizationResult:
        """GET ``/as/resume?flowId=…`` (with the ``ST`` cookie); read the code from the 302 (or pi.flow JSON)."""
        url = flow.resume_url or f"{self.endpoints.resume_endpoint}?{urlencode({'flowId': flow.id})}"
        response = send(self.session, "GET", url, timeout=self.timeout, what="the resume request")
        if response.status_code in (302, 303):
            location = response.headers.get("Location", "")
            code = code_from(location, expected_state=expected_state)
            states = parse_qs(urlsplit(location).query).get("state")
            state = states[0] if states else None
            return AuthorizationResult(code=code, state=state, redirect_url=location)
        if response.status_code == 200:
            data = parse_json(response, what="the resume response")
            auth = data.get("authorizeResponse") if isinstance(data, dict) else None
            if isinstance(auth, dict) and auth.get("code"):
                if expected_state is not None and auth.get("state") != expected_state:
                    raise SignOnError("the resume response's state does not match", rule="RFC 6749 §10.12")
                return AuthorizationResult(code=str(auth["code"]), state=auth.get("state"))
        raise error_from_response(response, what="the resume request")

    def sign_on(
        self, request: AuthorizationRequest, username: str | None = None, password: Secret | str | None = None
    ) -> AuthorizationResult:
        """The headless sign-on: authorize → flows API (username/password) → resume → code.

        The other two ways to a code — a browser with a loopback callback, a pasted redirect URL — are in
        :mod:`pinghelpers.signon`, which picks between all three.
        """
        user = username or self.settings.username
        pw = password if password is not None else self.settings.password
        if not user or pw is None:
            raise ConfigurationError(
                "headless sign-on needs a username and password",
                setting="PINGONE_USERNAME",
                fix="set PINGONE_USERNAME/PINGONE_PASSWORD, or sign on in a browser",
            )
        # USERNAME_PASSWORD_REQUIRED and PASSWORD_REQUIRED answered; every other status explained, with the fix.
        flow = answer_flow(self, self.start_authorization(request), user, pw)
        result = self.resume(flow, expected_state=request.state)
        return AuthorizationResult(
            code=result.code, state=result.state, request=request, redirect_url=result.redirect_url
        )

    # -- step 3: the token request -----------------------------------------------------------------
    def prepare_token_request(self, form: dict[str, str], *, auth: AuthBase | None = None) -> requests.PreparedRequest:
        req = requests.Request(
            "POST",
            self.endpoints.token_endpoint,
            data=form,
            auth=auth or self.auth,
            headers={"Accept": "application/json"},
        )
        return self.session.prepare_request(req)

    def _token_call(self, form: dict[str, str], *, auth: AuthBase | None, check: bool, decode: bool) -> TokenResponse:
        used_auth = auth or self.auth
        prepared = self.prepare_token_request(form, auth=used_auth)
        sent_assertion = getattr(used_auth, "last_assertion", None)
        shown = snippet(prepared)
        # Sent exactly once: a token POST is never retried (the code is single-use).
        response = send_prepared(self.session, prepared, timeout=self.timeout, what="the token request")
        try:
            body = parse_json(response, what="the token response")
        except InvalidResponse:
            if response.status_code < 400:
                raise
            body = None
        error = error_from_response(response, what="the token request") if response.status_code >= 400 else None
        if error is not None:
            error.client_assertion = sent_assertion.token if sent_assertion else None
            top = self.explain(error).top
            error.fix = error.fix or (top.fix if top else None)
            error.args = (error._compose(),)
        result = TokenResponse(
            status=response.status_code,
            headers=dict(response.headers),
            body=body,
            request=shown,
            error=error,
            assertion=sent_assertion if isinstance(sent_assertion, ClientAssertion) else None,
        )
        if decode and result.ok:
            for name in ("access_token", "id_token"):
                token = result._get(name)
                if token:
                    try:
                        result.decoded[name] = decode_unverified(token)
                    except TokenValidationError:  # an opaque token is fine: nothing to decode
                        continue
        if check:
            result.raise_for_error()
        return result

    def exchange_code(
        self,
        code: str | AuthorizationResult,
        *,
        redirect_uri: str | None = None,
        code_verifier: str | None = None,
        auth: AuthBase | None = None,
        expected_state: str | None = None,
        check: bool = True,
        decode: bool = True,
        validate: bool | None = None,
        nonce: str | None = None,
        scope: str | None = None,
    ) -> TokenResponse:
        """Exchange an authorization code (or a pasted redirect URL) for tokens at ``/as/token``, sent once.

        Sends PingOne's Step 4 fields — ``grant_type``, ``code``, ``redirect_uri``, ``client_assertion``,
        ``client_assertion_type`` — form-encoded, plus ``code_verifier`` with PKCE. ``check=False`` returns an
        error answer (``.error`` set) instead of raising. ``code`` may be :meth:`sign_on`'s
        :class:`AuthorizationResult`: its request supplies ``redirect_uri`` (RFC 6749 §4.1.3: only when the
        authorize request carried one — a ``pi.flow`` request may omit it) and ``code_verifier``.
        ``validate``: check the ID token (OIDC Core §3.1.3.7: JWKS signature, ``iss``, ``aud``, ``exp``, ``nonce``,
        ``at_hash``), :class:`TokenValidationError` on failure; default: when the nonce is known (``code`` from
        :meth:`sign_on` or :func:`parse_callback`, or ``nonce=``); report on ``tokens.id_token_report``.
        ``scope`` (optional; PingOne's "Get the access token" step sends ``scope=openid``): a subset of the
        authorized scopes narrows the tokens (RFC 6749 §3.3 — another scope is ``invalid_scope``).
        """
        sent = code.request.params if isinstance(code, AuthorizationResult) and code.request else None
        if isinstance(code, AuthorizationResult):
            if code.request is not None:
                code_verifier = code_verifier or code.request.code_verifier
                nonce = nonce or code.request.nonce
            code = code.code
        redirect = redirect_uri or (sent.get("redirect_uri") if sent is not None else self.settings.redirect_uri)
        if not redirect and sent is None:
            raise ConfigurationError(
                "no redirect URI",
                setting="PINGONE_REDIRECT_URI",
                fix="use the redirect_uri sent in the authorize request (or pass sign_on's AuthorizationResult, "
                "which knows it — a pi.flow request without redirect_uri needs none)",
            )
        form = {
            "grant_type": "authorization_code",
            "code": code_from(code, expected_state=expected_state),
        }
        if redirect:
            form["redirect_uri"] = redirect
        if code_verifier:
            form["code_verifier"] = code_verifier
        if scope:
            form["scope"] = scope
        tokens = self._token_call(form, auth=auth, check=check, decode=decode)
        if (validate or (validate is None and nonce is not None)) and tokens.ok and tokens.id_token:
            tokens.id_token_report = self.validate_id_token(tokens, nonce=nonce)
        return tokens

    def validate_id_token(self, tokens: TokenResponse, *, nonce: str | None = None) -> IdTokenReport:
        """Validate ``tokens.id_token`` for this app and environment; :class:`TokenValidationError` on failure."""
        from .idtoken import validate_token_response

        cid, issuer, jwks = str(self.settings.client_id), self.endpoints.issuer, self.endpoints.jwks_uri
        return validate_token_response(tokens, client_id=cid, issuer=issuer, jwks_uri=jwks, nonce=nonce)

    def refresh(
        self,
        refresh_token: str,
        *,
        scope: str | None = None,
        auth: AuthBase | None = None,
        check: bool = True,
    ) -> TokenResponse:
        """``grant_type=refresh_token`` (PingOne rotates the refresh token on every use)."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scope:
            form["scope"] = scope
        return self._token_call(form, auth=auth, check=check, decode=True)

    def client_credentials(
        self, *, scope: str | None = None, auth: AuthBase | None = None, check: bool = True
    ) -> TokenResponse:
        """``grant_type=client_credentials`` (worker apps)."""
        form = {"grant_type": "client_credentials"}
        if scope:
            form["scope"] = scope
        return self._token_call(form, auth=auth, check=check, decode=True)

    # -- after the token request --------------------------------------------------------------------
    def userinfo(self, access_token: str) -> Any:
        """GET ``/as/userinfo`` with the access token as a Bearer token."""
        url = self.endpoints.userinfo_endpoint or f"{self.endpoints.issuer}/userinfo"
        response = send(
            self.session,
            "GET",
            url,
            timeout=self.timeout,
            what="the userinfo request",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if response.status_code >= 400:
            raise error_from_response(response, what="the userinfo request")
        return parse_json(response, what="the userinfo response")

    def introspect(self, token: str, *, auth: AuthBase | None = None, token_type_hint: str | None = None) -> Any:
        """POST ``/as/introspect`` (RFC 7662), authenticated like the token endpoint."""
        url = self.endpoints.introspection_endpoint or f"{self.endpoints.issuer}/introspect"
        response = self._token_management_call(url, token, token_type_hint, auth, what="the introspection request")
        return parse_json(response, what="the introspection response")

    def revoke(self, token: str, *, auth: AuthBase | None = None, token_type_hint: str | None = None) -> int:
        """POST ``/as/revoke`` (RFC 7009). Returns the HTTP status (200 even for unknown tokens)."""
        url = self.endpoints.revocation_endpoint or f"{self.endpoints.issuer}/revoke"
        return self._token_management_call(url, token, token_type_hint, auth, what="the revocation request").status_code

    def _token_management_call(
        self, url: str, token: str, token_type_hint: str | None, auth: AuthBase | None, *, what: str
    ) -> requests.Response:
        # RFC 7662 §2.1 / RFC 7009 §2.1: the same form, and the client authenticates as at the token endpoint.
        form = {"token": token}
        if token_type_hint:
            form["token_type_hint"] = token_type_hint
        response = send(self.session, "POST", url, timeout=self.timeout, what=what, data=form, auth=auth or self.auth)
        if response.status_code >= 400:
            raise error_from_response(response, what=what)
        return response

    def explain(self, error: Exception | TokenResponse, *, assertion: str | None = None) -> Explanation:
        """Ranked likely causes of a failed call in this client's context (:func:`pinghelpers.explain.explain_call`).
        ``print(client.explain(client.exchange_code(code, check=False)))``"""
        from .explain import explain_call

        return explain_call(self, error, assertion=assertion)

    def discovery(self) -> Any:
        """The environment's ``/.well-known/openid-configuration`` document."""
        return get_json(self.endpoints.discovery_url, session=self.session, timeout=self.timeout)
