"""Webhook secrets at rest (#18): sealed on webhooks.subscriptions, bound to their subscription, and the
topic compacts a deleted subscription away within hours, not the 7-day default segment time."""

from __future__ import annotations

import pytest

from shared import secretbox
from shared.config import CommonSettings
from shared.topics import WEBHOOK_SUBSCRIPTIONS
from shared.webhooks import new_secret


def test_sealed_secret_opens_only_with_its_key_and_subscription() -> None:
    key, other = secretbox.parse_key(secretbox.new_key()), secretbox.parse_key(secretbox.new_key())
    secret = new_secret()
    sealed = secretbox.seal(key, secret, "wh_1")
    assert secret not in sealed and sealed.startswith(secretbox.SEALED_PREFIX)
    assert secretbox.seal(key, secret, "wh_1") != sealed  # a fresh nonce every time
    assert secretbox.unseal(key, sealed, "wh_1") == secret
    for bad_key, context, value in [(other, "wh_1", sealed), (key, "wh_2", sealed), (key, "wh_1", secret),
                                    (key, "wh_1", secretbox.SEALED_PREFIX + "!!"), (key, "wh_1", sealed[:-4])]:  # fmt: skip
        with pytest.raises(secretbox.SealedSecretError):
            secretbox.unseal(bad_key, value, context)


@pytest.mark.parametrize("value", ["", "   ", "c2hvcnQ=", "not base64 at all"])
def test_missing_or_malformed_key_is_a_clear_error(value: str) -> None:
    settings = CommonSettings(webhook_secret_key=value)
    with pytest.raises(secretbox.SecretKeyError, match="WARWIRE_WEBHOOK_SECRET_KEY"):
        settings.require_secret_key()


def test_subscriptions_topic_compacts_within_hours() -> None:
    configs = WEBHOOK_SUBSCRIPTIONS.topic_configs()
    assert configs["cleanup.policy"] == "compact"
    for name in ("segment.ms", "max.compaction.lag.ms", "delete.retention.ms"):
        assert int(configs[name]) <= 3_600_000
