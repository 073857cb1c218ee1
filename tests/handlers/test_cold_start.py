"""Each handler parses its settings at import, so a misconfigured function fails at cold start, naming the
variable, rather than at its first invocation."""

from __future__ import annotations

import itertools

import pytest

from cfp.settings import SettingsError
from tests.support.aws import FUNCTION_ENVIRONMENT, import_function

FUNCTIONS = ["api", "validator", "notifier", "deadline", "archiver", "signin", "releaser", "feedback"]
_fresh = itertools.count()


def _cold_start(name: str) -> None:
    import_function(name, f"cfp_cold_start_{name}_{next(_fresh)}")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key, value in FUNCTION_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_missing_variable_fails_the_import(name: str, environment: pytest.MonkeyPatch) -> None:
    environment.delenv("TABLE_NAME")
    with pytest.raises(SettingsError, match=r"TABLE_NAME: Field required"):
        _cold_start(name)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_malformed_variable_fails_the_import(name: str, environment: pytest.MonkeyPatch) -> None:
    environment.setenv("MAX_UPLOAD_MB", "lots")
    with pytest.raises(SettingsError, match=r"MAX_UPLOAD_MB: Input should be a valid integer"):
        _cold_start(name)


def test_the_deadline_keeper_fails_the_import_without_its_queues(environment: pytest.MonkeyPatch) -> None:
    environment.delenv("VALIDATION_DEAD_LETTER_QUEUE_URL")
    with pytest.raises(SettingsError, match=r"it needs VALIDATION_DEAD_LETTER_QUEUE_URL$"):
        _cold_start("deadline")


def test_the_deadline_keeper_fails_the_import_without_the_archive_dead_letters(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.delenv("ARCHIVE_DEAD_LETTER_QUEUE_URL")
    with pytest.raises(SettingsError, match=r"it needs ARCHIVE_DEAD_LETTER_QUEUE_URL$"):
        _cold_start("deadline")


@pytest.mark.parametrize("name", ["notifier", "signin"])
def test_a_mailing_function_fails_the_import_without_the_configuration_set(
    name: str, environment: pytest.MonkeyPatch
) -> None:
    environment.delenv("CONFIGURATION_SET")
    with pytest.raises(SettingsError, match=r"it needs CONFIGURATION_SET$"):
        _cold_start(name)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_configured_function_imports(name: str, environment: pytest.MonkeyPatch) -> None:
    _cold_start(name)
