"""The unified inbox: conversations and messages over SMS, WhatsApp, email, webchat and the
sandbox channel.

* ``ingest.receive_inbound`` stores an inbound message exactly once (idempotent on the
  provider's id), matching or creating the contact and opening the thread;
* ``sending.send_message`` writes an outbound message and queues it in the outbox in the same
  transaction; ``status`` moves it sent -> delivered -> read (or failed), never backwards;
* ``queries`` pages the inbox list and a thread; ``compliance`` handles STOP/START/HELP and
  answers ``is_contact_reachable`` for every send path.
"""
