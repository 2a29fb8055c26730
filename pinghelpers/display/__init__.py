"""Notebook display: pure data → HTML functions (testable without a kernel) and thin ipywidgets forms.

==============  ==========================================================================================
module          what it renders
==============  ==========================================================================================
``html``        the lessons' tables and figures: a JWT by part, the time line, discovery, authorize
                parameters, HTTP answers, flow objects, token responses, exercise verdicts
``reprs``       the objects' own ``_repr_html_`` (checklists, decoded JWTs, explanations, settings …)
``pages``       the page a browser shows at the end of a browser sign-on
``forms``       the ipywidgets forms (``ipywidgets`` is imported only inside their builders)
``palette``     the colours, for all of the above
==============  ==========================================================================================

The names below load on first use (PEP 562), like the package's own: a model's one-line ``_repr_html_``
imports ``display.reprs`` without dragging the widget forms — and the settings and client they use — along.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "ExchangeForm",
            "RedirectForm",
            "SignOnForm",
            "TargetForm",
            "exchange_form",
            "redirect_form",
            "sign_on_form",
            "target_form",
        ),
        "forms",
    ),
    **dict.fromkeys(
        (
            "ExerciseCheck",
            "callout_html",
            "check_exercise",
            "checks_html",
            "discovery_html",
            "flow_html",
            "http_response_html",
            "jwt_parts_html",
            "masked_body",
            "params_html",
            "table_html",
            "timeline_html",
            "token_response_html",
        ),
        "html",
    ),
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pinghelpers.display' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
