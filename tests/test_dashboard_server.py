"""The dashboard server under load and hostile pages: the kernel cap and its busy page,
kernels of pages that went away reclaimed, host names checked (DNS rebinding), and no
traceback or server path sent to a page over its kernel's websocket.

The tests marked ``server`` share one `workbench dashboard` on a free loopback port,
with a cap of three kernels (the preheated one included).
"""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import logging
import re
import shutil
import subprocess
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import websocket
from conftest import dashboard_process, wait_until, write_country
from typer.testing import CliRunner

from workbench import paths
from workbench.cli import app
from workbench.dashboard import grid
from workbench.dashboard import kernel as page_kernel
from workbench.dashboard import server as dashboard_server
from workbench.dashboard.slider import grid_budgets_usd
from workbench.dashboard.voila import CappedKernelManager, KernelCapReached
from workbench.errors import WorkbenchError
from workbench.profile import load_profile

PUBLIC_HOST = "dashboard.gov.example"
MAX_KERNELS = 3
POOL_SIZE = 1
# Kernels of pages that went away are reclaimed after this many idle seconds, looked
# for every CULL_SECONDS (the tests wait for the reclaiming, never for a set time).
ABANDONED_SECONDS = 10
CULL_SECONDS = 1
QUICK_LOADS = 12
QUICK_LOAD_SECONDS = 2.0
# What must never reach a page from its kernel.
LEAK = re.compile(r"Traceback|site-packages|File \"|(?:/[\w.@-]+){2,}\.py|/work/|/usr/|/home/")


# --------------------------------------------------------------------------- settings


def test_loopback_server_checks_host_names_and_accepts_the_public_name(tmp_path: Path) -> None:
    local = dashboard_server.host_check_settings(
        dashboard_server.ServeOptions(tmp_path, public_hosts=("Dashboard.Gov.Example",)))
    assert local == {"allow_remote_access": False,
                     "local_hostnames": ["localhost", "dashboard.gov.example"]}
    lan = dashboard_server.ServeOptions(tmp_path, ip="10.0.0.2", token="t" * 16)
    # Off where jupyter_server's check cannot accept the address itself; a token guards it.
    assert dashboard_server.host_check_settings(lan) == {"allow_remote_access": True}


def test_voila_runs_the_capped_kernel_manager_with_the_host_check(tmp_path: Path) -> None:
    config = dashboard_server.voila_config(dashboard_server.ServeOptions(
        tmp_path, max_kernels=5, abandoned_timeout_seconds=45, public_hosts=(PUBLIC_HOST,)))
    assert config.VoilaConfiguration.multi_kernel_manager_class == (
        "workbench.dashboard.voila.CappedKernelManager")
    assert config.CappedKernelManager.max_kernels == 5
    assert config.CappedKernelManager.abandoned_timeout == 45
    assert config.Voila.tornado_settings["local_hostnames"] == ["localhost", PUBLIC_HOST]
    assert config.MappingKernelManager.cull_connected is True
    never = dashboard_server.voila_config(dashboard_server.ServeOptions(
        tmp_path, idle_timeout_seconds=0, abandoned_timeout_seconds=45))
    # An open page is never culled, but the culler still runs for pages that went away.
    assert never.MappingKernelManager.cull_idle_timeout == 45
    assert never.MappingKernelManager.cull_connected is False


@pytest.mark.parametrize("bad, message", [
    (dict(max_kernels=1), "at least the pool size plus one"),
    (dict(max_kernels=2, pool_size=2), "at least the pool size plus one"),
    (dict(abandoned_timeout_seconds=0), "at least 1 second"),
    (dict(public_hosts=("https://dashboard.gov.example",)), "not a host name"),
    (dict(public_hosts=("dashboard.gov.example:443",)), "not a host name"),
    (dict(public_hosts=("dash board",)), "not a host name"),
])
def test_unusable_cap_timeout_or_public_name_is_refused(tmp_path: Path, bad: dict,
                                                       message: str) -> None:
    with pytest.raises(WorkbenchError, match=message):
        dashboard_server.check_options(dashboard_server.ServeOptions(tmp_path, **bad))
    dashboard_server.check_options(dashboard_server.ServeOptions(
        tmp_path, max_kernels=2, public_hosts=(PUBLIC_HOST, "localhost")))
    dashboard_server.check_options(dashboard_server.ServeOptions(
        tmp_path, max_kernels=1, preheat=False))


