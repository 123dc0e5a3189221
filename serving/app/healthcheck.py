"""The container's HEALTHCHECK: `python -m app.healthcheck` exits 0 when GET /health answers 200."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from app.config import Settings

# A wildcard bind address is not a destination: ask the local interface.
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - compared against, not bound to


def health_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in _WILDCARDS else settings.host
    return f"http://{host}:{settings.port}/health"


def main() -> int:
    url = health_url(Settings())
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - http URL built from settings
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
