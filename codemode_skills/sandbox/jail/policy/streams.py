"""The program's two output streams, interleaved into one log with stderr lines marked.

A run's logs are one text (``ExecutionResult.logs`` is that text split into lines), so
the model cannot tell ``print(x)`` from ``print(x, file=sys.stderr)`` or from a runtime
warning unless the text says so. Every line written to stderr starts with
``STDERR_PREFIX`` (``"[stderr] "``): the marking is in the text itself, so it survives
both drivers, the wire and ``split_logs`` unchanged, and it counts against the log limit
like the rest of the text (host and jail measure the same bytes).

Each stream keeps its own line: ``print("a", "b", file=sys.stderr)`` writes four pieces
and shows as one line ``[stderr] a b``. When the other stream writes in the middle of a
line, that line is ended there (the log shows what was written, in order, each line of
one stream), and the newline that later ends the interrupted line is dropped, since the
log has ended it already. Nothing is held back: a stderr line the program never finishes
is in the logs as written, at a timeout too.

``unraisable_report`` is what the worker's ``sys.unraisablehook`` writes to stderr:
CPython's ``Exception ignored in: ...`` report, with the traceback cut to the program's own
frames (no host paths).
"""

from __future__ import annotations

import traceback
from typing import Any

from .ownership import PROGRAM_FILENAME

#: What every stderr line of the logs starts with.
STDERR_PREFIX = "[stderr] "

_OUT, _ERR = "stdout", "stderr"


class LogStreams:
    """Turns writes to stdout and stderr into the text appended to the log.

    ``tail`` is the stream whose line is open at the end of the log (None at a line
    start); ``cut`` holds the streams whose open line the other stream ended."""

    __slots__ = ("cut", "tail")

    def __init__(self) -> None:
        self.tail: str | None = None
        self.cut: set[str] = set()

    def stdout(self, text: str) -> str:
        """The log text for ``text`` (not empty) written to stdout."""
        if self.tail is not _ERR and not self.cut:  # stdout only so far: text as it is
            self.tail = None if text[-1] == "\n" else _OUT
            return text
        return self._write(_OUT, text)

    def stderr(self, text: str) -> str:
        """The log text for ``text`` written to stderr (each line marked)."""
        return self._write(_ERR, text)

    def _write(self, stream: str, text: str) -> str:
        head = ""
        if self.tail is not None and self.tail != stream:
            head = "\n"  # the other stream's line ends here
            self.cut.add(self.tail)
            self.tail = None
        if stream in self.cut:
            self.cut.discard(stream)
            if text.startswith("\n"):  # it ends a line the log has ended already
                text = text[1:]
        if not text:
            return head
        if stream == _ERR:
            body = self._marked(text)
        else:
            body = text
        self.tail = None if text.endswith("\n") else stream
        return head + body

    def _marked(self, text: str) -> str:
        lines = text.split("\n")
        last = lines.pop()  # "" when the text ends with a newline
        at_start = self.tail is None
        parts: list[str] = []
        for line in lines:
            parts.append((STDERR_PREFIX if at_start else "") + line + "\n")
            at_start = True
        if last:
            parts.append((STDERR_PREFIX if at_start else "") + last)
        return "".join(parts)


def unraisable_report(unraisable: Any) -> str:
    """CPython's report of an exception it could not raise (a failing ``__del__``, an
    ``error`` warning in a finalizer), with only the program's frames in its traceback."""
    message = unraisable.err_msg or "Exception ignored in"
    obj = unraisable.object
    try:
        head = f"{message}: {obj!r}\n" if obj is not None else f"{message}:\n"
    except Exception:  # a program's __repr__ may fail
        head = f"{message}: <object repr() failed>\n"
    frames = [
        frame
        for frame in traceback.extract_tb(unraisable.exc_traceback)
        if frame.filename == PROGRAM_FILENAME
    ]
    body = ""
    if frames:
        body = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    kind = unraisable.exc_type
    value = unraisable.exc_value
    name = getattr(kind, "__qualname__", "Exception") if kind is not None else "Exception"
    module = getattr(kind, "__module__", "builtins")
    if module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    try:
        text = str(value) if value is not None else ""
    except Exception:
        text = "<exception str() failed>"
    return head + body + (f"{name}: {text}\n" if text else f"{name}\n")
