# syntax=docker/dockerfile:1
# roundtable-bot: long polling by default; set WEBHOOK_URL and WEBHOOK_SECRET for webhook mode.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN python -m venv /venv && /venv/bin/pip install .

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/bot.sqlite3 \
    CONTENT_DIR=/app/content \
    LOCALES_DIR=/app/locales
RUN useradd --create-home --uid 10001 --user-group bot && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /venv /venv
WORKDIR /app
COPY content ./content
COPY locales ./locales
USER 10001:10001
VOLUME ["/data"]
# Catalogs are read from the .po files at start (compiled in memory): nothing to compile here.
RUN python -m bot content check
CMD ["python", "-m", "bot"]
