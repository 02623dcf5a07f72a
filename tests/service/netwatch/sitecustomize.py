"""Loaded by every Python process a service test starts (this folder is first on PYTHONPATH).

When TSUNAGARI_NETWATCH_LOG is set, a Python audit hook writes one line per
name lookup and per outgoing socket address (connect, sendto) to that file,
so the test can prove that nothing but loopback was contacted. Audit hooks
see every socket the interpreter opens, before any library code runs.
"""

import os
import sys

_LOG = os.environ.get("TSUNAGARI_NETWATCH_LOG")

if _LOG:
    _PID = os.getpid()

    def _write(kind, address):
        try:
            with open(_LOG, "a", encoding="utf-8") as handle:
                handle.write(f"{_PID}\t{kind}\t{address!r}\n")
        except Exception:
            pass

    def _hook(event, args):
        if event == "socket.getaddrinfo":
            _write("lookup", args[0])
        elif event in ("socket.connect", "socket.sendto"):
            _write(event, args[1] if len(args) > 1 else None)
        elif event == "socket.gethostbyname":
            _write("lookup", args[0])

    sys.addaudithook(_hook)
    _write("watching", " ".join(sys.argv) if sys.argv else "")
