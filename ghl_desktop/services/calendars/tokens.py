"""Signed links for the invitee: reschedule and cancel an appointment without an account.

The token is ``<appointment id>.<signature>`` with the installation's signing key (the funnel
server's, from the secret store), so links made by the desktop app work on the server and a
changed id or a guessed signature fails. It stays valid while the appointment can change.
"""

from __future__ import annotations

from ghl_desktop.core.secrets import SecretStore
from ghl_desktop.services.sites.signing import Signer, load_signing_key

PURPOSE = "appointment-manage"
BOOKING_PREFIX = "/_book"


def signer_from(store: SecretStore) -> Signer:
    return Signer(load_signing_key(store))


def manage_token(signer: Signer, appointment_id: str) -> str:
    return f"{appointment_id}.{signer.sign(PURPOSE, appointment_id)}"


def read_manage_token(signer: Signer, token: str) -> str | None:
    """The appointment id the token was made for, or None when it is forged or malformed."""
    appointment_id, _, signature = token.partition(".")
    if not appointment_id or not signature or len(token) > 120:
        return None
    return appointment_id if signer.verify(signature, PURPOSE, appointment_id) else None


def booking_path(sub_account_id: str, slug: str) -> str:
    return f"{BOOKING_PREFIX}/{sub_account_id}/{slug}"


def manage_paths(signer: Signer, appointment_id: str) -> dict[str, str]:
    token = manage_token(signer, appointment_id)
    return {
        "reschedule": f"{BOOKING_PREFIX}/manage/{token}/reschedule",
        "cancel": f"{BOOKING_PREFIX}/manage/{token}/cancel",
    }
