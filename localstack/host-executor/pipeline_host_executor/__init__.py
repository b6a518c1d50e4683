"""Runs LocalStack's Lambda functions as host processes, for machines without a Docker engine."""
