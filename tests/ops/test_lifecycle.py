"""Every allowed and every refused move of the dossier lifecycle (issue 10, item 2), without a database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from ops import dossiers
from ops.dossiers import Event
from ops.errors import TransitionError

ALLOWED = {
    ("received", "digitised"),
    ("digitised", "to_authority"),
    ("to_authority", "at_authority"),
    # Not handed over (the office closed, or a re-plan left no time): back at its agency for the next shuttle.
    ("to_authority", "digitised"),
    ("at_authority", "decided"),
    ("decided", "returning"),
    ("returning", "returned"),
    # A result for collection: at its agency until the applicant takes it at the counter.
    ("returning", "for_collection"),
    ("for_collection", "returned"),
    ("returning", "failed_return"),
    ("failed_return", "decided"),
    *((state, "cancelled") for state in dossiers.STATES if state not in ("returned", "cancelled")),
}
"""The moves written in the issue, the way back of a dossier not handed over and the wait of a result at its agency,
for any channel; online dossiers may also go received -> at_authority."""

PAIRS = list(itertools.product(dossiers.STATES, dossiers.STATES))


@pytest.mark.parametrize(("state", "to"), PAIRS)
@pytest.mark.parametrize("channel", ["counter", "online", "home_pickup"])
def test_every_move(state: str, to: str, channel: str) -> None:
    allowed = (state, to) in ALLOWED or (channel == "online" and (state, to) == ("received", "at_authority"))
    if allowed:
        dossiers.check_move("HS-1", state, to, channel=channel)
    else:
        with pytest.raises(TransitionError) as refused:
            dossiers.check_move("HS-1", state, to, channel=channel)
        message = str(refused.value)
        assert "HS-1" in message and f"is {state}" in message and f"to {to}" in message


def test_unknown_state_is_refused() -> None:
    with pytest.raises(TransitionError, match="unknown state 'lost'"):
        dossiers.check_move("HS-1", "received", "lost", channel="counter")


def test_state_is_derived_from_the_events() -> None:
    at = datetime(2026, 2, 3, tzinfo=UTC)
    journey = ["received", "digitised", "to_authority", "at_authority", "decided", "returning", "failed_return"]
    events = [Event(i + 1, s, at, "tester", None, None) for i, s in enumerate(journey)]
    assert dossiers.derived_state(reversed(events)) == "failed_return"
    broken = [*events[:2], Event(3, "returned", at, "tester", None, None)]
    with pytest.raises(ValueError, match="digitised -> returned"):
        dossiers.derived_state(broken)
