"""The SVG charts: geometry from the given numbers, and the page lists every report."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from reports.charts import bar_chart, line_chart


def test_bar_chart_scales_bars_to_the_largest_value():
    chart = bar_chart("Leads", [("www", 4), ("Facebook", 2), ("Obido", 0)])
    widths = [bar["width"] for bar in chart["bars"]]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert [bar["value"] for bar in chart["bars"]] == [4, 2, 0]


def test_funnel_bars_are_centred():
    chart = bar_chart("Funnel", [("Nowy", 10), ("Umowa", 5)], funnel=True)
    first, second = chart["bars"]
    assert first["x"] + first["width"] / 2 == second["x"] + second["width"] / 2


def test_line_chart_leaves_out_points_without_data_and_renders_accessibly():
    chart = line_chart("Share", ["01.2026", "02.2026"], [("Repeat %", [12.5, None])])
    with translation.override("en"):
        html = render_to_string("reports/charts/chart.html", {"chart": chart})
    assert '<title id="' in html and "Share" in html
    assert "Repeat % · 01.2026: 12.5</title>" in html
    assert html.count("<circle") == 1
    assert "12,5" not in html.split("points=")[1].split(">")[0]  # coordinates stay dotted


@pytest.mark.django_db
def test_index_links_every_report(client, advisor):
    client.force_login(advisor)
    html = client.get(reverse("reports:index")).content.decode()
    for name in ("sources", "funnel", "response_times", "repeat"):
        assert reverse(f"reports:{name}") in html
