"""docker-compose.yml cannot run here (no Docker engine); check what can be checked statically."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


def test_the_stack_has_its_services() -> None:
    assert {"kafka", "topics", "worker", "patterns", "prometheus", "grafana"} <= set(SERVICES)


@pytest.mark.parametrize("name", ["kafka", "worker", "patterns", "prometheus", "grafana"])
def test_long_running_services_have_healthchecks(name: str) -> None:
    check = SERVICES[name]["healthcheck"]["test"]
    assert check[0] in ("CMD", "CMD-SHELL") and len(check) > 1


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_images_are_pinned(name: str) -> None:
    image = SERVICES[name]["image"]
    assert re.fullmatch(r"[\w./-]+:v?\d[\w.-]*", image), f"{name}: {image} is not pinned to a version"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_ports_bind_to_loopback_only(name: str) -> None:
    for port in SERVICES[name].get("ports", []):
        assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


def test_kafka_runs_in_kraft_mode() -> None:
    env = SERVICES["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in yaml.safe_dump(SERVICES["kafka"]).lower()


@pytest.mark.parametrize("name", ["topics", "worker", "patterns"])
def test_vigil_commands_exist_in_the_cli(name: str) -> None:
    command = SERVICES[name]["command"]
    argv = command if isinstance(command, list) else shlex.split(command)
    assert argv[0] == "vigil"
    build_parser().parse_args(argv[1:])  # exits with an error on an unknown subcommand


def test_service_order_waits_for_health() -> None:
    assert SERVICES["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert SERVICES["worker"]["depends_on"]["topics"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_mounted_files_exist(name: str) -> None:
    for volume in SERVICES[name].get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (REPO / source).exists(), f"{name} mounts missing {source}"
