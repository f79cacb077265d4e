"""WorkAhead: keys worked out in a background thread and shared with the foreground."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from functools import lru_cache

import pytest

from workbench.ahead import WorkAhead, at_low_priority

WAIT = 60  # seconds: only a guard against a hang, never a measure of speed


class Recorder:
    """A cached computation that counts how often each key is really worked out and can
    hold a key until the test lets it go."""

    def __init__(self) -> None:
        self.calls: Counter[int] = Counter()
        self.started: dict[int, threading.Event] = {}
        self.release: dict[int, threading.Event] = {}
        self.compute = lru_cache(maxsize=None)(self._compute)

    def hold(self, key: int) -> None:
        self.started[key] = threading.Event()
        self.release[key] = threading.Event()

    def _compute(self, key: int) -> int:
        self.calls[key] += 1
        if key in self.started:
            self.started[key].set()
            assert self.release[key].wait(WAIT)
        if key < 0:
            raise ValueError(f"no answer for {key}")
        return key * key


def _drain(ahead: WorkAhead) -> None:
    for _ in range(WAIT * 100):
        if ahead.pending == 0:
            return
        time.sleep(0.01)
    raise AssertionError("the background thread never finished")


def test_queued_keys_are_worked_out_once_and_found_ready() -> None:
    recorder = Recorder()
    ahead = WorkAhead(recorder.compute)
    ahead.plan([3, 1, 2, 1])
    _drain(ahead)
    assert recorder.calls == Counter({1: 1, 2: 1, 3: 1})
    assert ahead.done_ahead == 3
    assert [ahead.get(k) for k in (1, 2, 3)] == [1, 4, 9]
    assert recorder.calls == Counter({1: 1, 2: 1, 3: 1})


def _get_while_running(key: int, **get_options) -> tuple[list[int], Recorder]:
    """``get(key)`` asked from another thread while the background thread is held on
    ``key``: checks that it waits, then lets the key finish; returns its answer."""
    recorder = Recorder()
    recorder.hold(key)
    ahead = WorkAhead(recorder.compute)
    ahead.plan([key])
    assert recorder.started[key].wait(WAIT)
    answer: list[int] = []
    asking = threading.Thread(target=lambda: answer.append(ahead.get(key, **get_options)))
    asking.start()
    asking.join(0.2)
    assert asking.is_alive() and answer == []  # waiting, not computing again
    recorder.release[key].set()
    asking.join(WAIT)
    return answer, recorder


def test_get_waits_for_the_key_being_worked_out_instead_of_repeating_it() -> None:
    answer, recorder = _get_while_running(5)
    assert answer == [25] and recorder.calls[5] == 1


def test_a_new_plan_replaces_the_queue_and_get_takes_its_key_out_of_it() -> None:
    recorder = Recorder()
    recorder.hold(0)
    ahead = WorkAhead(recorder.compute)
    ahead.plan([0, 1, 2, 3])
    assert recorder.started[0].wait(WAIT)
    ahead.plan([7, 8, 9])  # what the page shows changed: 1-3 are no longer wanted
    assert ahead.get(8) == 64  # asked for now: worked out here, not queued
    recorder.release[0].set()
    _drain(ahead)
    assert set(recorder.calls) == {0, 7, 8, 9}
    assert recorder.calls[8] == 1


def test_cancel_drops_what_has_not_started() -> None:
    recorder = Recorder()
    recorder.hold(0)
    ahead = WorkAhead(recorder.compute)
    ahead.plan([0, 1, 2])
    assert recorder.started[0].wait(WAIT)
    ahead.cancel()
    recorder.release[0].set()
    _drain(ahead)
    assert set(recorder.calls) == {0}


def test_errors_in_the_background_are_met_again_in_the_foreground() -> None:
    recorder = Recorder()
    ahead = WorkAhead(recorder.compute)
    ahead.plan([-1, 4])
    _drain(ahead)
    assert ahead.done_ahead == 1  # the failed key does not count
    with pytest.raises(ValueError, match="no answer for -1"):
        ahead.get(-1)
    assert ahead.get(4) == 16


def test_paused_holds_new_keys_back_until_the_foreground_is_done() -> None:
    recorder = Recorder()
    ahead = WorkAhead(recorder.compute)
    with ahead.paused():
        ahead.plan([1, 2])
        time.sleep(0.2)
        assert recorder.calls == Counter()  # nothing started while paused
        assert ahead.get(2) == 4  # the foreground still gets its answer
    _drain(ahead)
    assert recorder.calls == Counter({1: 1, 2: 1})


def test_get_can_ask_for_part_of_the_work_and_still_shares_a_running_key() -> None:
    answer, recorder = _get_while_running(3, compute=lambda key: key + 100)
    assert answer == [103] and recorder.calls[3] == 1


def test_at_low_priority_runs_in_a_lowered_thread_and_hands_back_the_outcome() -> None:
    def nice_of_this_thread() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = nice_of_this_thread()
    assert at_low_priority(nice_of_this_thread) == 19
    assert nice_of_this_thread() == before  # the caller keeps its priority
    with pytest.raises(ZeroDivisionError):
        at_low_priority(lambda: 1 / 0)
