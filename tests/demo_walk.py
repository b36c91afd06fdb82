"""Every page and every export of the demo as `make run` serves it, each role in turn.

Run by tests/test_demo_on_sqlite.py in a process of its own, as `make run` runs Lejek:
`crm.settings.dev`, DEBUG=1, the SQLite file that `manage.py seed_demo` filled, no broker
(Celery tasks run eagerly, exports' background jobs too). Usage:

    python -m tests.demo_walk <directory for the exported files>

Every URL pattern of the project is either requested here or listed in EXCLUDED (with
why) or POST_ONLY (whose GET must answer 405); a pattern that is neither is reported as
unclassified, so a new page cannot be left out silently. The ids in the URLs are the
demo's own objects, picked among those the role may see. Pages that the demo does not
hold yet (a document, an import, a background job) are made first through their own
forms, as a user would.

Prints one JSON object: `requests` (role, URL name, method, URL, status, the status
expected, and for an export the path of the file saved), `unclassified`, and what the
public form and the intake API did with an inquiry (`assignees`)."""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Role → its demo login (leads/demo/data.py); walked in this order, the administrator last
# so that the admin lists hold what the others made (background jobs, notifications).
ROLES = ("doradca1", "kierownik", "administrator")

# URL names that are no page of their own, and why.
EXCLUDED = {
    "set_language": "switches the language from the menu's form and redirects back",
    "admin:autocomplete": "JSON for the admin's autocomplete widgets, asked by a widget "
    "with its model's and field's parameters",
    "admin:view_on_site": "redirects from the admin to an object's page on the site",
    "admin:login": "requested before logging in (a logged-in administrator is sent on)",
    "admin:otp_totp_totpdevice_change": "the demo has no TOTP device (each administrator "
    "adds one for themselves)",
    "admin:otp_totp_totpdevice_history": "the demo has no TOTP device",
    "admin:otp_totp_totpdevice_delete": "the demo has no TOTP device",
    "admin:otp_totp_totpdevice_config": "the demo has no TOTP device",
    "admin:otp_totp_totpdevice_qrcode": "the demo has no TOTP device",
    "admin:axes_accesslog_change": "no access log rows: AXES_DISABLE_ACCESS_LOG",
    "admin:axes_accesslog_history": "no access log rows: AXES_DISABLE_ACCESS_LOG",
    "admin:axes_accesslog_delete": "no access log rows: AXES_DISABLE_ACCESS_LOG",
    "admin:axes_accessfailurelog_change": "no failure log rows: "
    "AXES_ENABLE_ACCESS_FAILURE_LOG is off (the access attempts hold the failures)",
    "admin:axes_accessfailurelog_history": "no failure log rows",
    "admin:axes_accessfailurelog_delete": "no failure log rows",
    "privacy:consent_document": "the demo's consents carry no scanned document "
    "(tests/consents/test_pages.py downloads one)",
    "intake:meta_webhook": "Meta's webhook: its GET is the subscription's verification, "
    "asked by Meta with the verify token (tests/intake/test_meta.py)",
}
# Unnamed patterns (Django admin's redirect from an object's old URL to its change page,
# and its catch-all) are no pages either.

# Actions: a GET of these answers 405 (checked as the first role).
POST_ONLY = {
    "logout",
    "intake_api",
    "leads:bulk",
    "leads:columns",
    "leads:view_save",
    "leads:view_delete",
    "leads:kanban_move",
    "leads:status",
    "leads:fail",
    "leads:reactivate",
    "leads:archive",
    "leads:unarchive",
    "leads:restore",
    "leads:link",
    "leads:unlink",
    "leads:conversation_done",
    "leads:my_day_done",
    "leads:my_day_postpone",
    "leads:survey_create",
    "leads:offer_send",
    "leads:offer_answer",
    "leads:reservation_cancel",
    "leads:note_create",
    "leads:document_upload",
    "leads:document_delete",
    "leads:import_confirm",
    "leads:import_encoding",
    "privacy:consent_withdraw",
    "privacy:consent_object",
    "channels:fetch_now",
    "channels:replay_errors",
    "intake:otodom_webhook",
    "intake:google_webhook",
    "intake:telegram_webhook",
}

