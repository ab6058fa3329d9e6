"""What the delivery log's tests share: a clean cache and rate counters (the
log keeps its relay state, probe and acceptance notes in the cache, and
time_machine makes tests share the same minutes), and the real SMTP server
(aiosmtpd) as the relay."""

import pytest
from django.core.cache import cache

from core import ratelimit


@pytest.fixture(autouse=True)
def _cache_cleared():
    """The relay's state (failing, recovered), the probe's lease and the
    relay's acceptance notes live in the (locmem) cache, which no rollback
    clears."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _rate_counters_cleared():
    """The per-minute rate counters are in the real Redis, keyed by minute:
    tests travelling to the same minute would share them."""
    client = ratelimit._redis()
    for key in client.scan_iter("kompetens:rate:*"):
        client.delete(key)
    yield
