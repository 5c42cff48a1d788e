"""The analytics warehouse for smart-parking operators."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
