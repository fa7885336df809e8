"""Demo inbox: SMS, email, webchat and WhatsApp channels and threads with realistic restaurant
conversations over the last 90 days (open ones with unread messages, pending and resolved)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from ghl_desktop.core.ids import new_id
from ghl_desktop.models.conversations import (
    Channel,
    ChannelType,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    MessageStatus,
    SenderType,
)
from ghl_desktop.models.crm import Contact
from ghl_desktop.services.demo.common import (
    FEATURED_EMAIL,
    Location,
    contacts_of,
    demo_random,
    exists,
    pick,
    seed_locations,
)
from ghl_desktop.services.demo.context import DemoContext
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

IN, OUT = MessageDirection.INBOUND, MessageDirection.OUTBOUND
# (email subject, [(direction, body)]); {first} is the contact's first name.
SCRIPTS: tuple[tuple[str, list[tuple[MessageDirection, str]]], ...] = (
    ("Table for 6 on Friday", [
        (IN, "Hi, do you have a table for 6 this Friday at 7pm?"),
        (OUT, "Hi {first}! Yes, we can seat 6 at 7pm on Friday. Shall I book it under your name?"),
        (IN, "Yes please, thank you!"),
        (OUT, "Done - see you Friday. Reply here if anything changes."),
    ]),
    ("Office lunch catering", [
        (IN, "Do you offer catering for office lunches? About 25 people."),
        (OUT, "We do! Office lunch packages start at $18 per person. What date are you planning?"),
        (IN, "Next Wednesday, around noon."),
        (OUT, "Great, I'll email you a proposal today."),
    ]),
    ("Lost jacket", [
        (IN, "I left my jacket at the restaurant last night, a black wool coat."),
        (OUT, "Sorry to hear that, {first}! We found it - it's at the host stand whenever you "
              "can pick it up."),
    ]),
    ("Private dining on the 14th", [
        (IN, "Is the private dining room available on the 14th?"),
        (OUT, "It is, and it seats up to 20. Would you like our set menus?"),
        (IN, "Yes please. Do you have vegetarian options?"),
    ]),
    ("Sunday hours", [
        (IN, "What are your opening hours on Sunday?"),
        (OUT, "We're open 10am-9pm on Sundays, with brunch until 3pm."),
    ]),
    ("Thank you!", [
        (IN, "Loved the tasting menu last night! Compliments to the chef."),
        (OUT, "Thank you so much, {first}! We'll pass it on to the kitchen."),
    ]),
    ("Reservation change", [
        (IN, "Can I move my reservation from 6pm to 8pm tonight?"),
        (OUT, "Of course - you're now booked for 8pm. See you later!"),
        (IN, "Perfect, thanks"),
    ]),
    ("Your catering enquiry", [
        (OUT, "Hi {first}, thanks for your catering enquiry. Our menus: "
              "https://restaurant.example.com/catering"),
        (IN, "Thanks, we'll review them with the team and get back to you."),
    ]),
    ("Gift cards", [
        (IN, "Do you sell gift cards?"),
        (OUT, "Yes! Any amount, at the counter or online."),
        (IN, "Great, I'll grab one for my sister's birthday."),
    ]),
    ("Parking", [(IN, "Is there parking nearby?")]),
    ("Allergy question", [
        (IN, "My son has a nut allergy. Can the kitchen accommodate that?"),
        (OUT, "Absolutely, {first}. Let your server know and the kitchen will prepare his meal "
              "separately."),
    ]),
)  # fmt: skip
# (type, name, provider, config, weight)
CHANNELS = (
    (ChannelType.SMS, "Main SMS line", "sandbox", "phone_number", 45),
    (ChannelType.EMAIL, "Support mailbox", "sandbox", "address", 30),
    (ChannelType.WEBCHAT, "Website chat", "builtin", "widget", 20),
    (ChannelType.WHATSAPP, "WhatsApp", "sandbox", "phone_number", 5),
)
CONVERSATIONS = {True: 60, False: 12}


def _config(kind: str, location: Location) -> dict[str, str]:
    if kind == "phone_number":
        return {"phone_number": f"+1{location.area_codes[0]}5550100"}
    if kind == "address":
        return {"address": f"hello@{location.email_domain}"}
    return {"greeting": "Hi! How can we help you today?"}


def _reachable(contact: Contact, kind: ChannelType) -> bool:
    if kind in (ChannelType.SMS, ChannelType.WHATSAPP):
        return contact.phone is not None
    if kind is ChannelType.EMAIL:
        return contact.email is not None
    return True


class _Builder:
    def __init__(self, uow: UnitOfWork, location: Location) -> None:
        self.uow = uow
        self.location = location
        self.rng = demo_random("conversations", location)
        self.now = uow.clock.now().replace(microsecond=0)

    def build(self) -> None:
        self.uow.require("conversations.reply")
        session, rng = self.uow.session, self.rng
        channels = [
            Channel(id=new_id(), type=kind, name=name, provider=provider,
                    config=_config(config, self.location))
            for kind, name, provider, config, _w in CHANNELS
        ]  # fmt: skip
        session.add_all(channels)
        session.flush()
        weights = [c[4] for c in CHANNELS]
        people = [c for c in contacts_of(self.uow) if c.email != FEATURED_EMAIL]
        messages: list[Message] = []
        for contact in rng.sample(people, CONVERSATIONS[self.location.is_main]):
            channel = rng.choices(channels, weights=weights)[0]
            if not _reachable(contact, channel.type):
                channel = channels[2]  # webchat reaches anyone
            messages += self._thread(channel, contact, rng)
        session.flush()
        session.add_all(messages)

    def _thread(self, channel: Channel, contact: Contact, rng: random.Random) -> list[Message]:
        subject, script = pick(rng, SCRIPTS)
        latest = self.now - timedelta(minutes=10)
        earliest = min(contact.created_at + timedelta(hours=1), latest)
        moment = earliest + (latest - earliest) * rng.random()
        gaps = [timedelta(minutes=rng.randint(2, 240)) for _ in script]
        overflow = moment + sum(gaps, timedelta()) - self.now
        if overflow > timedelta():
            moment -= overflow + timedelta(minutes=1)
        moment = moment.replace(microsecond=0)
        agent = contact.assigned_user_id or rng.choice(self.location.team)
        conversation = Conversation(
            id=new_id(), channel_id=channel.id, contact_id=contact.id, assigned_user_id=agent,
            created_at=moment, updated_at=moment,
        )  # fmt: skip
        self.uow.session.add(conversation)
        rows = []
        for index, ((direction, body), gap) in enumerate(zip(script, gaps, strict=True)):
            rows.append(self._message(conversation, channel, contact, agent, direction,
                                      body.format(first=contact.first_name), moment,
                                      subject if index == 0 else f"Re: {subject}"))  # fmt: skip
            moment += gap
        last = rows[-1]
        if last.direction is OUT:
            # Answered: done, or waiting for the contact to come back.
            resolved = rng.random() < 0.7
            conversation.status = (
                ConversationStatus.RESOLVED if resolved else ConversationStatus.PENDING
            )
        else:
            conversation.status = ConversationStatus.OPEN
            if self.now - last.created_at < timedelta(days=3):
                unread = 0
                for message in reversed(rows):
                    if message.direction is not IN:
                        break
                    message.status, message.read_at = MessageStatus.DELIVERED, None
                    unread += 1
                conversation.unread_count = unread
        conversation.last_message_at = last.created_at
        conversation.last_message_preview = last.body[:200]
        conversation.updated_at = last.created_at
        return rows

    def _message(
        self, conversation: Conversation, channel: Channel, contact: Contact, agent: str,
        direction: MessageDirection, body: str, at: datetime, subject: str,
    ) -> Message:  # fmt: skip
        inbound = direction is IN
        return Message(
            conversation_id=conversation.id, channel_id=channel.id, direction=direction,
            sender_type=SenderType.CONTACT if inbound else SenderType.USER,
            sender_id=contact.id if inbound else agent, body=body,
            subject=subject if channel.type is ChannelType.EMAIL else None,
            status=MessageStatus.READ, sent_at=at, delivered_at=at + timedelta(seconds=3),
            read_at=min(at + timedelta(minutes=5), self.now), created_at=at, updated_at=at,
        )  # fmt: skip


def seed_conversations(uows: UnitOfWorkFactory, ctx: DemoContext) -> None:
    seed_locations(
        uows,
        ctx,
        lambda uow: exists(uow, select(Channel.id).where(Channel.name == "Main SMS line")),
        lambda uow, location: _Builder(uow, location).build(),
    )
