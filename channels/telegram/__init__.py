"""The Telegram channel (aiogram 3): webhook and polling, rendering, identity, rate limits.

Modules: `webhook` (the FastAPI route), `channel` (updates → engine → replies), `handlers` (the
aiogram router), `render` (Outbound → messages), `sender` (sending, limits, errors),
`ratelimit`, `callback_data`, `chat_state`, `keys` (the names of its records, which the core's
channel state keeps), `texts` (the `telegram` section of bot/catalog.yaml). Who is behind a
chat, whether it can be reached and whether it opted out live in the core's citizen registry
(`bot.people`).
Only `webhook` is imported by the app factory; aiogram loads when the channel is on.
"""
