"""CORS on by default, as a CDN or public asset host does it.

Every origin may read everything, with one answer for all of them (``Access-Control-Allow-Origin:
*``, so shared caches keep one copy), every response header exposed, preflights that allow
whatever method and headers were asked for, and preflight answers cached as long as browsers
allow. Right only for public data that needs no cookies: credentialed calls are refused.

``max_age=7200``: Chromium caps ``Access-Control-Max-Age`` at 7200 s (2 hours, since Chromium
76; MDN's Access-Control-Max-Age page, and FETCH-L2 in the project's checklist), Firefox at
86400 s, WebKit at 600 s. A larger value is not an error, but flask_corsx warns (W001): the page
shows that warning for ``max_age=86400``, computed when the example starts.
"""

from __future__ import annotations

import hashlib
import warnings

from flask import Flask, Response, abort, jsonify, request

from examples.kit import Example, Note, Page, Scenario, Site
from flask_corsx import CORS, CORSConfigWarning

#: The longest preflight cache Chromium honours (seconds).
CHROMIUM_MAX_AGE = 7200

ASSETS = {
    "app.js": ("text/javascript", "console.log('served by the example CDN');\n"),
    "styles.css": ("text/css", "body { color: #1d232a; }\n"),
    "widget.js": ("text/javascript", "export const widget = 'example';\n"),
}


def longer_max_age_warning() -> str:
    """The warning ``CORS(app, max_age=86400)`` gives, word for word."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CORSConfigWarning)
        CORS(Flask("a_day_of_preflight_cache"), max_age=86400)
    texts = [str(w.message) for w in caught if issubclass(w.category, CORSConfigWarning)]
    return "\n".join(f"CORSConfigWarning: {text}" for text in texts) or "no warning"


def create_api(site: Site) -> Flask:
    api = Flask("cdn_api")
    CORS(
        api,
        send_wildcard=True,  # "*" rather than each origin: one cached answer for all
        methods="*",  # preflights allow the method asked for (answered by name)
        allow_headers="*",  # ... and the headers asked for (by name: "*" never covers
        #                     Authorization, FETCH-C12)
        expose_headers="*",  # every response header readable (no credentials, so "*" works)
        max_age=CHROMIUM_MAX_AGE,
    )

    @api.route("/assets/<name>", methods=["GET", "PURGE"])
    def asset(name: str) -> Response:
        if name not in ASSETS:
            abort(404)
        if request.method == "PURGE":  # how CDNs drop a cached copy
            return jsonify(purged=name)
        mimetype, text = ASSETS[name]
        response = Response(text, mimetype=mimetype)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["ETag"] = hashlib.sha256(text.encode()).hexdigest()[:16]
        response.headers["X-Served-By"] = "example-cdn-edge-1"
        return response

    return api


SCENARIOS = (
    Scenario(
        id="asset",
        title="Fetch a script from the CDN",
        about="A simple GET: Access-Control-Allow-Origin: * and Access-Control-Expose-Headers: "
        "*, so the script may read ETag and X-Served-By too. No Vary: Origin is needed: "
        "the answer is the same for every origin (FETCH-O1).",
        path="/assets/app.js",
        status=200,
    ),
    Scenario(
        id="custom-header",
        title="A GET with a custom header (preflighted)",
        about="X-Client is not a safelisted header, so the browser asks first. "
        "allow_headers='*' answers with the names asked for, methods='*' with the method. "
        "Run it again: the CDN sees nothing at all, the browser has the stylesheet in its "
        "HTTP cache (Cache-Control: max-age of a year) and runs the CORS check on that.",
        path="/assets/styles.css",
        headers={"X-Client": "example-page"},
        status=200,
    ),
    Scenario(
        id="purge",
        title="A PURGE with an API key (an unusual method, and Authorization)",
        about="Any method may be asked for: the preflight's Access-Control-Allow-Methods "
        "names PURGE. Authorization is listed by name too, since a literal '*' never covers "
        "it. Run it again: no preflight, its answer is cached (Access-Control-Max-Age: 7200, "
        "as long as Chromium keeps one). (A real CDN checks the key, of course; CORS only "
        "says who may read answers.)",
        method="PURGE",
        path="/assets/app.js",
        headers={"Authorization": "Bearer example-purge-key"},
        status=200,
    ),
    Scenario(
        id="sandboxed",
        title="From a sandboxed iframe",
        about="Origin: null is an origin like any other here: '*' lets it read the asset.",
        path="/assets/app.js",
        origin="null",
        status=200,
    ),
    Scenario(
        id="credentialed",
        title="A credentialed fetch",
        about="With credentials: 'include' the browser refuses Access-Control-Allow-Origin: "
        "* (FETCH-J1). A public host sends no cookies anyway, so fetch its assets without "
        "credentials. (Another asset: app.js is in the browser's HTTP cache by now, for a "
        "year, and the browser would answer from there without asking the CDN.)",
        path="/assets/widget.js",
        credentials="include",
        expect="blocked",
    ),
)


EXAMPLE = Example(
    name="cdn",
    title="A CDN: CORS on by default",
    summary="Access-Control-Allow-Origin: *, every header exposed, preflights that allow what "
    "is asked, cached for Chromium's 2-hour maximum; credentialed calls refused.",
    create_api=create_api,
    pages=(
        Page(
            title="A public asset host: CORS on by default",
            lead="The API is set up with <code>CORS(api, send_wildcard=True, methods=\"*\", "
            "allow_headers=\"*\", expose_headers=\"*\", max_age=7200)</code>.",
            notes=(
                Note(
                    "Why max_age=7200? Chromium caps the preflight cache at 7200 s (2 hours), "
                    "Firefox at 86400 s, WebKit at 600 s. flask_corsx says so for a day "
                    "(computed now by this example):",
                    longer_max_age_warning(),
                ),
            ),
            scenarios=SCENARIOS,
        ),
    ),
)
