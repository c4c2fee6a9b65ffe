"""One turn of the conversation: (state, inbound) → (new state, replies). No I/O here except
the hand-off point; the engine around it loads and saves state."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import simulated
from bot.answers import Answer, compose
from bot.booking_flow import BookingDialogue
from bot.catalog import speaking, t
from bot.choices import BOOKING_PICKS, ChoiceId, Pick, choice
from bot.clock import SYSTEM_CLOCK, Clock
from bot.eligibility import EligibilityDialogue, has_rules
from bot.flows.compiler import main_menu, topic_for, topic_for_intent, topics
from bot.flows.model import ServiceFlow
from bot.handoff import HandoffPoint, center_hours_values
from bot.messages import MAX_TEXT_CHARS, Choice, Command, Contact, Inbound, Outbound
from bot.notices.facts import INTENTS as NOTICE_INTENTS
from bot.notices.facts import NoticeFacts, answer, none_known, pick, topic_of
from bot.operators.rules import RULE, Rules
from bot.page_dialogue import PageDialogue
from bot.people import Person
from bot.sources import source_footer
from bot.state import ConversationState
from knowledge.centers import Centers
from knowledge.model import Passport
from knowledge.pages import PageKnowledge, default_page_knowledge
from nlu.language import detect_language
from nlu.mood import is_angry
from nlu.normalize import fold

# The phone line's prompts are spoken by an Azerbaijani voice (DESIGN: IVR audio): it stays
# Azerbaijani whatever words the speech recogniser hears.
AZERBAIJANI_ONLY_CHANNELS = frozenset({"voice", simulated.CHANNEL})  # the IVR simulator too
# Yes/no words people type, folded (fold: no diacritics, no doubles).
_YES = {"he", "hə", "beli", "bəli", "heri", "hee", "yes", "da", "olar", "razıyam", "raziyam", "ok"}
_NO = {"yox", "xeyr", "yo", "no", "yoxdur", "istemirem", "lazim deyil", "net"}
_ELLIPTIC = re.compile(r"^(bes|ya|a)\b")  # on folded text: "bəs …", "ya …"
# Words that carry no topic: what is left of "bəs ÜDSY üçün?" once the service is removed.
_FILLER = {
    "bes",
    "ya",
    "a",
    "ucun",
    "ile",
    "barede",
    "haqqinda",
    "olsun",
    "de",
    "da",
    "ve",
    "bu",
    "o",
    "sey",
    # Russian: "а для адресной помощи?"
    *(fold(w) for w in ("для", "по", "про", "насчет", "насчёт", "и", "на", "в", "о", "об", "тоже")),
}
TOPIC_INTENTS = {t.intent for t in topics().values() if t.action is None}
_FLOW_INTENT = {"book": "book_slot", "cancel": "cancel_booking", "reschedule": "reschedule_booking",
                "lookup": "my_booking", "notice": "application_status"}  # fmt: skip
# A menu shows at most this many choices at once, then "more": a phone screen stays readable
# and a caller hears a short menu.
PAGE_SIZE = 4
# After an answer, the topics people most often ask next come first.
_FOLLOW_UPS_FIRST = ("documents", "procedure", "book", "eligibility")
# Intents that ask nothing: after an angry message with one of them, the apology is the answer.
_NOTHING_ASKED = {"out_of_scope", "greet", "thanks", "goodbye", "affirm", "deny"}
BOOKING_INTENTS = {"cancel_booking": "cancel", "reschedule_booking": "reschedule",
                   "my_booking": "lookup"}  # fmt: skip


@dataclass
class Turn:
    """What one turn produced, and what the NLU made of the message."""

    replies: list[Outbound] = field(default_factory=list)
    intent: str | None = None
    service: str | None = None
    channel: str | None = None
    conversation: str | None = None
    origin: str | None = None  # the client's address (web): caps and code requests per address
    next_page: bool = False  # this turn shows the next page of the last menu
    handoff_offer: str | None = None  # the reason of the hand-off offered last turn
    person_offer: str | None = None  # why the "a person" button of last turn was there
    failures_before: int = 0  # misunderstandings in a row before this turn
    entities: list[dict] = field(default_factory=list)  # what the NLU found in the message

    def say(self, text: str, choices: list[Choice] | None = None, **meta: Any) -> Outbound:
        fields = {"intent": self.intent, "service": self.service, **meta}
        out = Outbound(text=text, choices=choices or [], **fields)
        self.replies.append(out)
        return out


class Dialogue:
    def __init__(
        self,
        nlu: Any,
        passports: Mapping[str, Passport],
        centers: Centers,
        flows: Mapping[str, ServiceFlow],
        handoff: HandoffPoint,
        *,
        show_sources: bool = True,
        booking: BookingDialogue | None = None,
        clock: Clock = SYSTEM_CLOCK,
        pages: PageKnowledge | None = None,
        facts: NoticeFacts | None = None,
        rules: Rules | None = None,
    ) -> None:
        self.rules = rules  # the console's hand-off rules (live operators only)
        self.booking = booking
        self.facts = facts  # what DOST's notices said, for their proven owner
        self.clock = clock  # "sabah", "bazar ertəsi" are read relative to its day
        self.nlu = nlu
        self.passports = passports
        self.centers = centers
        self.flows = flows
        self.menu = main_menu(flows)
        self.handoff = handoff
        self.show_sources = show_sources
        self.eligibility = EligibilityDialogue(passports)
        # The second kind of knowledge: official service pages (knowledge/pages).
        self.pages = PageDialogue(pages or default_page_knowledge(), flows, show_sources)

    # --- entry -------------------------------------------------------------------------------

    async def turn(self, state: ConversationState, inbound: Inbound) -> Turn:
        """One turn, said in the conversation's language: the language of what the person
        writes, kept until they write in the other one (a number or "ok" changes nothing)."""
        if inbound.text is not None and inbound.channel not in AZERBAIJANI_ONLY_CHANNELS:
            state.language = detect_language(inbound.text) or state.language
        with speaking(state.language):
            return await self._turn(state, inbound)

    async def _turn(self, state: ConversationState, inbound: Inbound) -> Turn:
        turn = Turn(channel=inbound.channel, conversation=inbound.conversation_id,
                    origin=inbound.client_address)  # fmt: skip
        state.turns += 1
        # An operator offered last turn waits for this answer only (yes, no, or a new question).
        turn.handoff_offer, state.handoff_offer = state.handoff_offer, None
        turn.person_offer, state.person_offer = state.person_offer, None
        turn.failures_before = state.failures
        if inbound.command is not None:
            await self._on_command(state, inbound.command, inbound.conversation_id, turn)
        elif inbound.contact is not None:
            await self._on_contact(state, inbound.contact, turn)
        elif inbound.choice is not None:
            await self._on_choice(state, inbound.choice, inbound.conversation_id, turn)
        else:
            await self._on_text(state, inbound.text or "", inbound.conversation_id, turn)
        await self._apply_rules(state, inbound, turn)
        # Every choice of the menu stays valid, the pages not shown yet too: a button of an
        # earlier page is still on the person's screen.
        offered = {c.id: c.title for out in turn.replies for c in out.choices}
        state.more_choices = _paginate(turn.replies)
        offered |= {c.id: c.title for out in turn.replies for c in out.choices}
        state.choices = state.choices | offered if turn.next_page else offered
        if state.booking is not None and state.booking.center:
            state.center = state.booking.center  # a hand-off goes to this center's operators
        if turn.replies:
            state.last_texts = [out.text for out in turn.replies]
        return turn

    async def _on_command(self, state: ConversationState, command: Command,
                          conversation_id: str, turn: Turn) -> None:  # fmt: skip
        match command:
            case Command.START:
                turn.intent = "greet"
                turn.say(t("greet"), self._main_choices())
            case Command.MAIN_MENU:
                state.topic = state.pending_topic = None
                turn.say(t("menu.main"), self._main_choices())
            case Command.PERSON:
                turn.intent = "human_handoff"
                await self._handoff(state, _reason(turn), conversation_id, turn)
            case Command.REPEAT:
                last = _last_menu(state)
                texts = state.last_texts or [t("menu.main")]
                for text in texts[:-1]:
                    turn.say(text)
                turn.say(texts[-1], last or self._main_choices())
            case Command.STOP:
                self._unsubscribe(turn)

    # --- choices -----------------------------------------------------------------------------

    async def _on_choice(
        self, state: ConversationState, choice: str, conversation_id: str, turn: Turn
    ) -> None:
        if choice not in state.choices:
            last = _last_menu(state)
            turn.say(t("stale_choice"), last or self._main_choices())
            return
        picked = ChoiceId.parse(choice)
        turn.service = state.service
        if state.booking is not None:
            turn.intent = _FLOW_INTENT[state.booking.purpose]
        pick, arg = (picked.pick, picked.argument) if picked else (None, "")
        match pick:
            case Pick.MAIN:
                state.topic = state.pending_topic = None
                turn.say(t("menu.main"), self._main_choices())
            case Pick.MORE:
                turn.next_page = True
                rest = [Choice(id=i, title=title) for i, title in state.more_choices.items()]
                turn.say(t("menu.more_choices"), rest or self._main_choices())
            case Pick.GROUP:
                await self._group_menu(state, arg, turn, conversation_id)
            case Pick.SERVICE:
                await self._enter_service(state, arg, turn, conversation_id)
            case Pick.TOPIC:
                await self._topic(state, arg, conversation_id, turn)
            case Pick.INTENT:
                turn.intent = arg
                await self._intent(state, arg, state.service, conversation_id, turn)
            case Pick.YES | Pick.NO if state.booking is not None and self.booking is not None:
                await self.booking.on_yes_no(state, pick is Pick.YES, turn)
            case Pick.YES | Pick.NO:
                self._eligibility_answer(state, pick is Pick.YES, turn)
            case _ if pick in BOOKING_PICKS and self.booking is not None:
                if state.booking is None:  # a button of a booking list shown earlier
                    self.booking.begin(state, "lookup")
                await self.booking.on_choice(state, pick, arg, turn)
            case Pick.ELIGIBILITY:
                self._start_eligibility(state, turn)
            case Pick.PERSON:
                await self._handoff(state, turn.person_offer or _reason(turn), conversation_id,
                                    turn)  # fmt: skip
            case Pick.HANDOFF_YES:
                turn.intent = "human_handoff"
                await self._hand_over(state, arg or "asked", conversation_id, turn)
            case Pick.HANDOFF_NO:
                turn.intent = "deny"
                turn.say(t("live.declined"), self._main_choices())
            case Pick.CENTERS:
                self._centers(turn)
            case Pick.PAGE:
                self.pages.on_choice(state, arg, turn)
            case _:
                turn.say(t("stale_choice"), self._main_choices())
        state.failures = 0

    # --- text --------------------------------------------------------------------------------

    async def _on_text(
        self,
        state: ConversationState,
        text: str,
        conversation_id: str,
        turn: Turn,
    ) -> None:
        if not text.strip():
            turn.say(t("empty_message"), self._main_choices())
            return
        if len(text) > MAX_TEXT_CHARS:
            turn.say(t("too_long", length=len(text), limit=MAX_TEXT_CHARS))
            text = text[:MAX_TEXT_CHARS]
        parsed = self.nlu.parse(text, now=self.clock.now())
        turn.entities = [{"entity": e["entity"], "value": e["value"]}
                         for e in parsed.get("entities") or []]  # fmt: skip
        intent = parsed["intent"]["name"]
        confident = parsed["intent"]["confidence"] >= self.nlu.threshold
        named = parsed["service"]["id"] if parsed["service"] else None
        if is_angry(text):
            turn.say(t("anger"), [choice(Pick.PERSON, t("choice.human"))])
            if not (confident or named) or intent in _NOTHING_ASKED:
                turn.intent = intent if confident else None
                return  # the apology and the offer of a person are the whole answer
        if turn.handoff_offer is not None:
            consented = _yes_no(text, intent)
            if consented is not None:
                turn.intent = "human_handoff" if consented else "deny"
                if consented:
                    await self._hand_over(state, turn.handoff_offer, conversation_id, turn)
                else:
                    turn.say(t("live.declined"), self._main_choices())
                return
        # Every service the question names, in its order: each gets its own answer.
        services = [s["id"] for s in parsed.get("services") or []] or ([named] if named else [])
        turn.intent, turn.service = intent, named or state.service

        in_booking = state.booking is not None and self.booking is not None
        if in_booking and await self._booking_text(state, text, intent, confident, parsed, turn):
            return

        if state.eligibility is not None:
            answer = _yes_no(text, intent)
            if answer is not None:
                self._eligibility_answer(state, answer, turn)
                return
            if not confident or intent in ("affirm", "deny"):
                turn.say(t("eligibility.ask_again"), _yes_no_choices())
                return
            state.eligibility = None  # the person moved on to another question

        if self.pages.take(state, parsed, confident, bool(_ELLIPTIC.match(fold(text))), turn):
            state.failures = 0
            return

        # "bəs ünvanlı yardım üçün?" after a topic: same topic, the newly named service.
        topic_id = None
        if named and state.topic and services != [state.service] and _ELLIPTIC.match(fold(text)):
            intent, topic_id = self._follow_up(text, services, state.topic)
            confident = True
            turn.intent = intent

        if not confident:
            if named:
                turn.intent = "service_info"
                await self._enter_service(state, named, turn, conversation_id)
                state.failures = 0
                return
            self._clarify(state, parsed, turn)
            return
        if intent == "out_of_scope" and not named:
            self._failure(state, t("out_of_scope"), turn)
            return
        state.failures = 0
        await self._intent(state, intent, named, conversation_id, turn, parsed,
                           services=services, topic_id=topic_id)  # fmt: skip

    async def _booking_text(
        self,
        state: ConversationState,
        text: str,
        intent: str,
        confident: bool,
        parsed: dict,
        turn: Turn,
    ) -> bool:
        """A message typed inside the booking flow; False to handle it as a new question."""
        assert self.booking is not None and state.booking is not None
        if state.booking.step in ("confirm", "cancel_confirm"):
            answer = _yes_no(text, intent)
            if answer is not None:
                turn.intent = _FLOW_INTENT[state.booking.purpose]
                await self.booking.on_yes_no(state, answer, turn)
                return True
        purpose = state.booking.purpose
        if await self.booking.on_text(state, text, parsed, turn):
            turn.intent = _FLOW_INTENT[state.booking.purpose if state.booking else purpose]
            if state.booking is None and state.pending_notice:
                await self._pending_notice(state, turn)
            return True
        # A place, a yes/no or something unclear is an attempt at the current question; any
        # other clear question means the person moved on.
        if confident and intent not in (
            "affirm",
            "deny",
            "book_slot",
            "ask_location",
            "out_of_scope",
        ):
            await self.booking.abandon(state)  # the person moved on; the held slot is freed
            return False
        return await self.booking.reprompt(state, turn)

    def _unsubscribe(self, turn: Turn) -> None:
        """The engine opts the conversation's address out on this intent (bot.engine)."""
        turn.intent = "unsubscribe"
        turn.say(t("answer.unsubscribe"))

    async def _on_contact(self, state: ConversationState, contact: Contact, turn: Turn) -> None:
        """The channel proved the sender's number (Telegram own contact, the caller's number)."""
        if self.booking is None:
            return
        await self.booking.identity.accept(state, contact, turn.channel or "",
                                           turn.conversation or "")  # fmt: skip
        if state.booking is not None:
            await self.booking.identified(state, turn)
        if state.booking is None and state.pending_notice:
            await self._pending_notice(state, turn)
        elif state.booking is None and not turn.replies:
            turn.say(t("booking.contact_saved"), self._main_choices())

    def _follow_up(self, text: str, named: list[str], topic: str) -> tuple[str, str | None]:
        """The intent of "bəs X üçün?" and the topic it keeps: the previous topic (narrower
        ones too, "by post"), unless the words besides the service names ask something else
        ("bəs ÜDSY-nin sənədləri?"), when the topic is that question's."""
        rest = text
        for service_id in named:
            rest = self.nlu.services.without_mention(rest, service_id)
        content = [w for w in fold(rest).split() if w not in _FILLER]
        parsed = self.nlu.parse(rest, now=self.clock.now()) if content else None
        intent = parsed["intent"] if parsed else {"name": None, "confidence": 0.0}
        if intent["confidence"] >= self.nlu.threshold and intent["name"] in TOPIC_INTENTS:
            return intent["name"], None
        return topics()[topic].intent, topic

    def _clarify(self, state: ConversationState, parsed: dict, turn: Turn) -> None:
        candidates = [r["name"] for r in parsed["intent_ranking"] if r["name"] in _CLARIFIABLE][:2]
        if not candidates or state.failures >= 1:
            self._failure(state, t("clarify_none"), turn)
            return
        state.failures += 1
        turn.say(t("clarify"), [choice(Pick.INTENT, _intent_title(c), c) for c in candidates])

    def _failure(self, state: ConversationState, text: str, turn: Turn) -> None:
        state.failures += 1
        if state.failures >= 2:
            turn.say(t("repeated_failures"), [choice(Pick.PERSON, t("choice.human")),
                                              *self._main_choices()])  # fmt: skip
        else:
            turn.say(text, self._main_choices())

    # --- intents -----------------------------------------------------------------------------

    async def _intent(
        self,
        state: ConversationState,
        intent: str,
        named: str | None,
        conversation_id: str,
        turn: Turn,
        parsed: dict | None = None,
        *,
        services: list[str] | None = None,
        topic_id: str | None = None,
    ) -> None:
        service = named or state.service
        if named:
            state.service = named
            state.services = services if services and len(services) > 1 else []
        asked = self._asked(state, services)
        state.pending_notice = None
        if intent in NOTICE_INTENTS and await self._notice(state, intent, named, parsed, turn):
            return
        match intent:
            case "greet":
                if named:
                    await self._enter_service(state, named, turn, conversation_id)
                else:
                    turn.say(t("greet"), self._main_choices())
            case "thanks":
                turn.say(t("thanks"))
            case "goodbye":
                turn.say(t("goodbye"), hangup=True)  # a call ends here; a chat just stays
            case "affirm":
                turn.say(t("affirm_no_context"), self._main_choices())
            case "deny":
                turn.say(t("deny_no_context"))
            case "list_services" | "out_of_scope":
                turn.say(t("menu.main"), self._main_choices())
            case "service_info" if len(asked) > 1:
                self._answer_each(state, "info", asked, turn)
            case "service_info" if service:
                if self.flows[service].answerable.get("info"):
                    state.service = service
                    self._answer(state, "info", turn)
                else:
                    await self._enter_service(state, service, turn, conversation_id)
            case "ask_hours":
                self._hours(turn)
            case "ask_location" if not service:
                self._centers(turn)
            case "human_handoff":
                await self._handoff(state, _reason(turn), conversation_id, turn)
            case "book_slot" if self.booking is not None:
                if service is None:
                    state.pending_topic = "book"
                    self.booking.remember(state, parsed)  # its center, day, time wait
                    turn.say(t("menu.which_service"), self._service_choices())
                else:
                    await self.booking.start(state, turn, "book", service, parsed)
            case "book_slot":
                turn.say(t("answer.book_unavailable"), [choice(Pick.MAIN, t("menu.back"))])
            case _ if intent in BOOKING_INTENTS and self.booking is not None:
                await self.booking.start(state, turn, BOOKING_INTENTS[intent], None, parsed)
            case _ if intent in BOOKING_INTENTS:
                turn.say(t("answer.booking_unavailable"))
            case "application_status":
                turn.say(t("answer.status_unavailable"))
            case "unsubscribe":
                self._unsubscribe(turn)
            case _ if intent in TOPIC_INTENTS or intent == "commission_date":
                topic = topics()[topic_id] if topic_id else topic_for(intent, _folded(parsed))
                if service is None:
                    state.pending_topic = topic.id if topic else None
                    turn.say(t("menu.which_service"), self._service_choices())
                elif len(asked) > 1 and topic is not None and topic.action is None:
                    self._answer_each(state, topic.id, asked, turn)
                else:
                    await self._topic(state, topic.id, conversation_id, turn)
            case _:
                turn.say(t("menu.main"), self._main_choices())

    # --- the citizen's own notices -----------------------------------------------------------

    async def _notice(self, state: ConversationState, intent: str, named: str | None,
                      parsed: dict | None, turn: Turn) -> bool:  # fmt: skip
        """A question about the citizen's commission, decision, monitoring visit or status:
        the stored fact to its proven owner; anyone else is asked to prove their number first.
        False: not answered here (the program's own commission, asked without proof)."""
        if self.facts is None:
            return False
        topic = topic_of(intent, parsed["text"] if parsed else "")
        person = await self.facts.owner(state.person_id, turn.conversation or "")
        if person is None:
            if intent == "commission_date" and named and topic == "commission":
                return False  # about the program: the passport answers
            state.pending_notice = topic
            if self.booking is not None:
                self.booking.prove(state, turn, t("notice.facts.verify_first"))
            else:
                turn.say(t("notice.facts.verify_first"))
            return True
        await self._notice_answer(topic, person, turn)
        return True

    async def _pending_notice(self, state: ConversationState, turn: Turn) -> None:
        """The number was just proven: answer the notice question asked before."""
        topic, state.pending_notice = state.pending_notice, None
        assert self.facts is not None and topic is not None
        person = await self.facts.owner(state.person_id, turn.conversation or "")
        if person is not None:
            await self._notice_answer(topic, person, turn)

    async def _notice_answer(self, topic: str, person: Person, turn: Turn) -> None:
        assert self.facts is not None
        found = pick(topic, await self.facts.about(person))
        if found is None:
            turn.say(none_known(topic), self._main_choices())
            return
        names = {pid: p.display_name for pid, p in self.passports.items()}
        out = answer(*found, names)
        source = out.source_line if self.show_sources else None
        turn.say(out.text, self._main_choices(), source_line=source, service=out.service)

    # --- services and topics -------------------------------------------------------------

    async def _enter_service(
        self, state: ConversationState, service_id: str, turn: Turn, conversation_id: str
    ) -> None:
        if service_id not in self.flows:
            turn.say(t("stale_choice"), self._main_choices())
            return
        state.service, state.topic, state.services = service_id, None, []
        state.subject = None
        turn.service = service_id
        if state.pending_topic:
            topic, state.pending_topic = state.pending_topic, None
            await self._topic(state, topic, conversation_id, turn)
            return
        flow = self.flows[service_id]
        out = turn.say(t("menu.service", service=flow.name), self._topic_choices(flow))
        out.service = service_id

    async def _group_menu(
        self, state: ConversationState, group: str, turn: Turn, conversation_id: str
    ) -> None:
        members = self.menu.groups.get(group, [])
        if len(members) == 1:
            await self._enter_service(state, members[0], turn, conversation_id)
            return
        choices = [choice(Pick.SERVICE, self.flows[s].name, s) for s in members]
        turn.say(t("menu.group", group=t(f"group.{group}")),
                 [*choices, choice(Pick.MAIN, t("menu.back"))])  # fmt: skip

    async def _topic(
        self, state: ConversationState, topic_id: str, conversation_id: str, turn: Turn
    ) -> None:
        topic = topics().get(topic_id)
        if topic is None or state.service is None:
            turn.say(t("menu.main"), self._main_choices())
            return
        if topic.action == "handoff":
            await self._handoff(state, "asked", conversation_id, turn)
        elif topic.action == "book" and self.booking is not None:
            await self.booking.start(state, turn, "book", state.service)
        elif topic.action == "book":
            turn.say(t("answer.book_unavailable"), [choice(Pick.MAIN, t("menu.back"))])
        else:
            self._answer(state, topic_id, turn)

    def _answer(self, state: ConversationState, topic_id: str, turn: Turn) -> None:
        assert state.service is not None
        passport = self.passports[state.service]
        answer = compose(passport, topic_id)
        state.topic = topic_id
        turn.service = state.service
        flow = self.flows[state.service]
        choices = []
        if answer.uncertain or answer.partial:  # the answer offers a person: the button is there
            choices.append(choice(Pick.TOPIC, t("topic.human"), "human"))
        if topic_id == "eligibility" and has_rules(passport):
            choices.append(choice(Pick.ELIGIBILITY, t("choice.eligibility_check")))
        this = str(ChoiceId(Pick.TOPIC, topic_id))
        first = [str(ChoiceId(Pick.TOPIC, tid)) for tid in _FOLLOW_UPS_FIRST]
        others = [c for c in self._topic_choices(flow) if c.id != this]
        choices += sorted(others, key=lambda c: first.index(c.id) if c.id in first else len(first))
        turn.say(answer.text, _unique(choices), sources=answer.sources,
                 source_line=self._source_line(answer),
                 service=state.service)  # fmt: skip
        self.pages.supplement(state.service, topic_id, turn)  # the service's page, if it has one

    def _answer_each(
        self, state: ConversationState, topic_id: str, service_ids: list[str], turn: Turn
    ) -> None:
        """One question about several services: an answer for each, each naming its service,
        so what one passport does not state never hides behind what another does."""
        state.topic = topic_id
        for service_id in service_ids:
            answer = compose(self.passports[service_id], topic_id)
            turn.say(
                answer.text,
                sources=answer.sources,
                service=service_id,
                source_line=self._source_line(answer),
            )
        turn.service = service_ids[-1]
        last = turn.replies[-1]
        last.choices = [choice(Pick.SERVICE, self.flows[s].name, s) for s in service_ids]
        last.choices.append(choice(Pick.MAIN, t("menu.back")))

    def _asked(self, state: ConversationState, named: list[str] | None) -> list[str]:
        """The services a question is about: those it names, else the last question's (all
        of them, when it named several), else none."""
        if named:
            return named
        if state.service in state.services:
            return state.services
        return [state.service] if state.service else []

    def _source_line(self, answer: Answer) -> str | None:
        if self.show_sources and answer.sources and answer.known:
            return source_footer(answer.sources)
        return None

    def _topic_choices(self, flow: ServiceFlow) -> list[Choice]:
        choices = [choice(Pick.TOPIC, t(f"topic.{tid}"), tid) for tid in flow.menu]
        return [*choices, choice(Pick.MAIN, t("menu.back"))]

    def _main_choices(self) -> list[Choice]:
        return [choice(Pick.GROUP, t(f"group.{g}"), g) for g in self.menu.groups]

    def _service_choices(self) -> list[Choice]:
        """Every service, in the main menu's order of groups (the most asked first)."""
        ordered = [sid for members in self.menu.groups.values() for sid in members]
        return [choice(Pick.SERVICE, self.flows[sid].name, sid) for sid in ordered]

    # --- centers, hours, hand-off ------------------------------------------------------------

    def _centers(self, turn: Turn) -> None:
        items = []
        for c in self.centers.centers:
            place = ", ".join(x for x in (c.city, c.district) if x)
            key = "centers.item_address" if c.address else "centers.item"
            items.append(t(key, name=c.name, place=place, address=c.address))
        turn.say(t("centers.list", items="\n".join(items)), self._main_choices())

    def _hours(self, turn: Turn) -> None:
        text = t("centers.hours", **center_hours_values(self.centers))
        text += " " + t("centers.hours_note")
        source = None
        if self.show_sources:
            urls = self.centers.defaults.hours.source.split(" ; ")
            source = t("answer.source_curated", url=urls[0].strip())
        turn.say(text, self._main_choices(), source_line=source)

    async def _apply_rules(self, state: ConversationState, inbound: Inbound, turn: Turn) -> None:
        """A supervisor's rule that holds offers an operator after the turn's own answer (only
        when one can be asked for, and never in the middle of a flow or another offer)."""
        if turn.intent:
            state.intents_asked[turn.intent] = state.intents_asked.get(turn.intent, 0) + 1
        consent = getattr(self.handoff, "consent", None)
        if self.rules is None or consent is None:
            return
        busy = state.handoff_offer or state.booking or state.eligibility or state.callback
        if busy or any(out.handoff or out.intent == "human_handoff" for out in turn.replies):
            return
        asked = state.intents_asked.get(turn.intent, 0) if turn.intent else 0
        service = state.service
        rule = await self.rules.first_match(inbound.text or "", turn.intent, service, asked,
                                            state.rules_fired)  # fmt: skip
        if rule is None:
            return
        offer = await consent(inbound.conversation_id, RULE, turn.channel)
        if offer is None:  # nobody to offer now (no operators, outside their hours)
            return
        state.rules_fired.append(rule.id)
        state.handoff_offer = RULE
        offer.service = service
        turn.replies.append(offer)

    async def _handoff(
        self, state: ConversationState, reason: str, conversation_id: str, turn: Turn
    ) -> None:
        """A person was asked for (or is needed): with live operators, ask first."""
        consent = getattr(self.handoff, "consent", None)
        asked = await consent(conversation_id, reason, turn.channel) if consent else None
        if asked is None:
            await self._hand_over(state, reason, conversation_id, turn)
            return
        state.handoff_offer = reason
        asked.service = state.service
        turn.replies.append(asked)

    async def _hand_over(
        self, state: ConversationState, reason: str, conversation_id: str, turn: Turn
    ) -> None:
        service = self.flows[state.service].name if state.service else "-"
        summary = f"service={service}; topic={state.topic or '-'}; failures={state.failures}"
        center = (state.booking.center if state.booking else None) or state.center
        out = await self.handoff.request(conversation_id, reason, summary, service=state.service,
                                         channel=turn.channel, center=center)  # fmt: skip
        out.service = state.service
        turn.replies.append(out)

    # --- eligibility ---------------------------------------------------------------------------

    def _start_eligibility(self, state: ConversationState, turn: Turn) -> None:
        if state.service is None:
            turn.say(t("menu.which_service"), self._service_choices())
            return
        progress, question = self.eligibility.start(state.service)
        if question is None:
            turn.say(t("eligibility.no_rules"), [choice(Pick.PERSON, t("choice.human"))])
            state.person_offer = "flow"  # the check cannot be made here: a person can
            return
        state.eligibility = progress
        turn.say(f"{t('eligibility.intro')}\n\n{question}", _yes_no_choices(),
                 service=state.service)  # fmt: skip

    def _eligibility_answer(self, state: ConversationState, yes: bool, turn: Turn) -> None:
        if state.eligibility is None:
            turn.say(t("affirm_no_context" if yes else "deny_no_context"), self._main_choices())
            return
        step = self.eligibility.answer(state.eligibility, yes)
        if step.question is not None:
            turn.say(step.question, _yes_no_choices(), service=state.eligibility.service)
            return
        service = state.eligibility.service
        state.eligibility = None
        flow = self.flows[service]
        source = source_footer(step.sources) if self.show_sources and step.sources else None
        turn.say(step.verdict, self._topic_choices(flow), service=service, sources=step.sources,
                 source_line=source)  # fmt: skip


