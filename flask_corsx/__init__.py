"""flask_corsx: Cross-Origin Resource Sharing for Flask.

A drop-in for flask-cors (same names, options and config keys), exact to the CORS protocol of
the WHATWG Fetch standard and secure by default.
"""

from __future__ import annotations

from .decorator import cross_origin
from .errors import CORSConfigError, CORSConfigWarning
from .explanation import Explanation, explain
from .extension import CORS
from .rules import OriginRule
from .wiring import invalidate_origins

__version__ = "0.1.0"

__all__ = [
    "CORS",
    "CORSConfigError",
    "CORSConfigWarning",
    "Explanation",
    "OriginRule",
    "__version__",
    "cross_origin",
    "explain",
    "invalidate_origins",
]
