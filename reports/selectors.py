"""Report figures, computed by SQL aggregation over the leads a user may see."""

from __future__ import annotations

from django.db.models import Count, Q

from crm.core.models import User
from leads.selectors import leads_visible_to


def leads_by_source(*, user: User) -> list[dict]:
    """Per source: all visible leads, won and failed (deleted inquiries excluded)."""
    return list(
        leads_visible_to(user)
        .not_deleted()
        .values("source__name")
        .annotate(
            total=Count("pk"),
            won=Count("pk", filter=Q(status__is_won=True)),
            failed=Count("pk", filter=Q(failed_at__isnull=False)),
        )
        .order_by("-total", "source__name")
    )
