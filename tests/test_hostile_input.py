"""Nothing typed into an address gives a 500. Every URL pattern of the project is filled
with objects the user may see and asked for by each role: first plainly (which tells the
parameters its view reads), then with each hostile value (text where a number belongs,
numbers past any range, a NUL byte, impossible and overflowing dates, 10 000 characters,
SQL, a percent sign, a bidi override...) in every parameter it reads, and once with every
parameter name Lejek uses, for what a view reads only next to another parameter. A view
that refuses some values may leave the others unused, so those are tried again without
the refused ones. A 4xx, a form error or an ignored parameter are all fine answers; a 5xx
(or an exception) is not. POST-only patterns answer a GET with 405."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import BaseForm
from django.http import QueryDict
from django.test import Client as HttpClient
from django.test.utils import ContextList
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from consents.models import Action, Kind, Source
from consents.selectors import Person, clauses_offered, controller_default
from consents.services import consent_record, objection_record
from crm.core.models import BackgroundJob
from crm.core.services import saved_view_save
from intake.models import (
    ChannelAccount,
    ChannelKind,
    JunkSender,
    Listing,
    MailboxFolder,
    PortalParser,
    TelegramChat,
)
from intake.services.raw import raw_store
from leads.models import AssignmentRule, Document, ImportBatch, Lead, SurveyTemplate
from leads.services.conversations import conversation_plan
from leads.services.documents import note_create
from leads.services.offers import offer_create
from leads.services.sales import contract_create, reservation_create
from leads.services.surveys import survey_response_create
from leads.views.detail import TABS
from notifications.models import NotificationKind
from notifications.services import notification_queue
from privacy.models import PrivacyAction, PrivacyLog
from tests.factories import (
    ClientFactory,
    ContractorFactory,
    InvestmentFactory,
    LeadFactory,
    UnitFactory,
    source,
    status,
)
from tests.leads.surveys_fixtures import FULL_ANSWERS

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "abc",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "²",  # a digit to str.isdigit(), not to int()
    "\x00",
    "a\x00b",
    "9999-12-31",
    "0001-01-01",
    "31.02.2024",
    "x" * 10_000,
    "' OR 1=1 --",
    "%",
    "[]",
    "\u202e",
]


# Every query parameter name Lejek reads (request.GET in the views, the lead and client
# filtersets, the report filters, the unit filters, the offer picker, the public form's
# utm_*, django-tables2). Sent all at once to every URL, so that a parameter read only
# next to another one (?tab=history&page=) is tried too; a view that reads a name missing
# here fails the test, so the list grows with the views.
PARAMETER_NAMES = [
    # lists, paging, sorting
    "page", "per_page", "offset", "sort", "q", "id", "suggest", "notes_page",
    "documents_page", "next",
    # the lead filter panel
    "status", "source", "employee", "investment", "branch", "created_after",
    "created_before", "updated_after", "updated_before", "failed", "repeat", "returning",
    "outcome", "no_next_step", "overdue", "import_batch", "client", "archived",
    # the list's layout (table or grid) and the saved view it shows
    "view", "saved",
    # the client filter panel
    "caretaker", "added_after", "added_before",
    # both lists: who may be contacted for marketing (the consent register)
    "consent",
    # the kanban, the lead page, conversations, surveys
    "show_failed", "tab", "action", "plan", "template",
    # reports
    "date_from", "date_to", "advisor", "format", "metric", "reason",
    # units (the offer picker and an investment's page), the offer picker's choices
    "availability", "rooms", "area_min", "area_max", "price_min", "price_max", "kind",
    "units", "channel", "notes", "valid_until",
    # the public inquiry form's address
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
]  # fmt: skip


@dataclass
class World:
    """The objects a role's URLs are filled with: one of each kind, visible to all three
    roles (the advisor is the lead's employee and the client's caretaker)."""

    lead: object
    won_lead: object
    client: object
    contractor: object
    investment: object
    activity: object
    offer: object
    reservation: object
    contract: object
    document: object
    batch: object
    jobs: dict
    intake_source: object
    consent_event: object
    channel_account: object
    saved_view: object


def build_world(advisor, manager, administrator) -> World:
    """One of everything a URL names, made through the services where there is one."""
    branch = advisor.branch
    investment = InvestmentFactory(name="Akacjowa")
    offered, reserved, sold = (UnitFactory(investment=investment) for _ in range(3))
    client = ClientFactory(branch=branch, caretaker=advisor)
    contractor = ContractorFactory(branch=branch)
    lead = LeadFactory(
        branch=branch,
        status=status("lead-aktywny"),
        employees=[advisor],
        clients=[client],
        created_by=advisor,
    )
    lead.investments.add(investment)
    lead.contractors.add(contractor)
    won_lead = LeadFactory(
        branch=branch, status=status("lead-aktywny"), employees=[advisor], clients=[client]
    )
    won_lead.investments.add(investment)

    activity = conversation_plan(
        lead=lead, user=advisor, kind="phone", planned_at=timezone.now() + timedelta(days=1)
    )
    offer = offer_create(
        lead=lead,
        client=client,
        items=[(offered, offered.list_price)],
        valid_until=timezone.localdate() + timedelta(days=14),
        channel="",
        notes="",
        user=advisor,
    )
    reservation = reservation_create(lead=lead, unit=reserved, user=advisor, client=client)
    contract = contract_create(
        lead=won_lead, kind="developer", units=[sold], user=advisor, clients=[client],
        price=Decimal("500000"), signed_at=timezone.localdate(),
    )  # fmt: skip
    note = note_create(
        lead=lead,
        text="Notatka",
        upload=SimpleUploadedFile("umowa.pdf", b"%PDF-1.7\n%%EOF\n"),
        user=advisor,
    )
    survey = SurveyTemplate.objects.get(name="Ankieta zakupowa")
    answers = {question.pk: FULL_ANSWERS.get(question.text) for question in survey.questions.all()}
    survey_response_create(lead=lead, template=survey, answers=answers, user=advisor)
    batch = ImportBatch.objects.create(
        created_by=manager,
        branch=branch,
        file=ContentFile(b"Imie;Email\nJan;jan@example.pl\n", name="leady.csv"),
        file_name="leady.csv",
        file_sha256="0" * 64,
        source=source("www"),
        headers=["Imie", "Email"],
    )
    jobs = {
        user.pk: BackgroundJob.objects.create(
            user=user,
            kind="leads",
            status=BackgroundJob.Status.DONE,
            file=ContentFile(b"xlsx", name="leady.xlsx"),
            file_name="leady.xlsx",
        )
        for user in (advisor, manager, administrator)
    }
    intake_source = source("www")
    intake_source.intake_form_enabled = True
    intake_source.save()
    consent_event = consent_record(
        person=Person(client=client), kind=Kind.MARKETING_EMAIL, action=Action.GIVEN,
        clause=clauses_offered(controller_default())[Kind.MARKETING_EMAIL],
        source=Source.EMPLOYEE, user=advisor,
        document=SimpleUploadedFile("zgoda.pdf", b"%PDF-1.7\n%%EOF\n"),
    )  # fmt: skip
    # What only the admin lists: one row of each, so its pages have an object to show.
    TOTPDevice.objects.create(user=administrator, name="Telefon", confirmed=False)
    AssignmentRule.objects.create(name="Wszystko do doradcy")
    notification_queue(kind=NotificationKind.LEAD_ASSIGNED, lead=lead, recipient=advisor)
    axes = {"username": "doradca", "ip_address": "127.0.0.1", "user_agent": "pytest"}
    AccessAttempt.objects.create(**axes, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**axes)
    AccessFailureLog.objects.create(**axes)
    # The suppression list and the personal data log, for their admin pages (a second
    # client objects, so the world's own client keeps its consents).
    objector = ClientFactory(branch=advisor.branch, caretaker=advisor, phone="600 900 800")
    objection_record(person=Person(client=objector), user=advisor)
    PrivacyLog.objects.create(action=PrivacyAction.EXPORT, client_id=client.pk, user=manager)
    # The channels: an account of each page's kind, its folder, a listing, a junk sender,
    # a raw log entry and a Telegram chat on the world's lead (its reply form).
    mailbox = ChannelAccount.objects.create(
        name="Biuro", kind=ChannelKind.MAILBOX, source=intake_source, host="127.0.0.1", port=9
    )
    MailboxFolder.objects.create(account=mailbox, name="INBOX", uidvalidity=1, last_uid=1)
    Listing.objects.create(account=mailbox, key="64001234", investment=investment)
    JunkSender.objects.create(pattern="@spam.example")
    raw_store(account=mailbox, external_id="<a@example.pl>", body=b"Subject: x\r\n\r\nx")
    bot = ChannelAccount.objects.create(name="Bot", kind=ChannelKind.TELEGRAM, source=intake_source)
    TelegramChat.objects.create(account=bot, chat_id=5550101, lead=lead)
    Lead.objects.filter(pk=lead.pk).update(
        raw_payload={"attribution": {"channel": ChannelKind.TELEGRAM}}
    )
    return World(
        lead=lead,
        won_lead=won_lead,
        client=client,
        contractor=contractor,
        investment=investment,
        activity=activity,
        offer=offer,
        reservation=reservation,
        contract=contract,
        document=Document.objects.get(note=note),
        batch=batch,
        jobs=jobs,
        intake_source=intake_source,
        consent_event=consent_event,
        channel_account=mailbox,
        # The manager's view, shared with the branch: every role's menu holds it.
        saved_view=saved_view_save(
            user=manager,
            list_name="leads",
            name="Gorące",
            query="status=1",
            columns=[],
            layout="grid",
            shared=True,
        ),  # fmt: skip
    )


# -- The URL patterns ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the whole pattern, prefixes included ("leads/<int:pk>/fail/")
    name: str  # "leads:fail"; unnamed patterns keep their namespace and "?"
    pattern: URLPattern


def all_routes(patterns=None, prefix: str = "", namespaces: tuple = ()) -> Iterator[Route]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = ":".join((*namespaces, pattern.name or "?"))
            yield Route(prefix + str(pattern.pattern), name, pattern)


_PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)|\([^)]*\)")


def parameters_of(route: str) -> list[str]:
    """The route's parameters in order; an unnamed regex group is "#<position>"."""
    names = []
    for match in _PATH_PARAMETER.finditer(route):
        names.append(match.group(1) or match.group(2) or f"#{len(names)}")
    return names


