"""WorkAhead: keys worked out in a background thread, never waited for in the foreground.

The tests hold the background thread with events and wait for it with conditions:
none depends on how fast it runs or on the order the threads are scheduled in.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from functools import lru_cache

import pytest

from workbench.ahead import WorkAhead

WAIT = 60  # seconds: only a guard against a hang, never a measure of speed


class Recorder:
    """A cached computation that counts how often each key is really worked out, notes
    the thread and CPU priority each ran in, and can hold a key's first computation
    until the test lets it go."""

    def __init__(self) -> None:
        self.calls: Counter[int] = Counter()
        self.threads: dict[int, list[int]] = {}
        self.nice: dict[int, int] = {}
        self.started: dict[int, threading.Event] = {}
        self.release: dict[int, threading.Event] = {}
        self.compute = lru_cache(maxsize=None)(self._compute)

    def hold(self, key: int) -> None:
        self.started[key] = threading.Event()
        self.release[key] = threading.Event()

    def _compute(self, key: int) -> int:
        self.calls[key] += 1
        self.threads.setdefault(key, []).append(threading.get_ident())
        self.nice[key] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        if key in self.started and self.calls[key] == 1:
            self.started[key].set()
            assert self.release[key].wait(2 * WAIT)  # outlasts any guard of the test
        if key < 0:
            raise ValueError(f"no answer for {key}")
        return key * key


def _idle(ahead: WorkAhead) -> None:
    assert ahead.wait_until_idle(WAIT), "the background thread never finished"
    assert ahead.pending == 0


def test_queued_keys_are_worked_out_once_and_found_ready() -> None:
    recorder = Recorder()
    ahead = WorkAhead(recorder.compute)
    ahead.plan([3, 1, 2, 1])
    _idle(ahead)
    assert recorder.calls == Counter({1: 1, 2: 1, 3: 1})
    assert ahead.done_ahead == 3
    assert [ahead.get(k) for k in (1, 2, 3)] == [1, 4, 9]
    assert recorder.calls == Counter({1: 1, 2: 1, 3: 1})


def _asked_while_running(ahead: WorkAhead, key: int, **get_options) -> list[int]:
    """``get(key)`` asked from another thread while the background thread is held on
    ``key``; its answer, which must come without the background thread going on."""
    answer: list[int] = []
    asking = threading.Thread(target=lambda: answer.append(ahead.get(key, **get_options)))
    asking.start()
    asking.join(WAIT)  # a guard only: it never waits for the held key
    assert not asking.is_alive(), "get waited for the background thread"
    return answer


def test_get_never_waits_for_the_background_thread() -> None:
    """On a busy machine a key the background is on may take minutes to finish:
    whoever asks for it works it out itself instead of waiting."""
    recorder = Recorder()
    recorder.hold(5)
    ahead = WorkAhead(recorder.compute)
    ahead.plan([5, 6])
    try:
        assert recorder.started[5].wait(WAIT)
        assert _asked_while_running(ahead, 5) == [25]
        assert _asked_while_running(ahead, 5, compute=lambda key: key + 100) == [105]
        assert recorder.calls[5] == 2  # worked out twice: once ahead (still held), once asked
        assert ahead.pending == 2  # key 5 still being worked out ahead, 6 queued
    finally:
        recorder.release[5].set()
    _idle(ahead)
    assert recorder.calls == Counter({5: 2, 6: 1})


def test_the_background_thread_runs_at_the_callers_priority() -> None:
    """A thread at the lowest priority starves on a busy machine while holding locks
    the page needs too (Python's global lock, a module being imported)."""
    recorder = Recorder()
    ahead = WorkAhead(recorder.compute)
    ahead.plan([1])
    _idle(ahead)
    assert recorder.threads[1] != [threading.get_ident()]  # worked out in the background
    assert recorder.nice[1] == os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_new_plan_replaces_the_queue_and_get_takes_its_key_out_of_it() -> None:
    recorder = Recorder()
    recorder.hold(0)
    ahead = WorkAhead(recorder.compute)
    ahead.plan([0, 1, 2, 3])
    assert recorder.started[0].wait(WAIT)
    ahead.plan([7, 8, 9])  # what the page shows changed: 1-3 are no longer wanted
    assert ahead.get(8) == 64  # asked for now: worked out here, not queued
    assert recorder.threads[8] == [threading.get_ident()]
    recorder.release[0].set()
    _idle(ahead)
    assert set(recorder.calls) == {0, 7, 8, 9}
    assert recorder.calls[8] == 1


def test_cancel_drops_what_has_not_started() -> None:
    recorder = Recorder()
    recorder.hold(0)
    ahead = WorkAhead(recorder.compute)
    ahead.plan([0, 1, 2])
    assert recorder.started[0].wait(WAIT)
    ahead.cancel()
    assert ahead.pending == 1  # only the key being worked out
    recorder.release[0].set()
    _idle(ahead)
    assert set(recorder.calls) == {0}


def test_errors_in_the_background_are_met_again_in_the_foreground() -> None:
    recorder = Recorder()
    ahead = WorkAhead(recorder.compute)
    ahead.plan([-1, 4])
    _idle(ahead)
    assert ahead.done_ahead == 1  # the failed key does not count
    with pytest.raises(ValueError, match="no answer for -1"):
        ahead.get(-1)
    assert ahead.get(4) == 16


def test_paused_holds_new_keys_back_until_the_foreground_is_done() -> None:
    recorder = Recorder()
    ahead = WorkAhead(recorder.compute)
    with ahead.paused():
        ahead.plan([1, 2])
        assert ahead.get(2) == 4  # the foreground gets its answer
        assert ahead.pending == 1 and recorder.calls == Counter({2: 1})  # 1 waits
    _idle(ahead)
    assert recorder.calls == Counter({1: 1, 2: 1})


def test_without_a_background_thread_the_queue_waits_for_work_through() -> None:
    recorder = Recorder()
    ahead = WorkAhead(recorder.compute, background=False)
    ahead.plan([1, 2, -3])
    assert ahead.pending == 3 and recorder.calls == Counter()  # nothing runs by itself
    assert ahead.work_through() == 2  # -3 fails: met again when asked for
    assert ahead.pending == 0 and ahead.done_ahead == 2
    assert set(recorder.threads[1] + recorder.threads[2]) == {threading.get_ident()}
    assert ahead.wait_until_idle(0)
