"""Twilio SMS and WhatsApp: the requests the SDK really sends (faked at the HTTP level), clear
errors, and the signed webhooks on the running funnel server - tampered or unsigned refused,
duplicates and out-of-order status callbacks harmless."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import requests
from sqlalchemy import func, select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.conversations import Channel, Message
from ghl_desktop.models.crm import Contact
from ghl_desktop.providers.twilio_inbox import register_inbox_providers
from ghl_desktop.providers.twilio_sms import SenderPacer, send_test
from ghl_desktop.services.inbox.sending import send_message
from ghl_desktop.services.outbox.dispatcher import Dispatcher
from ghl_desktop.services.sites import server_settings
from ghl_desktop.services.sites.server_settings import ServerSettings
from tests.e2e.sites_kit import running_server
from tests.integration.inbox_support import new_contact
from tests.integration.twilio_support import (
    ACCOUNT_SID,
    API,
    AUTH_TOKEN,
    OUR_NUMBER,
    PUBLIC,
    configure,
    inbound_params,
    message_json,
    responses,
    sent_form,
    twilio_error,
    twilio_signature,
)
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def _send(rt, t, contact_id, body="Hello from us", channel="sms", **kw) -> str:
    with rt.uows.tenant(t.owner, t.sub_account_id) as uow:
        message_id = send_message(uow, contact_id=contact_id, channel=channel, body=body, **kw)
        uow.commit()
    return message_id


def _state(rt, message_id) -> tuple[str, str | None, str | None]:
    with rt.uows.system(read_only=True) as uow:
        m = uow.session.get(Message, message_id)
        assert m is not None
        return str(m.status), m.provider_message_id, m.error


def _dispatch(rt) -> None:
    Dispatcher(rt.uows, rt.providers, rt.clock).dispatch_due()


@responses.activate
def test_sms_goes_out_through_the_twilio_api(runtime, tenant) -> None:
    server_settings.save(runtime.uows, ServerSettings(public_base_url=PUBLIC))
    configure(runtime, tenant)
    ann = new_contact(runtime, tenant, phone="+14155550100")
    call = responses.post(
        f"{API}/Messages.json", status=201, json=message_json("SM" + "1" * 32, "+14155550100", "x")
    )
    message_id = _send(runtime, tenant, ann)
    _dispatch(runtime)
    assert call.call_count == 1
    form = sent_form(call.calls[0])
    assert form["To"] == ["+14155550100"]
    assert form["From"] == [OUR_NUMBER]
    assert form["Body"] == ["Hello from us"]
    assert form["StatusCallback"] == [f"{PUBLIC}/_twilio/{tenant.sub_account_id}/status"]
    assert call.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert _state(runtime, message_id)[:2] == ("sent", "SM" + "1" * 32)


@responses.activate
def test_whatsapp_with_media_uses_the_whatsapp_prefix(runtime, tenant) -> None:
    configure(runtime, tenant, channel="whatsapp")
    ann = new_contact(runtime, tenant, phone="+14155550100")
    call = responses.post(
        f"{API}/Messages.json", status=201, json=message_json("SM" + "2" * 32, "w", "x")
    )
    media = [{"url": "https://cdn.example.com/menu.jpg", "content_type": "image/jpeg"}]
    _send(runtime, tenant, ann, channel="whatsapp", body="Menu", attachments=media)
    _dispatch(runtime)
    form = sent_form(call.calls[0])
    assert form["To"] == ["whatsapp:+14155550100"]
    assert form["From"] == [f"whatsapp:{OUR_NUMBER}"]
    assert form["MediaUrl"] == ["https://cdn.example.com/menu.jpg"]
    assert "StatusCallback" not in form  # no public address: Twilio could not reach us


@responses.activate
def test_bad_credentials_fail_the_message_with_twilio_20003(runtime, tenant) -> None:
    configure(runtime, tenant)
    ann = new_contact(runtime, tenant, phone="+14155550100")
    responses.post(f"{API}/Messages.json", body=twilio_error(20003, 401, "Authenticate")[2],
                   status=401, content_type="application/json")  # fmt: skip
    message_id = _send(runtime, tenant, ann)
    _dispatch(runtime)
    status, _sid, error = _state(runtime, message_id)
    assert status == "failed"
    assert error is not None
    assert "20003" in error
    assert "auth token" in error


@responses.activate
def test_server_errors_and_unreachable_api_are_retried(runtime, tenant) -> None:
    configure(runtime, tenant)
    ann = new_contact(runtime, tenant, phone="+14155550100")
    responses.post(f"{API}/Messages.json", body=twilio_error(20500, 503, "Unavailable")[2],
                   status=503, content_type="application/json")  # fmt: skip
    first = _send(runtime, tenant, ann)
    _dispatch(runtime)
    status, _sid, error = _state(runtime, first)
    assert status == "queued"
    assert error is not None
    assert "retrying" in error
    responses.replace(
        responses.POST, f"{API}/Messages.json", body=requests.ConnectionError("no route")
    )
    register_inbox_providers(
        runtime.providers, runtime.uows, runtime.secrets, pacer=SenderPacer(sleep=lambda _s: None)
    )
    runtime.clock.advance(timedelta(hours=1))
    _dispatch(runtime)
    assert "unreachable" in (_state(runtime, first)[2] or "")


@responses.activate
def test_sandbox_threads_never_reach_twilio(runtime, tenant) -> None:
    configure(runtime, tenant)
    ann = new_contact(runtime, tenant, phone="+14155550100")
    message_id = _send(runtime, tenant, ann, channel="sandbox")
    _dispatch(runtime)
    assert len(responses.calls) == 0
    assert _state(runtime, message_id)[0] == "sent"


def test_pacer_holds_a_sender_one_second_per_segment() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = SenderPacer(1.0, monotonic=lambda: now[0], sleep=sleep)
    assert pacer.wait_turn("+15005550006", 3) == 0
    assert pacer.wait_turn("+15005550007", 1) == 0  # another sender is not held
    assert pacer.wait_turn("+15005550006", 1) == pytest.approx(3.0)
    assert slept == [pytest.approx(3.0)]


@responses.activate
def test_send_test_reports_clear_errors(runtime, tenant) -> None:
    channel = configure(runtime, tenant)
    responses.get(
        f"{API}.json", json={"sid": ACCOUNT_SID, "friendly_name": "Acme", "status": "active"}
    )
    responses.post(f"{API}/Messages.json", status=201,
                   json=message_json("SM" + "3" * 32, "+14155550100", "t"))  # fmt: skip
    assert send_test(channel, "+14155550100") == "SM" + "3" * 32
    responses.replace(responses.GET, f"{API}.json", status=401,
                      body=twilio_error(20003, 401, "Authenticate")[2])  # fmt: skip
    with pytest.raises(ValidationError, match="auth_token: Twilio error 20003"):
        send_test(channel, "+14155550100")
    responses.replace(responses.GET, f"{API}.json", body=requests.ConnectionError("refused"))
    with pytest.raises(ValidationError, match="connection: Twilio is unreachable"):
        send_test(channel, "+14155550100")


def test_settings_are_validated_and_the_token_stays_out_of_the_database(runtime, tenant) -> None:
    with pytest.raises(ValidationError, match="account_sid"):
        configure(runtime, tenant, account_sid="AC123")
    with pytest.raises(ValidationError, match="from_number"):
        configure(runtime, tenant, from_number=None)
    with pytest.raises(ValidationError, match="channel"):
        configure(runtime, tenant, channel="email")
    configure(runtime, tenant)
    with runtime.uows.system(read_only=True) as uow:
        dump = str(uow.session.execute(select(func.group_concat(Message.body))).all())
        configs = [str(c.config) for c in uow.session.scalars(select(Channel))]
    assert AUTH_TOKEN not in dump
    assert all(AUTH_TOKEN not in c for c in configs)


# -- webhooks on the running server ------------------------------------------------------------
def _post(client, path, params, *, token=AUTH_TOKEN, signature=None):
    url = f"{PUBLIC}{path}"
    headers = {}
    if token is not None:
        headers["X-Twilio-Signature"] = signature or twilio_signature(token, url, params)
    return client.post(path, data=params, headers=headers)


def _messages(rt) -> int:
    with rt.uows.system(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Message)) or 0)


def test_inbound_webhook_checks_the_signature_and_stores_once(runtime, tenant) -> None:
    configure(runtime, tenant)
    path = f"/_twilio/{tenant.sub_account_id}/inbound"
    params = inbound_params("Do you open on Sunday?", "SM" + "a" * 32)
    with (
        running_server(runtime, public_base_url=PUBLIC) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        assert _post(client, path, params, token=None).status_code == 403  # unsigned
        tampered = dict(params, Body="Send me everything")
        sig = twilio_signature(AUTH_TOKEN, f"{PUBLIC}{path}", params)
        assert _post(client, path, tampered, signature=sig).status_code == 403
        assert _post(client, path, params, token="0" * 32).status_code == 403  # wrong key
        other = f"/_twilio/{tenant.other_sub_account_id}/inbound"
        assert _post(client, other, params).status_code == 403  # no Twilio there
        assert _messages(runtime) == 0
        first = _post(client, path, params)
        assert first.status_code == 200
        assert "<Response>" in first.text
        assert _post(client, path, params).status_code == 200  # Twilio retried
    assert _messages(runtime) == 1


def test_stop_and_start_over_the_webhook_toggle_dnd(runtime, tenant) -> None:
    configure(runtime, tenant)
    path = f"/_twilio/{tenant.sub_account_id}/inbound"
    with (
        running_server(runtime, public_base_url=PUBLIC) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        assert _post(client, path, inbound_params("Stop", "SM" + "b" * 32)).status_code == 200
        with runtime.uows.system(read_only=True) as uow:
            contact = uow.session.scalars(select(Contact)).one()
            assert contact.dnd_sms
        assert _post(client, path, inbound_params("START", "SM" + "c" * 32)).status_code == 200
        with runtime.uows.system(read_only=True) as uow:
            assert not uow.session.scalars(select(Contact)).one().dnd_sms


@responses.activate
def test_status_callbacks_out_of_order_never_move_backwards(runtime, tenant) -> None:
    configure(runtime, tenant)
    ann = new_contact(runtime, tenant, phone="+14155550100")
    sid = "SM" + "d" * 32
    responses.post(f"{API}/Messages.json", status=201, json=message_json(sid, "+1", "x"))
    message_id = _send(runtime, tenant, ann)
    responses.add_passthru("http://127.0.0.1")
    path = f"/_twilio/{tenant.sub_account_id}/status"

    def report(status: str, **extra: str) -> int:
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID,
                  "From": OUR_NUMBER, "To": "+14155550100", **extra}  # fmt: skip
        return int(_post(client, path, params).status_code)

    with (
        running_server(runtime, public_base_url=PUBLIC) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        assert report("delivered") == 204  # overtakes the dispatcher: parked
        _dispatch(runtime)
        assert _state(runtime, message_id)[0] == "delivered"
        assert report("sent") == 204
        assert report("undelivered", ErrorCode="30003") == 204
        assert _state(runtime, message_id)[0] == "delivered"
        assert report("read") == 204
        assert _state(runtime, message_id)[0] == "read"
        bad = {"MessageSid": sid, "MessageStatus": "failed", "AccountSid": ACCOUNT_SID}
        assert _post(client, path, bad, token="1" * 32).status_code == 403
    assert _state(runtime, message_id)[0] == "read"
