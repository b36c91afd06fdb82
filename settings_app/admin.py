from django.contrib import admin
from solo.admin import SingletonModelAdmin

from .models import CRMSettings

admin.site.register(CRMSettings, SingletonModelAdmin)
