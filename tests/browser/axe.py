"""axe-core in the browser tests: what a page's serious and critical findings are."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()


def serious(page) -> list[tuple[str, list]]:
    """axe-core's serious and critical findings on the page: (rule, the elements' selectors)."""
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in _AXE.run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
