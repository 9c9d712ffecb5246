"""Topics on a cluster need a majority of their replicas in sync before an acks=all write counts."""

from __future__ import annotations

import pytest

from shared.kafka_admin import min_insync_replicas, replicated_configs


@pytest.mark.parametrize(("replicas", "in_sync"), [(1, 1), (2, 2), (3, 2), (5, 3)])
def test_a_write_needs_a_majority_of_the_replicas(replicas: int, in_sync: int) -> None:
    assert min_insync_replicas(replicas) == in_sync


def test_one_broker_keeps_its_default_and_a_cluster_sets_it() -> None:
    assert replicated_configs(1) == {}
    assert replicated_configs(3) == {"min.insync.replicas": "2"}
