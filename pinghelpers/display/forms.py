"""ipywidgets forms: thin wrappers over pure functions, so tests drive them without a browser.

The exchange form takes the environment ID, the client ID, the client secret (a ``Password`` widget — never
echoed) and the authorization code. Its button builds the assertion and calls the token endpoint; the result
lands in ``form.result`` and a status line, not in printed output (nbval cannot see Output-widget captures).
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..errors import PingHelpersError
from ..secret import Secret
from ..settings import Settings
from .palette import FAIL, OK

__all__ = [
    "LOCATION_CHOICES",
    "ExchangeForm",
    "RedirectForm",
    "SignOnForm",
    "TargetForm",
    "exchange_form",
    "redirect_form",
    "sign_on_form",
    "target_form",
]


class _Form:
    """What every form shares: Jupyter displays its ``widget``; a refusal is shown in red, never raised."""

    widget: Any
    status: Any
    error: PingHelpersError | None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _show_error(self, label: str, exc: PingHelpersError) -> None:
        self.error = exc
        self.status.value = f"<span style='color:{FAIL}'><b>{escape(label)}:</b> {escape(str(exc))}</span>"


class ExchangeForm(_Form):
    """The exchange-the-code form. ``widget`` is what the notebook displays."""

    def __init__(
        self, settings: Settings, *, code: str = "", code_verifier: str | None = None, scope: str = ""
    ) -> None:
        import ipywidgets as W

        self._base = settings
        self.code_verifier = code_verifier
        style = {"description_width": "9em"}
        layout = W.Layout(width="46em")
        self.env_id = W.Text(value=settings.env_id or "", description="Environment ID", style=style, layout=layout)
        self.client_id = W.Text(value=settings.client_id or "", description="Client ID", style=style, layout=layout)
        self.client_secret = W.Password(
            value=settings.client_secret.reveal() if settings.client_secret else "",
            description="Client secret",
            style=style,
            layout=layout,
        )
        self.code = W.Text(
            value=code,
            description="Code or URL",
            style=style,
            layout=layout,
            placeholder="the code, or the whole redirect URL",
        )
        # Optional, as in PingOne's Step 4 (scope=openid): blank keeps every authorized scope.
        self.scope = W.Text(
            value=scope,
            description="Scope (optional)",
            style=style,
            layout=layout,
            placeholder="blank = all authorized scopes; or a subset, e.g. openid",
        )
        self.button = W.Button(description="Exchange code", button_style="primary", icon="key")
        self.status = W.HTML(value="")
        self.result: Any = None
        self.error: PingHelpersError | None = None
        self.button.on_click(lambda _b: self.submit())
        self.widget = W.VBox(
            [
                W.HTML("<b>Exchange the code (CLIENT_SECRET_JWT)</b>"),
                self.env_id,
                self.client_id,
                self.client_secret,
                self.code,
                self.scope,
                self.button,
                self.status,
            ]
        )

    def settings(self) -> Settings:
        """Settings from the form's current values (validated: a bad envID raises ConfigurationError)."""
        return self._base.replace(
            env_id=self.env_id.value.strip() or None,
            client_id=self.client_id.value.strip() or None,
            client_secret=Secret(self.client_secret.value) if self.client_secret.value else None,
        )

    def submit(self) -> Any:
        """Exchange the code with the form's values; returns the TokenResponse (errors shown, not raised)."""
        from ..client import PingOneClient
        from ..explain import explain

        self.error = None
        try:
            with PingOneClient(self.settings()) as client:
                self.result = client.exchange_code(
                    self.code.value,
                    code_verifier=self.code_verifier,
                    scope=self.scope.value.strip() or None,
                    check=False,
                )
        except PingHelpersError as exc:
            self.result = None
            self._show_error("Not sent", exc)
            return None
        if self.result.ok:
            from .html import token_response_html

            # The whole answer under the button, so a learner who clicks sees what came back.
            self.status.value = token_response_html(self.result)
        else:
            err = self.result.error
            self.status.value = (
                f"<span style='color:{FAIL}'><b>HTTP {self.result.status} {escape(getattr(err, 'error', ''))}"
                f"</b></span><br>{explain(err)._repr_html_() if err else ''}"
            )
        return self.result

    def __repr__(self) -> str:
        return f"ExchangeForm(env_id={self.env_id.value!r}, client_id={self.client_id.value!r})"


