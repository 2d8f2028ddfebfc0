"""`python -m bot.healthcheck`: the container's health check (Dockerfile HEALTHCHECK, compose.yaml).

Asks the running bot's `/healthz` (webhook mode: on WEBHOOK_PORT; polling mode: on HEALTH_PORT) and exits 0
on 200, 1 otherwise, printing the bot's reason. The standard library only: it runs every 30 seconds and
should cost a few milliseconds, not the bot's imports.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def health_url(env: os._Environ[str] | dict[str, str]) -> str:
    port = env.get("WEBHOOK_PORT", "8080") if env.get("WEBHOOK_URL") else env.get("HEALTH_PORT", "8081")
    return f"http://127.0.0.1:{port}/healthz"


def main() -> int:
    url = health_url(os.environ)
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 - our own http://127.0.0.1
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:  # 503: the body says why
        print(exc.read().decode("utf-8", "replace")[:500], file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
