"""The authors' page and the organizers' console: static files shipped in the layer and served by the API
function itself.

Serving them from the API's own origin means the page needs no CORS and no second deployment, and the
headers that make it safe are set in one place. The Content-Security-Policy allows scripts, styles and
connections only from the page's origin, plus the one origin uploads are POSTed to (the bucket's), so
nothing injected into the page could load or send anything elsewhere. Files are revalidated on every load
(``no-cache`` with an ETag), so a deployment takes effect at once and an unchanged file costs a 304.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from hashlib import sha256
from importlib.resources import files
from urllib.parse import urlsplit

PAGE = "index.html"
CONSOLE = "console.html"
# Every file a page loads, each module of its scripts included: nothing else in the package is served.
ASSETS = (
    "common.js",
    "app.js",
    "app_state.js",
    "app_form.js",
    "app_deadline.js",
    "app_status.js",
    "app_upload.js",
    "app_submission.js",
    "final.js",
    "app.css",
    "console.js",
    "console_core.js",
    "console_signin.js",
    "console_table.js",
    "console_decisions.js",
    "console_operations.js",
    "console_detail.js",
    "console_detail_actions.js",
    "console_final.js",
    "console.css",
    "program.css",
)

_CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str
    etag: str


@cache
def asset(name: str) -> Asset:
    """A page (``PAGE``, ``CONSOLE``) or one of their ``ASSETS``, read once per container."""
    body = files(__package__).joinpath(name).read_text(encoding="utf-8")
    etag = '"' + sha256(body.encode()).hexdigest()[:32] + '"'
    return Asset(body, _CONTENT_TYPES[name.rpartition(".")[2]], etag)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, the unit a Content-Security-Policy names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(upload_origin: str = "") -> str:
    """The pages' policy; ``upload_origin`` is the one other origin a page may send to (none for the
    public program, which has no script)."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {upload_origin}".rstrip(),
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def headers(item: Asset, upload_origin: str) -> dict[str, str]:
    """Response headers for a page file: its type, cache validators and the security policy."""
    return {
        "Content-Type": item.content_type,
        "Cache-Control": "no-cache",
        "ETag": item.etag,
        "Content-Security-Policy": content_security_policy(upload_origin),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
