# Lejek's production image: gunicorn for the web, the same image runs Celery worker and beat
# (docker-compose.yml). Python 3.11 on Debian bookworm, whose postgresql-client (15) matches
# the database for `scripts/backup.sh` run inside the stack.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=crm.settings.production
# gettext for compilemessages at build time; postgresql-client for backups and restores.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The dependencies first, from pyproject.toml alone (it declares no packages of its own):
# this layer is rebuilt only when they change, not on every code change. Runtime
# dependencies only, not the dev extras (pytest, Playwright, ruff).
COPY pyproject.toml ./
RUN pip install --no-cache-dir . && rm -rf build *.egg-info
COPY . .
# collectstatic and compilemessages need settings but no database or real secret.
RUN SECRET_KEY=build-only-secret-key-build-only-secret-key-0123456789 \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input -v 0 && \
    SECRET_KEY=build-only-secret-key-build-only-secret-key-0123456789 \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=localhost \
    python manage.py compilemessages --ignore .venv -v 0 && \
    rm -f /tmp/build.sqlite3
# A user without a login shell or sudo owns nothing but the media folder (uploads, exports).
RUN useradd --create-home --uid 1000 lejek && mkdir -p /app/media && chown lejek:lejek /app/media
USER lejek
EXPOSE 8000
# No curl in the slim image: the check is Python's urllib asking /healthz/ as the load
# balancer does (database, Redis and the Celery heartbeat).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]
# WEB_CONCURRENCY: gunicorn worker processes (about 2 × CPUs + 1).
CMD ["sh", "-c", "exec gunicorn crm.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --timeout ${GUNICORN_TIMEOUT:-60}"]
