from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Investment, Unit


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["number", "kind", "rooms", "area", "floor", "list_price", "status"]
    show_change_link = True


@admin.register(Investment)
class InvestmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "city", "controller", "active"]
    list_filter = ["active", "city"]
    search_fields = ["name", "code", "city"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = [
        "number",
        "investment",
        "kind",
        "rooms",
        "area",
        "floor",
        "list_price",
        "status",
    ]
    list_filter = ["investment", "kind", "status", "rooms"]
    list_select_related = ["investment"]
    search_fields = ["number", "investment__name"]
