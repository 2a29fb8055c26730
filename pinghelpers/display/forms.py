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

__all__ = ["ExchangeForm", "exchange_form"]


class ExchangeForm:
    """The exchange-the-code form. ``widget`` is what the notebook displays."""

    def __init__(self, settings: Settings, *, code: str = "", code_verifier: str | None = None) -> None:
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
                self.result = client.exchange_code(self.code.value, code_verifier=self.code_verifier, check=False)
        except PingHelpersError as exc:
            self.error, self.result = exc, None
            self.status.value = f"<span style='color:#cf222e'><b>Not sent:</b> {escape(str(exc))}</span>"
            return None
        if self.result.ok:
            self.status.value = "<span style='color:#1a7f37'><b>HTTP 200</b> — tokens received</span>"
        else:
            err = self.result.error
            self.status.value = (
                f"<span style='color:#cf222e'><b>HTTP {self.result.status} {escape(getattr(err, 'error', ''))}"
                f"</b></span><br>{explain(err)._repr_html_() if err else ''}"
            )
        return self.result

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"ExchangeForm(env_id={self.env_id.value!r}, client_id={self.client_id.value!r})"


def exchange_form(settings: Settings, **kwargs: Any) -> ExchangeForm:
    """Build the exchange form pre-filled from ``settings`` (Run All works without typing)."""
    return ExchangeForm(settings, **kwargs)
