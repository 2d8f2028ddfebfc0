"""The pacer alone: a fake clock moved by hand, no sleeping, no bot."""

from __future__ import annotations

import itertools

import pytest

from bot.news.pacer import Pacer
from tests.news_support import FakeClock


def send_all(pacer: Pacer, clock: FakeClock, count: int) -> list[float]:
    """When each of `count` messages goes if the sender waits exactly what the pacer says."""
    times = []
    for _ in range(count):
        while (delay := pacer.delay()) > 0:
            clock.now += delay
        pacer.take_slot()
        times.append(clock.now)
    return times


def test_messages_are_evenly_spaced_at_the_rate() -> None:
    clock = FakeClock(0.0)
    pacer = Pacer(10.0, clock)
    times = send_all(pacer, clock, 21)
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(times)}
    assert gaps == {0.1}
    assert times[-1] == pytest.approx(2.0)


@pytest.mark.parametrize("rate", [0.5, 2.5, 7.0, 25.0, 30.0])
def test_no_one_second_window_holds_more_than_the_rate(rate: float) -> None:
    clock = FakeClock(0.0)
    times = send_all(Pacer(rate, clock), clock, 100)
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t - start < 1.0 - 1e-9]
        assert len(in_window) <= max(1, rate)


def test_after_idling_the_schedule_starts_afresh_instead_of_bursting() -> None:
    clock = FakeClock(0.0)
    pacer = Pacer(10.0, clock)
    send_all(pacer, clock, 3)
    clock.now += 60
    pacer.take_slot()
    assert pacer.delay() == pytest.approx(0.1)


def test_a_chat_waits_a_second_between_its_messages() -> None:
    clock = FakeClock(0.0)
    pacer = Pacer(25.0, clock)
    pacer.sent_to(1)
    assert not pacer.chat_ready(1)
    assert pacer.chat_ready(2)
    clock.now += 0.99
    assert not pacer.chat_ready(1)
    clock.now += 0.01
    assert pacer.chat_ready(1)


def test_a_429_pauses_everything_until_retry_after_and_never_shortens_a_pause() -> None:
    clock = FakeClock(100.0)
    pacer = Pacer(10.0, clock)
    pacer.take_slot()
    assert pacer.pause_all(5) is True
    assert pacer.pause_all(2) is False  # an earlier resume does not cut the pause short
    assert pacer.paused_until == 105.0
    assert pacer.delay() == pytest.approx(5.0)
    assert pacer.eta(20) == pytest.approx(20 / 10 + 5)
    clock.now = 105.0
    assert pacer.delay() == 0.0  # the first slot after the pause is at once
    pacer.take_slot()
    assert pacer.delay() == pytest.approx(0.1)
    assert pacer.eta(20) == pytest.approx(2.0)
