"""Notebook display: pure data → HTML functions (testable without a kernel) and thin ipywidgets forms.

``ipywidgets`` is imported only inside the form builders, so the rest of the package never needs Jupyter.
"""

from .forms import ExchangeForm, exchange_form
from .html import jwt_parts_html, timeline_html

__all__ = ["ExchangeForm", "exchange_form", "jwt_parts_html", "timeline_html"]
