"""
A LocalStack runtime executor that runs each execution environment of a Node.js function as a
host process instead of a Docker container.

LocalStack's own executor (`docker`) starts a container from AWS's base image with LocalStack's
runtime init inside. This one, per execution environment:

- serves the Lambda Runtime API on 127.0.0.1 (runtime_api.py) and starts
  `node node-runtime.mjs` in the function's unzipped code folder, with the environment LocalStack
  computed for the function (credentials, AWS_ENDPOINT_URL, the function's own variables, ...),
  LAMBDA_TASK_ROOT pointing at that folder and a TMPDIR of its own;
- the init phase ends when the runtime asks for its first invocation; a handler that fails to load
  fails the environment's start with the runtime's error, as Lambda's init does;
- one invocation at a time: the payload goes to the runtime, the response or error document comes
  back to LocalStack, and the process's output during the invocation, framed by the START, END and
  REPORT lines Lambda writes, becomes the invocation's log, which LocalStack ships to CloudWatch Logs;
- the function's timeout is enforced: the process is killed, the invocation fails with Lambda's
  "Task timed out" error, and the next invocation starts a fresh process (a new init), as Lambda
  does after a timeout or a runtime that exits;
- responses over Lambda's 6 MB limit fail with Function.ResponseSizeTooLarge;
- the V8 heap is capped near the function's memory size, so a function that would run out of memory
  on Lambda does here too (the host process has no container memory limit).

What differs from Lambda (and from the Docker executor): the code runs on the host's Node.js (not
the runtime the function declares), as the host's user, with the host's filesystem and network.
"""

import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor

from pipeline_host_executor.runtime_api import Invocation, RuntimeApi

LOG = logging.getLogger(__name__)

NODE_RUNTIME = Path(__file__).with_name("node-runtime.mjs")
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
HOST = "127.0.0.1"


def node_binary() -> str | None:
    """The Node.js that runs the functions: PIPELINE_LAMBDA_NODE, else `node` on PATH."""
    return os.environ.get("PIPELINE_LAMBDA_NODE") or shutil.which("node")


