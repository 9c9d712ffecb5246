"""A service the stack already runs is not started again: the second process would replace the first in
``Stack.procs``, and the first would outlive the test, consuming in its group."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.runner import Stack


def test_starting_a_running_service_again_is_refused(tmp_path: Path) -> None:
    stack = Stack(bootstrap="127.0.0.1:1", workdir=tmp_path)
    running = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])  # until killed
    stack.procs["merge"] = running
    try:
        with pytest.raises(RuntimeError, match="already running"):
            stack.start_one("merge")
        assert stack.procs["merge"] is running
    finally:
        running.kill()
        running.wait()
