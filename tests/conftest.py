"""Shared fixtures: a tiny, valid country folder written from literal rows, and a
`workbench dashboard` process on a free loopback port; and the ``needs_bundle`` marker,
which skips a test when the dashboard's own plotly.js has not been built."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# A deadline for waiting on a condition, never a timing assertion: generous enough for
# a machine whose cores are all busy.
SAFETY_SECONDS = 900

# Country runs print no brief.pdf unless a test asks for one: one Chromium start per
# run would add seconds to every run of the suite. The brief's own tests turn it on
# (``print_briefs``), and every process a test starts inherits the setting.
os.environ["WORKBENCH_CHROMIUM"] = "off"


@contextmanager
def print_briefs() -> Iterator[None]:
    """Country runs inside the block print brief.pdf with the machine's Chromium."""
    previous = os.environ.pop("WORKBENCH_CHROMIUM", None)
    try:
        yield
    finally:
        if previous is not None:
            os.environ["WORKBENCH_CHROMIUM"] = previous

def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a ``needs_bundle`` test when the npm-built plotly.js is absent (a fresh
    clone before `make test`, which builds it first). A bundle that is there but stale
    is not skipped: the tests that check it must say so."""
    if item.get_closest_marker("needs_bundle") is None:
        return
    from workbench.dashboard import bundle as plotly_bundle

    if not plotly_bundle.BUNDLE.is_file():
        pytest.skip(f"the dashboard's own plotly.js is not built ({plotly_bundle.BUNDLE.name}): "
                    "`make test` builds it, or `python -m workbench.dashboard.bundle` "
                    "(needs Node.js and npm)")


PROFILE = """\
country: {code}
name: {name}
currency: {currency}
usd_per_unit: 0.01
gdp_usd: 1.0e9
population: 1.0e6
period_start: 2025-01-01
period_end: 2025-12-31
budget_usd_per_year: 1.0e6
horizon_years: 3
synthetic: true
"""

FRAME = """\
sector,size_band,entities
finance,micro,100
finance,large,10
trade,micro,300
trade,large,20
"""

SURVEY_HEADER = (
    "respondent_id,sector,size_band,ownership,cni,breached_12m,breaches_12m,phishing,"
    "impersonation,malware,ransomware,ddos,account_takeover,unauthorised_access,online_fraud,"
    "cost_direct,cost_recovery,cost_long_term,reported,incident_plan,backups,staff_training,"
    "mfa,cyber_insurance"
)
SURVEY_ROWS = [
    "R1,finance,micro,private,no,yes,2,yes,no,no,no,no,no,no,no,100,50,,yes,yes,yes,no,no,no",
    "R2,finance,micro,private,no,no,0,,,,,,,,,,,,,no,yes,no,no,no",
    "R3,finance,large,private,yes,yes,1,yes,yes,no,no,no,no,no,no,1000,,,no,yes,yes,yes,yes,no",
    "R4,trade,micro,private,no,no,0,,,,,,,,,,,,,no,no,no,no,no",
    "R5,trade,micro,private,no,yes,3,no,no,yes,no,no,no,no,no,200,100,0,no,no,no,no,no,no",
    "R6,trade,large,public,no,no,0,,,,,,,,,,,,,yes,yes,yes,yes,yes",
]

INCIDENTS = """\
incident_id,reported_on,category,victim_type,sector,cni,financial_loss,status
I1,2025-01-15,fraud,business,finance,no,500,closed
I2,2025-03-02,malicious-code,public_body,public_administration,yes,,open
I3,2025-06-30,fraud,individual,,,20,closed
"""

ENTITIES = """\
entity_id,name,entity_type,sector,criticality
NATIONAL,Republic as a whole,national,,5
MOF,Ministry of Finance,government,public_administration,4
PWR,National Power Utility,cni_operator,energy,5
"""

ASSESSMENT = """\
entity_id,indicator_id,level,evidence,assessed_on
NATIONAL,LEG-01,2,Cybercrime act 2018,2025-05-01
NATIONAL,TEC-01,1,CIRT set up on paper,2025-05-01
MOF,TEC-13,3,MFA for all staff,2025-05-02
PWR,TEC-13,1,,2025-05-03
"""

TARGETS = """\
applies_to,indicator_id,target
cni_operator,TEC-13,5
"""


def write_country(root: Path, code: str = "KE", *, name: str = "Kenya", currency: str = "KES",
                  files: dict[str, str | None] | None = None) -> Path:
    """Write a small valid country folder; ``files`` replaces (or with None removes) files."""
    folder = root / code
    folder.mkdir(parents=True, exist_ok=True)
    contents: dict[str, str | None] = {
        "profile.yaml": PROFILE.format(code=code, name=name, currency=currency),
        "business_population.csv": FRAME,
        "survey_responses.csv": SURVEY_HEADER + "\n" + "\n".join(SURVEY_ROWS) + "\n",
        "incidents.csv": INCIDENTS,
        "entities.csv": ENTITIES,
        "capability_assessment.csv": ASSESSMENT,
        "targets.csv": TARGETS,
    }
    contents.update(files or {})
    for file_name, text in contents.items():
        target = folder / file_name
        if text is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def country_dir(tmp_path: Path) -> Path:
    """A valid country folder ``<tmp>/data/KE``."""
    return write_country(tmp_path / "data")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], what: str, seconds: float = SAFETY_SECONDS) -> None:
    """Wait until ``condition()`` holds; fail naming ``what`` past the safety deadline."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.25)


@contextmanager
def dashboard_process(data_root: Path, log: Path, *options: str
                      ) -> Iterator[tuple[subprocess.Popen, int]]:
    """`workbench dashboard --data data_root [options]` on a free loopback port, its
    output in ``log``, once it listens; stopped (SIGTERM, then SIGKILL) afterwards."""
    from workbench.dashboard.server import PASSWORD_HASH_ENV, TOKEN_ENV

    port = free_port()
    workbench = Path(sys.executable).with_name("workbench")
    # A secret set on this machine would lock the tests out of their own server.
    env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, PASSWORD_HASH_ENV)}
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(workbench), "dashboard", "--data", str(data_root), "--port", str(port),
             *options],
            stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        def listening() -> bool:
            assert process.poll() is None, f"the server stopped: {log.read_text()[-2000:]}"
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0
        wait_until(listening, "the dashboard server listening")
        yield process, port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
