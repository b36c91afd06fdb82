"""Conversations on a lead: an advisor logs a call and plans a meeting in one form, marks
a planned conversation done, sees them on the Conversations tab, is offered the next
status after a conversation on a new lead, and finds overdue leads and leads without a
next step in the list, on the kanban and on "My day"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from leads.models import (
    Activity,
    ActivityDirection,
    ActivityKind,
    DeletionReason,
    FailureReason,
    IntakeOutcome,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
)
from leads.services.conversations import (
    conversation_log,
    conversation_log_and_plan,
    conversation_mark_done,
    conversation_plan,
)
from leads.services.pipeline import lead_mark_failed
from settings_app.models import CRMSettings
from tests.factories import ClientFactory, LeadFactory, UserFactory, status

pytestmark = pytest.mark.django_db

FORM_TIME = "%Y-%m-%dT%H:%M"


@pytest.fixture
def elzbieta(advisor):
    return ClientFactory(
        first_name="Elżbieta", last_name="Turza", branch=advisor.branch, caretaker=advisor
    )


@pytest.fixture
def lead(advisor, teammate, elzbieta):
    return LeadFactory(
        name="Kawalerka na Akacjowej",
        branch=advisor.branch,
        employees=[advisor, teammate],
        clients=[elzbieta],
        created_by=advisor,
        updated_by=advisor,
    )


def local(value) -> str:
    return timezone.localtime(value).strftime(FORM_TIME)


def add_url(lead) -> str:
    return reverse("leads:conversation_add", args=[lead.pk])


def done_url(activity) -> str:
    return reverse("leads:conversation_done", args=[activity.lead_id, activity.pk])


def tab_url(lead) -> str:
    return reverse("leads:tab", args=[lead.pk, "conversations"])


def form_data(**changes) -> dict:
    """A call made 10 minutes ago, and a meeting planned in two days."""
    now = timezone.now()
    data = {
        "log_done": "on",
        "kind": ActivityKind.PHONE,
        "direction": ActivityDirection.OUTBOUND,
        "done_at": local(now - timedelta(minutes=10)),
        "duration_minutes": "12",
        "notes": "Klient chce 3 pokoje.",
        "client": "",
        "plan_next": "on",
        "planned_kind": ActivityKind.MEETING,
        "planned_at": local(now + timedelta(days=2)),
        "planned_employee": "",
        "planned_notes": "Spotkanie w biurze.",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def settings_row(**values) -> None:
    row = CRMSettings.get_solo()
    for name, value in values.items():
        setattr(row, name, value)
    row.save()


# -- Logging and planning ------------------------------------------------------------------


def test_advisor_logs_a_call_and_plans_a_meeting_in_one_form(web, advisor, lead, elzbieta):
    settings_row(suggest_status_after_conversation=False)
    data = form_data(client=elzbieta.pk, planned_employee=advisor.pk)

    response = web.post(add_url(lead), data)

    assert response.status_code == 302
    assert response["Location"] == lead.get_absolute_url() + "?tab=conversations"
    done = Activity.objects.get(lead=lead, done_at__isnull=False)
    planned = Activity.objects.get(lead=lead, done_at__isnull=True)
    assert (done.kind, done.employee, done.client) == (ActivityKind.PHONE, advisor, elzbieta)
    assert done.duration_minutes == 12 and done.notes == "Klient chce 3 pokoje."
    assert done.planned_at is None
    assert (planned.kind, planned.employee) == (ActivityKind.MEETING, advisor)
    assert planned.planned_at > timezone.now() + timedelta(days=1)
    assert planned.notes == "Spotkanie w biurze."
    assert done.history.first().history_user == advisor
    lead.refresh_from_db()
    assert lead.updated_by == advisor
    assert timezone.now() - lead.updated_at < timedelta(seconds=30)
    # The header shows both.
    page = web.get(lead.get_absolute_url()).text
    assert "Phone call · Anna Wiśniewska" in page
    assert "Meeting · Anna Wiśniewska" in page
    assert 'id="lead-no-next-step"' not in page


def test_the_form_page_offers_the_leads_clients_and_employees(web, advisor, teammate, lead):
    response = web.get(add_url(lead))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["client"].queryset) == list(lead.clients.all())
    assert set(form.fields["planned_employee"].queryset) == {advisor, teammate}
    assert form.initial["planned_employee"] == advisor.pk
    assert form.initial["log_done"] and not form.initial["plan_next"]
    assert 'id="conversation-form"' in response.text
    # Opened to plan a next step (from "My day"): only the plan is ticked.
    plan_only = web.get(add_url(lead), {"plan": "1"}).context["form"]
    assert plan_only.initial["plan_next"] and not plan_only.initial["log_done"]


def test_the_polish_form_asks_who_holds_the_next_conversation(advisor, lead):
    polish = HttpClient(HTTP_ACCEPT_LANGUAGE="pl")
    polish.force_login(advisor)

    response = polish.get(add_url(lead), {"plan": "1"})

    assert '<label for="id_planned_employee">Kto</label>' in response.text
    assert "Dane podstawowe" not in response.text  # the client form's heading


def test_a_conversation_can_be_only_logged_or_only_planned(advisor, lead):
    done, planned = conversation_log_and_plan(
        lead=lead,
        user=advisor,
        done={"kind": ActivityKind.SMS, "done_at": timezone.now()},
    )
    assert done.kind == ActivityKind.SMS and planned is None
    done, planned = conversation_log_and_plan(
        lead=lead,
        user=advisor,
        planned={"kind": ActivityKind.EMAIL, "planned_at": timezone.now() + timedelta(hours=1)},
    )
    assert done is None and planned.employee == advisor
    assert Activity.objects.filter(lead=lead).count() == 2


def test_planning_for_a_teammate_on_the_lead(advisor, teammate, lead):
    activity = conversation_plan(
        lead=lead,
        user=advisor,
        kind=ActivityKind.PHONE,
        planned_at=timezone.now() + timedelta(hours=3),
        employee=teammate,
    )
    assert activity.employee == teammate and activity.created_by == advisor


def test_each_done_conversation_records_the_first_event_of_its_kind(advisor, lead):
    now = timezone.now()
    conversation_log(lead=lead, user=advisor, kind=ActivityKind.PHONE, done_at=now)
    conversation_log(lead=lead, user=advisor, kind=ActivityKind.PHONE, done_at=now)
    # A call logged late that was made earlier is the first call.
    conversation_log(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, done_at=now - timedelta(days=1)
    )
    conversation_log(lead=lead, user=advisor, kind=ActivityKind.MEETING, done_at=now)
    # Planning one is not making it.
    conversation_plan(
        lead=lead, user=advisor, kind=ActivityKind.EMAIL, planned_at=now + timedelta(hours=1)
    )

    events = dict(LeadEvent.objects.filter(lead=lead).values_list("kind", "at"))
    assert events[LeadEventKind.FIRST_PHONE] == now - timedelta(days=1)
    assert events[LeadEventKind.FIRST_MEETING] == now
    assert LeadEventKind.FIRST_EMAIL not in events


def test_marking_a_planned_conversation_done(web, advisor, lead):
    settings_row(suggest_status_after_conversation=False)
    planned_at = timezone.now() + timedelta(hours=1)
    activity = conversation_plan(
        lead=lead,
        user=advisor,
        kind=ActivityKind.MEETING,
        planned_at=planned_at,
        notes="Pokazać M3.",
    )

    response = web.post(
        done_url(activity), {"done_at": "", "duration_minutes": "45", "notes": "Podoba się."}
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.done_at is not None and activity.planned_at == planned_at
    assert activity.duration_minutes == 45
    assert activity.notes == "Pokazać M3.\n\nPodoba się."
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.FIRST_MEETING).exists()
    # Done twice is refused.
    again = web.post(done_url(activity), {"notes": "x"})
    assert again.status_code == 400
    assert "already marked as done" in again.text


# -- Bad input -----------------------------------------------------------------------------


def test_planning_in_the_past_is_refused_but_logging_a_past_one_is_allowed(web, lead):
    past = local(timezone.now() - timedelta(hours=2))

    refused = web.post(add_url(lead), form_data(planned_at=past))

    assert refused.status_code == 400
    assert "cannot be in the past" in refused.context["form"].errors["planned_at"][0]
    assert not Activity.objects.filter(lead=lead).exists()  # the done one rolled back too
    allowed = web.post(add_url(lead), form_data(done_at=past, plan_next=None))
    assert allowed.status_code == 302
    assert Activity.objects.get(lead=lead).done_at < timezone.now() - timedelta(hours=1)


def test_service_refuses_planning_in_the_past(advisor, lead):
    with pytest.raises(ValidationError) as error:
        conversation_plan(
            lead=lead,
            user=advisor,
            kind=ActivityKind.PHONE,
            planned_at=timezone.now() - timedelta(minutes=5),
        )
    assert "planned_at" in error.value.message_dict


def test_a_done_conversation_in_the_future_is_refused(web, advisor, lead):
    future = local(timezone.now() + timedelta(hours=2))
    response = web.post(add_url(lead), form_data(done_at=future, plan_next=None))
    assert response.status_code == 400
    assert "future" in response.context["form"].errors["done_at"][0]
    with pytest.raises(ValidationError):
        conversation_log(
            lead=lead,
            user=advisor,
            kind=ActivityKind.PHONE,
            done_at=timezone.now() + timedelta(hours=1),
        )
    activity = conversation_plan(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, planned_at=timezone.now()
    )
    marked = web.post(done_url(activity), {"done_at": future})
    assert marked.status_code == 400
    assert "future" in marked.context["form"].errors["done_at"][0]
    assert Activity.objects.get(pk=activity.pk).done_at is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": ""}, "kind"),
        ({"planned_kind": ""}, "planned_kind"),
        ({"done_at": ""}, "done_at"),
        ({"planned_at": ""}, "planned_at"),
        ({"duration_minutes": "-5"}, "duration_minutes"),
        ({"planned_at": "jutro rano"}, "planned_at"),
        ({"kind": "fax"}, "kind"),
    ],
)
def test_missing_or_wrong_values_are_refused_next_to_their_field(web, lead, changes, field):
    response = web.post(add_url(lead), form_data(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="field__error"' in response.text
    assert not Activity.objects.filter(lead=lead).exists()


def test_negative_duration_on_marking_done_is_refused(web, advisor, lead):
    activity = conversation_plan(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, planned_at=timezone.now()
    )
    response = web.post(done_url(activity), {"duration_minutes": "-1"})
    assert response.status_code == 400
    assert "negative" in response.context["form"].errors["duration_minutes"][0]


def test_neither_logged_nor_planned_is_refused(web, lead):
    response = web.post(add_url(lead), form_data(log_done=None, plan_next=None))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()


def test_a_client_not_on_the_lead_is_refused(web, advisor, lead):
    stranger = ClientFactory(branch=advisor.branch)
    response = web.post(add_url(lead), form_data(client=stranger.pk))
    assert response.status_code == 400
    assert "client" in response.context["form"].errors
    with pytest.raises(ValidationError) as error:
        conversation_log(
            lead=lead,
            user=advisor,
            kind=ActivityKind.PHONE,
            done_at=timezone.now(),
            client=stranger,
        )
    assert "client" in error.value.message_dict
    assert not Activity.objects.filter(lead=lead).exists()


def test_an_employee_not_on_the_lead_cannot_be_given_the_next_step(web, advisor, lead):
    other = UserFactory(branch=advisor.branch)
    response = web.post(add_url(lead), form_data(planned_employee=other.pk))
    assert response.status_code == 400
    assert "planned_employee" in response.context["form"].errors
    with pytest.raises(ValidationError) as error:
        conversation_log_and_plan(
            lead=lead,
            user=advisor,
            planned={
                "kind": ActivityKind.PHONE,
                "planned_at": timezone.now() + timedelta(hours=1),
                "employee": other,
            },
        )
    assert "planned_employee" in error.value.message_dict


def test_a_deleted_or_failed_lead_takes_no_conversations(web, advisor, lead):
    lead_mark_failed(lead=lead, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    response = web.post(add_url(lead), form_data())
    assert response.status_code == 400
    assert "reactivate it first" in response.text
    assert 'id="lead-add-conversation"' not in web.get(lead.get_absolute_url()).text

    deleted = LeadFactory(
        branch=advisor.branch,
        employees=[advisor],
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )
    with pytest.raises(ValidationError, match="deleted"):
        conversation_log(
            lead=deleted, user=advisor, kind=ActivityKind.PHONE, done_at=timezone.now()
        )
    assert not Activity.objects.filter(lead__in=[lead, deleted]).exists()


def test_a_planned_conversation_of_a_deleted_lead_cannot_be_marked_done(advisor, lead):
    activity = conversation_plan(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, planned_at=timezone.now()
    )
    lead.intake_outcome = IntakeOutcome.DELETED
    lead.deletion_reason = DeletionReason.objects.get(name="Spam")
    lead.save()
    with pytest.raises(ValidationError, match="deleted"):
        conversation_mark_done(activity=activity, user=advisor)


@pytest.mark.parametrize("actor", ["outsider", "other_manager"])
def test_someone_who_cannot_see_the_lead_gets_404_everywhere(request, advisor, lead, actor):
    activity = conversation_plan(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, planned_at=timezone.now()
    )
    http = HttpClient()
    http.force_login(request.getfixturevalue(actor))

    assert http.get(add_url(lead)).status_code == 404
    assert http.post(add_url(lead), form_data()).status_code == 404
    assert http.post(done_url(activity), {}).status_code == 404
    assert http.get(tab_url(lead), HTTP_HX_REQUEST="true").status_code == 404
    assert Activity.objects.filter(lead=lead).count() == 1
    assert Activity.objects.get().done_at is None


def test_a_conversation_of_another_lead_is_404(web, advisor, lead):
    other = LeadFactory(branch=advisor.branch, employees=[advisor])
    activity = conversation_plan(
        lead=other, user=advisor, kind=ActivityKind.PHONE, planned_at=timezone.now()
    )
    url = reverse("leads:conversation_done", args=[lead.pk, activity.pk])
    assert web.post(url, {}).status_code == 404


def test_get_on_post_only_urls_is_405(web, advisor, lead):
    activity = conversation_plan(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, planned_at=timezone.now()
    )
    assert web.get(done_url(activity)).status_code == 405
    assert web.post(reverse("leads:my_day")).status_code == 405


def test_anonymous_visitors_are_sent_to_log_in(lead):
    for url in (add_url(lead), reverse("leads:my_day")):
        response = HttpClient().get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# -- The suggested status ------------------------------------------------------------------


def test_a_conversation_on_a_new_lead_suggests_the_next_status(web, lead):
    settings_row(suggest_status_after_conversation=True, manual_status_change_allowed=True)
    response = web.post(add_url(lead), form_data())
    assert response["Location"] == lead.get_absolute_url() + "?suggest=oferta"


def test_marking_done_on_a_new_lead_suggests_the_next_status(web, advisor, lead):
    activity = conversation_plan(
        lead=lead, user=advisor, kind=ActivityKind.PHONE, planned_at=timezone.now()
    )
    response = web.post(done_url(activity), {})
    assert response["Location"] == lead.get_absolute_url() + "?suggest=oferta"


def test_the_suggestion_follows_the_order_of_active_statuses(web, lead):
    LeadStatus.objects.filter(slug="oferta").update(active=False)
    following = LeadStatus.objects.filter(active=True).order_by("order", "id")[1]
    response = web.post(add_url(lead), form_data())
    assert response["Location"] == lead.get_absolute_url() + f"?suggest={following.slug}"


@pytest.mark.parametrize(
    "setup",
    ["setting_off", "manual_changes_off", "not_first_status", "only_planned"],
)
def test_no_suggestion_when_it_does_not_apply(web, lead, setup):
    data = form_data()
    if setup == "setting_off":
        settings_row(suggest_status_after_conversation=False)
    elif setup == "manual_changes_off":
        settings_row(manual_status_change_allowed=False)
    elif setup == "not_first_status":
        lead.status = status("oferta")
        lead.save()
    else:
        data = form_data(log_done=None)
    response = web.post(add_url(lead), data)
    assert response.status_code == 302
    assert response["Location"] == lead.get_absolute_url() + "?tab=conversations"


# -- The Conversations tab -----------------------------------------------------------------


def test_tab_lists_planned_first_then_done_latest_first(web, advisor, lead):
    now = timezone.now()
    Activity.objects.create(
        lead=lead, employee=advisor, done_at=now - timedelta(days=3), notes="stara"
    )
    Activity.objects.create(
        lead=lead, employee=advisor, done_at=now - timedelta(days=1), notes="nowa"
    )
    Activity.objects.create(
        lead=lead, employee=advisor, planned_at=now + timedelta(days=5), notes="później"
    )
    Activity.objects.create(
        lead=lead, employee=advisor, planned_at=now - timedelta(hours=1), notes="zaległa"
    )

    response = web.get(tab_url(lead), HTTP_HX_REQUEST="true")

    notes = [a.notes for a in response.context["conversations_page"]]
    assert notes == ["zaległa", "później", "nowa", "stara"]
    assert response.text.count("Mark done") >= 2
    assert "overdue" in response.text


def test_tab_shows_an_empty_state(web, lead):
    response = web.get(tab_url(lead), HTTP_HX_REQUEST="true")
    assert 'id="conversations-empty"' in response.text
    assert 'id="conversations-add"' in response.text


def test_tab_pages_by_twenty(web, advisor, lead):
    now = timezone.now()
    Activity.objects.bulk_create(
        Activity(lead=lead, employee=advisor, done_at=now - timedelta(minutes=n)) for n in range(45)
    )
    page = web.get(lead.get_absolute_url(), {"tab": "conversations", "page": 3})
    assert len(page.context["conversations_page"].object_list) == 5
    assert "Page 3 of 3" in page.text


def test_script_in_notes_is_shown_as_text(web, advisor, lead):
    Activity.objects.create(
        lead=lead, employee=advisor, done_at=timezone.now(), notes="<script>alert(1)</script>"
    )
    response = web.get(tab_url(lead), HTTP_HX_REQUEST="true")
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;" in response.text


@pytest.mark.parametrize("count", [1, 30])
def test_tab_takes_a_fixed_number_of_queries(
    web, advisor, teammate, lead, elzbieta, count, django_assert_num_queries
):
    now = timezone.now()
    for n in range(count):
        Activity.objects.create(
            lead=lead, employee=teammate, client=elzbieta, done_at=now - timedelta(hours=n)
        )
        Activity.objects.create(
            lead=lead, employee=advisor, created_by=advisor, planned_at=now + timedelta(hours=n)
        )
    # session, user, the lead (scoped), the tabs' counts (one query for all the tab bar's
    # numbers), the count and the page of conversations.
    with django_assert_num_queries(6):
        web.get(tab_url(lead), HTTP_HX_REQUEST="true")


# -- The lead list and the kanban ----------------------------------------------------------


def names(response) -> set[str]:
    return {row.record.name for row in response.context["table"].paginated_rows}


def test_list_filters_and_flags_overdue_leads(web, advisor):
    now = timezone.now()
    late = LeadFactory(name="Zaległy", branch=advisor.branch, employees=[advisor])
    Activity.objects.create(lead=late, employee=advisor, planned_at=now - timedelta(days=2))
    on_time = LeadFactory(name="W terminie", branch=advisor.branch, employees=[advisor])
    Activity.objects.create(lead=on_time, employee=advisor, planned_at=now + timedelta(days=1))
    # A done one in the past is not overdue.
    Activity.objects.create(
        lead=on_time, employee=advisor, planned_at=now - timedelta(days=1), done_at=now
    )
    LeadFactory(name="Bez kroku", branch=advisor.branch, employees=[advisor])
    failed = LeadFactory(name="Fiasko", branch=advisor.branch, employees=[advisor])
    Activity.objects.create(lead=failed, employee=advisor, planned_at=now - timedelta(days=2))
    lead_mark_failed(lead=failed, reason=FailureReason.objects.get(name="Cena"), user=advisor)

    overdue = web.get(reverse("leads:list"), {"overdue": "true"})
    assert names(overdue) == {"Zaległy"}
    assert names(web.get(reverse("leads:list"), {"overdue": "false"})) == {
        "W terminie",
        "Bez kroku",
    }
    assert overdue.text.count("data-overdue") == 1
    assert "2d 0h" in overdue.text


def test_kanban_flags_overdue_and_missing_next_steps(web, advisor):
    now = timezone.now()
    late = LeadFactory(name="Zaległy", branch=advisor.branch, employees=[advisor])
    Activity.objects.create(lead=late, employee=advisor, planned_at=now - timedelta(days=2))
    fine = LeadFactory(name="W terminie", branch=advisor.branch, employees=[advisor])
    Activity.objects.create(lead=fine, employee=advisor, planned_at=now + timedelta(days=1))
    bare = LeadFactory(name="Bez kroku", branch=advisor.branch, employees=[advisor])

    text = web.get(reverse("leads:kanban")).text

    def card(lead) -> str:
        start = text.index(f'id="kanban-card-{lead.pk}"')
        return text[start : text.index("</article>", start)]

    assert "data-overdue" in card(late)
    assert "data-no-next-step" in card(bare)
    assert "data-overdue" not in card(fine) and "data-no-next-step" not in card(fine)


# -- My day --------------------------------------------------------------------------------


@pytest.fixture
def day(advisor, teammate):
    """The advisor's planned conversations: overdue, later today, tomorrow, next week; a
    teammate's; and their leads."""
    now = timezone.localtime()
    today_end = now.replace(hour=23, minute=59, second=0, microsecond=0)
    tomorrow_noon = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0)
    rows = {}
    for name, planned_at, employee in [
        ("Zaległy", now - timedelta(days=1), advisor),
        ("Dzisiaj", min(now + timedelta(minutes=1), today_end), advisor),
        ("Jutro", tomorrow_noon, advisor),
        ("Za tydzień", now + timedelta(days=7), advisor),
        ("Kolegi", now - timedelta(hours=1), teammate),
    ]:
        lead = LeadFactory(name=name, branch=advisor.branch, employees=[advisor, teammate])
        rows[name] = Activity.objects.create(lead=lead, employee=employee, planned_at=planned_at)
    LeadFactory(name="Bez kroku", branch=advisor.branch, employees=[advisor])
    LeadFactory(name="Cudzy bez kroku", branch=advisor.branch, employees=[teammate])
    return rows


