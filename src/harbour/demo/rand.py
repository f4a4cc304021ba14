"""Seeded randomness: one independent stream per purpose, so a change in one stage leaves the others alone."""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


def stream(seed: int, name: str) -> random.Random:
    """A generator for one purpose. String seeds are hashed with SHA-512, so this does not depend on
    PYTHONHASHSEED or the platform."""
    return random.Random(f"harbour-demo:{seed}:{name}")


class Ids:
    """Version-4 UUIDs drawn from a seeded stream: rows get their keys before they are written."""

    def __init__(self, seed: int, name: str) -> None:
        self._rng = stream(seed, f"ids:{name}")

    def next(self) -> uuid.UUID:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4)


class Weighted(Generic[T]):
    """Choose from items with weights in O(log n), using the caller's generator."""

    def __init__(self, weights: Mapping[T, float] | Iterable[tuple[T, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        pairs = [(item, weight) for item, weight in pairs if weight > 0]
        if not pairs:
            raise ValueError("Nothing to choose from.")
        self.items: list[T] = [item for item, _ in pairs]
        self._cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self._cumulative, rng.random() * self._total)]

    def __len__(self) -> int:
        return len(self.items)


def uniform(items: Sequence[T]) -> Weighted[T]:
    return Weighted((item, 1.0) for item in items)


def chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def days_before(rng: random.Random, as_of: date, low: int, high: int) -> date:
    """A day between ``low`` and ``high`` days (inclusive) before ``as_of``."""
    return as_of - timedelta(days=rng.randint(low, high))


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birth_date_for_age(rng: random.Random, as_of: date, age: int) -> date:
    """A date of birth that makes someone exactly ``age`` on ``as_of``."""
    latest = years_before(as_of, age)
    earliest = years_before(as_of, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
