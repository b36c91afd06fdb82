"""The demo's saved views of the lead list: the manager's view shared with the branch and
a personal one, and an advisor's own, so that the views' menu has something to open."""

from __future__ import annotations

from crm.core.models import SavedView, User
from crm.core.services import saved_view_save
from leads.models import LeadStatus

LIST_NAME = "leads"


def seed_saved_views(team: list[User]) -> dict[str, int]:
    users = {user.username: user for user in team}
    offer = LeadStatus.objects.get(slug="oferta")
    views = [
        (users["kierownik"], "Bez kroku", "no_next_step=true&sort=created_at", "table", True),
        (users["kierownik"], "Oferty", f"status={offer.pk}&sort=-updated_at", "grid", False),
        (users["doradca1"], "Moje zaległe", "overdue=true&sort=next_step", "table", False),
    ]  # fmt: skip
    for owner, name, query, layout, shared in views:
        saved_view_save(
            user=owner, list_name=LIST_NAME, name=name, query=query, columns=[],
            layout=layout, shared=shared,
        )  # fmt: skip
    return {"saved views": SavedView.objects.filter(list_name=LIST_NAME).count()}