# What a role may not open: the status it gets instead, and why.
FORBIDDEN = {
    "doradca1": {
        # Importing is for managers and administrators (leads.import_lead).
        "leads:import": 403,
        # Cancelling a contract is for managers (leads.cancel_contract).
        "leads:contract_cancel": 403,
        # A person's data is exported by managers and administrators (privacy.export_person).
        "privacy:client_export": 403,
        "privacy:lead_export": 403,
        # The channels are the administrators' (intake.view_rawmessage).
        "channels:index": 403,
    },
    "kierownik": {"channels:index": 403},
}

IMPORT_CSV = (
    "Imię;Nazwisko;E-mail;Telefon\n"
    "Iga;Spacerowa;iga.spacerowa.{role}@example.pl;+48 512 300 {n:03d}\n"
    "Bez;Kontaktu;;\n"
)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass
class Walk:
    out_dir: Path

    def __post_init__(self) -> None:
        self.requests: list[dict] = []
        self.requested: set[str] = set()
        self.assignees: dict[str, list[str]] = {}

    def request(
        self,
        http,
        role: str,
        name: str,
        url: str,
        *,
        method: str = "GET",
        data: Any = None,
        expect: int | list[int] = 200,
        export: str = "",
        **extra: Any,
    ):
        """Request a URL, record what came back (and the statuses it may answer); an
        export's file is saved."""
        started = time.perf_counter()
        if method == "GET":
            response = http.get(url, **extra)
        else:
            response = http.post(url, data or {}, **extra)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        record = {
            "role": role,
            "name": name,
            "method": method,
            "url": url,
            "status": response.status_code,
            "expect": _as_list(FORBIDDEN.get(role, {}).get(name, expect)),
            "content_type": response.get("Content-Type", ""),
            "ms": round((time.perf_counter() - started) * 1000),
        }
        if export:
            path = self.out_dir / f"{role}-{export}.xlsx"
            path.write_bytes(body)
            record.update(export=export, file=str(path))
        self.requests.append(record)
        self.requested.add(name)
        return response


def _as_list(expect: int | list[int]) -> list[int]:
    return expect if isinstance(expect, list) else [expect]


def main(out_dir: Path) -> None:
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    # The test client's host and the responses' templates and context; DEBUG stays on.
    setup_test_environment()
    walk = Walk(out_dir)
    anonymous_pages(walk)
    for role in ROLES:
        role_pages(walk, role)
    print(
        json.dumps(
            {
                "requests": walk.requests,
                "unclassified": sorted(unclassified(walk.requested)),
                "assignees": walk.assignees,
            }
        )
    )


# -- who is not logged in --------------------------------------------------------------------


def anonymous_pages(walk: Walk) -> None:
    from django.test import Client
    from django.urls import reverse

    from clients.models import LeadSource
    from clients.services import source_rotate_intake_token
    from leads.demo import data
    from leads.models import Lead

    http = Client(raise_request_exception=False)
    for name in ("login", "healthz", "intake_schema", "admin:login"):
        walk.request(http, "anonymous", name, reverse(name))
    walk.request(http, "anonymous", "favicon", reverse("favicon"), expect=301)
    # A wrong password: the login page again, with the message (and an access attempt
    # for the admin's lists).
    login = reverse("login")
    walk.request(
        http, "anonymous", "login", login, method="POST",
        data={"username": "nikt", "password": "zle-haslo"},
    )  # fmt: skip
    form_url = reverse("intake_form", args=[data.FORM_SOURCE])
    walk.request(http, "anonymous", "intake_form", form_url)
    inquiry = {
        "first_name": "Ewa",
        "last_name": "Formularzowa",
        "email": "ewa.formularzowa@example.pl",
        "phone": "+48 600 100 200",
        "message": "Proszę o kontakt.",
        "consent_marketing_email": "on",
        "website": "",
    }
    walk.request(
        http, "anonymous", "intake_form", form_url, method="POST", data=inquiry, expect=302
    )
    walk.assignees["form"] = _employees(Lead.objects.get(contact_email=inquiry["email"]))
    thanks = reverse("intake_form_thanks", args=[data.FORM_SOURCE])
    walk.request(http, "anonymous", "intake_form_thanks", thanks)
    # A portal's inquiry through the API, with the token an administrator generates.
    token = source_rotate_intake_token(source=LeadSource.objects.get(slug="rynekpierwotny"))
    body = {
        "external_id": "demo-walk-1",
        "first_name": "Jan",
        "last_name": "Portalowy",
        "email": "jan.portalowy@example.pl",
        "consents": {"processing": True, "marketing": False},
    }
    response = walk.request(
        http, "anonymous", "intake_api", reverse("intake_api"), method="POST",
        data=json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}", expect=201,
    )  # fmt: skip
    if response.status_code == 201:
        walk.assignees["api"] = _employees(Lead.objects.get(pk=response.json()["id"]))


