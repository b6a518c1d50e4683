"""
The Lambda Runtime API of one execution environment, served on 127.0.0.1.

A runtime (here the Node.js client in node-runtime.mjs) long-polls `GET .../invocation/next`,
runs the handler, and posts `.../invocation/<id>/response` or `.../invocation/<id>/error`; a
runtime that cannot load its handler posts `.../init/error` instead. These are the four routes of
AWS's published Runtime API (version 2018-06-01), with its headers; extensions and telemetry are
not served.
"""

import dataclasses
import json
import queue
import threading
from concurrent.futures import Future
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


@dataclasses.dataclass(frozen=True)
class Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str | None


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the runtime posted for an invocation: the response, or an error document."""

    body: bytes
    is_error: bool


class InitError(Exception):
    """The runtime could not initialise (its handler did not load)."""

    def __init__(self, body: bytes):
        super().__init__(body.decode("utf-8", "replace"))
        self.body = body


class RuntimeApi:
    """
    Serves the Runtime API for one runtime process. `dispatch` hands an invocation to the
    runtime and returns a future of its outcome; `ready` is set once the runtime asks for its
    first invocation (its init phase is over); `init_error` resolves if init failed instead.
    """

    def __init__(self) -> None:
        self._next: queue.Queue[Invocation | None] = queue.Queue()
        self._pending: dict[str, Future[Outcome]] = {}
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self.init_error: Future[bytes] = Future()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="runtime-api", daemon=True)

    @property
    def address(self) -> str:
        """`host:port`, the value of AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> "RuntimeApi":
        self._thread.start()
        return self

    def shutdown(self) -> None:
        self._next.put(None)
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for future in self._pending.values():
                future.cancel()
            self._pending.clear()

    def dispatch(self, invocation: Invocation) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        with self._lock:
            self._pending[invocation.request_id] = future
        self._next.put(invocation)
        return future

    def forget(self, request_id: str) -> None:
        with self._lock:
            self._pending.pop(request_id, None)

    def _settle(self, request_id: str, outcome: Outcome) -> bool:
        with self._lock:
            future = self._pending.pop(request_id, None)
        if future is None or future.done():
            return False
        future.set_result(outcome)
        return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
                pass  # the runtime's own output is the function's log, not our access log

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _reply(self, status: HTTPStatus, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the runtime was stopped while it waited; nobody is left to answer

            def _error(self, status: HTTPStatus, error_type: str, message: str) -> None:
                body = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
                self._reply(status, body, {"Content-Type": "application/json"})

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path != f"{PREFIX}/invocation/next":
                    return self._error(HTTPStatus.NOT_FOUND, "InvalidRequest", f"no route {self.path}")
                api.ready.set()
                invocation = api._next.get()
                if invocation is None:  # shutting down: the runtime is about to be killed
                    api._next.put(None)
                    return self._error(HTTPStatus.GONE, "Shutdown", "the execution environment is stopping")
                headers = {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                }
                if invocation.trace_id:
                    headers["Lambda-Runtime-Trace-Id"] = invocation.trace_id
                self._reply(HTTPStatus.OK, invocation.payload, headers)

            def do_POST(self) -> None:  # noqa: N802
                body = self._body()
                if self.path == f"{PREFIX}/init/error":
                    if not api.init_error.done():
                        api.init_error.set_result(body)
                    return self._reply(HTTPStatus.ACCEPTED)
                parts = self.path.removeprefix(f"{PREFIX}/invocation/").split("/")
                if not self.path.startswith(f"{PREFIX}/invocation/") or len(parts) != 2 or parts[1] not in ("response", "error"):
                    return self._error(HTTPStatus.NOT_FOUND, "InvalidRequest", f"no route {self.path}")
                request_id, kind = parts
                if not api._settle(request_id, Outcome(body=body, is_error=kind == "error")):
                    return self._error(HTTPStatus.BAD_REQUEST, "InvalidStateTransition", f"no invocation {request_id} is waiting")
                self._reply(HTTPStatus.ACCEPTED)

        return Handler
