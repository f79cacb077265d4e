"""Work done ahead of time in a background thread, asked for in the foreground.

The dashboard's budget slider has a few dozen positions, and the roadmap for each
takes 20-250 ms to solve. ``WorkAhead`` works through the positions a minister is
likely to choose next (nearest first) while the page sits idle, so that moving the
slider finds its roadmap ready. The solver (HiGHS) releases Python's global lock
while it works, so the page keeps answering meanwhile.

``compute`` must cache its own results (``functools.lru_cache``): the background
thread only calls it early; ``get`` calls it again and finds the answer there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Result = TypeVar("Result")


class WorkAhead(Generic[Key, Result]):
    """A queue of keys worked out one at a time by a daemon thread.

    ``plan(keys)`` replaces what is queued (what the page shows has changed, so the
    old guesses are dropped); ``get(key)`` returns ``compute(key)``, waiting for the
    background thread if it is working on that very key rather than working it out
    twice. Errors in the background are ignored: ``get`` meets them again and the
    caller handles them as usual. Inside ``paused()`` the background thread starts no
    new key, so that it does not compete with the foreground's own work.
    """

    def __init__(self, compute: Callable[[Key], Result], *, name: str = "work-ahead") -> None:
        self._compute = compute
        self._name = name
        self._lock = threading.Lock()
        self._queue: list[Key] = []
        self._running: dict[Key, threading.Event] = {}
        self._thread: threading.Thread | None = None
        self._resumed = threading.Condition(self._lock)
        self._pauses = 0
        self.done_ahead = 0  # keys the background thread has worked out

    def plan(self, keys: Iterable[Key]) -> None:
        """Work these keys out next, in this order, instead of whatever was queued."""
        with self._lock:
            self._queue = list(dict.fromkeys(keys))
            if self._queue and self._thread is None:
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()

    def cancel(self) -> None:
        """Drop every key not yet started (the one being worked on finishes)."""
        with self._lock:
            self._queue = []

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the background thread back (after the key it is on) while the
        foreground works; ``get`` inside still shares a key already being worked out."""
        with self._lock:
            self._pauses += 1
        try:
            yield
        finally:
            with self._lock:
                self._pauses -= 1
                self._resumed.notify_all()

    @property
    def pending(self) -> int:
        """Keys queued or being worked out."""
        with self._lock:
            return len(self._queue) + len(self._running)

    def get(self, key: Key, compute: Callable[[Key], Any] | None = None) -> Any:
        """``compute(key)`` (by default the queue's own), sharing the background
        thread's work on the same key: when it is working on ``key``, wait for it.
        A ``compute`` of its own lets the foreground ask for only part of the work."""
        with self._lock:
            if key in self._queue:
                self._queue.remove(key)
            running = self._running.get(key)
        if running is not None:
            running.wait()
        return (compute or self._compute)(key)

    def _work(self) -> None:
        lower_priority()
        while True:
            with self._lock:
                while self._pauses and self._queue:
                    self._resumed.wait()
                if not self._queue:
                    self._thread = None
                    return
                key = self._queue.pop(0)
                finished = threading.Event()
                self._running[key] = finished
            try:
                self._compute(key)
                self.done_ahead += 1
            except Exception:  # the foreground meets it again and reports it
                pass
            finally:
                with self._lock:
                    del self._running[key]
                finished.set()


def lower_priority() -> None:
    """Let everything else on the machine (the page's own thread, the browser, other
    visitors' kernels) go first: on Linux each thread has its own nice value, and this
    gives the calling thread the lowest. It cannot be raised again without privileges,
    so call it only in a thread of its own."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # not Linux: the thread runs at normal priority
        pass


def at_low_priority(work: Callable[[], Result]) -> Result:
    """``work()`` run in a new thread of the lowest priority; waits for it and returns
    its result or raises its exception. The calling thread keeps its priority."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        lower_priority()
        try:
            outcome["result"] = work()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="low-priority", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
