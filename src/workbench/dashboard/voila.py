"""Voilà as the dashboard serves it: a cap on kernels, a busy page, host names checked.

Voilà 0.5 starts a kernel for every page request and keeps it until the idle timeout,
so a few dozen quick requests (a crawler, a reload loop, an attacker) would start a
few dozen kernels of 300-370 MB each. Here:

* ``CappedKernelManager`` keeps at most ``max_kernels`` kernels alive, the preheated
  pool included. A page that would need one more gets a plain "busy, try again in a
  minute" page (HTTP 503 with ``Retry-After``) and no kernel is started. A kernel
  whose page never connected to it, or went away, is shut down after
  ``abandoned_timeout`` seconds (a page left open is still shut down after the idle
  timeout, as before). A freed place goes to the preheated pool first.
* ``WorkbenchVoila`` serves the page with ``CappedVoilaHandler`` and subjects Voilà's
  few plain tornado handlers (static files, the preheated kernels' request channel) to
  the host check jupyter_server applies to its own handlers (``allow_remote_access``
  off, ``local_hostnames``; configured in ``server.voila_config``), so a page
  under another host name (DNS rebinding) gets nothing.

The slot accounting reads the preheated pool of Voilà's ``VoilaKernelManager``
(``_pools``: one asyncio task per pool kernel); tests/test_dashboard_server.py checks
it against a real server.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.log import app_log
from traitlets import Integer
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

# How long a visitor who got the busy page is asked to wait (seconds).
RETRY_AFTER_SECONDS = 60
# A kernel with the dashboard loaded takes 300-370 MB (docs/dashboard.md): 16 of them
# about 6 GB, a quarter of a 24 GB server; more open pages than two cores keep quick.
DEFAULT_MAX_KERNELS = 16
DEFAULT_ABANDONED_SECONDS = 60
BUSY_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Dashboard busy</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto;">
<h1>The dashboard is busy</h1>
<p>Too many pages are open at the moment. Please try again in a minute.</p>
</body>
</html>
"""
# Extra arguments for every kernel the dashboard starts: an IPython extension that keeps
# logs, warnings and tracebacks off the page (workbench.dashboard.kernel).
KERNEL_ARGUMENTS = ["--IPKernelApp.extensions=workbench.dashboard.kernel"]
# Voilà marks the kernels it starts for its preheated pool with this environment variable.
PREHEAT_ENV = "VOILA_PREHEAT"


