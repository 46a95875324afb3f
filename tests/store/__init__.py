"""Contract tests of the job store, key store and webhook outbox, run against every implementation."""
