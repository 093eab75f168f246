"""The `csm-vs-pm` command line: ask offline, list topics, check the knowledge base, report."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, TextIO

from dotenv import load_dotenv

from bot import __version__, evaluation
from bot.answering import SURFACE_CLI, AnswerService, Library
from bot.curation import report_options
from bot.curation.backends import StoreError
from bot.knowledge import (
    KnowledgeBase,
    KnowledgeError,
    KnowledgeFolderMissing,
    load_knowledge,
    read_knowledge,
    shown_problems,
)
from bot.logs import configure_logging
from bot.matcher import Match, Matcher
from bot.render.common import following_up
from bot.render.text import render_match, render_topics
from bot.settings import (
    CONVERSATION_SETTINGS,
    ENV_BOT_TOKEN,
    ENV_KNOWLEDGE_DIR,
    MODE_HTTP,
    MODE_SOCKET,
    SERVER_SETTINGS,
    STORE_SETTINGS,
    ConfigError,
    Settings,
)

if TYPE_CHECKING:
    from bot.curation.store import QuestionStore
    from bot.slack.dedupe import KeyMemory
    from bot.slack.workers import Worker

# Modules only some commands use are imported by those commands: `ask`, the first command a
# new user runs, starts without the store, the conversation engine or Slack's libraries.

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
# What commands that only read the knowledge base leave unread (a bad value there is no concern).
OFFLINE_UNUSED = SERVER_SETTINGS + STORE_SETTINGS + CONVERSATION_SETTINGS
# What a shell reports for a process ended by a signal: 128 + its number (130 for Ctrl+C, 141
# when whoever read the output, e.g. `| head -1`, stopped reading).
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_BROKEN_PIPE = 128 + getattr(signal, "SIGPIPE", 13)
NO_SLACK_HINT = (
    "\nNo Slack credentials are set, so there is nothing to serve. Ask offline instead:\n"
    '  csm-vs-pm ask "What skills does a CSM need?"\n'
)


def match_to_json(knowledge: KnowledgeBase, match: Match) -> dict[str, object]:
    """The `ask --json` object: question, id (None when declining), score, answer, suggestions,
    owner (csm, pm or both for an owner answer, else None) and not_covered (the subject's id
    when the articles do not cover what was asked, else None)."""
    return {
        "question": match.question,
        "id": match.id,
        "score": match.score,
        "answer": render_match(knowledge, match),
        "suggestions": [entry.id for entry in match.suggestions],
        "owner": match.owner,
        "not_covered": match.not_covered,
    }


def _questions(args: argparse.Namespace, stdin: TextIO) -> Iterable[str]:
    if args.question == ["-"]:
        return (line.rstrip("\r\n") for line in stdin)
    return [" ".join(args.question)]


def _load(settings: Settings) -> KnowledgeBase:
    return load_knowledge(settings.knowledge_dir, max_file_bytes=settings.knowledge_max_file_bytes)


def _store_if_logging(args: argparse.Namespace, settings: Settings) -> QuestionStore | None:
    """The question store when `--log` asks for one."""
    if not args.log:
        return None
    from bot.curation.store import QuestionStore

    return QuestionStore.from_settings(settings)


def _ask(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    knowledge = _load(settings)
    store = _store_if_logging(args, settings)
    service = AnswerService(Library(knowledge), store)
    try:
        for number, question in enumerate(_questions(args, stdin)):
            match = service.ask(question, SURFACE_CLI).match
            if args.json:
                out.write(json.dumps(match_to_json(knowledge, match), ensure_ascii=False) + "\n")
            else:
                out.write(("\n" if number else "") + render_match(knowledge, match) + "\n")
            out.flush()
    finally:
        if store is not None:
            store.close()
    return EXIT_OK


CHAT_CONVERSATION = "chat"
CHAT_PROMPT = "you> "
CHAT_WELCOME = (
    "Hello! Ask me how a Customer Success Manager (CSM) and a Project Manager (PM) differ. "
    'Follow-ups such as "and for a PM?" or "why?" keep the context.'
)


def _chat_lines(stdin: TextIO, out: TextIO) -> Iterable[str]:
    """Lines typed at a prompt in a terminal; plain lines when stdin is a file or a pipe."""
    interactive = stdin.isatty()
    if interactive:
        out.write(f"{CHAT_WELCOME} Ctrl+D to leave.\n")
    while True:
        if interactive:
            out.write(CHAT_PROMPT)
            out.flush()
        line = stdin.readline()
        if not line:
            return
        yield line.rstrip("\r\n")


def _chat(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    from bot.conversation.service import ConversationService
    from bot.conversation.state import ConversationMemory, MemoryState

    knowledge = _load(settings)
    store = _store_if_logging(args, settings)
    memory = ConversationMemory(MemoryState(), settings.conversation_ttl)
    conversation = ConversationService(AnswerService(Library(knowledge), store), memory)
    rules = knowledge.companions.followups if knowledge.companions else None
    try:
        for question in _chat_lines(stdin, out):
            reply = conversation.ask(question, CHAT_CONVERSATION, SURFACE_CLI)
            match, used = reply.answered.match, reply.follow_up
            if args.json:
                record = {
                    **match_to_json(knowledge, match),
                    "context": used.id if used else None,
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            elif rules is not None and rules.is_greeting(question):
                out.write(f"{CHAT_WELCOME}\n\n")
            else:
                lead = f"{following_up(used, plain=True)}\n\n" if used else ""
                out.write(f"{lead}{render_match(knowledge, match)}\n\n")
            out.flush()
    except KeyboardInterrupt:  # Ctrl+C at the prompt ends the conversation, like Ctrl+D
        out.write("\n")
    finally:
        if store is not None:
            store.close()
    return EXIT_OK


def _eval_conversations(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`eval` on conversation sets: follow-up turns answered with the expected entry."""
    from bot.conversation import evaluate as followups

    knowledge = _load(settings)
    try:
        named = {str(path): followups.load_conversations(path) for path in args.files}
    except ValueError as error:
        print(f"csm-vs-pm: {error}", file=sys.stderr)
        return EXIT_USAGE
    scores = {
        name: followups.score_conversations(sets, followups.conversation_answerer(knowledge))
        for name, sets in named.items()
    }
    if args.json:
        out.write(json.dumps({n: s.to_json() for n, s in scores.items()}, indent=2) + "\n")
    else:
        for name, score in scores.items():
            out.write(f"== {name}\n{score.summary()}\n\n")
    failures = [
        f"{name}: follow-up turns {score.follow_up_accuracy:.1%} is under the minimum "
        f"{args.min_followup:.1%}"
        for name, score in scores.items()
        if args.min_followup is not None and score.follow_up_accuracy < args.min_followup
    ]
    for line in failures:
        print(f"csm-vs-pm eval: {line}", file=sys.stderr)
    return EXIT_PROBLEM if failures else EXIT_OK


