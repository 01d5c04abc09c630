"""A real HTTP server on 127.0.0.1 that answers like Slack's webhook, chat.postMessage and
chat.update APIs.

Tests drive the real slack-sdk clients against it, so requests cross a real socket and the
sdk's own request building, error handling and retries are exercised. Like Slack, it gives every
bot message its own ts, answers posts with the channel's ID, and edits a message only when
addressed by that ID (chat.update does not accept a channel name).
"""

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# Form-encoded Slack API calls carry these as JSON strings; decode them so bodies compare equal.
_JSON_FORM_FIELDS = ("blocks", "attachments", "metadata")


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict  # keys lower-cased
    body: dict


@dataclass(frozen=True)
class Posted:
    """A delivered post: its body, and the ts Slack gave it (None through a webhook)."""

    ts: str | None
    body: dict

    @property
    def thread_ts(self) -> str | None:
        return self.body.get("thread_ts")


@dataclass(frozen=True)
class _Reply:
    status: int
    content_type: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to stall before answering


class SlackStub:
    """Context manager; the server is listening as soon as the object exists."""

    token: str = "xoxb-test-token"
    channel_id: str = "C123"

    def __init__(self, token: str = "xoxb-test-token", latency: float = 0.0) -> None:
        """`latency`: seconds every request stalls before it is answered (a slow Slack)."""
        self.token = token
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self._posts: list[Posted] = []
        self._updates: list[dict] = []
        self._next_ts = 100  # ts 1700000000.000100, then .000101, ...
        self._failures: list[tuple[str | None, _Reply]] = []  # (only this path, reply)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.stub = self  # type: ignore[attr-defined]
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self.api_base_url = self.base_url + "/api/"
        self.webhook_url = self.base_url + "/services/T000/B000/XXXX"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._closed = False

    def fail_next(
        self,
        status: int,
        body: str = "",
        count: int = 1,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        path: str | None = None,
    ) -> None:
        """The next `count` requests fail with this status, body and headers: whatever their
        path, or only requests to `path` (e.g. "/api/chat.update") if given.

        Each failure first stalls for `delay` seconds: longer than the client's timeout, it is a
        timeout (the client gives up; nothing is delivered). A refused connection needs no
        stub: point the client at a closed one (`close()` frees its port).
        """
        reply = _Reply(status, "text/plain", body, dict(headers or {}), delay)
        with self._lock:
            self._failures.extend([(path, reply)] * count)

    def messages(self) -> list[dict]:
        """Bodies of posts Slack would have delivered (webhook or chat.postMessage)."""
        return [p.body for p in self.posts()]

    def posts(self) -> list[Posted]:
        """Posts Slack would have delivered, with their ts; a reply's body has its thread_ts."""
        with self._lock:
            return list(self._posts)

    def updates(self) -> list[dict]:
        """Bodies of the chat.update calls Slack would have applied, oldest first."""
        with self._lock:
            return list(self._updates)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "SlackStub":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handle(self, path: str, headers: dict, body: dict | None) -> _Reply:
        """Records the request and answers it."""
        with self._lock:
            self.requests.append(RecordedRequest(path, headers, body or {}))
            for i, (only, reply) in enumerate(self._failures):
                if only in (None, path):
                    del self._failures[i]
                    return reply
        if path.startswith("/services/"):
            if body is None:
                return _Reply(400, "text/plain", "invalid_payload")
            if not body.get("text") and not body.get("blocks"):
                return _Reply(400, "text/plain", "no_text")
            self._deliver(body, ts=None)
            return _Reply(200, "text/plain", "ok")
        if path == "/api/chat.postMessage":
            answer = self._chat_post_message(headers, body)
            return _Reply(200, "application/json", json.dumps(answer))
        if path == "/api/chat.update":
            answer = self._chat_update(headers, body)
            return _Reply(200, "application/json", json.dumps(answer))
        return _Reply(404, "text/plain", "not found")

    def _chat_post_message(self, headers: dict, body: dict | None) -> dict:
        if headers.get("authorization") != f"Bearer {self.token}":
            return {"ok": False, "error": "invalid_auth"}
        if body is None:
            return {"ok": False, "error": "invalid_arguments"}
        if not body.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        with self._lock:
            ts = f"1700000000.{self._next_ts:06d}"
            self._next_ts += 1
        self._deliver(body, ts)
        message = {"text": body.get("text", ""), "ts": ts}
        return {"ok": True, "channel": self.channel_id, "ts": ts, "message": message}

    def _chat_update(self, headers: dict, body: dict | None) -> dict:
        if headers.get("authorization") != f"Bearer {self.token}":
            return {"ok": False, "error": "invalid_auth"}
        if body is None or not body.get("ts"):
            return {"ok": False, "error": "invalid_arguments"}
        if body.get("channel") != self.channel_id:
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        with self._lock:
            if body["ts"] not in {p.ts for p in self._posts}:
                return {"ok": False, "error": "message_not_found"}
            self._updates.append(body)
        return {
            "ok": True,
            "channel": self.channel_id,
            "ts": body["ts"],
            "text": body.get("text", ""),
        }

    def _deliver(self, body: dict, ts: str | None) -> None:
        with self._lock:
            self._posts.append(Posted(ts, body))


def _parse_body(raw: bytes, content_type: str) -> dict | None:
    """JSON or form-encoded body as a dict; None if it cannot be parsed."""
    text = raw.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        body: dict = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        for field in _JSON_FORM_FIELDS:
            if isinstance(body.get(field), str):
                with contextlib.suppress(json.JSONDecodeError):
                    body[field] = json.loads(body[field])
        return body
    if not text.strip():
        return {}
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = _parse_body(raw, self.headers.get("Content-Type", ""))
        self._respond(body)

    def do_GET(self) -> None:
        self._respond({})

    def _respond(self, body: dict | None) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        stub = self.server.stub  # type: ignore[attr-defined]
        reply = stub._handle(path, headers, body)
        time.sleep(stub.latency + reply.delay)
        payload = reply.body.encode("utf-8")
        # After a stall the client may have hung up already; that is the point of the stall.
        with contextlib.suppress(OSError):
            self.send_response(reply.status)
            self.send_header("Content-Type", f"{reply.content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""
