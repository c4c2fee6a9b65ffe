"""The `dost` command. Subcommands import their heavy modules lazily so `dost --help` is instant."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from dost.shutdown import Terminated, raise_on_sigterm


def _serve(args: argparse.Namespace) -> int:
    from dost.commands.serve import run

    return run(host=args.host, port=args.port, workers=args.workers)


def _knowledge_import(args: argparse.Namespace) -> int:
    from dost.commands.knowledge import import_files

    return import_files(args.files, out_dir=args.out)


def _knowledge_check(args: argparse.Namespace) -> int:
    from dost.commands.knowledge import check

    return check()


def _knowledge_show(args: argparse.Namespace) -> int:
    from dost.commands.knowledge import show

    return show(args.id, as_json=args.json)


def _nlu_parse(args: argparse.Namespace) -> int:
    from dost.commands.nlu import parse_stdin

    return parse_stdin()


def _nlu_eval(args: argparse.Namespace) -> int:
    from dost.commands.nlu import evaluate

    return evaluate(args.file)


def _chat(args: argparse.Namespace) -> int:
    from dost.commands.chat import run

    return run(as_json=args.json)


def _test_stories(args: argparse.Namespace) -> int:
    from dost.commands.stories import run

    return run(args.files)


def _apikeys_create(args: argparse.Namespace) -> int:
    from dost.commands.apikeys import create

    return create(args.name, kind=args.kind, callback_url=args.callback_url, rate=args.rate)


def _events_import(args: argparse.Namespace) -> int:
    from dost.commands.events import import_file

    return import_file(args.file, args.owner)


def _worker(args: argparse.Namespace) -> int:
    from dost.commands.worker import run

    return run()


def _telegram_poll(args: argparse.Namespace) -> int:
    from dost.commands.telegram import poll

    return poll()


def _telegram_set_webhook(args: argparse.Namespace) -> int:
    from dost.commands.telegram import set_webhook

    return set_webhook(args.url, drop_pending=args.drop_pending_updates)


def _telegram_delete_webhook(args: argparse.Namespace) -> int:
    from dost.commands.telegram import delete_webhook

    return delete_webhook()


def _operators_add(args: argparse.Namespace) -> int:
    from dost.commands.operators import add

    return add(args.name, args.role, args.skill, args.capacity, args.phone)


def _operators_list(args: argparse.Namespace) -> int:
    from dost.commands.operators import list_accounts

    return list_accounts()


def _report(args: argparse.Namespace) -> int:
    from dost.commands.operators import report

    return report(args.since, args.json)


def _export_rasa(args: argparse.Namespace) -> int:
    from dost.commands.rasa import export

    return export(args.dir, args.action_server_url)


def _rasa_actions(args: argparse.Namespace) -> int:
    from dost.commands.rasa import actions

    return actions(args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dost", description="DOST Assistant: the citizens' assistant for DOST centers."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the whole service (web, webhooks, API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)

    worker = sub.add_parser("worker", help="run the job worker (booking reminders)")
    worker.set_defaults(func=_worker)

    knowledge = sub.add_parser("knowledge", help="import, check and show service passports")
    ksub = knowledge.add_subparsers(dest="knowledge_command", metavar="ACTION", required=True)
    kimport = ksub.add_parser("import", help="import passport files into the knowledge base")
    kimport.add_argument("files", nargs="+", metavar="FILE")
    kimport.add_argument(
        "--out", default=None, help="directory for the YAML (default: the package's knowledge base)"
    )
    kimport.set_defaults(func=_knowledge_import)
    kcheck = ksub.add_parser("check", help="validate the knowledge base; non-zero on problems")
    kcheck.set_defaults(func=_knowledge_check)
    kshow = ksub.add_parser("show", help="show one passport or service page")
    kshow.add_argument("id")
    kshow.add_argument("--json", action="store_true")
    kshow.set_defaults(func=_knowledge_show)

    chat = sub.add_parser("chat", help="talk to the assistant in the terminal (or from stdin)")
    chat.add_argument("--json", action="store_true", help="one JSON object per turn")
    chat.set_defaults(func=_chat)

    test = sub.add_parser("test", help="run conversation stories")
    tsub = test.add_subparsers(dest="test_command", metavar="ACTION", required=True)
    tstories = tsub.add_parser("stories", help="run YAML stories against the engine")
    tstories.add_argument("files", nargs="+", metavar="FILE")
    tstories.set_defaults(func=_test_stories)

    apikeys = sub.add_parser("apikeys", help="API keys for the back-office API")
    asub = apikeys.add_subparsers(dest="apikeys_command", metavar="ACTION", required=True)
    acreate = asub.add_parser("create", help="create a key; it is printed once, only its hash kept")
    acreate.add_argument("--name", required=True)
    acreate.add_argument(
        "--kind", choices=["live", "test"], default="live",
        help="test: notices go nowhere outside; magic numbers produce each outcome",
    )  # fmt: skip
    acreate.add_argument("--callback-url", default=None, help="where status callbacks are POSTed")
    acreate.add_argument("--rate", type=int, default=None, help="requests a minute (notices API)")
    acreate.set_defaults(func=_apikeys_create)

    events = sub.add_parser("events", help="events from DOST's back office (notices)")
    esub = events.add_subparsers(dest="events_command", metavar="ACTION", required=True)
    eimport = esub.add_parser("import", help="events from a CSV file; problems by row and column")
    eimport.add_argument("file", metavar="FILE.csv")
    eimport.add_argument("--as", dest="owner", default="cli",
                         help="the API key (its name) the notifications belong to")  # fmt: skip
    eimport.set_defaults(func=_events_import)

    telegram = sub.add_parser("telegram", help="the Telegram channel: polling, webhook set-up")
    tgsub = telegram.add_subparsers(dest="telegram_command", metavar="ACTION", required=True)
    tpoll = tgsub.add_parser("poll", help="run the Telegram channel in polling mode (development)")
    tpoll.set_defaults(func=_telegram_poll)
    tset = tgsub.add_parser("set-webhook", help="register the webhook with a secret token")
    tset.add_argument(
        "url", nargs="?", default=None, help="default: PUBLIC_BASE_URL + /webhooks/telegram"
    )
    tset.add_argument("--drop-pending-updates", action="store_true")
    tset.set_defaults(func=_telegram_set_webhook)
    tdel = tgsub.add_parser("delete-webhook", help="remove the webhook (e.g. before polling)")
    tdel.set_defaults(func=_telegram_delete_webhook)

    operators = sub.add_parser("operators", help="live operators' accounts for the console")
    osub = operators.add_subparsers(dest="operators_command", metavar="ACTION", required=True)
    oadd = osub.add_parser("add", help="add an operator (or reset one); the password from stdin")
    oadd.add_argument("name")
    oadd.add_argument("--role", choices=["operator", "supervisor"], default="operator")
    oadd.add_argument(
        "--skill",
        action="append",
        metavar="SKILL",
        help="a service group they serve, or a center as center:<id> (repeat; default: all)",
    )
    oadd.add_argument("--capacity", type=int, default=3, help="chats at once (default 3)")
    oadd.add_argument("--phone", default=None, help="their number or SIP address, for calls")
    oadd.set_defaults(func=_operators_add)
    olist = osub.add_parser("list", help="the operators' accounts")
    olist.set_defaults(func=_operators_list)

    report = sub.add_parser("report", help="containment, hand-off rate, waits and ratings")
    report.add_argument("--since", metavar="YYYY-MM-DD", default=None)
    report.add_argument("--json", action="store_true")
    report.set_defaults(func=_report)

    nlu = sub.add_parser("nlu", help="parse utterances and evaluate the NLU")
    nsub = nlu.add_subparsers(dest="nlu_command", metavar="ACTION", required=True)
    nparse = nsub.add_parser("parse", help="one utterance per stdin line -> one JSON line")
    nparse.set_defaults(func=_nlu_parse)
    neval = nsub.add_parser("eval", help="accuracy on a TSV (text, intent, service) vs a baseline")
    neval.add_argument("file", metavar="FILE.tsv")
    neval.set_defaults(func=_nlu_eval)

    export = sub.add_parser("export", help="the knowledge base in other assistants' formats")
    xsub = export.add_subparsers(dest="export_command", metavar="FORMAT", required=True)
    xrasa = xsub.add_parser("rasa", help="a Rasa 3.1 project (NLU data, domain, rules, config)")
    xrasa.add_argument("dir", metavar="DIR")
    xrasa.add_argument(
        "--action-server-url",
        default="http://localhost:5055/webhook",
        help="written to endpoints.yml (default: dost rasa-actions locally)",
    )
    xrasa.set_defaults(func=_export_rasa)

    ractions = sub.add_parser("rasa-actions", help="the Rasa action server (the 'rasa' extra)")
    ractions.add_argument("--host", default="127.0.0.1")
    ractions.add_argument("--port", type=int, default=5055)
    ractions.set_defaults(func=_rasa_actions)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return 143


def run() -> None:
    """The `dost` program."""
    raise_on_sigterm()
    sys.exit(main())


if __name__ == "__main__":
    run()
