"""Download links whose files are made when they are clicked.

Carrying the files in the page (data: links) meant making an Excel workbook for every
move of the budget slider, about 0.2 s of the kernel's time while the browser was
redrawing the charts, and sending it whether or not anyone wanted it. Here a click
asks the page's kernel for the file; the kernel makes it from what the page shows at
that moment and sends its bytes back, and the browser saves them under the file's
name (``download_links.js``, beside this file). Nothing is fetched from elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from workbench.dashboard.downloads import DownloadFile
from workbench.errors import WorkbenchError
from workbench.i18n import N_, _

FRONT_END = Path(__file__).with_name("download_links.js")
CANNOT_MAKE = N_("this file could not be made; the figures on the page are still right.")
NOT_OFFERED = N_("this file is not offered on the page now.")


class DownloadLinks(anywidget.AnyWidget):
    """Links to files made on request. ``links``: name, label and CSS class of each."""

    _esm = FRONT_END.read_text(encoding="utf-8")
    links = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._files: dict[str, DownloadFile] = {}
        self._make: Callable[[DownloadFile], bytes] | None = None
        self.on_msg(self._on_request)

    def offer(self, files: Sequence[DownloadFile], make: Callable[[DownloadFile], bytes]) -> None:
        """Show links to ``files``; ``make`` makes one when it is clicked."""
        self._files = {f.name: f for f in files}
        self._make = make
        self.links = [{"name": f.name, "label": f.label, "css": f.css_class} for f in files]

    def withdraw(self) -> None:
        """Show no link."""
        self._files, self._make = {}, None
        self.links = []

    def make(self, name: str) -> tuple[dict[str, str], list[bytes]]:
        """The reply to a request for file ``name``: the message and its buffers (the
        file's bytes, or none and the plain reason it cannot be made)."""
        file = self._files.get(name)
        if file is None or self._make is None:
            return {"name": name, "problem": _(NOT_OFFERED)}, []
        try:
            payload = self._make(file)
        except WorkbenchError as exc:
            return {"name": name, "problem": str(exc)}, []
        except Exception:  # a fault the visitor cannot act on: no internals shown
            return {"name": name, "problem": _(CANNOT_MAKE)}, []
        return {"name": file.name, "mime": file.mime}, [payload]

    def _on_request(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("want"), str):
            return
        message, buffers = self.make(content["want"])
        self.send(message, buffers)
