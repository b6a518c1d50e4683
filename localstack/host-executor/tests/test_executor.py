"""
The host executor against real Node.js processes: a function's code in a folder, the executor's
Runtime API and node-runtime.mjs, as LocalStack drives them (start, invoke, stop). The function
version is a stand-in with the fields the executor reads.
"""

import json
import textwrap
from types import SimpleNamespace

import pytest
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException

from pipeline_host_executor.executor import HostRuntimeExecutor, heap_limit_mb

HANDLERS = """
export const echo = async (event, context) => {
  console.log('echo', JSON.stringify(event));
  return { event, requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis(),
           root: process.env.LAMBDA_TASK_ROOT, greeting: process.env.GREETING, nodeOptions: process.env.NODE_OPTIONS,
           trace: process.env._X_AMZN_TRACE_ID ?? null };
};
export const fail = async () => { throw new RangeError('out of range'); };
export const slow = async (event) => { await new Promise((r) => setTimeout(r, event.ms)); return 'late'; };
export const exit = async () => { process.exit(3); };
export const big = async () => 'x'.repeat(7 * 1024 * 1024);
export const counter = (() => { let n = 0; return async () => ++n; })();
"""


def function_version(code, handler, timeout=3, memory=256, runtime="nodejs24.x"):
    return SimpleNamespace(
        id=SimpleNamespace(function_name=f"fn-{handler}", qualifier="$LATEST"),
        qualified_arn=f"arn:aws:lambda:us-east-1:000000000000:function:fn-{handler}:$LATEST",
        config=SimpleNamespace(
            code=SimpleNamespace(get_unzipped_code_location=lambda: code, prepare_for_execution=lambda: None),
            memory_size=memory,
            timeout=timeout,
            runtime=runtime,
            handler=handler,
        ),
    )


@pytest.fixture
def code(tmp_path):
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "index.mjs").write_text(textwrap.dedent(HANDLERS))
    (folder / "init.mjs").write_text("console.log('initialising');\nexport const handler = async () => 'ok';\n")
    return folder


@pytest.fixture
def run(code):
    started = []

    def start(handler, env=None, **kwargs):
        executor = HostRuntimeExecutor(f"env-{len(started)}", function_version(code, handler, **kwargs))
        started.append(executor)
        executor.start({"_HANDLER": handler, "AWS_LAMBDA_FUNCTION_NAME": "fn", **(env or {})})
        return executor

    yield start
    for executor in started:
        executor.stop()


def invoke(executor, event, request_id="req-1", trace=None):
    payload = {"invoke-id": request_id, "invoked-function-arn": "arn:fn", "payload": json.dumps(event)}
    if trace:
        payload["trace-id"] = trace
    return executor.invoke(payload)


def test_returns_the_handlers_result_with_the_functions_environment(run, code):
    executor = run("index.echo", env={"GREETING": "hello"}, timeout=5, memory=1000)
    result = invoke(executor, {"n": 1}, trace="Root=1-abc")
    assert not result.is_error
    body = json.loads(result.payload)
    assert body["event"] == {"n": 1}
    assert body["requestId"] == "req-1"
    assert 0 < body["remaining"] <= 5000
    assert body["root"] == str(code)
    assert body["greeting"] == "hello"
    assert f"--max-old-space-size={heap_limit_mb(1000)}" in body["nodeOptions"]
    assert body["trace"] == "Root=1-abc"


def test_frames_what_the_function_printed_as_lambda_does(run):
    executor = run("init.handler")
    first = invoke(executor, {}, "req-a").logs
    second = invoke(executor, {}, "req-b").logs
    assert first.index("initialising") < first.index("START RequestId: req-a Version: $LATEST")
    assert "END RequestId: req-a" in first and "REPORT RequestId: req-a\tDuration:" in first
    assert "Init Duration:" in first and "Init Duration:" not in second
    assert "initialising" not in second


def test_reports_a_thrown_error_as_a_function_error(run):
    executor = run("index.fail")
    result = invoke(executor, {})
    assert result.is_error
    document = json.loads(result.payload)
    assert document["errorType"] == "RangeError"
    assert document["errorMessage"] == "out of range"
    assert "Invoke Error" in result.logs


def test_keeps_the_process_warm_between_invocations(run):
    executor = run("index.counter")
    assert [json.loads(invoke(executor, {}, f"r{i}").payload) for i in range(3)] == [1, 2, 3]


def test_times_out_and_starts_a_fresh_runtime_for_the_next_invocation(run):
    executor = run("index.slow", timeout=1)
    result = invoke(executor, {"ms": 5000})
    assert result.is_error
    assert json.loads(result.payload)["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in json.loads(result.payload)["errorMessage"]
    again = invoke(executor, {"ms": 10}, "req-2")
    assert not again.is_error and json.loads(again.payload) == "late"


def test_reports_a_runtime_that_exits_and_recovers(run):
    executor = run("index.exit")
    result = invoke(executor, {})
    assert result.is_error
    assert json.loads(result.payload)["errorType"] == "Runtime.ExitError"
    assert json.loads(invoke(executor, {}, "req-2").payload)["errorType"] == "Runtime.ExitError"


def test_rejects_a_response_over_six_megabytes(run):
    result = invoke(run("index.big"), {})
    assert result.is_error
    assert json.loads(result.payload)["errorType"] == "Function.ResponseSizeTooLarge"


@pytest.mark.parametrize(
    "handler, error_type",
    [("index.missing", "Runtime.HandlerNotFound"), ("nowhere.handler", "Runtime.ImportModuleError"), ("index", "Runtime.MalformedHandlerName")],
)
def test_fails_the_start_when_the_handler_does_not_load(run, handler, error_type):
    with pytest.raises(LambdaRuntimeException, match=error_type):
        run(handler)


def test_refuses_runtimes_other_than_nodejs(code):
    with pytest.raises(LambdaRuntimeException, match="Node.js functions only"):
        HostRuntimeExecutor.prepare_version(function_version(code, "index.echo", runtime="python3.12"))
