"""WSGI entry point for gunicorn: ``gunicorn portal.wsgi:app``."""

import sys

from portal import StartupError, create_app

try:
    app = create_app()
except StartupError as error:
    # One line for the operator, not a traceback from every worker.
    print(f"iisg: {error}", file=sys.stderr)
    raise SystemExit(2) from None