def fill(route: str, values: dict[str, object]) -> str:
    names = iter(parameters_of(route))
    path = _PATH_PARAMETER.sub(lambda _match: str(values[next(names)]), route)
    return "/" + path.replace("^", "").replace("$", "")


def admin_model(route: str):
    """The model of an admin route ("admin/leads/leadstatus/...")."""
    parts = route.split("/")
    try:
        return apps.get_model(parts[1], parts[2])
    except (LookupError, IndexError, ValueError):
        return None


def admin_values(route: str) -> list[dict[str, object]] | str:
    """Every way to fill an admin route: each app of its index, the first row of a
    model's pages (and that row's first history record), or the reason there is none."""
    names = parameters_of(route)
    if names == ["app_label"]:
        labels = re.search(r"\(\?P<app_label>([^)]*)\)", route).group(1).split("|")
        return [{"app_label": label} for label in labels]
    if names == ["url"]:  # the admin's catch-all
        return [{"url": "no-such-page/"}]
    if names == ["parser_id"]:  # a portal parser's "try it on an email" page
        return [{"parser_id": PortalParser.objects.order_by("pk")[0].pk}]
    if names == ["clause_id"]:  # a clause's "New version" page
        return [{"clause_id": apps.get_model("consents", "Clause").objects.order_by("pk")[0].pk}]
    if names == ["content_type_id", "object_id"]:  # "view on site"
        lead = apps.get_model("leads", "Lead").objects.order_by("pk").first()
        return [
            {"content_type_id": ContentType.objects.get_for_model(lead).pk, "object_id": lead.pk}
        ]
    model = admin_model(route)
    if model is None:
        return f"no model for {route}"
    row = model._default_manager.order_by("pk").first()
    if row is None:
        return f"no {model._meta.label} to show"
    values: dict[str, object] = {}
    for position, name in enumerate(names):
        if name in ("object_id", "pk", "id") or (name.startswith("#") and position == 0):
            values[name] = row.pk
        elif name.startswith("#"):  # django-simple-history's record of that row
            values[name] = row.history.order_by("history_id").first().history_id
        else:
            return f"unknown parameter {name} in {route}"
    return [values]


