"""Infrastructure every layer above relies on: db, unit of work, events, ids, clock, money."""
