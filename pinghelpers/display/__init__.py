"""Notebook display: pure data → HTML functions (testable without a kernel) and thin ipywidgets forms.

``ipywidgets`` is imported only inside the form builders, so the rest of the package never needs Jupyter.
"""

from .forms import (
    ExchangeForm,
    RedirectForm,
    SignOnForm,
    TargetForm,
    exchange_form,
    redirect_form,
    sign_on_form,
    target_form,
)
from .html import (
    ExerciseCheck,
    callout_html,
    check_exercise,
    checks_html,
    discovery_html,
    flow_html,
    http_response_html,
    jwt_parts_html,
    masked_body,
    params_html,
    table_html,
    timeline_html,
    token_response_html,
)

__all__ = [
    "ExchangeForm",
    "ExerciseCheck",
    "RedirectForm",
    "SignOnForm",
    "TargetForm",
    "callout_html",
    "check_exercise",
    "checks_html",
    "discovery_html",
    "exchange_form",
    "flow_html",
    "http_response_html",
    "jwt_parts_html",
    "masked_body",
    "params_html",
    "redirect_form",
    "sign_on_form",
    "table_html",
    "target_form",
    "timeline_html",
    "token_response_html",
]
