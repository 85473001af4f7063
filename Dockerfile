# Hromada: one image for the web server, the Celery worker and the scheduler.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY backend ./backend
COPY geo ./geo
COPY push ./push
COPY mobile_api ./mobile_api
COPY admin ./admin
RUN pip install . && useradd --system --uid 1000 hromada
COPY cities ./cities
COPY gunicorn.conf.py ./

USER hromada
# Behind a reverse proxy set PROXY_FIX_X_FOR to the number of proxies (README, Configuration).
ENV PORT=8000 MEDIA_ROOT=/data/media
EXPOSE 8000
CMD ["sh", "-c", "gunicorn --bind 0.0.0.0:${PORT} --workers 3 --threads 4 --access-logfile - backend.wsgi:app"]
