"""Twilio test kit: credentials, a Twilio-signed form post, and the API faked with
``responses`` (the SDK sends its requests through ``requests``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

import responses

from ghl_desktop.bootstrap import Runtime
from ghl_desktop.services.inbox.twilio_settings import TwilioChannel, configure_twilio
from tests.conftest import Tenant

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 16 + "0" * 16
OUR_NUMBER = "+15005550006"
PUBLIC = "https://hooks.example.com"
API = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"


def configure(rt: Runtime, t: Tenant, channel: str = "sms", **changes: Any) -> TwilioChannel:
    values: dict[str, Any] = {
        "channel": channel, "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
        "from_number": OUR_NUMBER,
    }  # fmt: skip
    values.update(changes)
    return configure_twilio(rt.uows, rt.secrets, t.owner, t.sub_account_id, **values)


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature as Twilio computes it (written out here, not borrowed from the SDK):
    base64(HMAC-SHA1(auth token, URL + every parameter name and value, sorted by name))."""
    data = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def inbound_params(
    body: str, sid: str, sender: str = "+14155550100", **extra: str
) -> dict[str, str]:
    params = {
        "MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": sender,
        "To": OUR_NUMBER, "Body": body, "NumMedia": "0", "ApiVersion": "2010-04-01",
    }  # fmt: skip
    if sender.startswith("whatsapp:"):
        params["To"] = f"whatsapp:{OUR_NUMBER}"
    params.update(extra)
    return params


def message_json(sid: str, to: str, body: str, status: str = "queued") -> dict[str, Any]:
    return {
        "sid": sid, "account_sid": ACCOUNT_SID, "to": to, "from": OUR_NUMBER, "body": body,
        "status": status, "num_segments": "1", "num_media": "0", "direction": "outbound-api",
        "api_version": "2010-04-01", "price": None, "error_code": None, "error_message": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        "date_created": "Wed, 25 Nov 2026 22:00:00 +0000",
        "date_updated": "Wed, 25 Nov 2026 22:00:00 +0000", "date_sent": None,
        "messaging_service_sid": None, "subresource_uris": {},
    }  # fmt: skip


def sent_form(call: Any) -> dict[str, list[str]]:
    """The form the SDK posted (``responses`` keeps the real request)."""
    body = call.request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return parse_qs(text)


def twilio_error(code: int, status: int, message: str) -> tuple[int, dict[str, str], str]:
    payload = {"code": code, "message": message, "status": status,
               "more_info": f"https://www.twilio.com/docs/errors/{code}"}  # fmt: skip
    return status, {"content-type": "application/json"}, json.dumps(payload)


__all__ = ["responses"]
