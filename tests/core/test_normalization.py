"""Phones, emails and names are normalised so that one person is found however they were
typed: "600 100 200" is "+48600100200", "Elzbieta" finds "Elżbieta"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from crm.core.normalization import fold_name, normalize_email, normalize_phone, phone_search_key


@pytest.mark.parametrize(
    "typed",
    ["600 100 200", "600-100-200", "+48600100200", "0048 600 100 200", " (600) 100 200 "],
)
def test_every_way_of_typing_a_polish_mobile_gives_one_e164_number(typed):
    assert normalize_phone(typed) == "+48600100200"


def test_foreign_number_keeps_its_own_country_code():
    assert normalize_phone("+49 30 901820") == "+4930901820"


def test_empty_phone_stays_empty():
    assert normalize_phone("") == ""
    assert normalize_phone("   ") == ""


@pytest.mark.parametrize("typed", ["abc", "123", "600 100 20", "+48 000 000 000"])
def test_text_that_is_not_a_phone_number_is_refused(typed):
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(typed)

    assert excinfo.value.code == "invalid_phone"


def test_search_box_text_that_is_not_a_phone_gives_no_phone_key_instead_of_an_error():
    assert phone_search_key("Kowalski") == ""
    assert phone_search_key("600-100-200") == "+48600100200"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Anna.Nowak@Example.PL", "anna.nowak@example.pl"),
        ("  anna@example.pl  ", "anna@example.pl"),
        ("\tJAN@WP.PL\n", "jan@wp.pl"),
        ("", ""),
    ],
)
def test_emails_are_lower_cased_and_trimmed(typed, stored):
    assert normalize_email(typed) == stored


def test_name_typed_without_polish_letters_matches_the_name_with_them():
    assert fold_name("Elżbieta") == fold_name("Elzbieta")
    assert fold_name("Wiśniewska") == fold_name("Wisniewska")
    assert fold_name("Żółć Gęślą Jaźń") == fold_name("zolc gesla jazn")


def test_l_with_stroke_is_folded_like_l_although_unicode_does_not_decompose_it():
    assert fold_name("ŁUKASZ") == fold_name("lukasz") == "lukasz"
    assert fold_name("Michał") == "michal"


def test_extra_whitespace_does_not_matter_when_matching_names():
    assert fold_name("  Anna   Maria\tKowalska ") == fold_name("Anna Maria Kowalska")
    assert fold_name("  Anna   Maria\tKowalska ") == "anna maria kowalska"


def test_different_names_stay_different_after_folding():
    assert fold_name("Elżbieta") != fold_name("Elżbiet")
