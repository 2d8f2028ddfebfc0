"""The container setup says what the README says: every variable of the README's tables reaches the
container in compose.yaml, and compose's health check is the image's."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))


def test_compose_passes_every_variable_of_the_readme() -> None:
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    passed = set(re.findall(r"^\s+([A-Z][A-Z0-9_]+):", compose, flags=re.MULTILINE))
    documented = readme_variables()
    assert {"TIMEZONE", "BROADCAST_PAID", "SEND_RATE", "HEALTH_PORT", "LOG_FORMAT"} <= documented
    assert documented - passed == set()


def test_compose_checks_health_as_the_image_does() -> None:
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["python", "-m", "bot.healthcheck"]' in dockerfile
    assert 'test: ["CMD", "python", "-m", "bot.healthcheck"]' in compose
