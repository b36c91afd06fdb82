"""The container's health check (Dockerfile HEALTHCHECK, docker-compose's web service): ask
this container's gunicorn for /healthz/ as the load balancer would, exit 0 on a 200 answer.

The slim image has no curl, hence the standard library. The request names one of
ALLOWED_HOSTS (any other Host is refused with 400) and says it came over HTTPS through the
TLS proxy (X-Forwarded-Proto, trusted by the production settings); otherwise it would only
be redirected to https://."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

URL = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz/")


def allowed_host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")  # ".example.pl" allows example.pl too
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    request = urllib.request.Request(
        URL, headers={"Host": allowed_host(), "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"healthcheck: {URL} unreachable: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthcheck: {URL} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
