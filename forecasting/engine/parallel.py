"""Independent pieces of engine work spread over the machine's cores with threads. numpy, scipy and
LightGBM release the GIL in their long loops, so threads share the arrays without copies; every
piece gives what it gives alone (each LightGBM fit keeps one OpenMP thread), so predictions do not
depend on the number of workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Threads for independent pieces (crime types). MISSIONS_ENGINE_WORKERS=1 keeps a shared machine's
# other work responsive; the default is every core.
WORKERS = max(1, int(os.environ.get("MISSIONS_ENGINE_WORKERS", 0)) or os.cpu_count() or 1)


def map_in_threads(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`[fn(x) for x in items]`, in order, computed by up to WORKERS threads."""
    items = list(items)
    if WORKERS == 1 or len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(fn, items))
