#!/usr/bin/env python
"""Render Lejek's own icon (static/favicon.svg) as the PNGs a phone's home screen asks for
(static/icons/, linked by the web app manifest): run from the repository's root with the
venv's Python after changing the icon; Debian's Chromium draws them."""

from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = ((192, False), (512, False), (512, True))  # size, maskable
PAGE = (
    "<html><body style='margin:0;background:#1f5fa8;display:grid;place-items:center;"
    "width:{size}px;height:{size}px'>{svg}</body></html>"
)


def main() -> None:
    svg = Path("static/favicon.svg").read_text()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"]
        )
        for size, maskable in ICONS:
            page = browser.new_page(viewport={"width": size, "height": size})
            # A maskable icon keeps its drawing inside the safe circle, on the brand colour.
            inner = int(size * (0.7 if maskable else 1))
            sized = svg.replace("<svg ", f'<svg width="{inner}" height="{inner}" ')
            page.set_content(PAGE.format(size=size, svg=sized))
            name = f"lejek-{size}{'-maskable' if maskable else ''}.png"
            page.screenshot(path=f"static/icons/{name}")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