def _employees(lead) -> list[str]:
    return [user.role for user in lead.employees.all()]


# -- a logged-in role ------------------------------------------------------------------------


@dataclass
class Samples:
    """The demo's objects a role's URLs are about, among those the role may see."""

    rich: Any  # a won lead: its contract, offers, conversations, surveys
    open: Any  # an open lead with a client
    inquiry: Any  # an inquiry still to verify
    client: Any
    contractor: Any
    investment: Any
    offer: Any
    contract: Any


def samples_for(user) -> Samples:
    from clients.models import Contractor
    from clients.selectors import clients_visible_to
    from investments.models import Investment
    from leads.models import IntakeOutcome
    from leads.selectors import leads_visible_to

    leads = leads_visible_to(user).not_deleted().order_by("pk")
    won = leads.filter(status__is_won=True)
    rich = won.filter(offers__isnull=False, survey_responses__isnull=False).first() or won.first()
    return Samples(
        rich=rich,
        open=leads.open().filter(clients__isnull=False, failed_at__isnull=True).first(),
        inquiry=leads.filter(intake_outcome=IntakeOutcome.NEW, clients__isnull=True).first(),
        client=clients_visible_to(user).order_by("pk").first(),
        contractor=Contractor.objects.filter(branch_id=user.branch_id).order_by("pk").first(),
        investment=Investment.objects.order_by("pk").first(),
        offer=rich.offers.order_by("pk").first(),
        contract=rich.contracts.order_by("pk").first(),
    )


def role_pages(walk: Walk, role: str) -> None:
    from django.test import Client
    from django.urls import reverse

    from crm.core.models import User
    from leads.demo import data

    password = next(login.password for login in data.DEMO_LOGINS if login.username == role)
    # A view that raises answers 500, as runserver's would: the walk goes on and reports it.
    http = Client(raise_request_exception=False)
    walk.request(
        http, role, "login", reverse("login"), method="POST",
        data={"username": role, "password": password}, expect=302,
    )  # fmt: skip
    user = User.objects.get(username=role)
    s = samples_for(user)
    pages(walk, http, role, s)
    if role == ROLES[0]:  # refused before anything is looked up: once is enough
        for name in sorted(POST_ONLY - {"intake_api"}):
            walk.request(http, role, name, _any_url(name), expect=405)
    exports(walk, http, role, user, s)
    personal_data(walk, http, role, user, s)
    document(walk, http, role, s)
    if user.has_perm("leads.import_lead"):
        lead_import(walk, http, role, user)
    else:
        walk.request(http, role, "leads:import", reverse("leads:import"))
    channels(walk, http, role, user)
    if user.is_administrator:
        admin_pages(walk, http, role, user)


def channels(walk: Walk, http, role: str, user) -> None:
    """The channels page (the administrators'), a fetch of the demo's mailbox (it has no
    server: the failure is recorded on the account, the page still answers) and the
    reply to the demo's Telegram chat (its form: nothing is sent)."""
    from django.urls import reverse

    from intake.models import ChannelAccount, ChannelKind, TelegramChat
    from leads.selectors import leads_visible_to

    walk.request(http, role, "channels:index", reverse("channels:index"))
    if user.is_administrator:
        mailbox = ChannelAccount.objects.get(kind=ChannelKind.MAILBOX)
        url = reverse("channels:fetch_now", args=[mailbox.pk])
        walk.request(http, role, "channels:fetch_now", url, method="POST", expect=302)
        walk.request(http, role, "channels:index", reverse("channels:index"))
    chat = TelegramChat.objects.filter(lead__in=leads_visible_to(user)).first()
    if chat is not None:
        url = reverse("telegram:reply", args=[chat.lead_id])
        walk.request(http, role, "telegram:reply", url)