def exchange_form(settings: Settings, **kwargs: Any) -> ExchangeForm:
    """Build the exchange form pre-filled from ``settings`` (Run All works without typing)."""
    return ExchangeForm(settings, **kwargs)


# -- notebook 1: where is your environment? ----------------------------------------------------------------

#: The form's "where" choices: a PingOne region, a custom domain, or a base URL (the local sandbox's auth path).
LOCATION_CHOICES: tuple[tuple[str, str], ...] = (
    ("North America (auth.pingone.com)", "NA"),
    ("Canada (auth.pingone.ca)", "CA"),
    ("European Union (auth.pingone.eu)", "EU"),
    ("Australia (auth.pingone.com.au)", "AU"),
    ("Singapore (auth.pingone.sg)", "SG"),
    ("Asia-Pacific (auth.pingone.asia)", "AP"),
    ("Custom domain", "custom_domain"),
    ("Auth path URL (local sandbox, Postman {{authPath}})", "auth_path"),
)


class TargetForm(_Form):
    """Region (or custom domain, or auth path), environment ID, client ID, secret and redirect URI.

    ``Check`` validates the values and works out every endpoint URL — no request is sent. The outcome lands in
    ``form.result`` (the :class:`Settings`) or ``form.error`` and in a status line, never in printed output.
    """

    def __init__(self, settings: Settings) -> None:
        import ipywidgets as W

        self._base = settings
        style = {"description_width": "9em"}
        layout = W.Layout(width="46em")
        if settings.custom_domain:
            where, base = "custom_domain", settings.custom_domain
        elif settings.region and not settings.auth_path:
            where, base = settings.region, ""
        else:
            where, base = "auth_path", settings.auth_path or ""
        self.where = W.Dropdown(
            options=list(LOCATION_CHOICES), value=where, description="Where", style=style, layout=layout
        )
        self.base = W.Text(
            value=base,
            description="Domain / URL",
            placeholder="auth.example.com, or https://auth.pingone.eu",
            style=style,
            layout=layout,
        )
        self.env_id = W.Text(value=settings.env_id or "", description="Environment ID", style=style, layout=layout)
        self.client_id = W.Text(value=settings.client_id or "", description="Client ID", style=style, layout=layout)
        self.client_secret = W.Password(
            value=settings.client_secret.reveal() if settings.client_secret else "",
            description="Client secret",
            style=style,
            layout=layout,
        )
        self.redirect_uri = W.Text(
            value=settings.redirect_uri or "", description="Redirect URI", style=style, layout=layout
        )
        self.button = W.Button(description="Check", button_style="primary", icon="check")
        self.status = W.HTML(value="")
        self.result: Settings | None = None
        self.error: PingHelpersError | None = None
        self.button.on_click(lambda _b: self.check())
        self.widget = W.VBox(
            [
                W.HTML("<b>Your PingOne environment</b>"),
                self.where,
                self.base,
                self.env_id,
                self.client_id,
                self.client_secret,
                self.redirect_uri,
                self.button,
                self.status,
            ]
        )

    def _location(self) -> dict[str, Any]:
        where, base = self.where.value, self.base.value.strip()
        cleared: dict[str, Any] = {"region": None, "auth_path": None, "custom_domain": None, "issuer": None}
        if where == "custom_domain":
            return {**cleared, "custom_domain": base or None}
        if where == "auth_path":
            return {**cleared, "auth_path": base or None}
        return {**cleared, "region": where}

    def check(self) -> Settings | None:
        """Validate the form and show the endpoints it leads to (no network); errors shown, not raised."""
        self.error = None
        try:
            settings = self._base.replace(
                **self._location(),
                env_id=self.env_id.value.strip() or None,
                client_id=self.client_id.value.strip() or None,
                client_secret=Secret(self.client_secret.value) if self.client_secret.value else None,
                redirect_uri=self.redirect_uri.value.strip() or None,
                source="the form",
            )
            settings.require("client_id")
            token_endpoint = settings.endpoints().token_endpoint if not settings.issuer else settings.issuer
        except PingHelpersError as exc:
            self.result = None
            self._show_error("Not valid", exc)
            return None
        self.result = settings
        self.status.value = (
            f"<span style='color:{OK}'><b>OK</b></span> — the token endpoint is <code>{escape(token_endpoint)}</code>"
        )
        return settings

    def __repr__(self) -> str:
        return f"TargetForm(where={self.where.value!r}, env_id={self.env_id.value!r})"


