"""The CRM settings are one row with sensible defaults; a second row is never stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from settings_app.models import CRMSettings, RepeatInquiryScenario
from settings_app.selectors import crm_settings
from tests.constraints import assert_violates, constraint_message

pytestmark = pytest.mark.django_db


def test_fresh_installation_has_the_default_settings():
    settings_row = CRMSettings.get_solo()

    assert settings_row.pk == 1
    assert settings_row.default_lead_name == "Zakup mieszkania"
    assert settings_row.manual_status_change_allowed is True
    assert settings_row.suggest_status_after_conversation is True
    assert settings_row.repeat_inquiry_scenario == RepeatInquiryScenario.NEW_LEAD
    assert settings_row.reservation_days == 7
    assert settings_row.reminder_minutes == 30
    assert settings_row.first_call_offset_minutes == 60


def test_changed_settings_are_what_the_crm_reads_next_time():
    settings_row = CRMSettings.get_solo()
    settings_row.default_lead_name = "Zakup domu"
    settings_row.manual_status_change_allowed = False
    settings_row.save()

    assert crm_settings().default_lead_name == "Zakup domu"
    assert crm_settings().manual_status_change_allowed is False
    assert CRMSettings.objects.count() == 1


def test_second_settings_row_is_refused_by_validation():
    CRMSettings.get_solo()

    with pytest.raises(ValidationError) as excinfo:
        CRMSettings(pk=2).full_clean()

    assert excinfo.value.message_dict[NON_FIELD_ERRORS] == [
        constraint_message(CRMSettings, "crmsettings_single_row")
    ]


def test_database_refuses_a_second_settings_row():
    CRMSettings.get_solo()

    # bulk_create skips django-solo's save(), which would quietly write row 1 instead.
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        CRMSettings.objects.bulk_create([CRMSettings(pk=2, default_lead_name="Druga")])

    assert_violates(excinfo.value, "crmsettings_single_row")
    assert list(CRMSettings.objects.values_list("pk", flat=True)) == [1]


def test_saving_settings_built_with_another_id_still_edits_the_one_row():
    CRMSettings(pk=2, default_lead_name="Zakup garażu").save()

    assert list(CRMSettings.objects.values_list("pk", "default_lead_name")) == [(1, "Zakup garażu")]


def test_reservation_of_zero_days_is_refused():
    settings_row = CRMSettings.get_solo()
    settings_row.reservation_days = 0

    with pytest.raises(ValidationError) as excinfo:
        settings_row.full_clean()

    assert excinfo.value.message_dict[NON_FIELD_ERRORS] == [
        constraint_message(CRMSettings, "crmsettings_reservation_days_positive")
    ]
