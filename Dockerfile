# authserver: gunicorn via `authserver serve`, as a non-root user. See README "Production
# deployment" and docker-compose.yml.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AUTHSERVER_ENV=production \
    AUTHSERVER_KEYS_DIR=/keys \
    AUTHSERVER_INSTANCE_DIR=/var/lib/authserver

RUN groupadd --system --gid 10001 authserver \
    && useradd --system --uid 10001 --gid authserver --create-home authserver

WORKDIR /app
COPY pyproject.toml README.md ./
COPY authserver ./authserver
COPY migrations ./migrations
# editable: the migrations folder stays beside the package, where `authserver init` finds it
RUN pip install -e ".[postgres]" \
    && mkdir -p /keys /var/lib/authserver \
    && chown authserver:authserver /keys /var/lib/authserver

USER authserver
EXPOSE 8000
VOLUME ["/keys"]

# liveness only; docker-compose.yml probes /readyz (database, migrations, signing key)
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]

# SIGTERM reaches gunicorn directly (exec form): requests in flight finish, then it exits
STOPSIGNAL SIGTERM
ENTRYPOINT ["authserver"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
