"""`eventually`, the one polling helper of the tests (no I/O: a fake clock where time matters)."""

from __future__ import annotations

import time

import pytest

from tests.support.waiting import eventually


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_returns_the_first_truthy_value_of_the_probe() -> None:
    answers = iter([None, [], 0, "", {"id": 7}, "never asked"])
    clock = FakeClock()
    assert eventually(lambda: next(answers), sleep=clock.sleep, clock=clock) == {"id": 7}
    assert len(clock.sleeps) == 4  # one pause after each of the four falsy answers


def test_a_value_that_is_there_at_once_returns_without_sleeping() -> None:
    clock = FakeClock()
    assert eventually(lambda: 42, sleep=clock.sleep, clock=clock) == 42
    assert clock.sleeps == []


def test_retries_after_exceptions_until_the_probe_succeeds() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError("not listening yet")
        return "up"

    clock = FakeClock()
    assert eventually(flaky, sleep=clock.sleep, clock=clock) == "up"
    assert len(calls) == 3


def test_an_exception_not_in_retry_on_propagates_at_once() -> None:
    calls = []

    def died() -> bool:
        calls.append(1)
        raise RuntimeError("the server exited with status 3")

    clock = FakeClock()
    with pytest.raises(RuntimeError, match="exited with status 3"):
        eventually(died, retry_on=(OSError,), sleep=clock.sleep, clock=clock)
    assert len(calls) == 1 and clock.sleeps == []


def test_after_the_timeout_the_failure_names_what_it_waited_for_and_the_last_value() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError) as failed:
        eventually(lambda: 0, timeout=0.3, interval=0.05, what="the broadcast to be sent")
    took = time.monotonic() - started
    assert "the broadcast to be sent" in str(failed.value)
    assert "last value 0" in str(failed.value)
    assert 0.3 <= took < 5  # it did wait the timeout (real clock), and not much longer


def test_after_the_timeout_the_failure_shows_the_last_exception_and_chains_it() -> None:
    def refused() -> bool:
        raise ConnectionRefusedError("port 8123")

    clock = FakeClock()
    with pytest.raises(AssertionError) as failed:
        eventually(refused, timeout=5, what="gunicorn to answer /healthz", sleep=clock.sleep, clock=clock)
    message = str(failed.value)
    assert "gunicorn to answer /healthz" in message
    assert "ConnectionRefusedError" in message and "port 8123" in message
    assert isinstance(failed.value.__cause__, ConnectionRefusedError)


def test_what_may_be_a_function_called_only_when_the_wait_fails() -> None:
    described = []

    def what() -> str:
        described.append(1)
        return "150 pushes; worker log: boom"

    clock = FakeClock()
    assert eventually(lambda: True, what=what, sleep=clock.sleep, clock=clock) is True
    assert described == []
    with pytest.raises(AssertionError, match="worker log: boom"):
        eventually(lambda: False, timeout=1, what=what, sleep=clock.sleep, clock=clock)
    assert described == [1]


def test_the_probe_is_called_once_more_at_the_deadline_and_never_sleeps_past_it() -> None:
    clock = FakeClock()
    start = clock.now
    calls = []

    def probe() -> bool:
        calls.append(clock.now - start)
        return False

    with pytest.raises(AssertionError):
        eventually(probe, timeout=1.0, interval=0.375, sleep=clock.sleep, clock=clock)
    assert calls == [0.0, 0.375, 0.75, 1.0]  # the last pause is cut short to the deadline
    assert clock.now - start == pytest.approx(1.0)


def test_backoff_grows_the_pause_up_to_its_cap() -> None:
    clock = FakeClock()
    with pytest.raises(AssertionError):
        eventually(
            lambda: False, timeout=100, interval=0.5, backoff=2.0, max_interval=3.0, sleep=clock.sleep, clock=clock
        )
    assert clock.sleeps[:6] == pytest.approx([0.5, 1.0, 2.0, 3.0, 3.0, 3.0])
    assert sum(clock.sleeps) == pytest.approx(100.0)


def test_without_backoff_the_pause_stays_at_the_interval() -> None:
    clock = FakeClock()
    with pytest.raises(AssertionError):
        eventually(lambda: None, timeout=1.0, interval=0.25, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == pytest.approx([0.25, 0.25, 0.25, 0.25])


def test_a_long_last_exception_is_cut_in_the_message() -> None:
    def huge() -> bool:
        raise ValueError("x" * 10_000)

    clock = FakeClock()
    with pytest.raises(AssertionError) as failed:
        eventually(huge, timeout=0, what="a short wait", sleep=clock.sleep, clock=clock)
    message = str(failed.value)
    assert "a short wait" in message and "ValueError: xxx" in message
    assert len(message) < 2500
