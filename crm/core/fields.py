"""Model fields every app may use."""

from __future__ import annotations

from django.db import models

from .normalization import strip_invisible


class NameField(models.CharField):
    """A name or title people type (a client's name, a lead's, an investment's...): it is
    stored as it shows, without control, bidirectional or zero-width characters
    (`strip_invisible`, the file names' cleaner too), so that no name can reverse the text
    around it or pass for another one. Cleaned by the model's full_clean(), which every
    service and model form runs, so every way in (forms, services, the admin) obeys.

    The column is an ordinary varchar: migrations record a CharField."""

    def to_python(self, value):
        value = super().to_python(value)
        return strip_invisible(value) if isinstance(value, str) else value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