_CLARIFIABLE = TOPIC_INTENTS | {"book_slot", "human_handoff", "list_services", "ask_hours",
                                "commission_date", "application_status"}  # fmt: skip


def _reason(turn: Turn) -> str:
    """Why a person is wanted: after repeated misunderstanding, that; else they asked."""
    return "misunderstood" if turn.failures_before >= 2 else "asked"


def _intent_title(intent: str) -> str:
    topic = topic_for_intent(intent)
    return t(f"topic.{topic.id}") if topic is not None else t(f"intent_title.{intent}")


def _folded(parsed: dict | None) -> str:
    """The question as nlu.normalize.fold gives it (a narrower topic is matched on it)."""
    return fold(parsed["text"]) if parsed else ""


def _yes_no(text: str, intent: str) -> bool | None:
    key = fold(text).strip()
    if key in {fold(w) for w in _YES} or intent == "affirm":
        return True
    if key in {fold(w) for w in _NO} or intent == "deny":
        return False
    return None


def _yes_no_choices() -> list[Choice]:
    return [choice(Pick.YES, t("choice.affirm")), choice(Pick.NO, t("choice.deny"))]


def _last_menu(state: ConversationState) -> list[Choice]:
    """The last menu, whole (it is cut into pages again when shown)."""
    more = str(ChoiceId(Pick.MORE))
    return [Choice(id=i, title=title) for i, title in state.choices.items() if i != more]


def _paged_already(choices: list[Choice]) -> bool:
    """A page the booking cut itself: four times, then its own way to other times (the next
    page, or the whole day)."""
    picks = [parsed.pick if (parsed := ChoiceId.parse(c.id)) else None for c in choices]
    return (len(picks) == PAGE_SIZE + 1 and set(picks[:-1]) == {Pick.TIME}
            and picks[-1] in (Pick.MORE_TIMES, Pick.DAY))  # fmt: skip


def _paginate(replies: list[Outbound]) -> dict[str, str]:
    """Cut every menu to its first page, a "more" choice after it; the rest, to show next."""
    rest: dict[str, str] = {}
    for out in replies:
        if len(out.choices) > PAGE_SIZE and not _paged_already(out.choices):
            rest = {c.id: c.title for c in out.choices[PAGE_SIZE:]}
            out.choices = [*out.choices[:PAGE_SIZE], choice(Pick.MORE, t("choice.more"))]
    return rest


def _unique(choices: list[Choice]) -> list[Choice]:
    seen: set[str] = set()
    return [c for c in choices if not (c.id in seen or seen.add(c.id))]
