"""Sign users in to a Flask app with PingOne, through ``pinghelpers`` — the workbook's flow in a real web app.

Three handlers carry the protocol (docs/web-app.md walks them; notebook 09 runs them):

* ``/login``    — build the authorize URL (CLIENT_SECRET_JWT app, PKCE S256, ``state``, ``nonce``), keep the
  request in the user's session (``to_dict()``: no secret inside), send the browser to PingOne;
* ``/callback`` — ``parse_callback`` checks ``state`` (and RFC 9207 ``iss``), ``exchange_code`` redeems the
  code with a client assertion and validates the ID token (JWKS signature, ``iss``, ``aud``, ``exp``,
  ``nonce``, ``at_hash``); the tokens go to a server-side store, the browser gets only a random session id;
* ``/api/me``   — a protected route: calls userinfo with ``OAuth2Auth``, which refreshes the access token
  before it expires (rotated refresh token kept, ``on_update`` to persist).

``/logout`` ends the PingOne session through ``/as/signoff`` (RP-initiated logout) with the ID token as hint.

Run it (PingOne: register ``http://127.0.0.1:5000/callback`` as a redirect URI and ``http://127.0.0.1:5000/``
as a sign-off URL on the application)::

    export PINGONE_ENV_ID=… PINGONE_CLIENT_ID=… PINGONE_CLIENT_SECRET=… PINGONE_REDIRECT_URI=http://127.0.0.1:5000/callback
    flask --app examples/flask_app/app.py run --host 127.0.0.1 --port 5000

The in-memory token store and the random ``secret_key`` are for the example: a real app keeps tokens in its
database (or a server-side session store) and sets ``FLASK_SECRET_KEY`` so sessions survive a restart.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import urlencode

import requests
from flask import Flask, jsonify, redirect, request, session, url_for

from pinghelpers import (
    AuthorizationRequest,
    OAuth2Auth,
    PingHelpersError,
    PingOneClient,
    Settings,
    TokenResponse,
    parse_callback,
)


class TokenStore:
    """Server-side tokens per signed-in browser session (a dict under a lock; a database in a real app)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._auth: dict[str, OAuth2Auth] = {}
        self._id_tokens: dict[str, str] = {}
        self.saved: dict[str, dict[str, Any]] = {}  # what on_update persisted (a real app writes its database)

    def add(self, auth: OAuth2Auth, id_token: str | None) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._auth[sid] = auth
            if id_token:
                self._id_tokens[sid] = id_token
            self.saved[sid] = auth.to_dict()
        return sid

    def get(self, sid: str | None) -> OAuth2Auth | None:
        with self._lock:
            return self._auth.get(sid) if sid else None

    def pop(self, sid: str | None) -> str | None:
        with self._lock:
            self._auth.pop(sid or "", None)
            self.saved.pop(sid or "", None)
            return self._id_tokens.pop(sid or "", None)


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body style='font-family:system-ui,sans-serif;max-width:40em;margin:2em auto'><h1>{escape(title)}</h1>"
        f"{body}</body></html>"
    )


def create_app(settings: Settings | None = None, *, clock: Callable[[], float] = time.time) -> Flask:
    """The app. ``settings`` default to ``PINGONE_*`` (``from_env(required=True)``: a missing one is named);
    ``clock`` is what decides when an access token needs refreshing (tests move it)."""
    settings = settings or Settings.from_env(required=True)
    client = PingOneClient(settings)  # one client for every request thread: its calls are thread-safe
    store = TokenStore()
    app = Flask(__name__)
    app.secret_key = os.environ.get("FLASK_SECRET_KEY") or secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.extensions["pinghelpers"] = {"client": client, "store": store}

    @app.get("/")
    def home() -> str:
        if store.get(session.get("sid")) is not None:
            body = "<p>You are signed in.</p><p><a id='profile' href='/profile'>Your profile</a></p>"
            return _page("PingOne sign-in example", body + "<p><a id='logout' href='/logout'>Sign out</a></p>")
        return _page("PingOne sign-in example", "<p><a id='login' href='/login'>Sign in with PingOne</a></p>")

    # -- 1. login: the authorization request, kept in the session ----------------------------------
    @app.get("/login")
    def login() -> Any:
        auth_request = client.authorization_request()  # state, nonce, PKCE S256; redirect_uri from settings
        session["auth_request"] = auth_request.to_dict()  # JSON-safe, no secret inside
        return redirect(auth_request.url)

    # -- 2. callback: check the redirect, redeem the code, validate the ID token --------------------
    @app.get("/callback")
    def callback() -> Any:
        pending = AuthorizationRequest.from_dict(session.pop("auth_request", None))
        result = parse_callback(request.url, expected=pending, issuer=client.endpoints.issuer)
        tokens = client.exchange_code(result)  # CLIENT_SECRET_JWT + PKCE; the ID token is validated here
        session.clear()  # a fresh session id after sign-in (no fixation)

        def persist(new: TokenResponse) -> None:  # on_update: the rotated refresh token must be saved
            store.saved[session_id] = {"refresh_token": new.refresh_token, "expires_at": auth.expires_at}

        auth = OAuth2Auth(client, tokens, on_update=persist, now=clock)
        session_id = store.add(auth, tokens.id_token)
        session["sid"] = session_id
        return redirect(url_for("profile"))

    # -- 3. a protected route: the API call with a Bearer token that refreshes itself --------------
    @app.get("/api/me")
    def me() -> Any:
        auth = store.get(session.get("sid"))
        if auth is None:
            return jsonify(error="sign in first", login=url_for("login")), 401
        info = _userinfo(client, auth)
        return jsonify(userinfo=info, refreshes=auth.refreshes, expires_at=auth.expires_at)

    @app.get("/profile")
    def profile() -> Any:
        auth = store.get(session.get("sid"))
        if auth is None:
            return redirect(url_for("login"))
        info = _userinfo(client, auth)
        rows = "".join(
            f"<tr><th>{escape(k)}</th><td id='{escape(k)}'>{escape(str(v))}</td></tr>" for k, v in info.items()
        )
        links = "<p><a id='api' href='/api/me'>/api/me (JSON)</a> · <a id='logout' href='/logout'>Sign out</a></p>"
        return _page("Your profile (from PingOne's userinfo)", f"<table>{rows}</table>{links}")

    @app.get("/logout")
    def logout() -> Any:
        id_token = store.pop(session.get("sid"))
        session.clear()
        end_session = client.endpoints.end_session_endpoint
        if not end_session:
            return redirect(url_for("home"))
        # OpenID Connect RP-Initiated Logout §2; PingOne /as/signoff needs the ID token as hint for the redirect.
        params = {"post_logout_redirect_uri": url_for("home", _external=True)}
        if id_token:
            params["id_token_hint"] = id_token
        return redirect(f"{end_session}?{urlencode(params)}")

    @app.errorhandler(PingHelpersError)
    def refused(error: PingHelpersError) -> Any:
        # pinghelpers' messages say what was wrong and how to fix it, and never contain the client secret.
        body = f"<p id='error'>{escape(str(error))}</p><p><a href='/login'>Sign in again</a></p>"
        return _page("Sign-in failed", body), 400

    return app


def _userinfo(client: PingOneClient, auth: OAuth2Auth) -> dict[str, Any]:
    url = client.endpoints.userinfo_endpoint or f"{client.endpoints.issuer}/userinfo"
    response = requests.get(url, auth=auth, timeout=10)  # auth refreshes first when the token is expiring
    response.raise_for_status()
    info: dict[str, Any] = response.json()
    return info