def test_cli_dashboard_refuses_a_public_name_with_a_scheme(tmp_path: Path) -> None:
    write_country(tmp_path / "data")
    result = CliRunner().invoke(app, ["dashboard", "--data", str(tmp_path / "data"),
                                      "--public-host", "http://dashboard.gov.example"])
    assert result.exit_code == 2 and "not a host name" in result.output


def test_the_cap_counts_kernels_running_starting_and_promised_to_the_pool() -> None:
    async def scenario() -> None:
        manager = CappedKernelManager(max_kernels=3)
        warm = asyncio.create_task(asyncio.sleep(0, result={"kernel_id": "pool"}))
        await warm  # a preheated kernel, ready
        promised = asyncio.create_task(asyncio.Event().wait())  # one Voilà has asked for
        try:
            manager._starting = {"a", "b"}  # two pages' kernels
            assert manager.admits_page("nb")  # a third page may start its kernel
            manager._pools = {"nb": [promised]}
            assert manager.places_promised_to_the_pool() == 1
            # The page would take the promised kernel: it fits (2 + 1 <= 3) ...
            assert manager.admits_page("nb")
            # ... but a page starting its own kernel would take the pool's place.
            with pytest.raises(KernelCapReached):
                await manager.start_kernel(kernel_name="python3", env={})
            assert manager.list_kernel_ids() == [] and manager._starting == {"a", "b"}
            manager._starting = {"a", "b", "c"}
            assert not manager.admits_page("nb")  # the pool's kernel waits for a place
            manager._pools = {"nb": [warm]}
            assert manager.admits_page("nb")  # a ready preheated kernel is there to take
            manager._pools = {}
            assert not manager.admits_page("nb")
        finally:
            promised.cancel()

    asyncio.run(scenario())


# --------------------------------------------------------------------------- kernel side


def test_a_kernels_logs_and_warnings_go_to_the_server_log_not_the_page() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    server_log = io.StringIO()
    try:
        page_kernel.keep_logs_off_the_page(server_log)
        try:
            raise ValueError("bad comm")
        except ValueError:
            logging.getLogger("ipykernel.comm").error("Exception opening comm", exc_info=True)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a warning naming a path", UserWarning, stacklevel=1)
    finally:
        logging.captureWarnings(False)
        root.handlers, root.level = saved
    written = server_log.getvalue()
    assert "Exception opening comm" in written and "Traceback" in written
    assert "a warning naming a path" in written


def test_an_error_in_a_widget_callback_reaches_the_page_without_its_traceback() -> None:
    sent: list[tuple] = []

    class Shell:
        def _showtraceback(self, etype, evalue, stb):
            sent.append((etype, evalue, stb))

    shell = Shell()
    page_kernel.keep_tracebacks_off_the_page(shell)
    try:
        raise FileNotFoundError("/srv/secret/path/file.csv")
    except FileNotFoundError:
        shell.showtraceback()
    [(etype, evalue, stb)] = sent
    assert etype is FileNotFoundError and stb == []
    assert "/srv" not in evalue and "server's log" in evalue


# --------------------------------------------------------------------------- a real server


