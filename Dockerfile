# A first production image; the production-stack issue hardens it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=crm.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . && useradd --create-home lejek
# collectstatic and compilemessages need settings but no database or real secret.
RUN SECRET_KEY=build-only-secret-key-build-only-secret-key-0123456789 \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input -v 0 && \
    SECRET_KEY=build-only-secret-key-build-only-secret-key-0123456789 \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=localhost \
    python manage.py compilemessages -v 0
USER lejek
EXPOSE 8000
CMD ["sh", "-c", "gunicorn crm.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3}"]