def test_my_day_shows_overdue_today_tomorrow_and_leads_without_a_next_step(web, day):
    response = web.get(reverse("leads:my_day"))

    assert response.status_code == 200
    my = response.context["day"]
    assert [a.lead.name for a in my.overdue.items] == ["Zaległy"]
    assert [a.lead.name for a in my.today_planned.items] == ["Dzisiaj"]
    assert [a.lead.name for a in my.tomorrow_planned.items] == ["Jutro"]
    assert [lead.name for lead in my.without_next_step_leads] == ["Bez kroku"]
    assert day["Zaległy"].lead.get_absolute_url() in response.text
    assert 'id="menu-my-day"' in response.text


def test_my_day_leaves_out_closed_and_deleted_leads(web, advisor):
    now = timezone.now()
    failed = LeadFactory(name="Fiasko", branch=advisor.branch, employees=[advisor])
    Activity.objects.create(lead=failed, employee=advisor, planned_at=now - timedelta(days=1))
    lead_mark_failed(lead=failed, reason=FailureReason.objects.get(name="Cena"), user=advisor)
    LeadFactory(name="Wygrany", branch=advisor.branch, employees=[advisor], status=status("umowa"))
    LeadFactory(
        name="Spam",
        branch=advisor.branch,
        employees=[advisor],
        intake_outcome=IntakeOutcome.DELETED,
        deletion_reason=DeletionReason.objects.get(name="Spam"),
    )
    my = web.get(reverse("leads:my_day")).context["day"]
    assert my.overdue.items == [] and my.without_next_step_leads == []


