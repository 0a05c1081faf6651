"""Local table state after an unclean stop: distrust it, restore from the changelog.

Faust writes RocksDB immediately and the changelog asynchronously. After a crash the local
store can hold writes whose changelog records never reached Kafka, mixed per key with
older values re-applied from the changelog: a state no single moment ever had. The
changelog alone is a consistent prefix of what happened (engine.py relies on that), so —
like Kafka Streams without a checkpoint file — after an unclean stop the local stores are
removed and the worker restores them from the changelog.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

MARKER = "clean-shutdown"


def prepare(data_dir: Path, table_dir: Path) -> bool:
    """Call before the worker starts. Returns True if local state was discarded."""
    marker = data_dir / MARKER
    clean = marker.exists()
    marker.unlink(missing_ok=True)
    if clean or not table_dir.exists():
        return False
    log.warning("the last stop was not clean: discarding %s, tables restore from their changelogs", table_dir)
    shutil.rmtree(table_dir)
    return True


def mark_clean(data_dir: Path) -> None:
    """Call after the worker committed its offsets and flushed its producer on stop."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).touch()
