"""A country's run process ends with the process that started it.

A batch starts each country as a process in a session of its own (so that a
timeout can kill the run with its whole process group). Such a process would
outlive a batch killed with SIGKILL and publish a report the manifest does not
know of; a run process started for a batch therefore asks the kernel to kill it
when its parent dies (Linux: ``prctl(PR_SET_PDEATHSIG)``; elsewhere a thread that
watches the parent). Its Jupyter kernel follows by itself: ipykernel exits within
a second of losing its parent. What the killed run leaves (its staging folder) is
removed by the next run or batch (:func:`workbench.runner.clean_leftovers`).

Linux sends the signal when the *thread* that started the process ends; the
batch's thread waits for its run (:func:`workbench.batch.run_in_subprocess`), so
that happens only when the batch (or the Dask worker running it) dies.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 1.0


def process_running(pid: int) -> bool:
    """Whether process ``pid`` of this machine is running (a zombie is not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():  # Linux: a killed process nobody has reaped yet is not running
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state not in ("Z", "X")
    return True


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_SECONDS)
    _kill_self()


def end_with_parent(parent_pid: int) -> bool:
    """Have this process killed (SIGKILL) when its parent ``parent_pid`` ends.

    Returns False when the parent has already gone (this process should stop
    without doing anything).
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    # Checked after arming: a parent that died just before is not signalled for.
    if os.getppid() != parent_pid:
        return False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                         name="workbench-parent-watch").start()
    return True
