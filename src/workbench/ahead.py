"""Work done ahead of time in a background thread, asked for in the foreground.

The dashboard's budget slider has a few dozen positions, and the roadmap for each
takes 20-250 ms to solve. ``WorkAhead`` works through the positions a minister is
likely to choose next (nearest first) while the page sits idle, so that moving the
slider finds its roadmap ready. The solver (HiGHS) releases Python's global lock
while it works, so the page keeps answering meanwhile.

``compute`` must cache its own results (``functools.lru_cache``): the background
thread only calls it early; ``get`` calls it again and finds the answer there.

The foreground never waits for the background thread: ``get`` works a key out itself
when it is not cached yet, even if the thread is on the same key (then it is worked
out twice, once). The thread runs at the page's own CPU priority, not a lower one:
it shares the process's locks with the page (Python's global lock, the locks of
modules being imported), and a thread the machine starves while holding one of them
would make the page wait after all. It gives way instead: inside ``paused()`` it
starts no new key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Result = TypeVar("Result")


class WorkAhead(Generic[Key, Result]):
    """A queue of keys worked out one at a time, ahead of being asked for.

    ``plan(keys)`` replaces what is queued (what the page shows has changed, so the
    old guesses are dropped) and starts the daemon thread that works through it;
    ``get(key)`` returns ``compute(key)`` at once, computed in the caller's thread
    when the background has not cached it. Errors in the background are ignored:
    ``get`` meets them again and the caller handles them as usual.

    ``background=False`` starts no thread: the queue is worked through only when
    ``work_through()`` is called, in the caller's thread (for tests, and for a
    caller that wants the work done now).
    """

    def __init__(self, compute: Callable[[Key], Result], *, name: str = "work-ahead",
                 background: bool = True) -> None:
        self._compute = compute
        self._name = name
        self._background = background
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: list[Key] = []
        self._working = 0  # keys being worked out ahead right now
        self._thread: threading.Thread | None = None
        self._pauses = 0
        self.done_ahead = 0  # keys worked out ahead (not asked for with get)

    def plan(self, keys: Iterable[Key]) -> None:
        """Work these keys out next, in this order, instead of whatever was queued."""
        with self._lock:
            self._queue = list(dict.fromkeys(keys))
            if self._queue and self._background and self._thread is None:
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()

    def cancel(self) -> None:
        """Drop every key not yet started (the one being worked on finishes)."""
        with self._lock:
            self._queue = []
            self._changed.notify_all()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the background thread back (after the key it is on) while the
        foreground works."""
        with self._lock:
            self._pauses += 1
        try:
            yield
        finally:
            with self._lock:
                self._pauses -= 1
                self._changed.notify_all()

    @property
    def pending(self) -> int:
        """Keys queued or being worked out ahead."""
        with self._lock:
            return len(self._queue) + self._working

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or being worked out ahead (or ``timeout``
        seconds have passed); whether it is idle. Nothing the page does calls this."""
        with self._lock:
            return self._changed.wait_for(lambda: not self._queue and not self._working, timeout)

    def get(self, key: Key, compute: Callable[[Key], Any] | None = None) -> Any:
        """``compute(key)`` (by default the queue's own) worked out now, in the
        caller's thread, unless the background has it cached already; the key leaves
        the queue. A ``compute`` of its own lets the foreground ask for only part of
        the work."""
        with self._lock:
            if key in self._queue:
                self._queue.remove(key)
        return (compute or self._compute)(key)

    def work_through(self) -> int:
        """Work every queued key out in the calling thread, as the background thread
        would; how many were worked out."""
        done = 0
        while (key := self._next(in_background=False)) is not None:
            done += self._work_out(key)
        return done

    def _next(self, *, in_background: bool) -> Key | None:
        """The next queued key, counted as being worked out; None when none is left
        (and then the background thread, which asks with ``in_background``, ends)."""
        with self._lock:
            while in_background and self._pauses and self._queue:
                self._changed.wait()
            if not self._queue:
                if in_background:
                    self._thread = None
                return None
            self._working += 1
            return self._queue.pop(0)

    def _work_out(self, key: Key) -> bool:
        try:
            self._compute(key)
            worked = True
        except Exception:  # the foreground meets it again and reports it
            worked = False
        with self._lock:
            self._working -= 1
            self.done_ahead += int(worked)
            self._changed.notify_all()
        return worked

    def _work(self) -> None:
        while (key := self._next(in_background=True)) is not None:
            self._work_out(key)
