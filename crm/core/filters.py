"""django-filter filters every app's filter panel may use."""

from __future__ import annotations

import django_filters
from django import forms

from .params import MAX_ID


class IdField(forms.IntegerField):
    """An object's id: a whole number from 1 to the largest bigint."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    """An id in the address (?client=12): anything but an id is the field's error and
    the filter is left out, never a database error."""

    field_class = IdField


class IdListFilter(django_filters.BaseInFilter, IdFilter):
    """Ids separated by commas (?id=3,5,8), each checked as IdFilter checks one."""
