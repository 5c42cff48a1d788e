"""BI tools on the published warehouse: one module per tool (superset.py), its assets beside it."""
