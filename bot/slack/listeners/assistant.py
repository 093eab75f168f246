"""Slack's assistant surface (the AI-app side panel), when the app is installed with it.

It is off unless the manifest enables it: Slack grants the `assistant:write` scope only to an
app whose manifest asks for it (and only in paid workspaces), and `build_app` registers this
module only when the bot token carries that scope. Each assistant thread is a conversation, so
answers use the same matching, follow-ups and Block Kit as a DM thread.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Assistant, Say, SetStatus, SetSuggestedPrompts

from bot.answering import SURFACE_ASSISTANT
from bot.conversation.state import thread_conversation
from bot.slack.context import BotContext
from bot.slack.listeners.tour.screen import tour_screen

ASSISTANT_SCOPE = "assistant:write"
PROMPTS_TITLE = "Try one of these:"
WORKING_STATUS = "is checking the two articles..."


def register(app: App, bot: BotContext) -> None:
    """Add the assistant middleware: suggested prompts when a thread starts, answers in it."""
    assistant = Assistant()

    @assistant.thread_started
    def suggest_prompts(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        prompts = [
            {"title": entry.starter or entry.title, "message": entry.questions[0]}
            for entry in bot.service.knowledge.starters()
        ]
        if bot.tour is not None:
            prompts.append({"title": "Take the onboarding tour", "message": "tour"})
        say("Hi! Ask me how a Customer Success Manager and a Project Manager differ.")
        set_suggested_prompts(prompts=prompts[:4], title=PROMPTS_TITLE)

    @assistant.thread_context_changed
    def ignore_context_change() -> None:
        """Which channel the person is looking at does not change an answer: nothing to keep
        (Bolt's default would read and rewrite the thread's first message to store it)."""

    @assistant.user_message
    def answer(payload: dict[str, Any], say: Say, set_status: SetStatus) -> None:
        user, text = payload.get("user"), payload.get("text") or ""
        if user and bot.asks_for_tour(text):
            tour_text, blocks = tour_screen(bot, user, resume=True)
            say(text=tour_text, blocks=blocks)
            return
        set_status(WORKING_STATUS)
        conversation = thread_conversation(payload["channel"], payload["thread_ts"])
        reply = bot.converse(text, conversation, SURFACE_ASSISTANT, user)
        message_text, blocks = bot.render(reply.answered, follow_up=reply.follow_up)
        say(text=message_text, blocks=blocks)  # also clears the status

    app.use(assistant)


def granted(scopes_header: str | None) -> bool:
    """Whether the `x-oauth-scopes` of the bot token include the assistant's scope."""
    return ASSISTANT_SCOPE in {scope.strip() for scope in (scopes_header or "").split(",")}
