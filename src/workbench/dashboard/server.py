"""Serving the ministers' dashboard with Voilà, safely by default.

``workbench dashboard --data <root>`` serves ``notebooks/country_dashboard.ipynb``:

* code never reaches the page (``strip_sources``) and neither do tracebacks
  (``show_tracebacks`` off); the page itself turns data problems into plain messages;
* it listens on 127.0.0.1 unless told otherwise, and refuses any other address
  without a token or a password (put it behind a reverse proxy with TLS to share it:
  docs/dashboard.md);
* at most ``max_kernels`` kernels run at once, the preheated pool included; a page
  beyond that gets a plain "busy, try again in a minute" page (HTTP 503) and starts
  no kernel; a kernel whose page never connected or went away is shut down after
  ``abandoned_timeout_seconds``, one left idle after ``idle_timeout_seconds``
  (``voila``);
* only requests for this machine's host names (or a configured public name behind a
  proxy) are served, so a page under another name (DNS rebinding) gets nothing;
* a kernel sends its page no log, warning or traceback (``kernel``);
* a small pool of preheated kernels, which have already imported the workbench and
  worked out the default country's figures, makes the first page appear fast;
* the page is the workbench's own Voilà template: Voilà's "lab" page without the
  fonts it would fetch from a public CDN, so it draws on a network with no internet,
  and with the dashboard's own small plotly.js (``bundle``), served locally;
* once per start, a low-priority process of the server's own (``grid``) works every
  country's budget-slider positions out into a private folder made for the server's
  run (``plans``); the pages read them there, so moving the slider seldom waits for
  the solver.

The data folder reaches the page's kernel through an environment variable, never
through the page address.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

from workbench import paths
from workbench.dashboard import bundle
from workbench.dashboard.plans import STORE_ENV
from workbench.dashboard.settings import DATA_ROOT_ENV, list_countries
from workbench.dashboard.voila import DEFAULT_ABANDONED_SECONDS, DEFAULT_MAX_KERNELS
from workbench.errors import WorkbenchError

TEMPLATE_NAME = "workbench"
# The folder holding voila/templates/workbench (a Jupyter data directory).
TEMPLATE_ROOT = paths.SHIPPED_DATA
DEFAULT_PORT = 8866
DEFAULT_IP = "127.0.0.1"
TOKEN_ENV = "WORKBENCH_DASHBOARD_TOKEN"
PASSWORD_HASH_ENV = "WORKBENCH_DASHBOARD_PASSWORD_HASH"
LOOPBACK_NAMES = ("localhost",)  # loopback addresses (127.0.0.1, ::1) are accepted as such
_HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)"
                        r"(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


@dataclass(frozen=True)
class ServeOptions:
    """How to serve the dashboard.

    Attributes:
        data_root: folder holding one folder per country.
        port: TCP port; the server fails rather than pick another one.
        ip: address to listen on (127.0.0.1: this machine only).
        token: a secret visitors must present (``?token=...`` once, then a cookie).
        hashed_password: a password hash from ``jupyter_server.auth.passwd``.
        preheat: keep ``pool_size`` kernels ready, the workbench imported and the
            default country worked out.
        pool_size: preheated kernels kept ready.
        idle_timeout_seconds: shut a page's kernel down after this long without
            activity, even with the page still open (0: never).
        cull_interval_seconds: how often idle kernels are looked for.
        base_url: path prefix when served behind a reverse proxy, e.g. ``/dashboard/``.
        max_kernels: most kernels alive at once, the preheated pool included.
        abandoned_timeout_seconds: shut a kernel down after this long idle with no
            page connected to it (its page never opened its connection, or went away).
        public_hosts: host names the dashboard answers to besides this machine's
            (the name visitors use behind a reverse proxy), e.g. ``dashboard.gov.example``.
    """

    data_root: Path
    port: int = DEFAULT_PORT
    ip: str = DEFAULT_IP
    token: str | None = None
    hashed_password: str | None = None
    preheat: bool = True
    pool_size: int = 1
    idle_timeout_seconds: int = 1200
    cull_interval_seconds: int = 15
    base_url: str = "/"
    max_kernels: int = DEFAULT_MAX_KERNELS
    abandoned_timeout_seconds: int = DEFAULT_ABANDONED_SECONDS
    public_hosts: tuple[str, ...] = ()


def is_loopback(ip: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if ip.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip.strip()).is_loopback
    except ValueError:
        return False


def check_options(options: ServeOptions) -> None:
    """Refuse options that would expose the dashboard or cannot work.

    Raises:
        WorkbenchError: a non-loopback address without a token or password, a bad
            port, pool size or timeout, or a base URL without slashes at both ends.
    """
    if not is_loopback(options.ip) and not (options.token or options.hashed_password):
        raise WorkbenchError(
            f"refusing to listen on {options.ip} without a token or a password: anyone who "
            f"can reach it would see the dashboard. Set {TOKEN_ENV} (or --token), or "
            f"{PASSWORD_HASH_ENV}, or keep the default address {DEFAULT_IP} behind a "
            "reverse proxy (docs/dashboard.md)"
        )
    if not 1 <= options.port <= 65535:
        raise WorkbenchError(f"port {options.port} is not a TCP port (1-65535)")
    if options.pool_size < 0 or options.pool_size > 16:
        raise WorkbenchError("the preheated pool size must be from 0 to 16")
    if options.idle_timeout_seconds < 0 or options.cull_interval_seconds < 1:
        raise WorkbenchError("the idle timeout must be 0 or more, the cull interval at least 1 second")
    if options.token is not None and len(options.token) < 16:
        raise WorkbenchError("the token must be at least 16 characters long")
    if not (options.base_url.startswith("/") and options.base_url.endswith("/")):
        raise WorkbenchError(f"the base URL must start and end with '/', got {options.base_url!r}")
    pool = options.pool_size if options.preheat else 0
    if options.max_kernels < pool + 1:
        raise WorkbenchError(f"--max-kernels must be at least the pool size plus one ({pool + 1}): "
                             f"got {options.max_kernels}")
    if options.abandoned_timeout_seconds < 1:
        raise WorkbenchError("the time after which a page that went away loses its kernel must "
                             "be at least 1 second")
    for host in options.public_hosts:
        if not _HOST_NAME.match(host.lower()):
            raise WorkbenchError(f"--public-host {host!r} is not a host name (give the name only, "
                                 "e.g. dashboard.gov.example: no scheme, port or path)")


def host_check_settings(options: ServeOptions) -> dict[str, object]:
    """jupyter_server's host check (``JupyterHandler.check_host``) as tornado settings.

    On a loopback address only requests naming this machine (a loopback address,
    ``localhost``) or one of the public names are served: a page of another site whose
    name has been pointed at 127.0.0.1 (DNS rebinding) gets a 403. On any other
    address the check is off, as in Jupyter: the token or password required there
    guards it, and jupyter_server's check cannot accept a non-loopback address.
    """
    if not is_loopback(options.ip):
        return {"allow_remote_access": True}
    return {"allow_remote_access": False,
            "local_hostnames": [*LOOPBACK_NAMES, *(h.lower() for h in options.public_hosts)]}


def voila_config(options: ServeOptions) -> Config:
    """The Voilà configuration of the dashboard server (pure; see the module notes)."""
    config = Config()
    config.Voila.ip = options.ip
    config.Voila.port = options.port
    config.Voila.port_retries = 0  # the port asked for, or a clear failure
    config.Voila.open_browser = False
    config.Voila.base_url = options.base_url
    # No voila.py / voila.json from the working folder may loosen these settings.
    config.Voila.config_file_paths = []
    if options.token:
        config.Voila.token = options.token
    if options.hashed_password:
        config.PasswordIdentityProvider.hashed_password = options.hashed_password
    vc = config.VoilaConfiguration
    vc.strip_sources = True
    vc.show_tracebacks = False
    vc.template = TEMPLATE_NAME
    # A visitor must not swap the page for another template (one may fetch from a CDN).
    vc.allow_template_override = "NO"
    vc.allow_theme_override = "NO"
    # Serve no files next to the notebook: the page needs none.
    vc.file_allowlist = []
    vc.file_denylist = [".*"]
    vc.preheat_kernel = options.preheat and options.pool_size > 0
    vc.default_pool_size = options.pool_size if options.preheat else 0
    config.Voila.tornado_settings = host_check_settings(options)
    vc.multi_kernel_manager_class = "workbench.dashboard.voila.CappedKernelManager"
    config.CappedKernelManager.max_kernels = options.max_kernels
    config.CappedKernelManager.abandoned_timeout = options.abandoned_timeout_seconds
    kernels = config.MappingKernelManager
    kernels.cull_interval = options.cull_interval_seconds
    kernels.cull_busy = False
    if options.idle_timeout_seconds > 0:
        kernels.cull_idle_timeout = options.idle_timeout_seconds
        # A page left open in a browser keeps its connection: cull it anyway once idle.
        kernels.cull_connected = True
    else:
        # Never cull a page that is open; the culler still runs for pages that went away.
        kernels.cull_idle_timeout = options.abandoned_timeout_seconds
        kernels.cull_connected = False
    return config


def kernel_environment(options: ServeOptions) -> dict[str, str]:
    """Environment variables the server sets for itself and its kernels."""
    jupyter_path = os.pathsep.join(
        p for p in (str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH", "")) if p)
    env = {
        DATA_ROOT_ENV: str(Path(options.data_root).resolve()),
        # Voilà finds the workbench template in Jupyter's data path.
        "JUPYTER_PATH": jupyter_path,
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    # A preheated kernel fetches its visitor's request from the server at this address.
    if options.ip not in ("", "0.0.0.0", "::") and not is_loopback(options.ip):
        env["VOILA_APP_IP"] = options.ip
    return env


def dashboard_notebook() -> Path:
    return paths.NOTEBOOKS_DIR / paths.DASHBOARD_NOTEBOOK


def plotly_bundle_note() -> str | None:
    """The line the server prints when the dashboard's own plotly.js cannot be used
    (the page still works, only its first load is slower); None when it can."""
    problem = bundle.problem()
    if problem is None:
        return None
    return (f"note: {problem}; the charts use the plotly extension's full plotly.js, so the "
            "first page takes longer. Build it with `make setup` (or `python -m "
            "workbench.dashboard.bundle`; needs Node.js and npm).")


def serve(options: ServeOptions) -> None:
    """Check the options and the data folder, then run Voilà until interrupted.

    Raises:
        WorkbenchError: options refused by ``check_options``, no country folder under
            the data folder, or the dashboard notebook missing.
    """
    check_options(options)
    root = Path(options.data_root)
    if not root.is_dir():
        raise WorkbenchError(f"{root} is not a folder")
    if not list_countries(root):
        raise WorkbenchError(f"{root} holds no country folder (named by its code, e.g. KE)")
    notebook = dashboard_notebook()
    if not notebook.is_file():
        raise WorkbenchError(f"the dashboard notebook {notebook} is missing")
    os.environ.update(kernel_environment(options))
    note = plotly_bundle_note()
    if note is not None:
        print(note, file=sys.stderr)
    from workbench.dashboard.voila import WorkbenchVoila

    # Every country's slider grid, worked out once beside the server into a folder
    # private to this user (mkdtemp makes it 0700), read by the pages and removed when
    # the server stops (plans, grid).
    plans = tempfile.mkdtemp(prefix="workbench-dashboard-plans-")
    os.environ[STORE_ENV] = plans
    grid = subprocess.Popen([sys.executable, "-m", "workbench.dashboard.grid", os.environ[DATA_ROOT_ENV]],
                            stdin=subprocess.DEVNULL)
    threading.Thread(target=grid.wait, name="slider-grid", daemon=True).start()  # reaps it
    try:
        WorkbenchVoila.launch_instance(argv=[str(notebook)], config=voila_config(options))
    finally:
        grid.terminate()
        grid.wait()
        shutil.rmtree(plans, ignore_errors=True)
