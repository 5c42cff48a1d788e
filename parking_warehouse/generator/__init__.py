"""A realistic operational database for the warehouse to read: see docs/generator.md.

    generate_database(path, days=30, end_date=date(2026, 3, 8), timezone="Europe/Berlin")
    append_days(path, days=1, timezone="Europe/Berlin")
"""

from parking_warehouse.generator.dirty import KINDS as DIRTY_KINDS
from parking_warehouse.generator.dirty import UNTRUSTED_KINDS
from parking_warehouse.generator.generate import GenerationSummary, append_days, generate_database

__all__ = ["DIRTY_KINDS", "UNTRUSTED_KINDS", "GenerationSummary", "append_days", "generate_database"]
