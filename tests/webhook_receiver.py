"""A webhook receiver for tests: checks every Standard Webhooks signature, records each delivery with
its arrival time, and can be taken down (its port closed, so senders get connection refused) and brought
back on the same port, as a subscriber's server going away and returning would; or, while ``failing``,
stay up and answer 503, as a broken one would."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shared import webhooks as wh


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    at: float  # time.monotonic() on arrival
    body: dict[str, Any]


@dataclass
class WebhookReceiver:
    secret: str = ""
    port: int = 0
    host: str = "127.0.0.1"  # the address to listen on (the compose test: a container network's gateway)
    failing: bool = False
    deliveries: list[Delivery] = field(default_factory=list)
    bad_signatures: int = 0
    refused: int = 0  # requests answered 503 while failing
    aborted: int = 0  # requests cut short by the sender (its process killed mid-request)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                declared = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(declared)
                status = receiver._accept(dict(self.headers.items()), body, declared)
                self.send_response(status)
                self.end_headers()

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True).start()
        return self.url

    def stop(self) -> None:
        """Close the listening socket: from now on connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _accept(self, headers: dict[str, str], body: bytes, declared: int) -> int:
        with self._lock:
            if len(body) < declared:
                self.aborted += 1
                return 400
            if self.failing:
                self.refused += 1
                return 503
            h = {k.lower(): v for k, v in headers.items()}
            ok = wh.verify(self.secret, h.get("webhook-id", ""), h.get("webhook-timestamp", "0"),
                           h.get("webhook-signature", ""), body, now=int(time.time()))  # fmt: skip
            if not ok:
                self.bad_signatures += 1
                return 401
            self.deliveries.append(Delivery(h["webhook-id"], time.monotonic(), json.loads(body)))
            return 204

    def webhook_ids(self) -> list[str]:
        with self._lock:
            return [d.webhook_id for d in self.deliveries]
