"""The composition root: builds the Runtime every entry point (GUI, serve, CLI, tests) uses."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from ghl_desktop.core.clock import Clock, SystemClock
from ghl_desktop.core.db import Database, open_database, sqlite_url
from ghl_desktop.core.secrets import SecretStore, open_secret_store
from ghl_desktop.providers.sandbox import register_sandbox_defaults
from ghl_desktop.providers.webhook import WebhookProvider
from ghl_desktop.services import schema
from ghl_desktop.services.bus import EventBus
from ghl_desktop.services.catalogue import ensure_catalogue
from ghl_desktop.services.outbox import ProviderRegistry
from ghl_desktop.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

DATA_DIR_ENV = "GHL_DESKTOP_DATA_DIR"
DATABASE_ENV = "GHL_DESKTOP_DATABASE"


def default_data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else Path(user_data_dir("ghl-desktop", appauthor=False))


@dataclass
class Runtime:
    data_dir: Path
    database: Database
    clock: Clock
    bus: EventBus
    uows: UnitOfWorkFactory
    secrets: SecretStore
    # Channel -> provider resolver for the outbox dispatcher (sandbox defaults, then real ones).
    providers: ProviderRegistry = field(default_factory=ProviderRegistry)
    migration_backup: str | None = None
    _closed: bool = field(default=False, repr=False)

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    def close(self) -> None:
        if not self._closed:
            self.database.dispose()
            self._closed = True


def build_runtime(
    data_dir: Path | None = None,
    database_url: str | None = None,
    *,
    migrate: bool = True,
    clock: Clock | None = None,
    secrets: SecretStore | None = None,
) -> Runtime:
    """Open the database, migrate it (taking a backup first), wire the bus and subscribers."""
    data_dir = (data_dir or default_data_dir()).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = database_url or os.environ.get(DATABASE_ENV) or sqlite_url(data_dir / "ghl_desktop.db")
    database = open_database(url)
    clock = clock or SystemClock()
    bus = EventBus(clock)
    uows = UnitOfWorkFactory(database, clock, bus)
    bus.bind(uows)
    runtime = Runtime(
        data_dir=data_dir,
        database=database,
        clock=clock,
        bus=bus,
        uows=uows,
        secrets=secrets or open_secret_store(data_dir, namespace=str(data_dir)),
    )
    register_providers(runtime)
    try:
        if migrate:
            runtime.migration_backup = schema.migrate(database, runtime.backups_dir)
            with uows.system() as uow:
                ensure_catalogue(uow.session)
                uow.commit()
        register_subscribers(runtime)
        if migrate:
            # Events committed before a crash but never delivered go out now.
            bus.redispatch_pending()
    except BaseException:
        database.dispose()
        raise
    return runtime


def register_providers(runtime: Runtime) -> None:
    """Outbox providers: sandbox defaults first; real adapters registered after replace them."""
    register_sandbox_defaults(runtime.providers)
    from ghl_desktop.providers.twilio_inbox import register_inbox_providers

    register_inbox_providers(runtime.providers, runtime.uows, runtime.secrets)
    webhook = WebhookProvider(runtime.secrets, clock=runtime.clock)
    runtime.providers.register("webhook", lambda _sub_account_id: webhook)
    from ghl_desktop.providers.email_resolver import register_email_provider

    register_email_provider(
        runtime.providers, runtime.uows, runtime.secrets, runtime.clock, runtime.data_dir
    )
    from ghl_desktop.services.inbox.webchat_delivery import register_webchat_provider

    register_webchat_provider(runtime.providers)
    from ghl_desktop.services.inbox.email_ingest import register_data_dir

    register_data_dir(runtime.database, runtime.data_dir)  # where inbound attachments go


def register_subscribers(runtime: Runtime) -> None:
    """Each capability wires its durable event subscribers here."""
    from ghl_desktop.services.inbox import status as inbox_status

    inbox_status.subscribe(runtime.bus)
    from ghl_desktop.services.workflows import engine as workflow_engine

    workflow_engine.register(runtime.bus)
