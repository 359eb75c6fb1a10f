"""A throwaway PostgreSQL cluster for the benchmarks, on a unix socket in a temporary folder,
started as `.ci/run` starts it and always stopped. Needs the PostgreSQL binaries (Debian's
`postgresql` package)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return Path(folders[-1]) if folders else None


def _as_owner(command: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user else command


@contextmanager
def cluster(port: int = 54331) -> Iterator[str]:
    """A fresh cluster; yields a SQLAlchemy URL to its ``postgres`` database."""
    folder = binaries()
    if folder is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="costshare-bench-pg."))
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", user], check=True)
        shutil.chown(base, user)
    data = base / "data"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(
        _as_owner(
            [
                str(folder / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ],
            user,
        ),
        check=True,
        **quiet,
    )
    options = f"-c listen_addresses='' -k {base} -p {port} -c fsync=off -c max_connections=200"
    subprocess.run(
        _as_owner(
            [
                str(folder / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(base / "server.log"),
                "-w",
                "start",
                "-o",
                options,
            ],
            user,
        ),
        check=True,
        **quiet,
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={base}&port={port}"
    finally:
        subprocess.run(
            _as_owner([str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user),
            check=False,
            **quiet,
        )
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` (dropped afterwards); yields its URL."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"costshare_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
