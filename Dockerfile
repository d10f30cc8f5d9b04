# Production image: gunicorn serving the app; assets and catalogues built in earlier stages.
# Build: docker build -t diabetes-education-finder .
# Run:   docker run -p 8000:8000 -e SECRET_KEY=... -e FINDER_BASE_URL=https://your.host \
#          -e DATABASE_URL=postgresql+psycopg://... IMAGE
# FINDER_BASE_URL is required: links in handouts start from it, and only its host is answered
# (FINDER_TRUSTED_HOSTS lists more).
# Behind nginx: FINDER_PROXIES=1 makes the app believe X-Forwarded-For, so gunicorn must listen
# only where nginx reaches it; it refuses to start on 0.0.0.0 with FINDER_PROXIES set. Share a
# unix socket with nginx's container (a volume on /run/finder), keep 127.0.0.1:8000 for the
# health check, and publish no port of this container:
#   docker run -v finder-socket:/run/finder -e FINDER_PROXIES=1 \
#     -e GUNICORN_BIND=unix:/run/finder/gunicorn.sock,127.0.0.1:8000 -e SECRET_KEY=... IMAGE
#   nginx, with the same volume: proxy_pass http://unix:/run/finder/gunicorn.sock;

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY assets ./assets
COPY scripts/fingerprint.py ./scripts/
RUN npm run build && apt-get update -qq && apt-get install -y -qq python3 >/dev/null \
 && python3 scripts/fingerprint.py build/assets

FROM python:3.11-slim-bookworm AS python
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /venv
COPY pyproject.toml ./
COPY finder ./finder
# Only the dependencies go into the venv; the app itself runs from /app (gunicorn's cwd).
RUN /venv/bin/pip install . && /venv/bin/pip uninstall -y diabetes-education-finder
COPY translations ./translations
RUN if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then /venv/bin/pybabel compile -d translations; fi

FROM python:3.11-slim-bookworm
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 FINDER_ENV=production FINDER_DEMO=0 \
    FINDER_ASSETS_DIR=/app/build/assets FLASK_APP=finder PORT=8000
RUN useradd --system --uid 10001 --home-dir /app finder \
 && apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-dejavu-core fonts-noto-core >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=python /venv /venv
COPY --from=python /app/translations ./translations
COPY --from=assets /src/build/assets ./build/assets
COPY finder ./finder
COPY templates ./templates
COPY seeds ./seeds
COPY migrations ./migrations
COPY gunicorn.conf.py ./
# /run/finder: gunicorn's unix socket, when nginx shares it (see "Behind nginx" above).
RUN mkdir -p /app/instance /run/finder && chown finder /app/instance /run/finder
USER finder
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
# The web node: migrate, load the directory (never demo data in production), then serve.
# A worker node runs the same image with another command, `flask worker` (see the README's
# "Web and worker nodes"): both need DATABASE_URL (PostgreSQL) and FINDER_REDIS_URL.
CMD ["sh", "-c", "flask db upgrade && flask seed --no-demo && exec gunicorn --config gunicorn.conf.py 'finder:create_app()'"]
