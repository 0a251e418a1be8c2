# One image for web, worker and beat. Debian 13 ships GDAL 3.10, so gis.W001 does not apply here.
FROM python:3.11-slim-trixie
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=missions_site.settings.prod
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal-dev libgeos-c1t64 libproj25 binutils curl \
    postgresql-client \
    libldap-dev libsasl2-dev gcc \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
# collectstatic needs settings that import cleanly; the real key comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgis://build@localhost/build \
    python manage.py collectstatic --noinput
# Compiled once here: PYTHONDONTWRITEBYTECODE (and a read-only /app) would have every web and worker
# process compile the project again at its start.
RUN python -m compileall -q -x '/tests/' /app
RUN useradd --system --home /app missions && mkdir -p /app/var /backups && chown -R missions /app/var /backups
USER missions
EXPOSE 8000
# Threaded workers sized by docker/gunicorn.conf.py (2 × cores + 1, 4 threads; GUNICORN_* to change).
CMD ["gunicorn", "-c", "docker/gunicorn.conf.py", "missions_site.wsgi:application"]
