"""Bad key configuration stops the processes at start (yorisoi.E001/E002), naming the variable and the
expected form, never the key material."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error
from django.utils import translation

from casework.checks import encryption_keys_check

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = base64.urlsafe_b64encode(b"g" * 32).decode()
OTHER_KEY = base64.urlsafe_b64encode(b"o" * 32).decode()
GOOD_BLIND = "blind-index-key-for-the-check-tests-0123456789"
SECRET_LOOKING = "Zm9vYmFyYmF6cXV4c2VjcmV0bWF0ZXJpYWwtMDEyMzQ1"  # must never be echoed


def _errors(settings, *, keys=None, blind=None) -> list[Error]:
    settings.FIELD_ENCRYPTION_KEYS = f"k2:{GOOD_KEY},k1:{OTHER_KEY}" if keys is None else keys
    settings.BLIND_INDEX_KEY = GOOD_BLIND if blind is None else blind
    with translation.override("en"):
        return encryption_keys_check()


def test_a_good_configuration_passes(settings):
    assert _errors(settings) == []


def test_unpadded_and_standard_base64_keys_are_accepted(settings):
    standard = base64.b64encode(b"\xfb" * 32).decode()  # holds + and /
    assert _errors(settings, keys=f"a:{GOOD_KEY.rstrip('=')},b:{standard},") == []


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("", "is empty"),
        (" , ", "is empty"),
        (SECRET_LOOKING, "entry 1 does not start with a key id"),
        (f"k2:{GOOD_KEY},{SECRET_LOOKING}", "entry 2 does not start with a key id"),
        (f"bad id!:{GOOD_KEY}", "entry 1 does not start with a key id"),
        (f"k1:{SECRET_LOOKING}*#", "k1 is not valid base64url"),
        (f"k1:{SECRET_LOOKING[:41]}", "k1 is not valid base64url"),  # a length base64 cannot have
        (f"k1:{base64.urlsafe_b64encode(b'short').decode()}", "k1 is 5 bytes long, not 32"),
        (f"k1:{GOOD_KEY},k1:{OTHER_KEY}", "names key id k1 more than once"),
    ],
)
def test_each_malformed_key_shape_is_an_error_naming_the_variable(settings, keys, expected):
    errors = _errors(settings, keys=keys)

    assert [e.id for e in errors] == ["yorisoi.E001"]
    message = errors[0].msg
    assert expected in message
    assert message.startswith("FIELD_ENCRYPTION_KEYS")
    assert "keyid:base64url(32" in message or "its own id" in message
    assert SECRET_LOOKING[:20] not in message and GOOD_KEY not in message and OTHER_KEY not in message


@pytest.mark.parametrize(
    ("blind", "expected"),
    [
        ("", "is empty"),
        (" " + GOOD_BLIND, "white space"),
        ("change-me-to-another-long-random-string", "placeholder"),
        ("short-key", "9 characters long, too short"),
    ],
)
def test_a_malformed_blind_index_key_is_an_error_naming_the_variable(settings, blind, expected):
    errors = _errors(settings, blind=blind)

    assert [e.id for e in errors] == ["yorisoi.E002"]
    assert errors[0].msg.startswith("BLIND_INDEX_KEY") and expected in errors[0].msg
    assert "at least 32 characters" in errors[0].msg
    assert not blind.strip() or blind.strip() not in errors[0].msg


def test_the_japanese_message_still_names_the_variable_and_the_form(settings):
    settings.FIELD_ENCRYPTION_KEYS = "k1:abc"
    with translation.override("ja"):
        (error,) = encryption_keys_check()
    assert "FIELD_ENCRYPTION_KEYS" in error.msg and "keyid:base64url(32" in error.msg
    assert "バイト" in error.msg


def _run(args, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DEBUG": "0", **env}
    environment.pop("DATABASE_URL", None)  # the check itself needs no database
    return subprocess.run(
        args, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def test_manage_py_check_exits_non_zero_with_a_bad_key():
    result = _run(
        [sys.executable, "manage.py", "check"],
        FIELD_ENCRYPTION_KEYS=f"k1:{SECRET_LOOKING}",
        BLIND_INDEX_KEY=GOOD_BLIND,
    )

    assert result.returncode != 0
    assert "yorisoi.E001" in result.stderr and "FIELD_ENCRYPTION_KEYS" in result.stderr
    assert SECRET_LOOKING not in result.stderr + result.stdout


def test_manage_py_check_passes_with_good_keys(tmp_path):
    result = _run(
        [sys.executable, "manage.py", "check"],
        FIELD_ENCRYPTION_KEYS=f"k1:{GOOD_KEY}",
        BLIND_INDEX_KEY=GOOD_BLIND,
        CONSENT_DOCUMENT_ROOT=str(tmp_path / "documents"),
    )

    assert result.returncode == 0, result.stderr


def test_manage_py_check_refuses_production_without_a_consent_document_root():
    environment = {"FIELD_ENCRYPTION_KEYS": f"k1:{GOOD_KEY}", "BLIND_INDEX_KEY": GOOD_BLIND}
    result = _run([sys.executable, "manage.py", "check"], CONSENT_DOCUMENT_ROOT="", **environment)

    assert result.returncode != 0
    assert "yorisoi.E003" in result.stderr and "CONSENT_DOCUMENT_ROOT" in result.stderr


def test_manage_py_check_refuses_a_consent_document_root_inside_the_static_files():
    environment = {"FIELD_ENCRYPTION_KEYS": f"k1:{GOOD_KEY}", "BLIND_INDEX_KEY": GOOD_BLIND}
    result = _run(
        [sys.executable, "manage.py", "check"],
        CONSENT_DOCUMENT_ROOT=str(ROOT / "static" / "docs"),
        **environment,
    )

    assert result.returncode != 0 and "yorisoi.E003" in result.stderr


def test_bin_web_refuses_to_start_with_a_bad_key():
    result = _run(
        ["sh", "bin/web"],
        PYTHON=sys.executable,
        MIGRATE_ON_START="0",
        PORT="0",
        FIELD_ENCRYPTION_KEYS=f"k1:{GOOD_KEY}",
        BLIND_INDEX_KEY="change-me-to-another-long-random-string",
    )

    assert result.returncode != 0
    assert "yorisoi.E002" in result.stderr and "BLIND_INDEX_KEY" in result.stderr
