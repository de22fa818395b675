"""Password validators: weak passwords are refused with a message saying why."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("password", "reason_fragment"),
    [
        ("abc12", "too short"),
        ("12345678901", "entirely numeric"),
        ("password123", "too common"),
        ("liuyang2026x", "too similar"),
    ],
)
def test_weak_passwords_are_refused(db, password, reason_fragment):
    user = UserFactory.build(username="liuyang2026", email="liuyang2026x@example.gov.cn")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        validate_password(password, user=user)
    assert any(reason_fragment in m for m in exc.value.messages), exc.value.messages


def test_weak_password_message_is_chinese_by_default(db):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password("12345678901")
    assert any("数字" in m for m in exc.value.messages), exc.value.messages


def test_strong_password_passes(db):
    validate_password("Xm-挂图作战-2026-长期有效")
