"""A hand-off in the conversation, through the real engine and NLU: consent first, the queue with
place and wait, silence while an operator holds the chat, the operator's replies, close and a
1–5 rating; outside hours a callback; without operators the 142 call center."""

from __future__ import annotations

from bot.catalog import t
from bot.messages import Inbound
from bot.operators.schedule import OperatorHours
from bot.push import Push

CONVERSATION = "web:citizen-0001"


def say(text: str | None = None, choice: str | None = None, conversation: str = CONVERSATION):
    return Inbound(conversation_id=conversation, channel="web", text=text, choice=choice)


def ids(replies) -> list[str]:
    return [c.id for r in replies for c in r.choices]


async def test_without_operator_accounts_a_person_is_the_call_center(live_engine) -> None:
    replies = await live_engine.handle(say("operatorla danışmaq istəyirəm"))
    assert replies[-1].handoff is not None and "142" in replies[-1].text
    assert not await live_engine.desk.is_open(CONVERSATION)


async def test_consent_then_queue_then_operator_then_rating(
    live_engine, desk, ayla, line, clock
) -> None:
    await live_engine.handle(say("özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"))
    asked = await live_engine.handle(say("operatorla danışmaq istəyirəm"))
    assert asked[-1].text == t("live.consent") and asked[-1].handoff is None
    assert not await desk.is_open(CONVERSATION)

    queued = await live_engine.handle(say("hə"))
    assert queued[-1].handoff is not None and queued[-1].handoff.reason == "asked"
    assert queued[-1].text.startswith(t("live.queued_unknown", ahead=0)[:25])
    [item] = await desk.waiting()
    assert item.as_json() == {
        "conversation_id": CONVERSATION,
        "channel": "web",
        "service": "02-04-10-00",
        "reason": "asked",
        "waiting_seconds": 0,
        "kind": "chat",
        "call": None,
    }

    async with Push(desk.redis).subscribe("operator:ayla") as console:
        await desk.heartbeat(ayla)  # signs on: the chat is offered at once
        offer = await console.next(timeout=2)
        assert offer["type"] == "offer" and offer["conversation_id"] == CONVERSATION
        assert (await desk.take(CONVERSATION, "ayla"))[0] == "taken"
        assert line.to(CONVERSATION)[-1].text == t("live.joined")

        # While ayla holds the chat the assistant says nothing; each message reaches her.
        for i in range(100):
            assert await live_engine.handle(say(f"sənədlər haqqında sual {i}")) == []
        heard = [await console.next(timeout=2) for _ in range(100)]
        assert [e["text"] for e in heard] == [f"sənədlər haqqında sual {i}" for i in range(100)]

    assert await desk.reply(CONVERSATION, "ayla", "Salam, sizə necə kömək edə bilərəm?")
    sent = line.to(CONVERSATION)[-1]
    assert sent.author == "operator" and sent.text == "Salam, sizə necə kömək edə bilərəm?"
    transcript = await live_engine.transcript(CONVERSATION)
    assert transcript[-1]["role"] == "operator" and transcript[-1]["operator"] == "ayla"
    assert await desk.reply(CONVERSATION, "bahar", "mən də") is None  # not hers

    clock.advance(minutes=4)
    assert await desk.close(CONVERSATION, "ayla")
    closing = line.to(CONVERSATION)[-1]
    assert closing.text == t("live.closed") and [c.title for c in closing.choices] == list("12345")
    thanks = await live_engine.handle(say(choice=closing.choices[4].id))
    assert thanks[0].text == t("live.rating_thanks")
    [finished] = await desk.finished()
    assert (await desk.ratings())[finished["ticket"]] == 5
    assert finished["status"] == "closed" and finished["operator"] == "ayla"
    assert int(finished["first_reply_at"]) >= int(finished["assigned_at"])
    assert await desk.mean_handle_seconds() == 240.0
    # The assistant answers again.
    again = await live_engine.handle(say("özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"))
    assert any("Şəxsiyyət vəsiqəsi" in r.text for r in again)