def pages(walk: Walk, http, role: str, s: Samples) -> None:
    from django.urls import reverse

    from leads.models import LeadStatus
    from leads.views.detail import TABS

    def get(name: str, *args, query: str = "", **extra) -> None:
        walk.request(http, role, name, reverse(name, args=args) + query, **extra)

    get("home")
    get("manifest")
    get("leads:list")
    get("leads:list", query=f"?q={s.client.last_name}&status={s.rich.status_id}&sort=-name")
    get("leads:kanban")
    get("leads:list", query=f"?view=grid&sort=name&status={s.rich.status_id}")
    saved_views(walk, http, role, s)
    for status in LeadStatus.objects.filter(active=True):
        get("leads:kanban_column", status.pk, HTTP_HX_REQUEST="true")
    get("leads:create")
    get("leads:client_search", query=f"?q={s.client.last_name[:3]}")
    get("leads:contractor_search", query=f"?q={s.contractor.name[:3]}")
    get("leads:client_dialog")
    get("leads:client_leads", s.client.pk, HTTP_HX_REQUEST="true")
    get("leads:my_day")
    for lead in (s.rich, s.open, s.inquiry):
        get("leads:detail", lead.pk)
    for tab in TABS:
        get("leads:tab", s.rich.pk, tab, HTTP_HX_REQUEST="true")  # as the page asks for it
        get("leads:detail", s.rich.pk, query=f"?tab={tab}")  # a tab's link, without htmx
    get("leads:update", s.open.pk)
    get("leads:verify", s.inquiry.pk)
    get("leads:new_client", s.inquiry.pk)
    get("leads:delete", s.inquiry.pk)
    get("leads:conversation_add", s.open.pk)
    get("leads:survey_new", s.open.pk)
    get("leads:offer_create", s.open.pk)
    get("leads:reservation_create", s.open.pk)
    get("leads:contract_create", s.open.pk)
    get("leads:offer_print", s.rich.pk, s.offer.pk)
    get("leads:contract_cancel", s.rich.pk, s.contract.pk)
    get("clients:list")
    get("clients:list", query="?failed=false&sort=-added")
    get("clients:create")
    get("clients:detail", s.client.pk)
    get("clients:update", s.client.pk)
    get("clients:contractor_list")
    get("clients:contractor_create")
    get("clients:contractor_detail", s.contractor.pk)
    get("clients:contractor_update", s.contractor.pk)
    get("investments:list")
    get("investments:detail", s.investment.pk)
    get("reports:index")
    for report in ("sources", "funnel", "response_times", "repeat"):
        get(f"reports:{report}")
    get("reports:leads", query="?metric=won")


