"""Adapters implementing the services' ports (sandbox defaults, webhook, SMTP, Twilio...)."""
