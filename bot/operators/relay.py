"""The engine's gate for live operators, before the assistant's own turn:

- while a hand-off is open (waiting in the queue, or an operator holds the chat) the assistant
  stays silent: the citizen's message goes to the operator's console instead (the one answer is
  to leaving the queue);
- after an operator closed the chat, a 1–5 answer rates their help;
- a callback request (which number, then when) is filled in here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.catalog import t
from bot.choices import ChoiceId, Pick, choice
from bot.identity import parse_phone
from bot.messages import Inbound, Outbound
from bot.state import CallbackProgress, ConversationState

if TYPE_CHECKING:
    from bot.operators.desk import Desk

_SCORE = re.compile(r"^\s*([1-5])\s*(?:/\s*5)?\s*[.!]?\s*$")


class Relay:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.callbacks = desk.callbacks

    async def intercept(self, state: ConversationState, inbound: Inbound) -> list[Outbound] | None:
        """The replies when the message belongs to a hand-off (possibly none: the operator
        answers), None when the assistant's turn should run."""
        conversation = inbound.conversation_id
        picked = ChoiceId.parse(inbound.choice) if inbound.choice else None
        pick = picked.pick if picked else None
        if pick is Pick.CALLBACK or state.callback is not None:
            return await self._callback(state, inbound, picked)
        is_open, rating_pending = await self.desk.relay_status(conversation)
        if is_open:
            if pick is Pick.LEAVE_QUEUE:
                left = await self.desk.leave_queue(conversation)
                if left:
                    return [
                        Outbound(
                            text=t("live.left_queue"),
                            choices=[choice(Pick.MAIN, t("menu.back"))],
                        )
                    ]
            said = inbound.text
            if said is None and inbound.choice is not None:
                said = state.choices.get(inbound.choice, inbound.choice)
            if said is None:  # a command (/start) or a shared contact, as the transcript says
                said = f"[{inbound.command or 'contact'}]"
            await self.desk.citizen_said(conversation, said)
            return await self.desk.undelivered(conversation)  # replies sent while away
        if rating_pending:
            score = (
                int(picked.argument) if pick is Pick.RATE and picked.argument.isdigit() else None
            )
            if score is None and inbound.text and (found := _SCORE.match(inbound.text)):
                score = int(found.group(1))
            if score is not None and await self.desk.rate(conversation, score):
                return [
                    Outbound(
                        text=t("live.rating_thanks"), choices=[choice(Pick.MAIN, t("menu.back"))]
                    )
                ]
        if pick in (Pick.RATE, Pick.LEAVE_QUEUE):  # a button of a hand-off already over
            return [Outbound(text=t("live.over"), choices=[choice(Pick.MAIN, t("menu.back"))])]
        return None

    async def _callback(
        self, state: ConversationState, inbound: Inbound, picked: ChoiceId | None
    ) -> list[Outbound] | None:
        progress = state.callback
        argument = picked.argument if picked and picked.pick is Pick.CALLBACK else None
        if progress is None or (argument == "" and picked is not None):
            state.callback = CallbackProgress(step="phone")
            return [self._ask_phone(state)]
        if picked is not None and picked.pick is Pick.MAIN:
            state.callback = None
            return None  # the person changed their mind: the main menu
        if progress.step == "phone":
            phone = state.phone if argument == "me" else parse_phone(inbound.text or "")
            if phone is None:
                return [
                    Outbound(
                        text=t("live.callback_bad_phone"),
                        choices=[choice(Pick.MAIN, t("menu.back"))],
                    )
                ]
            progress.phone, progress.step = phone, "time"
            return [
                Outbound(
                    text=t("live.callback_ask_time"),
                    choices=[
                        choice(Pick.CALLBACK, t("live.callback_asap"), "asap"),
                        choice(Pick.MAIN, t("menu.back")),
                    ],
                )
            ]
        preferred = t("live.callback_asap") if argument == "asap" else (inbound.text or "")
        if not preferred.strip():
            return [Outbound(text=t("live.callback_ask_time"))]
        assert progress.phone is not None
        record = await self.desk.handoff(inbound.conversation_id)
        await self.callbacks.request(
            inbound.conversation_id,
            progress.phone,
            preferred.strip()[:100],
            progress.reason,
            state.service or record.get("service"),
        )
        state.callback = None
        await self.desk.push.publish("operators", {"type": "callback"})
        return [
            Outbound(
                text=t(
                    "live.callback_done", phone=progress.phone, preferred=preferred.strip()[:100]
                ),
                choices=[choice(Pick.MAIN, t("menu.back"))],
            )
        ]

    def _ask_phone(self, state: ConversationState) -> Outbound:
        if state.phone:
            return Outbound(
                text=t("live.callback_ask_phone_known", phone=state.phone),
                choices=[
                    choice(Pick.CALLBACK, t("live.callback_this_number"), "me"),
                    choice(Pick.MAIN, t("menu.back")),
                ],
            )
        return Outbound(
            text=t("live.callback_ask_phone"), choices=[choice(Pick.MAIN, t("menu.back"))]
        )
