"""Normalisation of what people type in Slack."""

from __future__ import annotations

import pytest

from bot.normalize import normalize, strip_slack_markup


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<@U024BE7LH> what is a CSM?", "what is a customer success manager"),
        ("<@U024BE7LH|sam> hi", "hi"),
        ("ask in <#C0123ABCD|general> please", "ask in please"),
        ("<!here> <!channel> <!subteam^S123|@team> pm?", "project manager"),
        ("read <https://example.com/a|this doc> now", "read this doc now"),
        ("see <https://example.com/a> and https://x.io/b ok", "see and ok"),
        (":wave: csm :thinking_face:", "customer success manager"),
        ("csm &amp; pm &lt;3 &gt; ok", "customer success manager project manager 3 ok"),
        ("*bold* _italic_ `code` ~strike~", "bold italic code strike"),
        ("WHAT'S A PM\u2019S JOB?!", "whats a project managers job"),
        ("cust success vs proj manager", "customer success versus project manager"),
        ("CS manager or proj mgr", "customer success manager or project manager"),
        ("csms and pms", "customer success managers and project managers"),
        ("mgr diff", "manager difference"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_strip_markup_keeps_the_words() -> None:
    assert strip_slack_markup("<@U1> hi <https://a.b|there>").split() == ["hi", "there"]


@pytest.mark.parametrize("raw", ["", "   ", ":tada: :tada:", "?!...", "<@U123>", "<!here>"])
def test_nothing_but_markup_normalises_to_empty(raw: str) -> None:
    assert normalize(raw) == ""
