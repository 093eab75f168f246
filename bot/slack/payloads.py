"""Is a signed payload shaped as Slack sends it? Ids, timestamps and text checked up front.

A validly signed payload can still be odd (a replay of an edited request, a bug on Slack's
side, a leaked signing secret): ids that are not ids would be echoed into messages (`<#...>`,
`<@...>`) and missing fields would fail deep inside a listener. Checking the shape once here
keeps every listener simple and turns every oddity into one log line.
"""

from __future__ import annotations

import re
from typing import Any

# Slack ids are upper-case letters and digits after a one-letter kind (U/W users, C/G/D
# conversations, T teams, B bots); message timestamps are seconds.micro-seconds.
USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,20}")
TEAM_ID = re.compile(r"[TE][A-Z0-9]{1,20}")
MESSAGE_TS = re.compile(r"\d{1,12}\.\d{1,9}")

# Where each kind of id sits, as a path of keys; None where Slack may omit it.
_EVENT_FIELDS = {("user",): USER_ID, ("channel",): CHANNEL_ID, ("ts",): MESSAGE_TS,
                 ("thread_ts",): MESSAGE_TS}  # fmt: skip
_COMMAND_FIELDS = {("user_id",): USER_ID, ("channel_id",): CHANNEL_ID, ("team_id",): TEAM_ID}
_ACTION_FIELDS = {
    ("user", "id"): USER_ID, ("channel", "id"): CHANNEL_ID, ("team", "id"): TEAM_ID,
    ("container", "channel_id"): CHANNEL_ID, ("container", "message_ts"): MESSAGE_TS,
    ("container", "thread_ts"): MESSAGE_TS, ("message", "ts"): MESSAGE_TS,
    ("message", "thread_ts"): MESSAGE_TS,
}  # fmt: skip
# Handled by Bolt itself: the Events API URL check and Slack's notice that it slowed delivery.
_PASSED_THROUGH = {"url_verification", "app_rate_limited"}
# What a click's listeners read, when Slack sends it.
_ACTION_OBJECTS = ("channel", "team", "container", "message")
# Events a listener answers need to know where (channel) and which message (ts).
_EVENTS_NEEDING = {"app_mention": ("channel", "ts"), "message": ("channel", "ts"),
                   "app_home_opened": ("user",)}  # fmt: skip


def problem(body: dict[str, Any]) -> str | None:
    """What is wrong with a payload's shape, in a few words; None when it is as Slack sends it
    and of a kind this bot handles (anything else is acknowledged and left alone)."""
    kind = body.get("type")
    if kind == "event_callback":
        if not isinstance(body.get("event_id", ""), str):
            return "event_id is not text"
        return _event_problem(body.get("event"))
    if kind == "block_actions":
        return _action_problem(body)
    if "command" in body:
        return _fields_problem(body, _COMMAND_FIELDS, "command") or _text_problem(body, "command")
    if kind in _PASSED_THROUGH or "ssl_check" in body:
        return None
    return f"a {str(kind)[:40]!r} payload, which this bot does not handle"


def _event_problem(event: Any) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event is not an object with a type"
    for name in _EVENTS_NEEDING.get(event["type"], ()):
        if event.get(name) is None:
            return f"event.{name} is missing"
    return _fields_problem(event, _EVENT_FIELDS, "event") or _text_problem(event, "event")


def _action_problem(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        return "actions is empty"
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            return "an action has no action_id"
        if not isinstance(action.get("value", ""), str):
            return f"{action['action_id']}'s value is not text"
    if not isinstance(body.get("user"), dict) or "id" not in body["user"]:
        return "user.id is missing"
    for name in _ACTION_OBJECTS:
        if name in body and not isinstance(body[name], dict):
            return f"{name} is not an object"
    if not isinstance(body.get("response_url", ""), str):
        return "response_url is not text"
    return _fields_problem(body, _ACTION_FIELDS, "payload")


def _fields_problem(
    where: dict[str, Any], fields: dict[tuple[str, ...], re.Pattern[str]], name: str
) -> str | None:
    for path, shape in fields.items():
        value: Any = where
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and not (isinstance(value, str) and shape.fullmatch(value)):
            return f"{name}.{'.'.join(path)} is not a Slack id or timestamp"
    return None


def _text_problem(where: dict[str, Any], name: str) -> str | None:
    if not isinstance(where.get("text", ""), str):
        return f"{name}.text is not text"
    return None
