"""Quiet hours: the hours of the night when messages we send first wait (`DOST_QUIET_HOURS`,
"21:00-09:00" Asia/Baku by default; an empty value means none). A window may cross midnight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.clock import as_baku


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, spec: str | None) -> QuietHours | None:
        """ "21:00-09:00" → the window; "" or None → no quiet hours."""
        if not spec or not spec.strip():
            return None
        try:
            start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
        except ValueError as exc:
            raise ValueError(f"quiet hours must look like 21:00-09:00, not {spec!r}") from exc
        if start == end:
            raise ValueError("quiet hours must start and end at different times")
        return cls(start, end)

    def contains(self, moment: datetime) -> bool:
        now = as_baku(moment).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def end_after(self, moment: datetime) -> datetime:
        """When the quiet window `moment` falls in ends (Baku time)."""
        local = as_baku(moment)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > local else end + timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
