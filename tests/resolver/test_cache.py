"""The resolver's cache keeps its byte budget, whatever its entries weigh."""

from resolver.cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def by_length(key: str, value: bytes) -> int:
    return len(key) + len(value)


def test_entries_beyond_the_budget_go_least_recently_used_first() -> None:
    cache: TtlCache[str, bytes] = TtlCache(100, by_length, clock=Clock())
    for name in "abcd":
        cache.put(name, b"x" * 29, ttl=60)  # 30 bytes each: three fit
    assert len(cache) == 3 and cache.size == 90 and cache.get("a") is None
    assert cache.get("b") is not None  # b is now the most recently used
    cache.put("e", b"x" * 29, ttl=60)
    assert cache.get("c") is None and cache.get("b") is not None and cache.size == 90


def test_a_replaced_entry_is_charged_once_and_an_oversized_one_is_not_kept() -> None:
    cache: TtlCache[str, bytes] = TtlCache(100, by_length, clock=Clock())
    cache.put("a", b"x" * 49, ttl=60)
    cache.put("a", b"x" * 9, ttl=60)
    assert cache.size == 10
    cache.put("a", b"x" * 200, ttl=60)  # larger than the whole budget
    assert cache.get("a") is None and cache.size == 0 and len(cache) == 0


def test_an_entry_past_its_stale_time_is_dropped_and_its_bytes_freed() -> None:
    clock = Clock()
    cache: TtlCache[str, bytes] = TtlCache(100, by_length, stale_for=10, clock=clock)
    cache.put("a", b"x" * 9, ttl=5)
    clock.now = 7
    stale = cache.get("a")
    assert stale is not None and not stale.fresh
    clock.now = 15
    assert cache.get("a") is None and cache.size == 0
