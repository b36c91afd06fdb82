"""Form widgets shared by the filter panels."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ChoicePicker(forms.CheckboxSelectMultiple):
    """A multi-select with a search box: a drop-down (<details>) whose summary says what is
    chosen ("all" when nothing is), holding a search field and a checkbox per choice.

    Without scripts it is a native <details> of checkboxes; lejek.js filters the boxes as
    one types and keeps the summary up to date. The options are drawn in one template
    loop, not an include per option (fifty employees would be fifty template renders)."""

    template_name = "widgets/choice_picker.html"
    # Below this many choices a search field is more in the way than of use.
    SEARCH_FROM = 5

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        groups = context["widget"]["optgroups"]
        options = [option for _group, group, _index in groups for option in group]
        chosen = [str(option["label"]) for option in options if option["selected"]]
        context["widget"].update(
            options=options,
            label=context["widget"]["attrs"].get("aria-label", name),
            chosen=chosen,
            searchable=len(options) >= self.SEARCH_FROM,
            all_label=_("all"),
            search_label=_("Search"),
        )
        return context
