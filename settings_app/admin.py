from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from solo.admin import SingletonModelAdmin

from .models import CRMSettings


@admin.register(CRMSettings)
class CRMSettingsAdmin(SingletonModelAdmin):
    def response_change(self, request, obj):
        # django-solo's own message ("… was changed successfully.") has no Polish.
        message = _("The CRM settings have been saved.")
        if "_continue" in request.POST:
            self.message_user(request, message + " " + _("You may edit them again below."))
            return HttpResponseRedirect(request.path)
        self.message_user(request, message)
        return HttpResponseRedirect("../../")