def _any_url(name: str) -> str:
    """The URL of a POST-only pattern, with 1 for every id (a GET is refused before any
    object is looked up)."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        namespace, _sep, short = name.rpartition(":")
        resolver = get_resolver().namespace_dict[namespace][1]
        possibilities = resolver.reverse_dict.getlist(short)[0][0]
        return reverse(name, kwargs={param: 1 for param in possibilities[0][1]})


# -- exports ---------------------------------------------------------------------------------


def saved_views(walk: Walk, http, role: str, s: Samples) -> None:
    """Save the grid of one status as a view, open it from the menu, delete it."""
    from django.urls import reverse

    from crm.core.models import SavedView

    walk.request(
        http, role, "leads:view_save", reverse("leads:view_save"), method="POST",
        data={"name": f"Demo {role}", "query": f"status={s.rich.status_id}&sort=name",
              "layout": "grid"},
        expect=302,
    )  # fmt: skip
    view = SavedView.objects.get(owner__username=role, name=f"Demo {role}")
    walk.request(
        http, role, "leads:view_open", reverse("leads:view_open", args=[view.pk]), expect=302
    )
    walk.request(http, role, "leads:list", f"{reverse('leads:list')}?view=grid&saved={view.pk}")
    walk.request(http, role, "leads:kanban", f"{reverse('leads:kanban')}?saved={view.pk}")
    walk.request(
        http, role, "leads:view_delete", reverse("leads:view_delete", args=[view.pk]),
        method="POST", expect=302,
    )  # fmt: skip


def exports(walk: Walk, http, role: str, user, s: Samples) -> None:
    from django.test import override_settings
    from django.urls import reverse

    from leads.selectors import leads_visible_to

    for name, label in (("leads:export", "leads"), ("clients:export", "clients")):
        url = reverse(name)
        walk.request(http, role, name, url)  # what would be exported, and the button
        walk.request(http, role, name, url, method="POST", export=label)
    filtered = f"{reverse('leads:export')}?status={s.rich.status_id}&sort=name"
    walk.request(http, role, "leads:export", filtered)
    walk.request(http, role, "leads:export", filtered, method="POST", export="leads-won")
    chosen = list(leads_visible_to(user).not_deleted().order_by("pk").values_list("pk", flat=True))
    walk.request(
        http, role, "leads:bulk", reverse("leads:bulk"), method="POST",
        data={"selected": chosen[:3], "action": "export", "next": reverse("leads:list")},
        export="leads-selected",
    )  # fmt: skip
    for report in ("sources", "funnel", "response_times", "repeat"):
        url = f"{reverse(f'reports:{report}')}?format=xlsx"
        walk.request(http, role, f"reports:{report}", url)
        walk.request(http, role, f"reports:{report}", url, method="POST", export=report)
    # Longer lists than the limit become a background job (eager here): its page, its file.
    with override_settings(LEJEK_SYNC_EXPORT_LIMIT=20):
        for name, label in (("leads:export", "leads-job"), ("clients:export", "clients-job")):
            started = walk.request(http, role, name, reverse(name), method="POST", expect=302)
            job_url = started.get("Location", "")
            if job_url:
                walk.request(http, role, "core:job", job_url)
                walk.request(http, role, "core:job", job_url, HTTP_HX_REQUEST="true")
                download = f"{job_url}download/"
                walk.request(http, role, "core:job_download", download, export=label)


def personal_data(walk: Walk, http, role: str, user, s: Samples) -> None:
    """A person's consents, the export of their data (made once, so the administrator's
    admin walk finds its log row) and the anonymisation's confirmation page (GET only:
    the demo keeps its people)."""
    from django.urls import reverse

    def get(name: str, *args, **extra) -> None:
        walk.request(http, role, name, reverse(name, args=args), **extra)

    for kind, pk in (("client", s.client.pk), ("lead", s.inquiry.pk)):
        get("privacy:consent_history", kind, pk)
        get("privacy:consent_give", kind, pk)
    get("privacy:client_export", s.client.pk)
    get("privacy:lead_export", s.inquiry.pk)
    if user.has_perm("privacy.export_person"):
        url = reverse("privacy:client_export", args=[s.client.pk])
        exported = walk.request(http, role, "privacy:client_export", url, method="POST")
        assert exported.get("Content-Type") == "application/zip", exported.get("Content-Type")
    may_anonymise = user.has_perm("privacy.anonymise_person")
    # The retention policy's dry run: for who may anonymise.
    get("privacy:retention", expect=200 if may_anonymise else 403)
    for name, pk in (
        ("privacy:client_anonymise", s.client.pk),
        ("privacy:lead_anonymise", s.inquiry.pk),
    ):
        get(name, pk, expect=200 if may_anonymise else 403)


def document(walk: Walk, http, role: str, s: Samples) -> None:
    """A document on the won lead, uploaded through its form, then downloaded."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from leads.models import Document

    upload = SimpleUploadedFile(f"umowa-{role}.pdf", PDF, content_type="application/pdf")
    walk.request(
        http, role, "leads:document_upload", reverse("leads:document_upload", args=[s.rich.pk]),
        method="POST", data={"document-file": upload}, expect=302,
    )  # fmt: skip
    uploaded = Document.objects.filter(lead=s.rich).order_by("-pk").first()
    url = reverse("leads:document_download", args=[s.rich.pk, uploaded.pk if uploaded else 0])
    walk.request(http, role, "leads:document_download", url)


