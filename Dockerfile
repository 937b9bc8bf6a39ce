# IISG Database portal: gunicorn serving create_app(), migrating at start (unless
# MIGRATE_AT_START=0), and the reverse proxy serving its static files (target "proxy").
FROM python:3.11-slim AS portal

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango (with HarfBuzz and fontconfig) is what WeasyPrint renders the PDF reports with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin iisg

COPY . .
# Editable, because templates/ and migrations/ are read from the source tree beside
# the package rather than from site-packages.
RUN pip install -e . \
    && mkdir -p instance \
    && chown iisg:iisg instance
# The static files the proxy serves itself: the portal's (/static/) and Bootstrap's
# (/bootstrap/static/), gathered for the proxy stage below.
RUN mkdir -p /srv/static \
    && cp -r portal/static /srv/static/static \
    && cp -r "$(python -c 'import flask_bootstrap, os; print(os.path.dirname(flask_bootstrap.__file__))')/static/bootstrap5" /srv/static/bootstrap

USER iisg
ENV IISG_ENV=production
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "portal.wsgi:app"]

# The reverse proxy of docker-compose.yml: nginx with the portal's static files of this
# very build, so the two never disagree (docs/operations.md).
FROM nginx:1.27-alpine AS proxy
COPY --from=portal /srv/static /srv/static
COPY docker/nginx/nginx.conf /etc/nginx/nginx.conf
EXPOSE 8080 8443

# The default target: the portal itself.
FROM portal
