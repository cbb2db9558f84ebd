"""A small client of Superset's REST API (standard library only, so either virtualenv runs it).

Logs in with a JWT (``/api/v1/security/login``) and sends the CSRF token Superset requires on
writes; the session cookie that token belongs to is kept in a cookie jar.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

PAGE_SIZE = 100


class SupersetError(RuntimeError):
    """An API call that did not answer 2xx: method, path, status and Superset's message."""


class SupersetClient:
    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self._headers: dict[str, str] = {"Referer": self.base_url}

    def login(self, username: str, password: str) -> None:
        token = self.post(
            "/api/v1/security/login",
            {"username": username, "password": password, "provider": "db", "refresh": False},
        )["access_token"]
        self._headers["Authorization"] = f"Bearer {token}"
        self._headers["X-CSRFToken"] = self.get("/api/v1/security/csrf_token/")["result"]

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {**self._headers, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            message = error.read().decode(errors="replace")[:2000]
            raise SupersetError(f"{method} {path}: HTTP {error.code}: {message}") from None
        return json.loads(payload) if payload else None

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def list_all(self, resource: str) -> list[dict[str, Any]]:
        """Every object of ``/api/v1/<resource>/`` (paged)."""
        found: list[dict[str, Any]] = []
        page = 0
        while True:
            query = urllib.parse.quote(f"(page:{page},page_size:{PAGE_SIZE})")
            answer = self.get(f"/api/v1/{resource}/?q={query}")
            found.extend(answer["result"])
            if len(found) >= answer["count"] or not answer["result"]:
                return found
            page += 1

    def chart_data(self, chart_id: int) -> list[dict[str, Any]]:
        """The rows of a saved chart's query, as Superset computes them for its dashboard."""
        answer = self.get(f"/api/v1/chart/{chart_id}/data/?format=json&type=full")
        return answer["result"][0]["data"]
