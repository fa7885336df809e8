"""Sales pipelines: pipelines and stages (``structure``), opportunities (``opportunities``,
``queries``), the one stage-move path with its history and events (``moves``), the kanban
board's reads (``board``), analytics in SQL (``analytics``) and opportunity custom fields
(``fields``)."""
