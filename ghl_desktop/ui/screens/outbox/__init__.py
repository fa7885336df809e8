"""The Outbox screen: queue, failures, dead letters, the sandbox mailbox and scheduler jobs."""
