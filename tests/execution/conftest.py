"""Execution tests use the engine tests' plain-Python book (tests/engine/reference_book.py) as an oracle."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
