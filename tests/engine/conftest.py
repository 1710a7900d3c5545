"""Engine tests import their plain-Python oracles (reference_book.py) from this directory."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
