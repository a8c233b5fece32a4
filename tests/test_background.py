"""background.Pending: work started in a thread, its result or its error handed to the caller."""

from __future__ import annotations

import threading
import time

import pytest

from vae_transition.background import Pending, resolved


def test_pending_runs_beside_the_caller_and_hands_over_its_value():
    started, release = threading.Event(), threading.Event()

    def make():
        started.set()
        release.wait(5)
        return 42

    pending = Pending(make)
    assert started.wait(5)  # running before anyone asked for it
    release.set()
    assert resolved(pending) == 42 and pending.get() == 42


def test_pending_raises_its_error_in_the_caller():
    def make():
        time.sleep(0.01)
        raise ValueError("model weights not found: x")

    pending = Pending(make)
    with pytest.raises(ValueError, match="model weights not found"):
        pending.get()


def test_resolved_leaves_plain_values_alone():
    marker = object()
    assert resolved(marker) is marker and resolved(None) is None
