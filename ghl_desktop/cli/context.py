"""What every command needs: the runtime, the acting user, and the agency it works on."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ghl_desktop.core.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from ghl_desktop.bootstrap import Runtime
    from ghl_desktop.services.actor import Actor

PASSWORD_ENV = "GHL_DESKTOP_PASSWORD"  # noqa: S105 (a variable name)


@dataclass
class Context:
    runtime: Runtime
    actor: Actor

    def agency_id(self, explicit: str | None) -> str:
        """``--agency`` if given, else the only agency the actor can see."""
        from ghl_desktop.services import agencies

        visible = agencies.list_agencies(self.runtime.uows, self.actor)
        if explicit:
            if not any(a.id == explicit for a in visible):
                raise NotFound("agency", explicit)
            return explicit
        if len(visible) == 1:
            return visible[0].id
        if not visible:
            raise ValidationError("agency", "none exists yet: run `ghl-desktop init` first")
        raise ValidationError("agency", "several agencies exist: pass --agency ID")


def read_secret_line(what: str) -> str:
    """One line from standard input, without its line ending (for ``--*-password-stdin``)."""
    line = sys.stdin.readline()
    if not line:
        raise ValidationError(what, "expected on standard input, got nothing")
    return line.rstrip("\r\n")


def open_context(args: argparse.Namespace, *, migrate: bool = True) -> Context:
    from ghl_desktop.bootstrap import build_runtime
    from ghl_desktop.services import auth
    from ghl_desktop.services.actor import SYSTEM

    runtime = build_runtime(
        Path(args.data_dir) if args.data_dir else None, args.database, migrate=migrate
    )
    actor = SYSTEM
    if getattr(args, "as_user", None):
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            if not sys.stdin.isatty():
                runtime.close()
                raise ValidationError("password", f"set {PASSWORD_ENV} to act as {args.as_user}")
            password = getpass.getpass(f"Password for {args.as_user}: ")
        try:
            actor = auth.sign_in(runtime.uows, args.as_user, password, record_login=False)
        except BaseException:
            runtime.close()
            raise
    return Context(runtime, actor)
