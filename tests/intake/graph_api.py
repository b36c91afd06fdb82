"""Meta's side of lead ads, for the tests: the Graph API as a real local HTTP server, a
lead as it gives one, the webhook's body and its signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.ports import free_port

APP_SECRET = "sekret-aplikacji-meta"
PAGE_TOKEN = "EAAG-token-strony"
VERIFY_TOKEN = "lejek-weryfikacja-7"
PAGE_ID = "104729384756"
FORM_ID = "861237745512"
VERSION = "v99.0"


class GraphAPI:
    """Meta's Graph API on 127.0.0.1: a lead by its id, a form's leads (filtered by
    `time_created`, two a page, the next page's full URL in `paging.next`), Meta's error
    for a wrong token or an unknown id; `failing` makes it answer every request with that
    status. Every request is kept in `requests` as (path, query)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.leads: dict[str, dict] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.failing: int | None = None
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                graph.requests.append((parts.path, query))
                status, answer = graph.answer(parts.path, query)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, dict]:
        if self.failing:
            return self.failing, {"error": {"message": "An unexpected error has occurred."}}
        if query.get("access_token") != PAGE_TOKEN:
            return 400, {"error": {"message": "Invalid OAuth access token.", "code": 190}}
        _empty, version, *rest = path.split("/")
        if version == VERSION and len(rest) == 1 and rest[0] in self.leads:
            return 200, self.leads[rest[0]]
        if version == VERSION and len(rest) == 2 and rest[1] == "leads":
            return 200, self.form_leads(rest[0], query)
        return 400, {"error": {"message": f"Unsupported get request: {path}", "code": 100}}

    def form_leads(self, form_id: str, query: dict[str, str]) -> dict:
        (rule,) = json.loads(query["filtering"])
        assert (rule["field"], rule["operator"]) == ("time_created", "GREATER_THAN")
        leads = [
            lead
            for lead in self.leads.values()
            if lead["form_id"] == form_id
            and datetime.fromisoformat(lead["created_time"]).timestamp() > rule["value"]
        ]
        start = int(query.get("after", 0))
        page = {"data": leads[start : start + 2], "paging": {}}
        if start + 2 < len(leads):
            more = {**query, "after": str(start + 2)}
            page["paging"]["next"] = f"{self.url}/{VERSION}/{form_id}/leads?{urlencode(more)}"
        return page

    def paths(self) -> list[str]:
        return [path for path, _query in self.requests]

    def __enter__(self) -> GraphAPI:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def meta_lead(leadgen_id: str, *, form_id: str = FORM_ID, created: str = "", **extra) -> dict:
    """A lead as the Graph API gives it."""
    return {
        "id": leadgen_id,
        "created_time": created or "2026-03-02T09:30:00+0000",
        "form_id": form_id,
        "campaign_id": "23850001",
        "campaign_name": "Zielone — wiosna",
        "adset_id": "23850002",
        "adset_name": "Poznań 25–45",
        "ad_id": "23850003",
        "ad_name": "Karuzela M3",
        "platform": "ig",
        "is_organic": False,
        "field_data": [
            {"name": "full_name", "values": ["Ewa Maria Kowalczyk"]},
            {"name": "email", "values": ["ewa.kowalczyk@example.pl"]},
            {"name": "phone_number", "values": ["+48 601 200 300"]},
            {"name": "city", "values": ["Poznań"]},
            {"name": "ile_pokoi_szukasz?", "values": ["3"]},
            {"name": "zgoda_na_sms", "values": ["Nie"]},
        ],
        "custom_disclaimer_responses": [
            {"checkbox_key": "oferty_email", "is_checked": "1"},
            {"checkbox_key": "oferty_telefon", "is_checked": ""},
        ],
        **extra,
    }


def leadgen(*leadgen_ids: str, form_id: str = FORM_ID) -> bytes:
    """Meta's webhook body: one page entry with a leadgen change per lead."""
    changes = [
        {
            "field": "leadgen",
            "value": {
                "leadgen_id": leadgen_id,
                "form_id": form_id,
                "page_id": PAGE_ID,
                "ad_id": "23850003",
                "adgroup_id": "23850002",
                "created_time": 1772443800,
            },
        }
        for leadgen_id in leadgen_ids
    ]
    return json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "time": 1772443801, "changes": changes}]}
    ).encode()


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