def lead_import(walk: Walk, http, role: str, user) -> None:
    """An import through its pages: upload, mapping (as guessed), the dry run's results and
    the rejected rows, the confirmation, the summary and the imported leads."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from clients.models import LeadSource

    start = reverse("leads:import")
    walk.request(http, role, "leads:import", start)
    csv = IMPORT_CSV.format(role=role, n=len(role)).encode("utf-8")
    upload = SimpleUploadedFile(f"leady-{role}.csv", csv, content_type="text/csv")
    source = LeadSource.objects.get(slug="telefon")
    uploaded = walk.request(
        http, role, "leads:import", start, method="POST",
        data={"kind": "leads", "file": upload, "source": source.pk}, expect=302,
    )  # fmt: skip
    mapping_url = uploaded.get("Location", "")
    match = re.search(r"/import/(\d+)/", mapping_url)
    if not match:
        return
    batch = int(match.group(1))
    mapping = walk.request(http, role, "leads:import_mapping", mapping_url)
    walk.request(
        http, role, "leads:import_mapping", mapping_url, method="POST",
        data=_as_submitted(mapping.context["form"]), expect=302,
    )  # fmt: skip
    detail = reverse("leads:import_detail", args=[batch])
    walk.request(http, role, "leads:import_detail", detail)
    rejected = reverse("leads:import_rejected", args=[batch])
    walk.request(http, role, "leads:import_rejected", rejected, export="import-rejected")
    walk.request(
        http, role, "leads:import_confirm", reverse("leads:import_confirm", args=[batch]),
        method="POST", expect=302,
    )  # fmt: skip
    walk.request(http, role, "leads:import_detail", detail)
    walk.request(http, role, "leads:import_detail", detail, HTTP_HX_REQUEST="true")
    walk.request(http, role, "leads:list", f"{reverse('leads:list')}?import_batch={batch}")


def _as_submitted(form) -> dict:
    """What the browser posts for a form left as it is shown."""
    data = {}
    for field in form:
        value = field.value()
        if value in (None, False, ""):
            continue
        data[field.html_name] = "on" if value is True else value
    return data


# -- Django admin (configuration) ------------------------------------------------------------


def admin_pages(walk: Walk, http, role: str, user) -> None:
    from django.contrib import admin
    from django.test import RequestFactory
    from django.urls import NoReverseMatch, reverse

    from consents.models import Clause
    from intake.models import PortalParser
    from investments.models import Unit

    def get(name: str, *args, expect: int | list[int] = 200) -> None:
        url = reverse(f"admin:{name}", args=args)
        walk.request(http, role, f"admin:{name}", url, expect=expect)

    for name in ("index", "password_change", "password_change_done", "jsi18n"):
        get(name)
    walk.request(http, role, "admin:logout", reverse("admin:logout"), expect=405)
    labels = {model._meta.app_label for model in admin.site._registry}
    for label in sorted(labels):
        walk.request(
            http, role, "admin:app_list", reverse("admin:app_list", kwargs={"app_label": label})
        )
    asking = RequestFactory().get("/admin/")
    asking.user = user
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        get(f"{info}_changelist")
        # What the admin does not offer (a read-only list, the one CRM settings row) is
        # refused with 403.
        get(f"{info}_add", expect=200 if model_admin.has_add_permission(asking) else 403)
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        # A delete page asks to confirm (200), sends the administrator back with the
        # reason when the object is in use (302), or is refused where the admin deletes
        # nothing (403: the one CRM settings row).
        expected = {"change": 200, "history": 200, "delete": [200, 302, 403]}
        for action, expect in expected.items():
            try:
                get(f"{info}_{action}", obj.pk, expect=expect)
            except NoReverseMatch:  # a singleton (the CRM settings) has its own URLs
                get(f"{info}_{action}", expect=expect)
    get("auth_user_password_change", user.pk)
    # A clause's text changed: its next version's page (without the right to add clauses,
    # back to the clause).
    clause = Clause.objects.filter(is_legacy=False).order_by("pk").first()
    may_add = admin.site._registry[Clause].has_add_permission(asking)
    get("consents_clause_new_version", clause.pk, expect=200 if may_add else 302)
    unit = Unit.objects.order_by("pk").first()
    version = unit.history.order_by("history_id").first()
    get("investments_unit_simple_history", unit.pk, version.history_id)
    # A portal parser tried on a pasted email (nothing is stored).
    parser = PortalParser.objects.order_by("pk").first()
    get("intake_portalparser_try", parser.pk)


# -- every pattern accounted for -------------------------------------------------------------


def url_names() -> set[str]:
    """Every named URL pattern, namespaced (the admin's as "admin:")."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names: set[str] = set()

    def visit(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.app_name or pattern.namespace
                visit(pattern.url_patterns, f"{namespace}{inner}:" if inner else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}{pattern.name}")

    visit(get_resolver().url_patterns, "")
    return names


def unclassified(requested: set[str]) -> set[str]:
    return url_names() - requested - set(EXCLUDED)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