def _eval(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    from bot.conversation import evaluate as followups

    conversation_sets = [path for path in args.files if followups.is_conversation_set(path)]
    if conversation_sets:
        if len(conversation_sets) < len(args.files):
            print(
                "csm-vs-pm: give conversation sets and question sets to separate eval runs",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return _eval_conversations(args, settings, out)
    matcher = Matcher(_load(settings))
    try:
        named = {str(path): evaluation.load_cases(path) for path in args.files}
    except evaluation.CaseError as error:
        print(f"csm-vs-pm: {error}", file=sys.stderr)
        return EXIT_USAGE
    results = {name: evaluation.evaluate(matcher, cases) for name, cases in named.items()}
    minimums = {
        kind: value
        for kind in evaluation.KINDS
        if (value := getattr(args, f"min_{kind}")) is not None
    }
    failures = [
        f"{name}: {line}" for name, result in results.items() for line in result.failures(minimums)
    ]
    sweeps = (
        {name: evaluation.sweep(matcher, cases) for name, cases in named.items()}
        if args.sweep
        else {}
    )
    threshold = matcher.tuning.threshold
    if args.json:
        payload: dict[str, object] = {name: result.to_json() for name, result in results.items()}
        if sweeps:
            payload["sweep"] = {
                name: [
                    {"threshold": swept_at, **swept.to_json()["kinds"]}  # type: ignore[dict-item]
                    for swept_at, swept in rows
                ]
                for name, rows in sweeps.items()
            }
        out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    elif args.markdown:
        out.write(evaluation.markdown_table(results) + "\n")
        for name, rows in sweeps.items():
            out.write(f"\nThreshold sweep on {name}:\n\n")
            out.write(evaluation.sweep_table(rows, threshold) + "\n")
    else:
        for name, result in results.items():
            out.write(f"== {name}\n{evaluation.summary(result)}\n\n")
        for name, rows in sweeps.items():
            out.write(f"Threshold sweep on {name}:\n")
            out.write(evaluation.sweep_table(rows, threshold) + "\n\n")
    for line in failures:
        print(f"csm-vs-pm eval: {line}", file=sys.stderr)
    return EXIT_PROBLEM if failures else EXIT_OK


def _report(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    from bot.curation import report

    out.write(report.run(args, settings) + "\n")
    return EXIT_OK


def _topics(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    out.write(render_topics(_load(settings)) + "\n")
    return EXIT_OK


def _kb_check(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    knowledge, problems = read_knowledge(
        settings.knowledge_dir, max_file_bytes=settings.knowledge_max_file_bytes
    )
    for line in shown_problems(problems):
        out.write(f"{line}\n")
    if problems:
        out.write(f"{len(problems)} problem(s) in {settings.knowledge_dir}\n")
        return EXIT_PROBLEM
    questions = sum(len(entry.questions) for entry in knowledge.entries)
    out.write(
        f"OK: {len(knowledge.entries)} entries, {questions} questions, "
        f"{len(knowledge.articles)} articles in {settings.knowledge_dir}\n"
    )
    return EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    configure_logging(settings)
    mode = settings.serve_mode(args.mode)
    settings.require_slack(mode)
    library = Library(_load(settings))
    if mode == MODE_HTTP and settings.http_workers > 1:
        return _serve_workers(settings, library)
    return _serve_app(settings, mode, library)


class _Shared(NamedTuple):
    """What the HTTP workers remember together, made by their parent before it forks them."""

    replays: KeyMemory
    escalations: KeyMemory


def _serve_workers(settings: Settings, library: Library) -> int:
    """HTTP_WORKERS processes on one port: the port, the knowledge base and the store are
    checked here, once, before any worker starts (bot/slack/workers.py)."""
    from bot.curation.store import QuestionStore
    from bot.slack.context import shared_escalations
    from bot.slack.guard import shared_replay_memory
    from bot.slack.workers import Workers, listening_socket

    listener = listening_socket(settings.port)
    # Creates the schema and the salt file once (no race between workers), and a database
    # that cannot be used stops the start here, in one line. Its writer thread ends with it:
    # the workers are forked from a process with no other thread.
    QuestionStore.from_settings(settings).close()
    # Made before the workers, so all of them share them: a replay or a second click on "Ask a
    # person" may reach another worker than the first.
    shared = _Shared(shared_replay_memory(), shared_escalations())

    def worker(process: Worker) -> int:
        return _reporting(lambda: _serve_app(settings, MODE_HTTP, library, process, shared))

    return Workers(settings.http_workers, listener, settings.shutdown_timeout, worker).run()


def _serve_app(
    settings: Settings,
    mode: str,
    library: Library,
    worker: Worker | None = None,
    shared: _Shared | None = None,
) -> int:
    """Run the Slack app in this process until stopped; as one of several HTTP `worker`s,
    on its inherited socket, stopping when its parent asks, with what the workers `shared`."""
    # Imported here: the offline commands must not need Slack's libraries to start quickly.
    from bot.curation.loop import Curation
    from bot.slack.app import build_app
    from bot.slack.guard import stored_action_replays, stored_command_replays
    from bot.slack.server import Shutdown, finish_listeners, serve_http, serve_socket

    shutdown = Shutdown(settings.shutdown_timeout).install()
    if worker is not None:
        worker.on_parent_stop(shutdown.request)
    curation = Curation.start(settings, library)
    app = None
    replies_finished = True
    try:
        store = curation.store
        escalations = shared.escalations if shared else None
        app = build_app(settings, AnswerService(library, store), store, escalations)
        if mode == MODE_SOCKET:
            serve_socket(
                app, settings.app_token or "", shutdown, store.health, settings.health_port
            )
        else:
            serve_http(
                app,
                settings,
                shutdown,
                store.health,
                listener=worker.listener if worker else None,
                replays=shared.replays if shared else None,
                action_replays=stored_action_replays(store) if store is not None else None,
                command_replays=stored_command_replays(store) if store is not None else None,
                ready=worker.ready if worker else None,
            )
    finally:
        if app is not None:
            shutdown.request()  # also when serving ended another way: the same bounded stop
            replies_finished = finish_listeners(app, shutdown.remaining())
        curation.stop(shutdown.remaining())
    logging.getLogger(__name__).info("stopped")
    if not replies_finished:
        _exit_without_waiting_for_slack()
    return EXIT_OK


def _exit_without_waiting_for_slack() -> None:
    """Exit now, records already written: a reply thread still inside a slow Web API call
    would otherwise hold the interpreter's exit until that call times out (Python joins
    thread pools at exit), beyond the SHUTDOWN_TIMEOUT a deployment plans for."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_OK)


def _fraction(text: str) -> float:
    """A share from "0.95" or "95%"."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share like 0.95 or 95%") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1 (0% and 100%)")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command (each has --help)."""
    parser = argparse.ArgumentParser(
        prog="csm-vs-pm",
        description="Ask how a Customer Success Manager (CSM) and a Project Manager (PM) differ.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the bot on Slack",
        description="Run on Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT.",
    )
    modes = serve.add_mutually_exclusive_group()
    modes.add_argument("--http", dest="mode", action="store_const", const=MODE_HTTP,
                       help="serve POST /slack/events and GET /healthz on $PORT (default 3000)")  # fmt: skip
    modes.add_argument("--socket", dest="mode", action="store_const", const=MODE_SOCKET,
                       help="connect over Socket Mode (needs SLACK_APP_TOKEN)")  # fmt: skip
    serve.set_defaults(handler=_serve, mode=None, unused_settings=())

    ask = commands.add_parser(
        "ask",
        help="ask a question offline and print the answer",
        description="Answer a question from the knowledge base, with no Slack account needed.",
    )
    ask.add_argument(
        "question", nargs="+", help="the question, or - to read one question per line from stdin"
    )
    ask.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per question: "
        '{"question", "id", "score", "answer", "suggestions", "owner", "not_covered"}',
    )
    ask.add_argument(
        "--log",
        action="store_true",
        help="record the questions for `report` (surface cli), in DATABASE_PATH",
    )
    ask.set_defaults(handler=_ask, unused_settings=SERVER_SETTINGS + CONVERSATION_SETTINGS)

    chat = commands.add_parser(
        "chat",
        help="a conversation in the terminal: follow-ups keep the context",
        description='Ask one question per line; short follow-ups ("and for a PM?", '
        '"what about skills?", "why?") are read against the last answer. Reads standard input '
        "when it is not a terminal.",
    )
    chat.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per line: the `ask --json` keys plus "context" (the entry id '
        "a follow-up was read against, or null)",
    )
    chat.add_argument(
        "--log", action="store_true", help="record the questions for `report`, in DATABASE_PATH"
    )
    chat.set_defaults(handler=_chat, unused_settings=SERVER_SETTINGS)
    eval_command = commands.add_parser(
        "eval",
        help="score the bot on files of questions with expected answers (batch regression test)",
        description="Match every question of each FILE (a YAML list of {q, kind, expect|owner}; "
        "kinds: topic, who, offtopic, hardneg) and print per-kind accuracy and every miss. "
        "Exit status 1 when a kind falls under a --min-KIND given. A conversation set (a YAML "
        "list of {turns: [[message, expected id or null], ...]}) is scored on its follow-up "
        "turns instead.",
    )
    eval_command.add_argument("files", nargs="+", metavar="FILE", help="YAML question file")
    output = eval_command.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print figures and misses as JSON")
    output.add_argument(
        "--markdown", action="store_true", help="print the per-kind table as Markdown (README)"
    )
    eval_command.add_argument(
        "--sweep", action="store_true", help="also show accuracy at a range of thresholds"
    )
    for kind in evaluation.KINDS:
        eval_command.add_argument(
            f"--min-{kind}",
            type=_fraction,
            metavar="SHARE",
            help=f"fail when {kind} accuracy is under SHARE (0-1, or a percentage like 95%%)",
        )
    eval_command.add_argument(
        "--min-followup",
        type=_fraction,
        metavar="SHARE",
        help="for conversation sets (items with turns): fail when follow-up turns are under SHARE",
    )
    eval_command.set_defaults(handler=_eval, unused_settings=OFFLINE_UNUSED)

    report_command = commands.add_parser(
        "report",
        help="what people asked that the bot could not answer, and which answers did not help",
        description="Report on recorded questions: answer rate, frequent unanswered questions "
        "(near-duplicates grouped), answers voted not helpful, most asked topics.",
    )
    report_options.add_arguments(report_command)
    report_command.set_defaults(
        handler=_report, unused_settings=SERVER_SETTINGS + CONVERSATION_SETTINGS
    )

    topics = commands.add_parser(
        "topics", help="list the topics the bot knows", description="List every topic."
    )
    topics.set_defaults(handler=_topics, unused_settings=OFFLINE_UNUSED)

    kb = commands.add_parser("kb", help="knowledge-base tools", description="Knowledge-base tools.")
    kb_commands = kb.add_subparsers(dest="kb_command", metavar="COMMAND", required=True)
    check = kb_commands.add_parser(
        "check",
        help="validate knowledge/*.yaml",
        description="Validate the knowledge base; print one file:line line per problem.",
    )
    check.set_defaults(handler=_kb_check, unused_settings=OFFLINE_UNUSED)
    return parser


def _unused_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The environment variables this command does not read (a bad value there is no concern)."""
    if args.command is None:  # serves when a bot token is set, else only prints help
        return () if environ.get(ENV_BOT_TOKEN, "").strip() else OFFLINE_UNUSED
    unused = tuple(getattr(args, "unused_settings", ()))  # none declared: check them all
    if args.command in ("ask", "chat") and not args.log:
        unused += STORE_SETTINGS
    return unused


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    """Run the command line; returns the process exit code."""
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    parser = build_parser()
    args = parser.parse_args(argv)
    load_dotenv(override=False)

    def run() -> int:
        settings = Settings.from_env(os.environ, ignore=_unused_settings(args, os.environ))
        if args.command is None:
            if settings.slack_configured:
                return _serve(parser.parse_args(["serve"]), settings, out, stdin)
            parser.print_help(out)
            out.write(NO_SLACK_HINT)
            return EXIT_OK
        return args.handler(args, settings, out, stdin)

    try:
        return _reporting(run)
    except BrokenPipeError:
        _stop_writing(out)
        return EXIT_BROKEN_PIPE


def _reporting(run: Callable[[], int]) -> int:
    """`run()`'s exit status, with the mistakes a person can fix said in one line on stderr
    (an HTTP worker process reports its own the same way)."""
    try:
        return run()
    except ConfigError as error:
        print(f"csm-vs-pm: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as error:
        print(f"csm-vs-pm: {error}", file=sys.stderr)
        return EXIT_PROBLEM
    except KnowledgeFolderMissing as error:
        print(
            f"csm-vs-pm: no knowledge folder at {error.directory}; "
            f"set {ENV_KNOWLEDGE_DIR} to the folder of *.yaml files",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    except KnowledgeError as error:
        for line in shown_problems(error.problems):
            print(f"csm-vs-pm: invalid knowledge base: {line}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _stop_writing(out: TextIO) -> None:
    """After the reader of standard output went away: send what is still buffered nowhere.

    Otherwise Python's own flush at exit fails again and prints "Exception ignored" on stderr.
    """
    if out is sys.stdout:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
