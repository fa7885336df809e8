"""Smart lists: the filter model (``filters``: the JSON shape of a filter is documented
there), its SQL compiler (``compiler``) and the saved lists (``service``).

Only the filter model is re-exported here: ``service`` depends on the contact queries, which
depend on the compiler, so importing it from this package would be circular.
"""

from ghl_desktop.services.smart_lists.filters import MATCH_ALL, Condition, Group, parse_filter

__all__ = ["MATCH_ALL", "Condition", "Group", "parse_filter"]
