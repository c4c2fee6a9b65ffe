"""Settings from the environment or `.env` (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    # REDIS_URL is one node of a Redis Cluster (docs/scale-out.md says what runs on one).
    redis_cluster: bool = Field(default=False, validation_alias="REDIS_CLUSTER")
    data_dir: Path = Field(default=Path("var"), validation_alias="DOST_DATA_DIR")
    public_base_url: str | None = Field(default=None, validation_alias="PUBLIC_BASE_URL")

    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: str | None = Field(
        default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )
    telegram_api_base: str | None = Field(default=None, validation_alias="TELEGRAM_API_BASE")
    telegram_rate_global: float = Field(default=30.0, validation_alias="TELEGRAM_RATE_GLOBAL")
    telegram_rate_per_chat: float = Field(default=1.0, validation_alias="TELEGRAM_RATE_PER_CHAT")
    # Room for the trip to Telegram: N messages per 1 s + this (channels/telegram/ratelimit.py).
    telegram_rate_margin_ms: float = Field(default=40.0, validation_alias="TELEGRAM_RATE_MARGIN_MS")

    twilio_account_sid: str | None = Field(default=None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(default=None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_api_base: str | None = Field(default=None, validation_alias="TWILIO_API_BASE")
    twilio_voice_number: str | None = Field(default=None, validation_alias="TWILIO_VOICE_NUMBER")
    twilio_sms_number: str | None = Field(default=None, validation_alias="TWILIO_SMS_NUMBER")
    twilio_whatsapp_number: str | None = Field(
        default=None, validation_alias="TWILIO_WHATSAPP_NUMBER"
    )

    # The phone line: where "0 – a person" is dialled, and the prompts' text-to-speech tools.
    call_center_number: str = Field(default="142", validation_alias="DOST_CALL_CENTER_NUMBER")
    espeak_binary: str = Field(default="espeak-ng", validation_alias="DOST_ESPEAK_BINARY")
    sox_binary: str = Field(default="sox", validation_alias="DOST_SOX_BINARY")
    # The IVR simulator page at /simulator/ivr. Unset: on only while Twilio is not configured
    # (a newcomer's demo); true or false decide it either way.
    ivr_simulator: bool | None = Field(default=None, validation_alias="DOST_IVR_SIMULATOR")

    # "rasa": intents from a Rasa server's POST {RASA_URL}/model/parse, the built-in NLU when
    # it fails (interop/rasa). RASA_URL is also the tracker a Rasa hand-off is resumed on.
    nlu_backend: Literal["builtin", "rasa"] = Field(
        default="builtin", validation_alias="NLU_BACKEND"
    )
    rasa_url: str | None = Field(default=None, validation_alias="RASA_URL")
    rasa_timeout_seconds: float = Field(default=2.0, validation_alias="RASA_TIMEOUT")
    rasa_token: str | None = Field(default=None, validation_alias="RASA_TOKEN")  # its --auth-token
    # The secret Rasa sends the action server (endpoints.yml's `token`): without it, anyone who
    # reaches `dost rasa-actions` could act for a proven sender.
    rasa_actions_token: str | None = Field(default=None, validation_alias="DOST_RASA_ACTIONS_TOKEN")

    # How long a conversation's state and transcript live without activity.
    conversation_ttl_seconds: int = Field(
        default=7 * 24 * 3600, validation_alias="DOST_CONVERSATION_TTL"
    )
    # Transcripts of conversations without a proven number or person are kept this long
    # (capped by the conversation's TTL); proven ones as long as the conversation.
    unproven_transcript_ttl_seconds: int = Field(
        default=24 * 3600, validation_alias="DOST_UNPROVEN_TRANSCRIPT_TTL"
    )
    log_level: str = Field(default="INFO", validation_alias="DOST_LOG_LEVEL")
    # The embedded redis-server's memory cap ("512mb", "2gb"; "0": none). Its policy is
    # noeviction: nothing is ever dropped to make room (docs/operations.md).
    redis_maxmemory: str = Field(default="512mb", validation_alias="DOST_REDIS_MAXMEMORY")
    booking_slot_minutes: int = Field(default=15, validation_alias="DOST_BOOKING_SLOT_MINUTES")
    # Hours before a booking when reminders go out, e.g. "24,2".
    reminder_hours: str = Field(default="24,2", validation_alias="DOST_REMINDER_HOURS")
    # `dost serve` runs a job worker in its own process unless a separate `dost worker` does.
    inprocess_worker: bool = Field(default=True, validation_alias="DOST_INPROCESS_WORKER")

    # Live operators: their hours (Asia/Baku, public holidays off; "always" = round the clock),
    # how long an offered chat waits for the operator before it goes to the next one, and the
    # share of hand-offs answered within this many seconds that reports call on target.
    operator_hours: str = Field(
        default="Mon-Fri 09:00-18:00", validation_alias="DOST_OPERATOR_HOURS"
    )
    operator_offer_seconds: float = Field(
        default=60, validation_alias="DOST_OPERATOR_OFFER_SECONDS"
    )
    operator_answer_target_seconds: int = Field(
        default=60, validation_alias="DOST_OPERATOR_ANSWER_TARGET"
    )
    # Proactive notices (bot.notices): hours they wait outside ("21:00-09:00" Asia/Baku; empty:
    # none), how long a mandatory notice waits for "Aldım" before the next channel, the channels
    # per event type ("commission_decision=telegram,sms;monitoring_visit=sms"), how fast a
    # backlog held by the quiet hours is released (notices a second), WhatsApp template ids
    # per notice type ("commission_scheduled=HX…,commission_decision=HX…").
    quiet_hours: str = Field(default="21:00-09:00", validation_alias="DOST_QUIET_HOURS")
    notice_read_hours: float = Field(default=24.0, validation_alias="DOST_NOTICE_READ_HOURS")
    notice_channels: str = Field(default="", validation_alias="DOST_NOTICE_CHANNELS")
    notice_release_rate: float = Field(default=30.0, validation_alias="DOST_NOTICE_RELEASE_RATE")
    whatsapp_templates: str = Field(default="", validation_alias="DOST_WHATSAPP_TEMPLATES")
    # Requests a minute one API key may make to the notices API (GOV.UK Notify's default).
    api_rate_per_minute: int = Field(default=3000, validation_alias="DOST_API_RATE_PER_MINUTE")

    # The HTTP edge (dost/edge.py): the largest request body a route takes (chat, webhooks,
    # API), the CSV upload's own cap, and the interactive API docs (/docs, /redoc,
    # /openapi.json: off in production unless asked for).
    max_body_bytes: int = Field(default=64 * 1024, validation_alias="DOST_MAX_BODY_BYTES")
    max_upload_bytes: int = Field(default=21_000_000, validation_alias="DOST_MAX_UPLOAD_BYTES")
    api_docs: bool = Field(default=False, validation_alias="DOST_API_DOCS")
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's
    # forwarded_allow_ips: "10.0.0.1,10.0.0.2", a CIDR, or "*"). Empty: none, not even loopback
    # — the per-address rate limits then count the connecting address itself.
    forwarded_allow_ips: str = Field(default="", validation_alias="FORWARDED_ALLOW_IPS")

    @field_validator("ivr_simulator", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def reminder_offsets(self) -> list[int]:
        return sorted({int(h) for h in self.reminder_hours.split(",") if h.strip()}, reverse=True)

    @property
    def whatsapp_template_ids(self) -> dict[str, str]:
        return _pairs(self.whatsapp_templates, ",")

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def _pairs(spec: str, separator: str) -> dict[str, str]:
    """ "a=1,b=2" → {"a": "1", "b": "2"}."""
    pairs = (item.partition("=") for item in spec.split(separator) if item.strip())
    return {name.strip(): value.strip() for name, _, value in pairs}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
