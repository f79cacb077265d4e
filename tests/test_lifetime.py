"""A batch's run process ends with the process that started it (workbench.lifetime).

The whole batch, killed with SIGKILL, is tested in tests/test_batch.py; here the
mechanism alone, with plain Python processes (no kernel), so the tests are fast.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import write_country

from workbench import lifetime

# A parent that starts a child which ends with it, prints the child's pid, then waits.
PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], start_new_session=True,
                         stdout=subprocess.PIPE, text=True)
print(child.stdout.readline().strip(), flush=True)
child.wait()
"""
CHILD = """
import os, time
from workbench import lifetime
assert lifetime.end_with_parent(os.getppid())
print(os.getpid(), flush=True)
while True:
    time.sleep(60)
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))


def test_a_child_in_its_own_session_dies_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD], stdout=subprocess.PIPE,
                              text=True, env=_env(), start_new_session=True)
    child = int(parent.stdout.readline())  # the child is running and armed
    try:
        assert lifetime.process_running(child)
        parent.kill()  # SIGKILL: the parent cannot pass anything on
        parent.wait()
        deadline = time.monotonic() + 60  # a safety net, not a timing assertion
        while lifetime.process_running(child):
            assert time.monotonic() < deadline, "the child outlived its parent"
            time.sleep(0.05)
    finally:
        if lifetime.process_running(child):
            os.kill(child, signal.SIGKILL)


# A parent that starts a run's process and ends at once. The run waits until its
# parent has ended (the end of its standard input), then starts as a batch's run
# would, naming that parent, and writes its exit code to a file.
SHORT_LIVED_PARENT = """
import os, subprocess, sys
subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid()), *sys.argv[2:]],
                 stdin=subprocess.PIPE)
"""
RUN_AFTER_PARENT = """
import os, sys
parent, exit_code, *arguments = sys.argv[1:]
sys.stdin.read()  # end of input: the parent has ended
from workbench import runner
code = runner.main([*arguments, "--parent-pid", parent])
with open(exit_code + ".tmp", "w") as handle:
    handle.write(str(code))
os.replace(exit_code + ".tmp", exit_code)
"""


def test_a_run_whose_parent_is_already_gone_does_nothing(tmp_path: Path) -> None:
    write_country(tmp_path / "data", "KE")
    exit_code = tmp_path / "exit-code"
    subprocess.run(
        [sys.executable, "-c", SHORT_LIVED_PARENT, RUN_AFTER_PARENT, str(exit_code),
         "KE", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "out"),
         "--batch-holds-lock"],
        env=_env(), check=True)
    deadline = time.monotonic() + 300  # a safety net, not a timing assertion
    while not exit_code.exists():
        assert time.monotonic() < deadline, "the orphaned run never ended"
        time.sleep(0.05)
    assert exit_code.read_text() == "2"  # nobody to report to: it did nothing
    assert not (tmp_path / "out").exists()