def test_my_day_has_empty_states(web):
    response = web.get(reverse("leads:my_day"))
    assert "Nothing overdue" in response.text
    assert "Every open lead of yours has a next step." in response.text


def test_my_day_pages_the_leads_without_a_next_step(web, advisor):
    for n in range(25):
        LeadFactory(name=f"Lead {n}", branch=advisor.branch, employees=[advisor])
    second = web.get(reverse("leads:my_day"), {"page": 2}).context["day"]
    assert len(second.without_next_step_leads) == 5
    assert second.without_next_step.paginator.count == 25


@pytest.mark.parametrize("more", [0, 20])
def test_my_day_takes_a_fixed_number_of_queries(web, advisor, day, more, django_assert_num_queries):
    now = timezone.now()
    for n in range(more):
        lead = LeadFactory(branch=advisor.branch, employees=[advisor], clients=[ClientFactory()])
        Activity.objects.create(lead=lead, employee=advisor, planned_at=now - timedelta(hours=n))
        LeadFactory(branch=advisor.branch, employees=[advisor], clients=[ClientFactory()])
    # session, user; overdue, today's and tomorrow's conversations; the clients of their
    # leads (one query for all three lists: a row leads with the client and phone, issue
    # 19); the count and page of leads without a next step, those leads and their clients.
    with django_assert_num_queries(10):
        web.get(reverse("leads:my_day"))


@pytest.mark.parametrize("count", [1, 30])
def test_lead_page_on_the_conversations_tab_takes_a_fixed_number_of_queries(
    web, advisor, lead, count, django_assert_num_queries
):
    now = timezone.now()
    for n in range(count):
        Activity.objects.create(lead=lead, employee=advisor, done_at=now - timedelta(hours=n))
        Activity.objects.create(lead=lead, employee=advisor, planned_at=now + timedelta(hours=n))
    CRMSettings.get_solo()
    # The page's own 18 (see test_detail, the tabs' counts included) and the tab's count and
    # page of conversations.
    with django_assert_num_queries(20):
        response = web.get(lead.get_absolute_url(), {"tab": "conversations"})
    assert response.status_code == 200