def route_values(route: Route, world: World, user) -> list[dict[str, object]] | str:
    """Every way to fill the route for this user (one per tab for a lead's tab), or the
    reason it cannot be filled."""
    names = parameters_of(route.route)
    if not names:
        return [{}]
    if route.route.startswith("admin/"):
        return admin_values(route.route)
    lead = world.won_lead if route.name == "leads:contract_cancel" else world.lead
    pk_of = {
        "leads:import_detail": world.batch.pk,
        "leads:import_mapping": world.batch.pk,
        "leads:import_confirm": world.batch.pk,
        "leads:import_rejected": world.batch.pk,
        "clients:detail": world.client.pk,
        "clients:update": world.client.pk,
        "clients:contractor_detail": world.contractor.pk,
        "clients:contractor_update": world.contractor.pk,
        "investments:detail": world.investment.pk,
        "privacy:client_export": world.client.pk,
        "privacy:client_anonymise": world.client.pk,
        "privacy:lead_export": world.lead.pk,
        "privacy:lead_anonymise": world.lead.pk,
        "leads:view_open": world.saved_view.pk,
        "leads:view_delete": world.saved_view.pk,
    }
    own_lead = route.name.startswith(("leads:", "telegram:")) and route.name not in pk_of
    known = {
        "pk": lead.pk if own_lead else pk_of.get(route.name),
        "client_pk": world.client.pk,
        "status_pk": lead.status_id,
        "activity_pk": world.activity.pk,
        "offer_pk": world.offer.pk,
        "reservation_pk": world.reservation.pk,
        "contract_pk": world.contract.pk,
        "document_pk": world.document.pk,
        "job_id": world.jobs[user.pk].pk,
        "slug": world.intake_source.slug,
        "event_pk": world.consent_event.pk,
        "account_id": world.channel_account.pk,
    }
    if names == ["pk", "tab"]:
        return [{"pk": lead.pk, "tab": tab} for tab in TABS]
    if names == ["person_kind", "pk"]:  # a person's consents: the client
        return [{"person_kind": "client", "pk": world.client.pk}]
    missing = [name for name in names if known.get(name) is None]
    if missing:
        return f"no value for {', '.join(missing)}"
    return [{name: known[name] for name in names}]


