"""The plux plugin LocalStack loads when LAMBDA_RUNTIME_EXECUTOR=host."""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class HostRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "host"

    def load(self, *args, **kwargs):
        # imported late: LocalStack lists plugins before its Lambda service is importable
        from pipeline_host_executor.executor import HostRuntimeExecutor

        return HostRuntimeExecutor
