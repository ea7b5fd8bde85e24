"""The emulator's Message Batches and rate limits.

Batches: a created batch is `in_progress` for `batch_seconds`, then `ended`; each request is
answered the way /v1/messages would answer it unscripted (validated first: an invalid request
is an `errored` result). Cancelling before the end marks the requests `canceled`.

Rate limits: at most `limit` /v1/messages requests per `window` seconds; every answer carries
the `anthropic-ratelimit-requests-*` headers, and a request over the limit gets 429 with
retry-after, as the API does.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime
from typing import Any

import orjson


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RateLimiter:
    """A fixed-window request limit."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._start = time.time()
        self._used = 0
        self.rejected = 0

    def take(self) -> tuple[bool, dict[str, str]]:
        """(allowed, headers) for one request."""
        with self._lock:
            now = time.time()
            if now - self._start >= self.window:
                self._start, self._used = now, 0
            reset = self._start + self.window
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            else:
                self.rejected += 1
            headers = {
                "anthropic-ratelimit-requests-limit": str(self.limit),
                "anthropic-ratelimit-requests-remaining": str(self.limit - self._used),
                "anthropic-ratelimit-requests-reset": _stamp(reset),
            }
            if not allowed:
                wait = max(reset - now, 0.001)
                headers["retry-after"] = str(math.ceil(wait))
                headers["retry-after-ms"] = str(math.ceil(wait * 1000))
            return allowed, headers


class Batches:
    """Message Batches held by the emulator."""

    def __init__(self, answer: Any, new_id: Any, seconds: float = 0.2) -> None:
        self.answer = answer  # (body, api version) -> ("succeeded", message) | ("errored", error object)
        self.new_id = new_id
        self.seconds = seconds
        self._lock = threading.Lock()
        self.items: dict[
            str, dict[str, Any]
        ] = {}  # id -> {"batch": {...}, "requests": [...], "results": [...]}
        self.on_change: Any = None  # (id, item) -> None after a batch is created, cancelled or ended

    def create(self, body: Any, base_url: str, api_version: str = "") -> tuple[int, dict[str, Any]]:
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            return 400, _error("requests: at least one request is required")
        if len(requests) > 100_000:
            return 400, _error("requests: at most 100000 requests per batch")
        seen = set()
        for i, request in enumerate(requests):
            custom_id = request.get("custom_id") if isinstance(request, dict) else None
            if not isinstance(custom_id, str) or not custom_id or len(custom_id) > 64:
                return 400, _error(f"requests.{i}.custom_id: 1 to 64 characters required")
            if custom_id in seen:
                return 400, _error(f"requests.{i}.custom_id: duplicate custom_id {custom_id!r}")
            seen.add(custom_id)
            if not isinstance(request.get("params"), dict):
                return 400, _error(f"requests.{i}.params: Field required")
            if request["params"].get("stream"):
                return 400, _error(f"requests.{i}.params.stream: streaming is not supported in batches")
        batch_id = self.new_id("msgbatch")
        now = time.time()
        batch = {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "in_progress",
            "request_counts": {
                "processing": len(requests),
                "succeeded": 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": _stamp(now),
            "expires_at": _stamp(now + 86400),
            "ended_at": None,
            "cancel_initiated_at": None,
            "archived_at": None,
            "results_url": None,
        }
        with self._lock:
            self.items[batch_id] = {
                "batch": batch,
                "requests": requests,
                "results": [],
                "due": now + self.seconds,
                "api_version": api_version,
            }
            self._changed(batch_id)
        return 200, self.get(batch_id, base_url)

    def _changed(self, batch_id: str) -> None:
        if self.on_change is not None:
            self.on_change(batch_id, self.items[batch_id])

    def get(self, batch_id: str, base_url: str) -> dict[str, Any]:
        """The batch, processed first if its time has come."""
        with self._lock:
            item = self.items[batch_id]
            batch = item["batch"]
            if batch["processing_status"] != "ended" and time.time() >= item["due"]:
                self._finish(item, base_url, canceled=batch["processing_status"] == "canceling")
                self._changed(batch_id)
            return dict(batch)

    def end_in(self, batch_id: str, seconds: float) -> None:
        """Make a batch still in progress end `seconds` from now (tests set the moment, not a race)."""
        with self._lock:
            self.items[batch_id]["due"] = time.time() + seconds

    def cancel(self, batch_id: str, base_url: str) -> dict[str, Any]:
        with self._lock:
            batch = self.items[batch_id]["batch"]
            if batch["processing_status"] == "in_progress":
                batch["processing_status"] = "canceling"
                batch["cancel_initiated_at"] = _stamp(time.time())
                self.items[batch_id]["due"] = time.time()
                self._changed(batch_id)
        return self.get(batch_id, base_url)

    def results(self, batch_id: str) -> bytes | None:
        with self._lock:
            item = self.items[batch_id]
            if item["batch"]["processing_status"] != "ended":
                return None
            return b"".join(orjson.dumps(r) + b"\n" for r in item["results"])

    def listing(self, base_url: str) -> list[dict[str, Any]]:
        return [self.get(b, base_url) for b in reversed(list(self.items))]

    def _finish(self, item: dict[str, Any], base_url: str, *, canceled: bool) -> None:
        batch = item["batch"]
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        for request in item["requests"]:
            if canceled:
                result: dict[str, Any] = {"type": "canceled"}
            else:
                kind, value = self.answer(request["params"], item.get("api_version", ""))
                result = (
                    {"type": kind, "message": value}
                    if kind == "succeeded"
                    else {"type": kind, "error": value}
                )
            counts[result["type"]] += 1
            item["results"].append({"custom_id": request["custom_id"], "result": result})
        batch.update(
            processing_status="ended",
            request_counts=counts,
            ended_at=_stamp(time.time()),
            results_url=f"{base_url}/v1/messages/batches/{batch['id']}/results",
        )


def _error(message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
