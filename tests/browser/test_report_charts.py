"""The charts on a phone (390 px), in Chromium, over the demo data: the administrator opens
the reports index, then each report from its link, then the channels page. No page
scrolls sideways; every text of every chart is drawn at 11 px or more on screen (its font
size times the SVG's scale), none ends with "…" and none reaches out of its chart; each
bar and point carries its number in a tooltip."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.core.models import User
from leads.demo.seeder import seed_demo_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

PHONE = {"width": 390, "height": 844}
# The reports, in the index's order, with their number of charts.
REPORT_CHARTS = {"sources": 2, "funnel": 2, "response_times": 1, "repeat": 1}

# Every visible text of the page's charts: its size on screen, its text, whether it
# reaches out of its SVG (a glyph's side bearing may overhang by a pixel).
CHART_TEXTS = """() => [...document.querySelectorAll("figure.chart svg text")]
  .filter((text) => text.checkVisibility({visibilityProperty: true}))
  .map((text) => {
    const ctm = text.getScreenCTM();
    const scale = Math.hypot(ctm.a, ctm.b);
    const box = text.getBoundingClientRect();
    const svg = text.ownerSVGElement.getBoundingClientRect();
    const out = box.left < svg.left - 2 || box.right > svg.right + 2
      || box.top < svg.top - 2 || box.bottom > svg.bottom + 2;
    const px = parseFloat(getComputedStyle(text).fontSize) * scale;
    return {text: text.textContent.trim(), px, out};
  })"""

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def assert_charts_read_on_a_phone(page, *, charts: int) -> None:
    assert page.evaluate(SIDEWAYS) <= 0, f"{page.url} scrolls sideways"
    assert page.locator("figure.chart").count() == charts, page.url
    texts = page.evaluate(CHART_TEXTS)
    assert texts, page.url
    small = [(t["text"], round(t["px"], 1)) for t in texts if t["px"] < 11]
    assert not small, f"{page.url}: text below 11 px: {small[:5]}"
    cut = [t["text"] for t in texts if t["text"].endswith(("…", "..."))]
    assert not cut, f"{page.url}: cut labels: {cut}"
    out = [t["text"] for t in texts if t["out"]]
    assert not out, f"{page.url}: text out of its chart: {out[:5]}"
    # Each bar and point has its number in a tooltip ("label: number").
    tooltips = page.locator("figure.chart .chart__bar > title, figure.chart .chart__point > title")
    assert tooltips.count() > 0
    assert all(": " in text for text in tooltips.all_text_contents())


def test_administrator_reads_every_chart_on_a_phone(page, live_server, logged_in_page):
    seed_demo_data()
    logged_in_page(User.objects.get(username="administrator"))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{reverse('reports:index')}")
    assert_charts_read_on_a_phone(page, charts=1)  # open leads by status
    links = page.locator(".report-list a")
    hrefs = [links.nth(index).get_attribute("href") for index in range(links.count())]
    assert hrefs == [reverse(f"reports:{name}") for name in REPORT_CHARTS]
    for name, href in zip(REPORT_CHARTS, hrefs, strict=True):
        page.goto(f"{live_server.url}{href}")
        assert_charts_read_on_a_phone(page, charts=REPORT_CHARTS[name])

    # A long status label is wrapped whole, not cut: "Weryfikacja zdolności kredytowej".
    page.goto(f"{live_server.url}{reverse('reports:funnel')}")
    labels = " ".join(page.locator("figure.chart .chart__label").all_text_contents())
    assert "Weryfikacja zdolności" in labels and "kredytowej" in labels

    # The response times chart reads spans, not minutes.
    page.goto(f"{live_server.url}{reverse('reports:response_times')}")
    values = page.locator("figure.chart .chart__value").all_text_contents()
    assert values and all(v.endswith(("min", "h")) or v == "—" for v in values), values

    page.goto(f"{live_server.url}{reverse('channels:index')}")
    assert_charts_read_on_a_phone(page, charts=1)
    # A point's number shows when it is touched, on the phone too.
    point = page.locator("figure.chart .chart__point").first
    assert not point.locator(".chart__point-value").is_visible()
    point.locator("circle").hover(force=True)
    assert point.locator(".chart__point-value").is_visible()
