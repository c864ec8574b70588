# Starfire image for docker-compose.yml: web (gunicorn), Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    PRIVATE_MEDIA_ROOT=/app/var/private

# WeasyPrint renders PDFs with Pango; certificates and notices need CJK fonts; gettext
# compiles the translations; postgresql-client (15, as the db service) gives manage.py backup
# and restore pg_dump and pg_restore.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, pinned in pyproject.toml, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code runs from /app (PYTHONPATH), where settings find templates/, static/ and locale/.
COPY . .
RUN if find locale -name '*.po' | grep -q .; then python manage.py compilemessages; fi

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin starfire \
    && mkdir -p /app/staticfiles /app/var/private \
    && chown -R starfire:starfire /app/staticfiles /app/var

USER starfire
EXPOSE 8000
CMD ["gunicorn", "starfire.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
