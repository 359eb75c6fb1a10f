"""Files the ledger keeps outside the database: owner-only modes and durable writes.

Private key files are 0600 in a 0700 folder; the checkpoint file is 0600. A write is fsynced
before it is reported done, and a replaced file is renamed into place (then the folder is
fsynced), so a crash leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600
_OPEN_TO_OTHERS = 0o077


def mode_text(path: Path) -> str:
    """The permission bits of ``path`` as four octal digits, e.g. ``0644``."""
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"


def open_to_others(path: Path) -> bool:
    """Whether group or others have any permission on ``path`` (links are followed)."""
    return bool(path.stat().st_mode & _OPEN_TO_OTHERS)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) and make it 0700."""
    path.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    os.chmod(path, OWNER_ONLY_DIR)


def write_new_private_file(path: Path, data: bytes) -> None:
    """Create ``path`` as a new 0600 file holding ``data``; refuses to overwrite."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE)
    try:
        os.fchmod(descriptor, OWNER_ONLY_FILE)
        _write_all(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    fsync_dir(path.parent)


def replace_private_file(path: Path, data: bytes) -> None:
    """Atomically replace ``path`` with a 0600 file holding ``data``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    write_new_private_file(temporary, data)
    os.replace(temporary, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]
