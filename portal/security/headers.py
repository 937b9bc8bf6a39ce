"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, current_app, g, request

# No inline scripts or styles anywhere: the QR code is inline SVG markup, which CSP
# treats as an image, and Bootstrap's icons are data: URIs in its stylesheet.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_PRIVATE_PREFIXES = ("/auth", "/account")


def _add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["HSTS"]:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # Nothing a signed-in user sees, nor any sign-in page, may be kept by a browser or
    # proxy cache.
    if "user_session" in g or request.path.startswith(_PRIVATE_PREFIXES):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(_add_security_headers)
