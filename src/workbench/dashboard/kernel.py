"""What a dashboard page's kernel sends back to the page: never a traceback or a path.

A page talks to its kernel over a websocket; whatever the kernel writes to stderr
reaches the page as a "stream" message, and an error in a widget's callback as an
"error" message with the traceback. Voilà's ``show_tracebacks`` off hides tracebacks
only in the cells it renders, not in these. So a malformed ``comm_open`` or
``comm_msg`` (ipykernel logs the failure with its traceback through Python's
logging, which falls back to stderr) sent the page a traceback naming the server's
install paths.

``workbench dashboard`` loads this module as an IPython extension into every kernel
it starts (``voila.KERNEL_ARGUMENTS``). It sends Python's logging and
warnings to the kernel process's own stderr, which is the server's log, and answers
an error in a widget's callback with its exception name only, the traceback going to
the server's log. Kernels started elsewhere (JupyterLab, papermill) are not touched.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from typing import Any

LOG_FORMAT = "[dashboard kernel %(process)d] %(levelname)s %(name)s: %(message)s"
log = logging.getLogger("workbench.dashboard.kernel")


def server_log_stream() -> io.TextIOBase:
    """A text stream to the server's log: the kernel's stderr as it was before ipykernel
    sent it to the page (ipykernel keeps a copy of that file descriptor)."""
    original = getattr(sys.stderr, "_original_stdstream_copy", None)
    if isinstance(original, int):
        return io.TextIOWrapper(io.FileIO(os.dup(original), "w"), encoding="utf-8",
                                errors="replace", line_buffering=True)
    return sys.__stderr__  # stderr is not forwarded to the page


def keep_logs_off_the_page(stream: io.TextIOBase) -> None:
    """Send every log record and warning to ``stream`` instead of the page."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers = [handler]
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.captureWarnings(True)


def keep_tracebacks_off_the_page(shell: Any) -> None:
    """Make the shell log a traceback to the server's log and send the page only the
    exception's name (ipywidgets calls ``showtraceback`` for a failing callback)."""

    def showtraceback(exc_tuple: Any = None, *args: Any, **kwargs: Any) -> None:
        etype, value, tb = exc_tuple if exc_tuple else sys.exc_info()
        if etype is None:
            return
        log.error("error in the dashboard's kernel", exc_info=(etype, value, tb))
        shell._showtraceback(etype, "the details are in the server's log", [])

    shell.showtraceback = showtraceback


def load_ipython_extension(shell: Any) -> None:
    """IPython's entry point: ``--IPKernelApp.extensions=workbench.dashboard.kernel``."""
    keep_logs_off_the_page(server_log_stream())
    keep_tracebacks_off_the_page(shell)