def target_form(settings: Settings) -> TargetForm:
    """The "where is your environment" form, pre-filled from ``settings``."""
    return TargetForm(settings)


# -- notebook 4: sign on ----------------------------------------------------------------------------------


class SignOnForm(_Form):
    """Username and password (a ``Password`` widget) for the flows API's ``usernamePassword.check``.

    ``Sign on`` posts them to the flow with ``client.check_username_password``; the resulting flow lands in
    ``form.flow`` (or the error in ``form.error``) and a status line.
    """

    def __init__(self, client: Any, flow: Any, *, username: str = "", password: Secret | str | None = None) -> None:
        import ipywidgets as W

        self.client = client
        self.flow = flow
        style = {"description_width": "9em"}
        layout = W.Layout(width="32em")
        pw = password.reveal() if isinstance(password, Secret) else (password or "")
        self.username = W.Text(value=username, description="Username", style=style, layout=layout)
        self.password = W.Password(value=pw, description="Password", style=style, layout=layout)
        self.button = W.Button(description="Sign on", button_style="primary", icon="sign-in")
        self.status = W.HTML(value=f"flow status: <code>{escape(str(getattr(flow, 'status', '')))}</code>")
        self.error: PingHelpersError | None = None
        self.button.on_click(lambda _b: self.submit())
        self.widget = W.VBox([W.HTML("<b>Sign on</b>"), self.username, self.password, self.button, self.status])

    def submit(self) -> Any:
        """POST ``usernamePassword.check`` to the flow; return the new flow (errors shown, not raised)."""
        self.error = None
        try:
            self.flow = self.client.check_username_password(self.flow, self.username.value, self.password.value)
        except PingHelpersError as exc:
            self._show_error("Refused", exc)
            return None
        self.status.value = f"flow status: <code>{escape(self.flow.status)}</code>"
        return self.flow

    def __repr__(self) -> str:
        return f"SignOnForm(username={self.username.value!r})"


def sign_on_form(client: Any, flow: Any, **kwargs: Any) -> SignOnForm:
    """The sign-on form for ``flow``, pre-filled with ``username`` / ``password`` if given."""
    return SignOnForm(client, flow, **kwargs)


class RedirectForm(_Form):
    """Paste the URL the browser was sent back to (or just the code); ``Read`` extracts the code.

    The ``state`` in the URL must match the one this notebook sent (RFC 6749 §10.12), else it is refused.
    """

    def __init__(self, *, expected_state: str | None, url: str = "") -> None:
        import ipywidgets as W

        self.expected_state = expected_state
        self.url = W.Text(
            value=url,
            description="Redirect URL",
            placeholder="the address bar after sign-on: …/callback?code=…&state=…",
            style={"description_width": "9em"},
            layout=W.Layout(width="60em"),
        )
        self.button = W.Button(description="Read the code", button_style="primary")
        self.status = W.HTML(value="")
        self.code: str | None = None
        self.error: PingHelpersError | None = None
        self.button.on_click(lambda _b: self.read())
        self.widget = W.VBox([self.url, self.button, self.status])

    def read(self) -> str | None:
        """The code from the pasted URL (checked against the expected state); errors shown, not raised."""
        from ..client import code_from

        self.error, self.code = None, None
        try:
            self.code = code_from(self.url.value, expected_state=self.expected_state)
        except PingHelpersError as exc:
            self._show_error("Refused", exc)
            return None
        self.status.value = f"<span style='color:{OK}'><b>code read</b></span> ({len(self.code)} characters)"
        return self.code

    def __repr__(self) -> str:
        return "RedirectForm()"


def redirect_form(*, expected_state: str | None, url: str = "") -> RedirectForm:
    """The paste-the-redirect-URL form."""
    return RedirectForm(expected_state=expected_state, url=url)
