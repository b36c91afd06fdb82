"""/healthz/'s part for the channels (crm.core.health, LEJEK_HEALTH_CHECKS): "degraded"
names the accounts whose last successful poll or delivery is older than their limit, or
whose last attempt failed. A mailbox that cannot be read must alert someone, not take the
web process out of the load balancer: the check never makes /healthz/ answer 503."""

from __future__ import annotations

from .selectors import degraded_accounts


def channels_health() -> dict:
    names = degraded_accounts()
    if not names:
        return {"channels": "ok"}
    return {"channels": "degraded", "channels_details": names}
