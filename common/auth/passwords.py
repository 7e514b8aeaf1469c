"""argon2id password hashing, run in a thread pool so it never blocks the event loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from common.config import Settings


class PasswordHashing:
    """Hashes and verifies passwords with argon2id; argon2-cffi releases the GIL while hashing."""

    def __init__(self, settings: Settings) -> None:
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=settings.password_hash_workers, thread_name_prefix="argon2"
        )
        # Verifying against this keeps unknown-email logins as slow as wrong-password ones.
        self._dummy_hash = self.hasher.hash("realio-timing-equaliser")

    @property
    def parameters(self) -> str:
        h = self.hasher
        return (
            f"argon2id t={h.time_cost} m={h.memory_cost}KiB p={h.parallelism} "
            f"workers={self._pool._max_workers}"
        )

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; a missing hash still costs one verification."""
        loop = asyncio.get_running_loop()
        target = stored_hash or self._dummy_hash

        def check() -> bool:
            try:
                return self.hasher.verify(target, password)
            except (VerificationError, InvalidHashError):
                return False

        ok = await loop.run_in_executor(self._pool, check)
        return ok and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        return self.hasher.check_needs_rehash(stored_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