# -- The walk -------------------------------------------------------------------------------


def record_parameters_read(monkeypatch) -> set[str]:
    """From now on, the keys looked up in any QueryDict go into the returned set: what a
    view reads from its address (request.GET, its copies, a filterset's data...)."""
    read: set[str] = set()
    for method in ("__getitem__", "get", "getlist", "__contains__"):
        original = getattr(QueryDict, method)

        def recording(self, key, *args, _original=original, **kwargs):
            read.add(key)
            return _original(self, key, *args, **kwargs)

        monkeypatch.setattr(QueryDict, method, recording)
    return read


@dataclass
class Answer:
    status: int
    read: set[str]  # the parameters the view looked up
    refused: set[str]  # the fields that a bound form on the page refused


@dataclass
class Walk:
    http: HttpClient
    read: set[str]  # filled by record_parameters_read
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def get(self, path: str, params: dict | None = None, **headers) -> Answer | None:
        """GET the path: its status, the parameters its view read and the fields its
        forms refused; None after a failure, which is recorded."""
        self.requests += 1
        self.read.clear()
        try:
            # A savepoint: a failed statement must not break the rest of the walk.
            with transaction.atomic():
                response = self.http.get(path, params or {}, headers=headers)
        except Exception as error:  # the walk reports every one, not only the first
            self.failures.append(f"{_shown(path, params)} → {type(error).__name__}: {error}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{_shown(path, params)} → {response.status_code}")
            return None
        return Answer(response.status_code, set(self.read), refused_fields(response))


def _shown(path: str, params: dict | None) -> str:
    shown = "&".join(f"{key}={value[:20]!r}" for key, value in (params or {}).items())
    return f"GET {path}?{shown}"[:300]


def refused_fields(response) -> set[str]:
    """The fields with errors of the bound forms the page was rendered with."""
    contexts = response.context
    if contexts is None:
        return set()
    refused = set()
    for context in contexts if isinstance(contexts, ContextList) else [contexts]:
        for value in context.flatten().values():
            if isinstance(value, BaseForm) and value.is_bound:
                refused |= set(value.errors)
    return refused


def is_refused(name: str, refused: set[str]) -> bool:
    # A date range's field "created" reads created_after and created_before.
    return any(name == field or name.startswith(f"{field}_") for field in refused)


