"""One format everywhere: an amount, a phone number and a long span read the same on every
page, in the reader's language (the `lejek` template filters)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from crm.core.formatting import format_amount, format_file_size, format_minutes, format_phone

NBSP = "\xa0"


def render(source: str, **context) -> str:
    return Template("{% load lejek %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "polish", "english"),
    [
        (Decimal("1038500"), "1 038 500,00 zł", "1,038,500.00 zł"),
        (Decimal("793500.00"), "793 500,00 zł", "793,500.00 zł"),
        (5000, "5 000,00 zł", "5,000.00 zł"),
        (Decimal("999.5"), "999,50 zł", "999.50 zł"),
        (Decimal("-20000"), "-20 000,00 zł", "-20,000.00 zł"),
    ],
)
def test_an_amount_is_grouped_with_two_decimals_and_the_currency(value, polish, english):
    with translation.override("pl"):
        assert render("{{ value|money }}", value=value) == polish.replace(" ", NBSP)
    with translation.override("en"):
        assert render("{{ value|money }}", value=value) == english.replace(" ", NBSP)


def test_no_amount_reads_as_nothing_and_a_text_as_it_is():
    assert render("{{ value|money }}", value=None) == ""
    assert format_amount("on request") == "on request"


@pytest.mark.parametrize(
    "stored", ["+48504976791", "504976791", "504 976 791", "+48 504-976-791", "0048504976791"]
)
def test_a_phone_reads_in_the_international_format_however_it_was_typed(stored):
    for language in ("pl", "en"):
        with translation.override(language):
            assert render("{{ value|phone }}", value=stored) == "+48 504 976 791"


def test_a_foreign_phone_keeps_its_country_and_a_non_number_stays_as_written():
    assert format_phone("+4915123456789") == "+49 1512 3456789"
    assert format_phone("ask at reception") == "ask at reception"
    assert render("{{ value|phone|default:'—' }}", value="") == "—"


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0, "0 min"),
        (45.5, "45 min"),
        (60, "1h 0min"),
        (90, "1h 30min"),
        (1439, "23h 59min"),
        (1440, "1d 0h"),
        (2887, "2d 0h"),
    ],
)
def test_a_span_in_minutes_reads_in_hours_and_days_once_it_is_long(minutes, shown):
    assert format_minutes(minutes) == shown
    assert render("{{ value|minutes }}", value=minutes) == shown


def test_a_duration_still_reads_in_days_and_hours():
    assert render("{{ value|duration }}", value=timedelta(days=2, hours=3)) == "2d 3h"


@pytest.mark.parametrize(
    ("size", "polish", "english"),
    [
        (0, "0 B", "0 B"),
        (512, "512 B", "512 B"),
        (1024, "1,0 kB", "1.0 kB"),
        (12_600, "12,3 kB", "12.3 kB"),
        (1_048_575, "1,0 MB", "1.0 MB"),  # not "1024,0 kB"
        (2_621_440, "2,5 MB", "2.5 MB"),
        (10 * 1024 * 1024, "10,0 MB", "10.0 MB"),
        (3_543_348_019, "3,3 GB", "3.3 GB"),
    ],
)
def test_a_file_size_reads_in_kilobytes_and_megabytes_in_the_language(size, polish, english):
    with translation.override("pl"):
        assert render("{{ value|file_size }}", value=size) == polish.replace(" ", NBSP)
    with translation.override("en"):
        assert format_file_size(size) == english.replace(" ", NBSP)
    assert render("{{ value|file_size|default:'—' }}", value=None) == "—"
