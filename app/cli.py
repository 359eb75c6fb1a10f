"""The ``costshare`` command: serve, migrate, seed, keys, openapi, allocate.

costshare serve [--host 127.0.0.1] [--port 8000]
costshare migrate
costshare seed
costshare keys create --role ROLE [--ministry CODE] [--label TEXT]
costshare keys revoke PREFIX
costshare keys list
costshare openapi
costshare allocate FILE.json [--format json|table] [--solver highs|cbc]
costshare verify FILE... [--keys PUBLIC_KEYS.json] [--head HEAD.json] [--json]
costshare verify-consistency KEPT_HEAD.json CONSISTENCY.json [--keys PUBLIC_KEYS.json]
costshare signing-keys create|rotate|list|export
costshare db grant-service-role NAME
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from app.db import get_engine, session_for
from app.settings import get_settings

EXIT_USAGE = 2


def alembic_config(database_url: str | None = None):  # type: ignore[no-untyped-def]
    """Alembic's config for this project; ``database_url`` overrides the settings."""
    from alembic.config import Config

    # The project's own alembic.ini wherever the command is run from (a working folder with
    # its own alembic.ini, or COSTSHARE_ALEMBIC_INI, wins).
    project = Path(__file__).resolve().parents[1] / "alembic.ini"
    local = Path("alembic.ini")
    ini = Path(os.environ.get("COSTSHARE_ALEMBIC_INI") or (local if local.exists() else project))
    config = Config(str(ini))
    config.attributes["skip_logging"] = True
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def migrate() -> None:
    """Upgrade the database to head (Alembic's env creates a SQLite file's folder)."""
    from alembic import command

    command.upgrade(alembic_config(), "head")


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def cmd_seed(_args: argparse.Namespace) -> int:
    from app.seed import seed

    with _session() as session, session.begin():
        result = seed(session)
    print(result.summary())
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    migrate()
    print("migrate: database at head")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from app.services import keys

    with _session() as session, session.begin():
        if args.action == "create":
            issued = keys.create(
                session, role=args.role, ministry_code=args.ministry, label=args.label or ""
            )
            print(issued.plaintext)
        elif args.action == "revoke":
            keys.revoke(session, args.prefix)
            print(f"revoked key {args.prefix}")
        else:
            for row in keys.listing(session):
                state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                ministry = row.ministry_code or "-"
                print(f"{row.prefix}  {row.role:<10} {ministry:<6} {state:<18} {row.label}")
    return 0


def cmd_openapi(_args: argparse.Namespace) -> int:
    from app.openapi import spec_text

    sys.stdout.write(spec_text())
    return 0


def hand_over_first_key(plaintext: str, *, interactive: bool, key_file: Path) -> str:
    """Show the first admin key on a terminal; otherwise write it to ``key_file`` (mode 0600,
    never overwritten) and say where, so that no log ever holds a key."""
    if interactive:
        return (
            "An admin API key was created. It is shown this once; keep it safe:\n\n"
            f"    {plaintext}\n"
        )
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(plaintext + "\n")
    return f"An admin API key was created and written to {key_file} (readable by its owner only)"


def prepare_log() -> list[str]:
    """What `costshare serve` does for the signed log before serving: create the signing
    keyring on first start, and log the history of a database migrated from before the log."""
    from app.services import log, signing

    said = []
    created = signing.ensure_keyring()
    if created is not None:
        said.append(
            f"A signing keyring was created in {signing.keyring_dir()}; its key {created} "
            "signs the log (publish `costshare signing-keys export`)"
        )
    with session_for(writes=True) as session:
        adopted = log.adopt_history(session)
        session.commit()
    if adopted:
        said.append(f"{adopted} reports and publications made before the log were logged")
    return said


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from app.logs import configure_logging, log_event, uvicorn_log_config
    from app.services import keys

    settings = get_settings()
    interactive = sys.stdout.isatty()
    configure_logging(settings.log_level)
    log = logging.getLogger("costshare.serve")
    with _session() as session, session.begin():
        issued = keys.first_admin_key(session)
        message = (
            hand_over_first_key(
                issued.plaintext, interactive=interactive, key_file=settings.first_key_file
            )
            if issued is not None
            else None
        )
    ledger = prepare_log()
    base = f"http://{args.host}:{args.port}"
    if interactive:
        print(message or "Admin key exists; `costshare keys create` makes more.")
        for line in ledger:
            print(line)
        print(f"Pages: {base}/ (sign in there with a key)")
        print(f"API docs: {base}/docs", flush=True)
    else:
        if message:
            log_event(log, message, key_file=str(settings.first_key_file))
        for line in ledger:
            log_event(log, line, signing_keys=str(settings.signing_keys))
        log_event(
            log, "serving", url=base, pages=f"{base}/", docs=f"{base}/docs", workers=args.workers
        )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings.log_level),
        access_log=False,
        workers=args.workers,
    )
    return 0


def cmd_allocate(argv: Sequence[str]) -> int:
    from allocation.cli import main as allocate_main

    return allocate_main(list(argv))


