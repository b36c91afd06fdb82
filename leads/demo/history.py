"""Writing the demo's django-simple-history rows in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Model

from crm.core.models import User


def record_history(
    model: type[Model],
    rows: Iterable[tuple[Model, datetime, User | None]],
    *,
    update: bool = False,
) -> list[Model]:
    """Write django-simple-history rows in bulk, dated and signed as the story says:
    bulk_create skips the history signals, and one save() per row would be far slower.
    Returns the history rows, with their ids."""
    instances = []
    for instance, when, user in rows:
        instance._history_date = when
        instance._history_user = user
        instances.append(instance)
    return model.history.bulk_history_create(instances, update=update, batch_size=500)
