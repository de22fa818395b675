# One image for web, worker and beat (docker-compose.yml's x-app anchor).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    APP_VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media

# Noto CJK so the weekly PDF renders Chinese; Pango/HarfBuzz for WeasyPrint; the PostgreSQL
# client for scripts/backup.sh and restore.sh; gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        postgresql-client gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are built into the image (whitenoise serves them); the secret is only needed
# to import the settings, never stored in the image.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
    python manage.py compilemessages --ignore=.venv \
    && DJANGO_SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
    python manage.py collectstatic --noinput \
    && groupadd --system app && useradd --system --gid app --home /app app \
    && mkdir -p /app/var/media /app/var/backups && chown -R app:app /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"]