def cmd_verify(args: argparse.Namespace) -> int:
    from app.ledger import commands

    return commands.verify(
        args.files,
        keys_file=args.keys,
        head_file=args.head,
        as_json=args.json,
        keyring_dir=get_settings().signing_keys,
        out=sys.stdout,
        err=sys.stderr,
    )


def cmd_verify_consistency(args: argparse.Namespace) -> int:
    from app.ledger import commands

    return commands.verify_log_consistency(
        args.kept,
        args.proof,
        keys_file=args.keys,
        keyring_dir=get_settings().signing_keys,
        out=sys.stdout,
        err=sys.stderr,
    )


def cmd_signing_keys(args: argparse.Namespace) -> int:
    from app.ledger import commands

    directory = get_settings().signing_keys
    return commands.signing_keys(args.action, directory=directory, out=sys.stdout, err=sys.stderr)


def cmd_db(args: argparse.Namespace) -> int:
    from app.privileges import grant_service_role

    with get_engine().begin() as connection:
        for statement in grant_service_role(connection, args.name):
            print(statement)
    print(f"{args.name} may read and append to the log tables, and nothing more there")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="costshare",
        description="costshare: splits Offlimits' yearly cost over ministries, exactly to the "
        "cent. The database is DATABASE_URL (default sqlite:///var/costshare.sqlite3); other "
        "settings are COSTSHARE_* environment variables (see README).",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the API and the pages; creates the first admin key and the signing "
        "keyring once",
        description="Serve the API and the pages. On a database without an admin key, one "
        "is created: shown on a terminal, otherwise written to COSTSHARE_FIRST_KEY_FILE "
        "(default var/first-admin-key, mode 0600) and never logged. Without a signing "
        "keyring in COSTSHARE_SIGNING_KEYS (default var/keys/), one is created.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (1); use more on PostgreSQL"
    )
    serve.set_defaults(run=cmd_serve)

    commands.add_parser(
        "migrate", help="migrate the database to the newest schema (Alembic)"
    ).set_defaults(run=cmd_migrate)
    commands.add_parser(
        "seed", help="load the default ministries, weight set and scenario (idempotent)"
    ).set_defaults(run=cmd_seed)
    commands.add_parser("openapi", help="print the OpenAPI document as JSON").set_defaults(
        run=cmd_openapi
    )
    commands.add_parser(
        "allocate",
        help="run the engine on a scenario file, no database needed "
        "(costshare allocate --help for its options)",
        add_help=False,
    )

    keys = commands.add_parser("keys", help="create, revoke or list API keys")
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="print a new key (shown once, never stored)")
    create.add_argument(
        "--role",
        required=True,
        choices=["admin", "negotiator", "finance", "reader"],
        help="what the key may do (see the role matrix in the README)",
    )
    create.add_argument("--ministry", help="the ministry of a finance key, e.g. JenV")
    create.add_argument("--label", help="who holds the key, for the audit trail")
    revoke = actions.add_parser("revoke", help="revoke a key by its prefix, effective at once")
    revoke.add_argument("prefix", help="the 8 hex characters after cs_ in the key")
    actions.add_parser("list", help="list keys: prefix, role, ministry, state, label")
    keys.set_defaults(run=cmd_keys)

    verify = commands.add_parser(
        "verify", help="check exported reports offline: signatures, proofs, recomputation"
    )
    verify.add_argument("files", nargs="+", type=Path, metavar="FILE")
    verify.add_argument("--keys", type=Path, help="the published public keys (JSON)")
    verify.add_argument("--head", type=Path, help="a signed tree head to check against")
    verify.add_argument("--json", action="store_true", help="print one JSON document")
    verify.set_defaults(run=cmd_verify)

    consistency = commands.add_parser(
        "verify-consistency",
        help="check offline that the log extends a signed head you kept (with the answer of "
        "GET /v1/audit/consistency?first=<its size>)",
    )
    consistency.add_argument("kept", type=Path, metavar="KEPT_HEAD", help="a head you kept")
    consistency.add_argument(
        "proof", type=Path, metavar="CONSISTENCY", help="the consistency proof, as served"
    )
    consistency.add_argument("--keys", type=Path, help="the published public keys (JSON)")
    consistency.set_defaults(run=cmd_verify_consistency)

    signing = commands.add_parser("signing-keys", help="the Ed25519 keys that sign the log")
    signing.add_argument("action", choices=["create", "rotate", "list", "export"])
    signing.set_defaults(run=cmd_signing_keys)

    database = commands.add_parser("db", help="PostgreSQL roles: least privilege for the service")
    db_actions = database.add_subparsers(dest="action", required=True, metavar="ACTION")
    grant = db_actions.add_parser(
        "grant-service-role",
        help="let role NAME read and append to the log tables and nothing more there "
        "(run as the owner, after each migration)",
    )
    grant.add_argument("name", help="the role the service connects as, e.g. costshare_service")
    database.set_defaults(run=cmd_db)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["allocate"]:
        return cmd_allocate(args_list[1:])
    args = parser().parse_args(args_list)
    from app.errors import ServiceError

    try:
        return int(args.run(args))
    except ServiceError as exc:
        print(f"costshare: {exc.detail}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
