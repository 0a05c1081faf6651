"""`vigil ack|resolve|reassign|reopen|comment|unmerge ESCALATION_ID`: what teams send back.

Each writes one EscalationUpdate to the updates topic, keyed by the escalation id; the worker
applies it to the case and re-publishes the escalation (or dead-letters the update with the
reason it cannot apply).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from streams.app import make_codec
from streams.core.escalation import EscalationUpdate, Resolution, UpdateAction
from streams.core.routing import load_routing
from streams.settings import Settings
from streams.topics import Topics


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    for action, help_text in [
        (UpdateAction.ACK, "acknowledge an escalation (stops its re-escalation timer)"),
        (UpdateAction.RESOLVE, "resolve an escalation's case"),
        (UpdateAction.REASSIGN, "hand an escalation to another team"),
        (UpdateAction.REOPEN, "reopen a resolved case"),
        (UpdateAction.COMMENT, "add a note to an escalation"),
        (UpdateAction.UNMERGE, "split a report out of a case into a case of its own"),
    ]:
        parser = subparsers.add_parser(action.value, help=help_text)
        parser.add_argument("escalation_id")
        parser.add_argument("--actor", default=getpass.getuser(), help="who is acting (default: you)")
        if action is UpdateAction.RESOLVE:
            parser.add_argument("--resolution", choices=[r.value for r in Resolution], default=Resolution.ACTIONED.value)
        if action is UpdateAction.REASSIGN:
            parser.add_argument("--team", required=True, choices=load_routing().all_teams)
        if action is UpdateAction.UNMERGE:
            parser.add_argument("--event-id", required=True, help="the report to split off")
        if action is UpdateAction.COMMENT:
            parser.add_argument("text")
        parser.set_defaults(func=run, action=action)


def run(args: argparse.Namespace) -> int:
    update = EscalationUpdate(
        update_id=f"cli-{uuid.uuid4()}",
        escalation_id=args.escalation_id,
        action=args.action,
        actor=args.actor,
        at=datetime.now(UTC),
        resolution=Resolution(args.resolution) if getattr(args, "resolution", None) else None,
        team=getattr(args, "team", None),
        event_id=getattr(args, "event_id", None),
        comment=getattr(args, "text", None),
    )
    settings = Settings()
    topics = Topics.for_settings(settings, load_routing(settings.rules_dir))
    asyncio.run(_send(settings, topics, update))
    print(f"{update.action} {update.escalation_id} sent as {update.update_id} to {topics.updates}")
    return 0


async def _send(settings: Settings, topics: Topics, update: EscalationUpdate) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    try:
        await producer.start()
        await producer.send_and_wait(topics.updates, make_codec(settings).encode(update), key=update.escalation_id.encode())
    finally:
        await producer.stop()