def rotated(names: list[str]) -> dict[str, str]:
    """Each name a different hostile value."""
    return {name: HOSTILE_VALUES[index % len(HOSTILE_VALUES)] for index, name in enumerate(names)}


def try_values(walk: Walk, path: str, names: list[str], value: str, plain: Answer, headers):
    """`value` in every parameter at once. When the view refused some of them, it may
    have left the others unused: the ones a form accepted are tried again without the
    refused ones, and an answer other than the plain page's is split in halves, down to
    single parameters (unless it came before the view read any: the NUL byte's 400)."""
    answer = walk.get(path, dict.fromkeys(names, value), **headers)
    if answer is None or len(names) == 1:
        return
    if answer.status != plain.status:
        if answer.read:
            half = len(names) // 2
            try_values(walk, path, names[:half], value, plain, headers)
            try_values(walk, path, names[half:], value, plain, headers)
        return
    accepted = [name for name in names if not is_refused(name, answer.refused)]
    if accepted and len(accepted) < len(names):
        try_values(walk, path, accepted, value, plain, headers)


ROLES = ["advisor", "manager", "administrator"]

# Patterns whose address another pattern answers first: walked, but by that one's view.
SHADOWED = {
    "otpadmin:settings_app_crmsettings_changelist": "django-solo's change view answers it",
}
# The only plain pages that answer 404: the URLs are filled right, and these objects are
# not the role's to see. The import is the manager's and has not had its dry run yet.
# Meta's webhook verification (its one GET) knows Meta's accounts only, and the world's
# account is a mailbox.
NOT_FOUND = {
    "advisor": {
        "leads:import_detail", "leads:import_mapping", "leads:import_rejected",
        "intake:meta_webhook",
    },
    "manager": {"leads:import_rejected", "intake:meta_webhook"},  # no rejected rows yet
    # only its importer maps
    "administrator": {"leads:import_mapping", "leads:import_rejected", "intake:meta_webhook"},
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_no_address_gives_a_server_error(role, request, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = {name: request.getfixturevalue(name) for name in ROLES}
    user = users[role]
    world = build_world(users["advisor"], users["manager"], users["administrator"])
    http = HttpClient()
    http.force_login(user)
    walk = Walk(http, record_parameters_read(monkeypatch))
    unfilled, shadowed, post_only, read_by, unlisted, not_found = [], {}, [], {}, set(), []
    patterns = addresses = 0
    started = time.monotonic()
    for route in all_routes():
        patterns += 1
        fillings = route_values(route, world, user)
        if isinstance(fillings, str):
            unfilled.append(f"{route.route} ({route.name}): {fillings}")
            continue
        admin = route.route.startswith("admin/")
        for values in fillings:
            path = fill(route.route, values)
            if resolve(path).func != route.pattern.callback:
                shadowed[route.name] = path
            # A lead's tabs are fetched by htmx; without it they redirect to the lead page.
            headers = {"HX-Request": "true"} if route.name == "leads:tab" else {}
            plain = walk.get(path, **headers)
            addresses += 1
            if plain is not None and plain.status == 404 and not admin:
                not_found.append(route.name)
            if plain is not None and plain.status == 405:
                post_only.append(route.name)
                continue
            if plain is None or (admin and role != "administrator"):
                continue  # the admin sends everyone else to its login page
            # The admin's own pages: its search box (Django's code, our models).
            names = sorted(plain.read & {"q"} if admin else plain.read)
            read_by[path] = names
            for value in HOSTILE_VALUES if names else []:
                try_values(walk, path, names, value, plain, headers)
            if not admin:
                unlisted |= plain.read - set(PARAMETER_NAMES)
                walk.get(path, rotated(PARAMETER_NAMES), **headers)
    elapsed = time.monotonic() - started
    parameters = sum(len(names) for names in read_by.values())
    print(
        f"\n{role}: {patterns} URL patterns, {addresses} addresses, {len(post_only)} POST-only,"
        f" {parameters} parameters read, {walk.requests} requests in {elapsed:.0f} s"
    )
    assert unfilled == []
    assert set(shadowed) == set(SHADOWED)
    assert set(not_found) == NOT_FOUND[role]
    assert unlisted == set(), "read by a view, missing in PARAMETER_NAMES"
    assert walk.failures == []