async def test_a_no_keeps_the_assistant(live_engine, desk, ayla) -> None:
    await live_engine.handle(say("operator"))
    replies = await live_engine.handle(say("yox"))
    assert replies[0].text == t("live.declined") and not await desk.is_open(CONVERSATION)
    # The consent button works as well as words, and a new question drops the offer.
    asked = await live_engine.handle(say("operator"))
    no_id = next(c.id for c in asked[-1].choices if c.title == t("live.consent_no"))
    assert (await live_engine.handle(say(choice=no_id)))[0].text == t("live.declined")
    await live_engine.handle(say("operator"))
    await live_engine.handle(say("özünüməşğulluq proqramı üçün hansı sənədlər lazımdır"))
    assert (await live_engine.handle(say("hə")))[0].text != t("live.consent")
    assert not await desk.is_open(CONVERSATION)


async def test_repeated_misunderstanding_is_the_reason(live_engine, desk, ayla) -> None:
    await live_engine.handle(say("qwzx plom"))
    failed = await live_engine.handle(say("brrr xkcd"))
    person = next(c.id for r in failed for c in r.choices if c.title == t("choice.human"))
    asked = await live_engine.handle(say(choice=person))
    yes = next(c.id for c in asked[-1].choices if c.title == t("live.consent_yes"))
    await live_engine.handle(say(choice=yes))
    assert (await desk.handoff(CONVERSATION))["reason"] == "misunderstood"


async def test_leaving_the_queue_is_abandoning_it(live_engine, desk, ayla) -> None:
    await live_engine.handle(say("operator"))
    queued = await live_engine.handle(say("bəli"))
    leave = next(c.id for c in queued[-1].choices if c.title == t("live.leave_queue"))
    left = await live_engine.handle(say(choice=leave))
    assert left[0].text == t("live.left_queue")
    assert not await desk.is_open(CONVERSATION)
    [finished] = await desk.finished()
    assert finished["status"] == "abandoned"


async def test_outside_hours_when_back_and_a_callback(live_engine, desk, ayla, clock) -> None:
    desk.hours = OperatorHours.parse("Mon-Fri 09:00-18:00")
    clock.set(clock.now().replace(hour=19))  # Friday evening
    replies = await live_engine.handle(say("operatorla danışmaq istəyirəm"))
    assert "23 noyabr 2026, bazar ertəsi, saat 09:00-da" in replies[-1].text
    callback = next(c.id for c in replies[-1].choices if c.title == t("live.callback_offer"))
    asked = await live_engine.handle(say(choice=callback))
    assert asked[0].text == t("live.callback_ask_phone")
    assert (await live_engine.handle(say("12")))[0].text == t("live.callback_bad_phone")
    when = await live_engine.handle(say("050 123 45 67"))
    assert when[0].text == t("live.callback_ask_time")
    done = await live_engine.handle(say("bazar ertəsi saat 10-dan sonra"))
    assert "+994501234567" in done[0].text
    [task] = await live_engine.relay.callbacks.all()
    assert task.phone == "+994501234567" and task.preferred == "bazar ertəsi saat 10-dan sonra"
    assert task.conversation == CONVERSATION and task.status == "open"
    for _ in range(3):
        task = await live_engine.relay.callbacks.attempt(task.id, "ayla", answered=False)
    assert task.status == "failed" and len(task.attempts) == 3


async def test_a_lost_console_requeues_and_tells_the_citizen(
    live_engine, desk, ayla, line, clock
) -> None:
    await live_engine.handle(say("operator"))
    await live_engine.handle(say("hə"))
    await desk.heartbeat(ayla)
    assert (await desk.take(CONVERSATION, "ayla"))[0] == "taken"
    clock.advance(seconds=31)
    await desk.expire()
    assert line.to(CONVERSATION)[-1].text == t("live.requeued")
    assert (await desk.handoff(CONVERSATION))["status"] == "queued"
    assert await live_engine.handle(say("hələ gözləyirəm")) == []  # still with the operators


async def test_a_russian_conversation_is_handed_off_in_russian(live_engine, desk, ayla,
                                                                line) -> None:  # fmt: skip
    from bot.catalog import speaking

    asked = await live_engine.handle(say("хочу поговорить с оператором"))
    with speaking("ru"):
        assert asked[-1].text == t("live.consent")
        queued = await live_engine.handle(say("да"))
        assert queued[-1].text == t("live.queued_unknown", ahead=0)
        await desk.take(CONVERSATION, "ayla")
        assert line.to(CONVERSATION)[-1].text == t("live.joined")
