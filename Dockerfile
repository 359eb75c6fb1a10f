# costshare: the same install steps as `make install`, in two stages, run as a non-root user.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY app ./app
COPY allocation ./allocation
RUN /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --create-home costshare
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/costshare
COPY alembic.ini ./
COPY migrations ./migrations
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////srv/costshare/var/costshare.sqlite3
RUN mkdir var && chown 10001 var
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"]
# Migrations first, then the default data (idempotent), then the server.
CMD ["sh", "-c", "costshare migrate && costshare seed && costshare serve --host 0.0.0.0 --port 8000"]
