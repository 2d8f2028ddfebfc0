# syntax=docker/dockerfile:1
# roundtable-bot. Long polling by default; WEBHOOK_URL + WEBHOOK_SECRET switch it to webhooks (README: Container).
#   docker build -t roundtable-bot .
#   docker run -d --name roundtable-bot -e BOT_TOKEN=… -v roundtable-data:/data roundtable-bot

# -- build: the application and its dependencies in a venv that has no pip of its own -----------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python -m venv --without-pip /venv
COPY pyproject.toml README.md ./
COPY bot ./bot
# Babel ships date/plural data for ~1,000 locales (35 MB); the bot speaks ru, en and zh, so keep those and
# root, which they inherit from (2 MB).
RUN pip --python /venv/bin/python install . \
 && find /venv/lib/python3.11/site-packages/babel/locale-data -name '*.dat' \
      ! -name 'root.dat' ! -name 'en.dat' ! -name 'en_*.dat' ! -name 'ru.dat' ! -name 'ru_*.dat' \
      ! -name 'zh.dat' ! -name 'zh_*.dat' -delete

# -- runtime: slim Python, the venv, the facts and the catalogs; a non-root user; the store on /data --------
FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_PATH=/data/bot.sqlite3 \
    CONTENT_DIR=/app/content \
    LOCALES_DIR=/app/locales \
    WEBHOOK_PORT=8080 \
    HEALTH_HOST=0.0.0.0 \
    HEALTH_PORT=8081
RUN useradd --system --no-log-init --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin bot \
 && mkdir -p /data \
 && chown 10001:10001 /data
COPY --from=build /venv /venv
WORKDIR /app
COPY content ./content
COPY locales ./locales
USER 10001:10001
VOLUME ["/data"]
# 8080: webhook mode (updates, /healthz, /metrics); 8081: polling mode (/healthz, /metrics).
EXPOSE 8080 8081
# Catalogs are read from the .po files at start (compiled in memory): nothing to compile. Broken content
# fails the build here instead of the bot at start.
RUN python -m bot content check
# /healthz answers 200 only while the bot works (Telegram answered recently, the store reads, the broadcaster
# runs): on the webhook server in webhook mode, on HEALTH_HOST:HEALTH_PORT in polling mode.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-m", "bot.healthcheck"]
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
