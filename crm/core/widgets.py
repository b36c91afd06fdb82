"""Form widgets shared by the filter panels."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _


class ChoicePicker(forms.CheckboxSelectMultiple):
    """A multi-select with a search box: a drop-down (<details>) whose summary says what is
    chosen ("all" when nothing is), holding a search field and a checkbox per choice.

    Without scripts it is a native <details> of checkboxes; lejek.js filters the boxes as
    one types and keeps the summary up to date. Drawn by code rather than by Django's
    widget templates: a panel has four of these with up to fifty choices each, and the
    per-option template renders cost the lead list and the kanban more than their SQL."""

    # Below this many choices a search field is more in the way than of use.
    SEARCH_FROM = 5

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        widget_id = attrs.get("id", f"id_{name}")
        label = attrs.get("aria-label", name)
        chosen_values = {str(item) for item in self.format_value(value)}
        options = [
            (str(option_value), str(option_label))
            for option_value, option_label in self.choices
            if str(option_value) != ""
        ]
        chosen = [text for option_value, text in options if option_value in chosen_values]
        all_label = _("all")
        search = ""
        if len(options) >= self.SEARCH_FROM:
            search = format_html(
                '<input type="search" class="choice-picker__search" data-choice-search '
                'aria-label="{}: {}" placeholder="{}…" autocomplete="off">',
                _("Search"),
                label,
                _("Search"),
            )
        items = format_html_join(
            "",
            '<li><label><input type="checkbox" name="{}" value="{}" id="{}_{}"{}> '
            "<span>{}</span></label></li>",
            (
                (
                    name,
                    option_value,
                    widget_id,
                    index,
                    " checked" if option_value in chosen_values else "",
                    text,
                )
                for index, (option_value, text) in enumerate(options)
            ),
        )
        return format_html(
            '<details class="choice-picker" data-choice-picker data-all-label="{}">'
            '<summary class="choice-picker__summary"><span class="visually-hidden">{}: </span>'
            "<span data-choice-summary>{}</span></summary>"
            '<div class="choice-picker__panel">{}<ul class="choice-picker__options" id="{}">{}</ul>'
            "</div></details>",
            all_label,
            label,
            ", ".join(chosen) if chosen else all_label,
            search,
            widget_id,
            items,
        )