class KernelCapReached(web.HTTPError):
    """A page would need a kernel beyond the cap."""

    def __init__(self, max_kernels: int) -> None:
        super().__init__(503, "all %d kernels are in use", max_kernels)


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager with a cap on kernels and quick reclaiming of the
    kernels of pages that went away (see the module notes)."""

    max_kernels = Integer(DEFAULT_MAX_KERNELS, config=True,
                          help="Most kernels alive at once, the preheated pool included.")
    abandoned_timeout = Integer(
        DEFAULT_ABANDONED_SECONDS, config=True,
        help="Shut down a kernel with no page connected after this many idle seconds.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting: set[str] = set()  # kernel ids being started
        self._holding: set[asyncio.Task] = set()  # pool tasks starting their kernel
        self._place_freed = asyncio.Condition()

    # ----------------------------------------------------------------- accounting

    def kernels_in_use(self) -> int:
        """Kernels alive or being started."""
        return len(set(self.list_kernel_ids()) | self._starting)

    def _pool_tasks(self) -> list[asyncio.Task]:
        return [task for pool in getattr(self, "_pools", {}).values() for task in pool]

    def _holds_a_place(self, task: asyncio.Task) -> bool:
        return task in self._holding or (task.done() and not task.cancelled()
                                         and task.exception() is None)

    def places_promised_to_the_pool(self) -> int:
        """Preheated kernels Voilà has asked for that have not started yet."""
        return sum(not self._holds_a_place(task) for task in self._pool_tasks())

    def admits_page(self, notebook: str) -> bool:
        """Whether a page request can be served within the cap.

        A page takes the first preheated kernel when there is one: fine if that kernel
        runs or can start within the cap. Otherwise the page needs a new kernel.
        """
        promised = self.kernels_in_use() + self.places_promised_to_the_pool()
        pool = getattr(self, "_pools", {}).get(notebook, [])
        if pool:
            return self._holds_a_place(pool[0]) or promised <= self.max_kernels
        return promised < self.max_kernels

    # ----------------------------------------------------------------- starting and stopping

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        """Start a kernel within the cap: one for a page, or wait for a place for one
        for the preheated pool.

        Raises:
            KernelCapReached: a page's kernel would go beyond the cap.
        """
        if kwargs.get("kernel_id") is not None and kwargs["kernel_id"] in self:
            return await super().start_kernel(*args, **kwargs)
        task = asyncio.current_task()
        for_pool = (kwargs.get("env") or {}).get(PREHEAT_ENV) == "True"
        if for_pool:
            async with self._place_freed:
                await self._place_freed.wait_for(lambda: self.kernels_in_use() < self.max_kernels)
        elif self.kernels_in_use() + self.places_promised_to_the_pool() >= self.max_kernels:
            self.log.warning("Refusing a page: all %d kernels are in use.", self.max_kernels)
            raise KernelCapReached(self.max_kernels)
        kernel_id = kwargs.get("kernel_id") or str(uuid.uuid4())
        kwargs["kernel_id"] = kernel_id
        kwargs["extra_arguments"] = [*kwargs.get("extra_arguments", []), *KERNEL_ARGUMENTS]
        self._starting.add(kernel_id)
        if for_pool and task is not None:
            self._holding.add(task)
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting.discard(kernel_id)
            self._holding.discard(task)
            await self._notify_place_freed()

    async def shutdown_kernel(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().shutdown_kernel(*args, **kwargs)
        finally:
            await self._notify_place_freed()

    async def _notify_place_freed(self) -> None:
        async with self._place_freed:
            self._place_freed.notify_all()

    # ----------------------------------------------------------------- culling

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Shut a kernel down when no page has been connected to it for
        ``abandoned_timeout`` idle seconds; otherwise cull it as Jupyter does."""
        kernel = self._kernels[kernel_id]
        last_activity = getattr(kernel, "last_activity", None)
        if (self.abandoned_timeout > 0 and last_activity is not None
                and not self._kernel_connections.get(kernel_id, 0)
                and getattr(kernel, "execution_state", None) not in ("busy", "starting")
                and datetime.now(UTC) - last_activity > timedelta(seconds=self.abandoned_timeout)):
            self.log.info("Shutting down kernel %s: no page connected to it for %d s.",
                          kernel_id, self.abandoned_timeout)
            await self.shutdown_kernel(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)


def write_busy_page(handler: web.RequestHandler) -> None:
    """Answer with the plain busy page: HTTP 503, try again in a minute."""
    handler.clear()
    handler.set_status(503)
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
    handler.set_header("Cache-Control", "no-store")
    handler.finish(BUSY_PAGE)


class CappedVoilaHandler(TornadoVoilaHandler):
    """Voilà's page, or the busy page when the kernels are all in use."""

    @web.authenticated
    async def get(self, path: str | None = None) -> None:
        manager = self.kernel_manager
        if not path and isinstance(manager, CappedKernelManager) and not manager.admits_page(
                self.notebook_path):
            self.log.warning("Busy page sent: all %d kernels are in use.", manager.max_kernels)
            write_busy_page(self)
            return
        await super().get(path)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, KernelCapReached):  # a place taken since the page was admitted
            write_busy_page(self)
            return
        super().write_error(status_code, **kwargs)


class HostChecked:
    """For Voilà's handlers that are not Jupyter handlers: refuse a request whose Host
    is not this machine's (or a configured public name), with jupyter_server's check."""

    @property
    def log(self):  # JupyterHandler.check_host logs through it
        return app_log

    def prepare(self, *args: Any, **kwargs: Any) -> Any:
        if not JupyterHandler.check_host(self):  # type: ignore[arg-type]
            raise web.HTTPError(403)
        return super().prepare(*args, **kwargs)  # type: ignore[misc]


def _checked(handler: type) -> type:
    if handler is TornadoVoilaHandler:
        return CappedVoilaHandler
    if issubclass(handler, JupyterHandler):
        return handler
    return type(f"HostChecked{handler.__name__}", (HostChecked, handler), {})


class WorkbenchVoila(Voila):
    """Voilà with the page served by ``CappedVoilaHandler`` and every handler under the
    host check."""

    def init_handlers(self) -> list:
        return [(rule[0], _checked(rule[1]), *rule[2:]) for rule in super().init_handlers()]
