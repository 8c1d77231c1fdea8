import sys
from pathlib import Path

# Test modules import the shared configs as `inspect_fixtures` (pytest runs with --import-mode=importlib).
sys.path.insert(0, str(Path(__file__).parent))
