"""Many posts due at once (issue 17): starts before reminders, paced under the rate limit,
a reply to a person never starved by the wave. On a moved clock against an emulated limit
(tests/emulated_limit.py): figures are counts and emulated seconds, never wall-clock timings."""

from __future__ import annotations

from pathlib import Path

from emulated_limit import Wave
from test_faults import SimulatedLimit

from zulip_meetbot.domain.reminders import REMINDER, START
from zulip_meetbot.zulip.pacing import RequestPacer

LIMIT, WINDOW = 200, 60.0


def reminder_job(wave: Wave) -> object:
    """The job APScheduler might run first at 17:00: a reminder's, not a start's."""
    return next(a for a in wave.due_now() if a.kind == REMINDER and a.series_slug[0] == "r")


def test_200_starts_under_200_a_minute_all_out_by_the_floor_plus_5_s_starts_first(
    tmp_path: Path,
) -> None:
    wave = Wave(tmp_path, starts=200, reminders=20, limit=LIMIT, window=WINDOW)
    due = wave.due_now()
    assert sum(a.kind == START for a in due) == 200
    wave.fire(reminder_job(wave))  # a reminder's job fires first; the starts still go first
    starts, reminders = wave.starts(), wave.reminders()
    assert len(starts) == 200 and len(reminders) == 20
    # Every start before any reminder of the same instant.
    sent = wave.zulip.sent
    assert max(sent.index(s) for s in starts) < min(sent.index(r) for r in reminders)
    # Each post needs its slot: 200 posts cannot take less than 200 * 60 / 200 s.
    floor = len(starts) * WINDOW / LIMIT
    assert starts[-1].at <= floor + 5
    assert wave.zulip.refused == 0
    # Once each, and the ledger knows each is posted: nothing is owed.
    assert len({s.message["to"] for s in starts}) == 200
    assert wave.harness.app.ledger.owed_posts(wave.harness.clock.now().replace(year=2000)) == []
    # The other jobs of the instant find their action done: nothing is posted again.
    for action in due[:5]:
        wave.fire(action)
    assert len(wave.zulip.sent) == 220


def test_a_reply_during_the_wave_waits_no_more_than_a_few_seconds(tmp_path: Path) -> None:
    wave = Wave(tmp_path, starts=200, reminders=0, limit=LIMIT, window=WINDOW)
    # At 10 s the first 171 attendance messages are out and the rest wait for the window.
    said = wave.say_during_wave(at=10.0, commands=5)
    wave.fire(next(a for a in wave.due_now() if a.kind == START))
    replies = wave.replies()
    assert len(said) == 5 and len(replies) == 5
    assert all(reply.at - asked <= 3.0 for reply, asked in zip(replies, said, strict=True))
    # They went out while starts were still waiting for their slot.
    assert max(r.at for r in replies) < wave.starts()[-1].at
    assert len(wave.starts()) == 200 and wave.zulip.refused == 0


def test_a_stop_while_the_wave_waits_leaves_the_rest_due_not_claimed(tmp_path: Path) -> None:
    wave = Wave(tmp_path, starts=200, reminders=0, limit=LIMIT, window=WINDOW)

    def stop(now: float) -> None:
        wave.zulip.stopping = True

    wave.clock.on_sleep = stop
    wave.fire(next(a for a in wave.due_now() if a.kind == START))
    posted = len(wave.starts())
    assert 0 < posted < 200
    # The rest are still due (not claimed, so not lost): the next start carries them out.
    assert sum(a.kind == START for a in wave.due_now()) == 200 - posted


def test_a_scheduled_slot_leaves_the_reserve_to_replies() -> None:
    server = SimulatedLimit(limit=LIMIT, window=WINDOW)
    pacer = RequestPacer(clock=lambda: server.now, sleep=server.sleep)
    scheduled = 0
    while pacer.wait_for_slot(pacer.reply_reserve) and server.now == 0.0:
        started = pacer.acquire()
        pacer.observe(started, SimulatedLimit.EPOCH + started, server.request())
        scheduled += 1
    # 200 less the pacer's own margin (10) less the replies' reserve (19).
    assert scheduled == 171 and server.now > 59.0
    server.now = 1.0
    for _ in range(pacer.reply_reserve):  # replies go at once, in the reserve
        started = pacer.acquire()
        assert started == 1.0
        pacer.observe(started, SimulatedLimit.EPOCH + started, server.request())
    assert server.refused == 0
