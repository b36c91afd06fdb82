"""The default survey ("Ankieta zakupowa") and the permissions of working a lead: advisors
log conversations, fill surveys, make offers, reservations and contracts, write notes and
upload documents; managers also cancel contracts; administrators configure all of it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PURCHASE_SURVEY = "Ankieta zakupowa"
# (question, kind, required, choices)
PURCHASE_QUESTIONS = [
    ("Budżet (PLN)", "number", True, ""),
    ("Liczba pokoi", "single", True, "1\n2\n3\n4\n5 i więcej"),
    ("Powierzchnia (m²)", "number", False, ""),
    ("Piętro", "multiple", False, "Parter\nNiskie (1–2)\nWysokie (3+)\nOstatnie"),
    ("Finansowanie", "single", True, "Gotówka\nKredyt hipoteczny"),
    ("Termin zakupu", "single", False, "Od razu\nDo 3 miesięcy\nDo roku\nPowyżej roku"),
    ("Cel zakupu", "single", False, "Na własne potrzeby\nInwestycja / wynajem\nDla rodziny"),
]

WORK = ["activity", "offer", "reservation", "contract", "note", "document", "surveyresponse"]
ADVISOR = [f"leads.{action}_{model}" for model in WORK for action in ("add", "view", "change")]
ADVISOR += ["leads.delete_document", "leads.view_surveytemplate"]
MANAGER = [*ADVISOR, "leads.cancel_contract"]


def seed(apps, schema_editor):
    SurveyTemplate = apps.get_model("leads", "SurveyTemplate")
    SurveyQuestion = apps.get_model("leads", "SurveyQuestion")
    template, created = SurveyTemplate.objects.get_or_create(
        name=PURCHASE_SURVEY,
        defaults={"is_default": True, "description": "Potrzeby i możliwości kupującego."},
    )
    if created:
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(
                template=template,
                order=order,
                text=text,
                kind=kind,
                required=required,
                choices=choices,
            )
            for order, (text, kind, required, choices) in enumerate(PURCHASE_QUESTIONS, 1)
        )

    for app_config in apps.get_app_configs():
        # As in 0003: permissions are created first so the groups can be given them.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(codes):
        return [
            Permission.objects.get(
                content_type__app_label=code.split(".")[0], codename=code.split(".")[1]
            )
            for code in codes
        ]

    Group.objects.get_or_create(name="Doradca")[0].permissions.add(*permissions(ADVISOR))
    Group.objects.get_or_create(name="Kierownik")[0].permissions.add(*permissions(MANAGER))
    Group.objects.get_or_create(name="Administrator")[0].permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["leads", "notifications"])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0013_work_on_a_lead"),
        ("notifications", "0002_reminders_digests_expiry"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
