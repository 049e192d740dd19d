"""Where the shared real data lives: ``DURE_DATA_DIR``, else ``shared/data`` beside the repository.

The web settings, the demo, the benchmarks and the tests all find the data here, so a
fresh clone with ``shared/`` next to it works wherever it was cloned.
"""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The folder holding ``ror/``, ``openalex_works_sample/`` and the other data sets."""
    configured = os.environ.get("DURE_DATA_DIR")
    return Path(configured) if configured else REPOSITORY.parent / "shared" / "data"


def data_file(*parts: str) -> Path:
    """A path inside the data folder (it may not exist; callers say what is missing)."""
    return data_dir().joinpath(*parts)
