"""Rate-limit counters kept in Redis, shared by every app server, and per server without it.

The sign-in limits (and the API's) count in Redis, so that several app servers count
together. Should Redis stop answering, the counting must neither stop (every address
unlimited) nor fail (every sign-in refused): this storage then counts in the server's
own memory, logs ``rate_limit_storage_unreachable`` once, and asks Redis again every
``RECHECK_SECONDS``; when Redis answers, the shared counts are used again
(``rate_limit_storage_back``). Per-server counting is weaker (an address may try once
per server), never absent. The portal configures it as ``iisg+redis://...``
(``portal.config``): the address of ``IISG_REDIS_URL`` with the prefix.
"""

from __future__ import annotations

import threading
import time

import structlog
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage

log = structlog.get_logger("portal.shared_counts")

PREFIX = "iisg+"
# How long counting stays in the server's memory before Redis is asked again.
RECHECK_SECONDS = 5.0
# A Redis that does not answer is given up on quickly: a sign-in waits for this at most.
TIMEOUT_SECONDS = 1.0


def storage_uri(redis_url: str) -> str:
    """Return the rate-limit storage address for a Redis address."""
    return PREFIX + redis_url


class RedisOrServerStorage(RedisStorage):
    """Count in Redis while it answers; in this server's memory while it does not."""

    STORAGE_SCHEME = [PREFIX + scheme for scheme in ("redis", "rediss", "redis+unix")]

    def __init__(self, uri: str, **options):
        options.setdefault("socket_connect_timeout", TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", TIMEOUT_SECONDS)
        super().__init__(uri.removeprefix(PREFIX), **options)
        self.own = MemoryStorage()
        self.away_since: float | None = None
        self.lock = threading.Lock()

    def _use_redis(self) -> bool:
        with self.lock:
            if self.away_since is None:
                return True
            if time.monotonic() - self.away_since < RECHECK_SECONDS:
                return False
        if RedisStorage.check(self):
            with self.lock:
                self.away_since = None
            log.warning("rate_limit_storage_back")
            return True
        with self.lock:
            self.away_since = time.monotonic()
        return False

    def _gone(self, error: Exception) -> None:
        with self.lock:
            first = self.away_since is None
            self.away_since = time.monotonic()
        if first:
            log.warning(
                "rate_limit_storage_unreachable",
                error=str(error).splitlines()[0][:200] if str(error) else type(error).__name__,
                counting="in this server's memory until Redis answers",
            )

    def _either(self, name: str, *arguments, **keywords):
        if self._use_redis():
            redis_errors = self.base_exceptions
            if not isinstance(redis_errors, tuple):
                redis_errors = (redis_errors,)
            try:
                return getattr(RedisStorage, name)(self, *arguments, **keywords)
            except (StorageError, *redis_errors) as error:
                self._gone(error)
        return getattr(self.own, name)(*arguments, **keywords)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._either("incr", key, expiry, amount=amount)

    def get(self, key: str) -> int:
        return self._either("get", key)

    def get_expiry(self, key: str) -> float:
        return self._either("get_expiry", key)

    def clear(self, key: str) -> None:
        return self._either("clear", key)

    def reset(self) -> int | None:
        self.own.reset()
        return self._either("reset")

    def check(self) -> bool:
        # Somewhere to count is always there: Redis, or this server's memory.
        return True