class Server:
    """`workbench dashboard` on a free loopback port, with a view of its kernels."""

    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log
        self.most_kernels_seen = 0

    def kernels(self) -> int:
        """Kernel processes alive now (the most ever seen is kept)."""
        count = 0
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                count += "ipykernel_launcher" in " ".join(child.cmdline())
            except psutil.Error:  # exited meanwhile
                continue
        self.most_kernels_seen = max(self.most_kernels_seen, count)
        return count

    def request(self, path: str = "/", host: str | None = None,
                timeout: float = 600) -> tuple[int, dict[str, str], str]:
        """GET the whole answer: status, headers and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Host": host} if host else {}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()

    def quick_load(self) -> int | None:
        """A visitor who gives up after two seconds (`curl -m 2`): the status, or None."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=QUICK_LOAD_SECONDS)
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            if response.status == 503:
                assert response.getheader("Retry-After") == "60"
                body = response.read().decode()
                assert "busy" in body and "try again in a minute" in body
                assert "<script" not in body
            return response.status
        except (TimeoutError, OSError):
            return None
        finally:
            connection.close()

    def open_page(self, host: str | None = None) -> str:
        """Load the whole page as a browser does and return its kernel's id."""
        status, _, body = self.request("/", host=host)
        assert status == 200, body[:500]
        return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body).group(1)

    def channels(self, kernel_id: str, host: str | None = None) -> websocket.WebSocket:
        """The kernel's websocket, opened as the page opens it."""
        url = (f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels"
               f"?session_id={uuid.uuid4()}")
        host = host or f"127.0.0.1:{self.port}"
        return websocket.create_connection(url, timeout=300, host=host,
                                           origin=f"http://{host}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("server-data")
    shutil.copytree(paths.SAMPLES_DIR / "KE", data / "KE")
    log = tmp_path_factory.mktemp("server-log") / "server.log"
    with dashboard_process(
            data, log, "--max-kernels", str(MAX_KERNELS), "--pool-size", str(POOL_SIZE),
            "--abandoned-seconds", str(ABANDONED_SECONDS), "--cull-seconds", str(CULL_SECONDS),
            "--public-host", PUBLIC_HOST,
    ) as (process, port):
        running = Server(process, port, log)
        yield running
    assert running.most_kernels_seen <= MAX_KERNELS


@pytest.mark.server
def test_a_foreign_host_name_is_refused_and_the_public_name_served(server: Server) -> None:
    foreign = "attacker.example"
    wait_until(lambda: server.kernels() == POOL_SIZE, "the preheated kernel started")
    for path in ("/", "/?country=KE", "/voila/static/voila.js",
                 "/voila/templates/workbench/static/plotly-workbench.min.js"):
        status, _, body = server.request(path, host=f"{foreign}:{server.port}")
        assert status == 403, (path, status)
        assert "kernelId" not in body
        if path.startswith("/voila/"):
            assert server.request(path, host=PUBLIC_HOST)[0] != 403
    assert server.kernels() == POOL_SIZE  # the refused pages started no kernel
    # The same page under the configured public name (as nginx passes it) is served.
    kernel_id = server.open_page(host=PUBLIC_HOST)
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            server.channels(kernel_id, host=f"{foreign}:{server.port}")
        assert refused.value.status_code == 403
        for name in (PUBLIC_HOST, f"localhost:{server.port}", f"[::1]:{server.port}"):
            server.channels(kernel_id, host=name).close()
    finally:
        assert server.kernels() <= MAX_KERNELS


def _malformed_messages(widget_comm: str | None) -> list[tuple[str, dict]]:
    opens = [
        {"target_name": "jupyter.widget"},  # no comm id
        {"comm_id": "c1", "target_name": "jupyter.widget", "data": {}},
        {"comm_id": "c2", "target_name": "jupyter.widget",
         "data": {"state": {"_model_name": "NoSuchModel"}}},
        {"comm_id": "c3", "target_name": "jupyter.widget", "data": {"state": "not a dict"},
         "metadata": {"version": "2.1.0"}},
        {"comm_id": "c4", "target_name": "jupyter.widget.control", "data": {"method": "x"}},
        {"comm_id": "c5", "target_name": "no.such.target", "data": {}},
        {"comm_id": "c6", "target_name": ["not", "a", "name"]},
    ]
    messages = [("comm_open", content) for content in opens]
    messages.append(("comm_msg", {"comm_id": "no-such-comm", "data": {"method": "update"}}))
    if widget_comm:
        for data in ({"method": "update", "state": "not a dict"},
                     {"method": "update", "state": {"no_such_trait": 1}, "buffer_paths": 3},
                     {"method": "no-such-method"}, {"method": "custom", "content": None}):
            messages.append(("comm_msg", {"comm_id": widget_comm, "data": data}))
    return messages


def _send(ws: websocket.WebSocket, msg_type: str, content: object) -> list[dict]:
    """Send one shell message and collect every message the kernel sends in reply to it,
    up to the kernel going idle again and, for a request, its reply (the two come on
    different channels, in no set order)."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": msg_type, "username": "", "session": "s",
                   "date": "", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": content, "channel": "shell",
        "buffers": []}))
    replies: list[dict] = []
    idle, replied = False, not msg_type.endswith("_request")
    while not (idle and replied):
        message = json.loads(ws.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        replies.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            idle = True
        if message["msg_type"] == msg_type.replace("_request", "_reply"):
            replied = True
    return replies


@pytest.mark.server
def test_malformed_comm_messages_get_no_traceback_or_path_back(server: Server) -> None:
    kernel_id = server.open_page()
    ws = server.channels(kernel_id)
    try:
        comms = _send(ws, "comm_info_request", {"target_name": "jupyter.widget"})
        reply = next(m for m in comms if m["msg_type"] == "comm_info_reply")
        widget_comm = next(iter(reply["content"]["comms"]), None)
        assert widget_comm, "the page has widgets to send messages to"
        answered = []
        for msg_type, content in _malformed_messages(widget_comm):
            replies = _send(ws, msg_type, content)
            answered.append(msg_type)
            leaks = [m for m in replies if LEAK.search(json.dumps(m["content"]))]
            assert not leaks, (content, leaks)
        assert len(answered) == len(_malformed_messages(widget_comm))
        # The kernel lives on and still answers.
        assert any(m["msg_type"] == "kernel_info_reply" for m in _send(ws, "kernel_info_request", {}))
    finally:
        ws.close()
    # The failures went to the server's log instead.
    wait_until(lambda: "Exception opening comm" in server.log.read_text(),
                "the comm failures logged by the server")


@pytest.mark.server
def test_pages_beyond_the_cap_get_the_busy_page_and_start_no_kernel(server: Server) -> None:
    wait_until(lambda: server.kernels() == POOL_SIZE, "the earlier pages' kernels reclaimed")
    # Pages held open, as in a browser: the first takes the preheated kernel, and the
    # others theirs, up to the cap.
    held = [server.channels(server.open_page()) for _ in range(MAX_KERNELS)]
    try:
        assert server.kernels() == MAX_KERNELS
        for _ in range(QUICK_LOADS):
            status, headers, body = server.request("/")
            assert status == 503 and headers["Retry-After"] == "60"
            assert "busy" in body and "try again in a minute" in body and "<script" not in body
            assert server.kernels() == MAX_KERNELS
    finally:
        for ws in held:
            ws.close()
    # The pages went away: their kernels are shut down and the preheated pool refilled.
    wait_until(lambda: server.kernels() == POOL_SIZE, "the closed pages' kernels reclaimed")


@pytest.mark.server
def test_quick_loads_stay_within_the_cap_and_their_kernels_are_reclaimed(server: Server) -> None:
    wait_until(lambda: server.kernels() == POOL_SIZE, "the earlier pages' kernels reclaimed")
    log_before = len(server.log.read_text())
    statuses = []
    for _ in range(QUICK_LOADS):  # `curl -m 2`, as a crawler or a reload loop would
        statuses.append(server.quick_load())
        assert server.kernels() <= MAX_KERNELS
    assert set(statuses) <= {200, 503, None}, statuses

    # None of these pages opened its kernel's connection: the kernels are shut down
    # and the preheated pool refilled; a page can be had again.
    def back_to_the_pool() -> bool:
        assert server.kernels() <= MAX_KERNELS
        return server.kernels() == POOL_SIZE
    wait_until(back_to_the_pool, "the abandoned pages' kernels reclaimed")
    assert "no page connected to it" in server.log.read_text()[log_before:]
    server.channels(server.open_page()).close()
    assert server.most_kernels_seen <= MAX_KERNELS


@pytest.mark.server
def test_the_slider_grid_is_worked_out_once_beside_the_server(server: Server) -> None:
    """Every budget of the served country's grid, the default first, by the server's own
    process, which says how long it took and exits."""
    wait_until(lambda: grid.DONE in server.log.read_text(), "the slider grid worked out")
    budgets = grid_budgets_usd(load_profile(paths.SAMPLES_DIR / "KE" / "profile.yaml").budget_usd_per_year)
    log = server.log.read_text()
    assert f"slider grid: KE: {len(budgets)} of {len(budgets)} positions in " in log
    assert f"{grid.DONE}: {len(budgets)} positions (KE) in " in log
