from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from leads.selectors import lead_list, lead_status_counts
from leads.tables import compact_lead_table


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the user's funnel at a glance and the newest visible leads."""
    statuses = lead_status_counts(user=request.user)
    context = {
        "statuses": statuses,
        "open_total": sum(status.lead_count for status in statuses),
        "recent_leads": compact_lead_table(lead_list(user=request.user)[:10]),
    }
    return render(request, "home.html", context)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico wherever a page names no icon (the admin, a file
    opened directly): send them to ours, the same the pages link to."""
    return redirect(static("favicon.svg"), permanent=True)


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: Lejek can be added to a phone's home screen and opens there
    without the browser's bars (no offline mode: a CRM's data is live)."""
    icons = [
        {"src": static("icons/lejek-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/lejek-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("icons/lejek-512-maskable.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    data = {
        "name": "Lejek CRM",
        "short_name": "Lejek",
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("leads:my_day"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7fa",
        "theme_color": "#14263b",
        "icons": icons,
    }
    return JsonResponse(data, content_type="application/manifest+json")
