"""Qt item models: pure ``QAbstractTableModel`` adapters over service result lists."""
