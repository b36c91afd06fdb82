"""The lead page's action bar in a browser: an action is a button of the bar or an item of
its "More" menu (a <details>), opened first when the action is there."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def lead_action(page: Page, selector: str) -> Locator:
    """The action (`#lead-contract`, `#lead-status-form button`...), visible: "More" is
    opened when the action sits in it."""
    if (
        page.locator(f"#lead-more-menu {selector}").count()
        and not page.locator("#lead-more[open]").count()
    ):
        page.locator("#lead-more-toggle").click()
    return page.locator(selector)
