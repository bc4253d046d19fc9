"""Which Celery grading processes are alive: each announces itself in a Redis sorted set,
scored with the moment its announcement expires, so the API counts live workers and a
container's health check asks whether one of its own is there."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

import redis

from app.settings import Settings

log = logging.getLogger(__name__)

WORKERS_KEY = "markwell:workers"
"""Sorted set: one member per live grading process, scored with the time it expires."""
PRESENCE_SECONDS = 5.0
"""How often a worker renews its presence; it expires after three missed renewals."""


def redis_client(url: str) -> redis.Redis:
    """A client that gives up quickly: presence and wake-ups must never stall a request."""
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


class Presence:
    """A worker's grading processes, announced in Redis until they expire."""

    def __init__(self, url: str, node: str, slots: int) -> None:
        self.redis = redis_client(url)
        self.members = [f"{node}/{index}" for index in range(slots)]
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def renew(self) -> None:
        stamp = time.time()
        expires = stamp + 3 * PRESENCE_SECONDS
        with self.redis.pipeline() as pipe:
            pipe.zadd(WORKERS_KEY, dict.fromkeys(self.members, expires))
            pipe.zremrangebyscore(WORKERS_KEY, "-inf", stamp)
            pipe.execute()

    def start(self) -> None:
        def loop() -> None:
            while True:
                try:
                    self.renew()
                except redis.RedisError as exc:
                    log.warning("cannot announce this worker in Redis: %s", exc)
                if self.done.wait(PRESENCE_SECONDS):
                    return

        self.thread = threading.Thread(target=loop, name="presence", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.done.is_set():
            return
        self.done.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        with contextlib.suppress(redis.RedisError):
            self.redis.zrem(WORKERS_KEY, *self.members)


def present_here(settings: Settings, host: str | None = None) -> bool:
    """Whether a worker on this host (``host``) has a live presence: the container's health
    check."""
    host = host or socket.gethostname()
    client = redis_client(settings.redis_url)
    try:
        now = time.time()
        return any(
            score > now and member.decode().split("/")[0].endswith(f"@{host}")
            for member, score in client.zscan_iter(WORKERS_KEY, match=f"*@{host}/*")
        )
    finally:
        client.close()
