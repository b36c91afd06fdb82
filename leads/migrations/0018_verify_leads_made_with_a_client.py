"""Leads made by hand with their client were left "new" (to verify) forever: the sources
report counted them as unverified and unlinked. A lead with a client is verified: mark
those as linked, and as repeat leads where a client of theirs had a lead before (as
`leads.selectors.leads.repeat_client_ids` decides for new ones). Their history is left
alone: this corrects a mark, it is nobody's change."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def verify(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    Links = Lead.clients.through
    unverified = Lead.objects.filter(intake_outcome="new").filter(
        Exists(Links.objects.filter(lead_id=OuterRef("pk")))
    )
    earlier = Links.objects.filter(
        client_id__in=Links.objects.filter(lead_id=OuterRef(OuterRef("pk"))).values("client_id"),
        lead__created_at__lt=OuterRef("created_at"),
    ).exclude(lead__intake_outcome="deleted")
    unverified.filter(Exists(earlier)).update(intake_outcome="linked", is_repeat=True)
    unverified.update(intake_outcome="linked")


class Migration(migrations.Migration):
    dependencies = [("leads", "0017_import_batch_encoding")]

    operations = [migrations.RunPython(verify, migrations.RunPython.noop, elidable=True)]
