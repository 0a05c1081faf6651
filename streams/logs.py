"""Logging: human text by default, one JSON object per line with VIGIL_LOG_FORMAT=json.

Errors about a record carry its topic/partition/offset/event_id as `extra` fields, so a JSON
log line can be joined with the dead-letter topic.
"""

from __future__ import annotations

from typing import Any

from streams.settings import LogFormat, Settings

TEXT_FORMAT = "[%(asctime)s] %(levelname)s %(name)s: %(message)s"


def logging_config(settings: Settings) -> dict[str, Any]:
    """A logging.config.dictConfig for the worker (mode/Faust applies it at start-up)."""
    if settings.log_format is LogFormat.JSON:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"vigil": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "vigil", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["console"], "level": settings.log_level.upper()},
        "loggers": {
            # Per-fetch chatter from the Kafka client would drown the pipeline's own lines.
            "aiokafka": {"level": "WARNING"},
        },
    }
