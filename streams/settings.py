"""One frozen settings object, read from VIGIL_* environment variables, passed down explicitly."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.codecs.wire import WireFormat
from streams.core.cases import FusionConfig
from streams.core.engine import EngineConfig


class Role(StrEnum):
    ALL = "all"  # one process does everything (demo, tests, small deployments)
    INTAKE = "intake"  # reports, updates, SLA timers, cases
    PATTERNS = "patterns"  # window counts in, pattern alerts out


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", frozen=True, extra="ignore")

    app_id: str = "vigil"
    role: Role = Role.ALL
    bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = Field("vigil", pattern=r"^[A-Za-z0-9._-]+$")
    partitions: int = Field(1, ge=1, description="partitions of every Vigil topic")
    replication_factor: int = 1

    wire_format: WireFormat = WireFormat.SINGLE_OBJECT
    schema_registry_url: str | None = None
    schema_registry_user: str | None = None
    schema_registry_password: SecretStr | None = None

    store: str = "rocksdb://"
    rocksdb_cache_mb: int = Field(64, ge=1, description="block cache per table (RocksDB)")
    data_dir: Path = Path(".run/worker")
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    rules_dir: Path | None = None

    dedupe_retention_days: float = 7.0
    resolved_case_retention_days: float = 30.0
    idle_case_expiry_days: float = 30.0
    near_duplicate_window_hours: float = 24.0
    sla_check_interval_s: float = 5.0
    sweep_interval_s: float = 3600.0

    batch_size: int = Field(500, ge=1, description="events handled per batch at most")
    batch_wait_s: float = 0.005
    stream_buffer_size: int = Field(16384, ge=100, description="records buffered per input partition")
    producer_linger_ms: int = Field(0, description="0: the outbox already sends full batches; waiting only delays them")
    fetch_max_wait_ms: int = Field(10, description="see streams/faust_tuning.py")
    commit_interval_s: float = 1.0
    session_timeout_s: float = Field(60.0, description="a dead worker's partitions move after this")

    log_level: str = "info"
    log_format: LogFormat = LogFormat.TEXT

    @model_validator(mode="after")
    def _registry_for_confluent(self) -> Settings:
        if self.wire_format is WireFormat.CONFLUENT and not self.schema_registry_url:
            raise ValueError(
                "VIGIL_WIRE_FORMAT=confluent needs VIGIL_SCHEMA_REGISTRY_URL (a Confluent-compatible registry);"
                " set it, or use VIGIL_WIRE_FORMAT=single_object"
            )
        return self

    @property
    def broker_url(self) -> str:
        return ";".join(f"kafka://{server}" for server in self.bootstrap_servers.split(","))

    def engine_config(self) -> EngineConfig:
        return EngineConfig(
            fusion=FusionConfig(near_duplicate_window=timedelta(hours=self.near_duplicate_window_hours)),
            dedupe_retention=timedelta(days=self.dedupe_retention_days),
            resolved_case_retention=timedelta(days=self.resolved_case_retention_days),
            idle_case_expiry=timedelta(days=self.idle_case_expiry_days),
        )
