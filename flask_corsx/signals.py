"""Signals in Flask's style (a blinker namespace, like :mod:`flask.signals`), for metrics and
alerts. The sender is the app. Nothing is computed for a signal that has no receiver.

* :data:`cors_refused`: a request or preflight got fewer CORS headers than it asked for.
  Arguments: ``decision`` (the :class:`~flask_corsx.policy.Decision`), ``origin``,
  ``method``, ``path``, ``reasons`` (sentences, as in the logs).
* :data:`preflight_answered`: a preflight was answered (allowed or not), before any view ran.
  Arguments: ``decision``, ``origin``, ``method`` (the requested one), ``path``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

cors_refused = _signals.signal("cors-refused")
preflight_answered = _signals.signal("cors-preflight-answered")