def heap_limit_mb(memory_size: int) -> int:
    """The V8 old-space cap for a function of `memory_size` MB: 90%, leaving room for the rest of the process."""
    return max(64, memory_size * 9 // 10)


def peak_rss_mb(pid: int) -> int | None:
    """The process's peak resident set (VmHWM), in MB, or None where /proc does not say."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        return None
    return None


def as_lines(output: bytes) -> str:
    text = output.decode("utf-8", "replace")
    return text if text == "" or text.endswith("\n") else f"{text}\n"


def error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class HostRuntimeExecutor(RuntimeExecutor):
    """One execution environment: a Runtime API server and the Node.js process that polls it."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:  # noqa: A002 - LocalStack's signature
        super().__init__(id=id, function_version=function_version)
        self._env: dict[str, str] = {}
        self._api: RuntimeApi | None = None
        self._process: subprocess.Popen | None = None
        self._folder = Path(tempfile.mkdtemp(prefix=f"lambda-{function_version.id.function_name[:40]}-{id[:8]}-"))
        self._log_path = self._folder / "output.log"
        self._log_path.touch()
        self._init_ms: float | None = None
        self._reported = 0  # how much of the output file earlier invocations' logs carried
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, env_vars: dict[str, str]) -> None:
        self._env = {key: str(value) for key, value in env_vars.items()}
        self._spawn()

    def stop(self) -> None:
        self._kill()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _spawn(self) -> None:
        """Starts the runtime and waits for its init phase to end; raises if init fails."""
        node = node_binary()
        if node is None:
            raise LambdaRuntimeException("no Node.js found for the host executor: put `node` on PATH or set PIPELINE_LAMBDA_NODE")
        code = self.function_version.config.code.get_unzipped_code_location()
        tmp = self._folder / "tmp"
        tmp.mkdir(exist_ok=True)
        api = RuntimeApi().start()
        memory = int(self.function_version.config.memory_size)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            # the AWS SDK warns about the host's Node.js, which the function does not run on in AWS
            "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
            **self._env,
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "LAMBDA_TASK_ROOT": str(code),
            "TMPDIR": str(tmp),
        }
        env["NODE_OPTIONS"] = f"{self._env.get('NODE_OPTIONS', '')} --max-old-space-size={heap_limit_mb(memory)}".strip()
        started = time.perf_counter()
        with open(self._log_path, "ab") as output:
            # stdout and stderr share one append-only file: Node writes to files synchronously, so
            # everything an invocation printed is on disk when its response arrives.
            process = subprocess.Popen(
                [node, str(NODE_RUNTIME)],
                cwd=code,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        self._api, self._process = api, process
        deadline = time.monotonic() + config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT
        while not api.ready.is_set():
            if api.init_error.done():
                body = api.init_error.result()
                self._kill()
                raise LambdaRuntimeException(f"init failed: {body.decode('utf-8', 'replace')}")
            if process.poll() is not None:
                self._kill()
                raise LambdaRuntimeException(f"the runtime exited during init with status {process.returncode}: {self._tail()}")
            if time.monotonic() > deadline:
                self._kill()
                raise LambdaRuntimeException(f"init did not finish in {config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT} s: {self._tail()}")
            api.ready.wait(0.02)
        self._init_ms = (time.perf_counter() - started) * 1000

    def _kill(self) -> None:
        process, api = self._process, self._api
        self._process, self._api = None, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=5)
        if api is not None:
            api.shutdown()

    def _tail(self, limit: int = 2000) -> str:
        text = self._log_path.read_text(errors="replace")
        return text[-limit:].strip() or "(no output)"

    # -- invocations -----------------------------------------------------------------------------

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        with self._lock:
            return self._invoke(payload)

    def _invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload.get("invoke-id") or str(uuid.uuid4())
        version = self.function_version.id.qualifier
        timeout_s = int(self.function_version.config.timeout)
        memory = int(self.function_version.config.memory_size)
        init_note = ""
        if self._process is None or self._process.poll() is not None:
            # after a timeout or an exit, Lambda starts a new runtime before the next invocation
            self._kill()
            self._spawn()
        if self._init_ms is not None:
            init_note = f"Init Duration: {self._init_ms:.2f} ms\t"
            self._init_ms = None
        # what the runtime printed since the last invocation (its init, the first time) precedes START
        before = self._read_output(self._reported)
        offset = self._reported + len(before)
        api, process = self._api, self._process
        assert api is not None and process is not None
        started = time.perf_counter()
        future = api.dispatch(
            Invocation(
                request_id=request_id,
                payload=payload.get("payload", "").encode(),
                deadline_ms=int(time.time() * 1000) + timeout_s * 1000,
                function_arn=payload.get("invoked-function-arn", self.function_version.qualified_arn),
                trace_id=payload.get("trace-id"),
            )
        )
        body, is_error = None, False
        deadline = time.monotonic() + timeout_s
        while body is None:
            try:
                outcome = future.result(timeout=0.05)
                body, is_error = outcome.body, outcome.is_error
            except FutureTimeout:
                if process.poll() is not None:
                    api.forget(request_id)
                    body = error_document(
                        "Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited with error: exit status {process.returncode}"
                    )
                    is_error = True
                elif time.monotonic() > deadline:
                    api.forget(request_id)
                    self._kill()
                    body = error_document("Sandbox.Timedout", f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} Task timed out after {timeout_s}.00 seconds")
                    is_error = True
        duration_ms = (time.perf_counter() - started) * 1000
        if not is_error and len(body) > MAX_RESPONSE_BYTES:
            body = error_document("Function.ResponseSizeTooLarge", f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).")
            is_error = True
        peak = peak_rss_mb(process.pid)
        printed = self._read_output(offset)
        self._reported = offset + len(printed)
        logs = (
            f"{as_lines(before)}"
            f"START RequestId: {request_id} Version: {version}\n"
            f"{as_lines(printed)}"
            f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {max(1, round(duration_ms + 0.5))} ms\t"
            f"Memory Size: {memory} MB\tMax Memory Used: {peak if peak is not None else '-'} MB\t{init_note}\n"
        )
        return InvocationResult(request_id, body, is_error=is_error, logs=logs)

    def _read_output(self, start: int) -> bytes:
        with open(self._log_path, "rb") as output:
            output.seek(start)
            return output.read()

    # -- what LocalStack asks of every executor --------------------------------------------------

    def get_address(self) -> str:
        return HOST

    def get_endpoint_from_executor(self) -> str:
        # the functions run on this host, where LocalStack's gateway listens
        return HOST

    def get_runtime_endpoint(self) -> str:
        return f"http://{HOST}:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    def get_logs(self) -> str:
        return self._log_path.read_text(errors="replace") if self._log_path.exists() else ""

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        runtime = str(function_version.config.runtime or "")
        if not runtime.startswith("nodejs"):
            raise LambdaRuntimeException(
                f"the host executor runs Node.js functions only; {function_version.id.function_name} has runtime '{runtime or 'image'}'"
            )
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        if node_binary() is None:
            LOG.warning("the host Lambda executor needs Node.js: put `node` on PATH or set PIPELINE_LAMBDA_NODE")
            return False
        return True
