"""The SVG charts: geometry from the given numbers, drawn at their box's width with text
that stays legible (never below 11 px, never cut with "…"), each bar and point with its
exact number in a tooltip; and the page lists every report."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from reports.charts import (
    CHAR_WIDTH,
    FONT_SIZE,
    LABEL_CHARS,
    PLOT_LEFT,
    PLOT_RIGHT,
    X_LABEL_WIDTHS,
    bar_chart,
    line_chart,
    wrap,
)
from tests.factories import LeadFactory, status

LONG = "Weryfikacja zdolności kredytowej przed rezerwacją"


def render(chart: dict, language: str = "en") -> str:
    with translation.override(language):
        return render_to_string("reports/charts/chart.html", {"chart": chart})


def percent(text: str) -> float:
    assert text.endswith("%")
    return float(text[:-1])


def test_bar_chart_scales_bars_to_the_largest_value():
    chart = bar_chart("Leads", [("www", 4), ("Facebook", 2), ("Obido", 0)])
    widths = [percent(bar["width"]) for bar in chart["bars"]]
    assert widths == [100, 50, 0]
    assert [bar["value"] for bar in chart["bars"]] == [4, 2, 0]


def test_funnel_bars_are_centred():
    chart = bar_chart("Funnel", [("Nowy", 10), ("Umowa", 5)], funnel=True)
    first, second = chart["bars"]
    centre = [percent(bar["x"]) + percent(bar["width"]) / 2 for bar in (first, second)]
    assert centre == [50, 50]


def test_a_long_label_wraps_onto_lines_and_keeps_every_word():
    chart = bar_chart("Funnel", [(LONG, 135), ("Nowy", 416)])
    long_bar, short_bar = chart["bars"]
    lines = [line["text"] for line in long_bar["lines"]]
    assert len(lines) > 1 and " ".join(lines) == LONG
    assert all(len(line) <= LABEL_CHARS for line in lines)
    # The next bar's label starts below the wrapped label and its bar.
    assert short_bar["lines"][0]["y"] > long_bar["y"] + chart["bar_height"]
    html = render(chart)
    assert "…" not in html and "..." not in html
    for line in lines:
        assert f">{line}</text>" in html


def test_a_word_longer_than_a_line_is_broken_not_cut():
    word = "Konstantynopolitańczykowianeczka"
    lines = wrap(f"Pani {word}")
    assert "".join(lines).replace("Pani", "Pani ", 1) == f"Pani {word}"
    assert all(len(line) <= LABEL_CHARS for line in lines)


def test_every_text_is_drawn_at_eleven_pixels_or_more_and_never_scaled():
    charts = [
        bar_chart("Bars", [(LONG, 3)]),
        line_chart("Lines", ["01.2026", "02.2026"], [("www", [1, 2])]),
    ]
    for chart in charts:
        html = render(chart)
        sizes = [int(size) for size in re.findall(r'font-size="(\d+)"', html)]
        assert sizes and min(sizes) >= 11 and FONT_SIZE >= 11
        # No viewBox: a phone does not shrink the chart, and with it its text.
        assert "viewBox" not in html
        assert 'width="100%"' in html


def test_each_bar_has_its_exact_number_in_a_tooltip_and_beside_it():
    chart = bar_chart("Sources", [("www", 117), ("OLX", None)])
    html = render(chart)
    assert "<title>www: 117</title>" in html
    assert 'text-anchor="end">117</text>' in html
    assert "<title>OLX: —</title>" in html


def test_a_chart_of_spans_reads_days_and_hours_like_the_table():
    chart = bar_chart("Median response time", [("Lead created → first call", 2887)], minutes=True)
    html = render(chart)
    assert "<title>Lead created → first call: 2d 0h</title>" in html
    assert ">2d 0h</text>" in html
    assert "2887" not in html


def test_numbers_read_in_the_language_and_coordinates_stay_dotted():
    def share_chart(language: str) -> str:
        # Built and drawn in the reader's language, as a request does.
        with translation.override(language):
            chart = line_chart("Share", ["01.2026", "02.2026"], [("Repeat %", [12.5, 7.25])])
        return render(chart, language)

    polish = share_chart("pl")
    assert "Repeat % · 01.2026: 12,5</title>" in polish
    coordinates = re.findall(r' (?:x|y|x1|y1|x2|y2|cx|cy)="([^"]*)"', polish)
    assert coordinates and not [c for c in coordinates if "," in c]
    assert "Repeat % · 01.2026: 12.5</title>" in share_chart("en")


def test_a_month_without_data_is_a_gap_without_point_or_line():
    chart = line_chart("Share", ["01.2026", "02.2026", "03.2026"], [("Repeat %", [12.5, None, 4])])
    (line,) = chart["lines"]
    assert [point["label"] for point in line["points"]] == ["01.2026", "03.2026"]
    assert line["segments"] == []
    html = render(chart)
    assert html.count("<circle") == 2 + 1  # the two points and the legend's mark


def test_count_ticks_are_whole_numbers():
    chart = line_chart("Leads per day", ["01.12", "02.12"], [("Telegram", [1, 0])])
    assert [tick["text"] for tick in chart["ticks"]] == ["0", "1"]


@pytest.mark.parametrize("count", [2, 12, 14, 31])
def test_x_labels_are_thinned_so_that_neighbours_never_overlap(count):
    labels = [f"{month:02}.2026" for month in range(1, count + 1)]
    chart = line_chart("Leads", labels, [("www", list(range(count)))])
    shown_at = {size: [] for size in X_LABEL_WIDTHS}
    for index, label in enumerate(chart["x_labels"]):
        for size in X_LABEL_WIDTHS:
            if f"chart__x--{size}" in label["sizes"].split():
                shown_at[size].append(index)
    label_width = len(labels[0]) * CHAR_WIDTH * FONT_SIZE
    for size, box in X_LABEL_WIDTHS.items():
        shown = shown_at[size]
        assert shown[0] == 0  # the first month is always named
        plot = (box - chart["gutter"]) * (PLOT_RIGHT - PLOT_LEFT) / 100
        for a, b in zip(shown, shown[1:], strict=False):
            # Centre to centre; an edge label reaches its whole width inwards.
            assert (b - a) * plot / (count - 1) >= 1.5 * label_width
    assert len(shown_at["s"]) <= len(shown_at["m"]) <= len(shown_at["l"])
    first, last = chart["x_labels"][0], chart["x_labels"][-1]
    assert first["anchor"] == "start" and last["anchor"] == "end"


@pytest.mark.django_db
def test_index_links_every_report(client, advisor):
    client.force_login(advisor)
    html = client.get(reverse("reports:index")).content.decode()
    for name in ("sources", "funnel", "response_times", "repeat"):
        assert reverse(f"reports:{name}") in html


@pytest.mark.django_db
def test_index_draws_the_open_leads_by_status_as_a_chart(client, advisor, outsider):
    LeadFactory(branch=advisor.branch, employees=[advisor], status=status("oferta"))
    LeadFactory(branch=outsider.branch, employees=[outsider], status=status("oferta"))
    client.force_login(advisor)
    response = client.get(reverse("reports:index"))
    counts = {bar["label"]: bar["value"] for bar in response.context["chart"]["bars"]}
    assert counts["Oferta"] == 1  # not the outsider's lead
    assert "<title>Oferta: 1</title>" in response.content.decode()
