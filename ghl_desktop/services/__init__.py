"""Use cases, one module per domain. Headless: no Qt, no HTTP framework."""
