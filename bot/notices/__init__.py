"""Proactive notices: DOST's back office tells the assistant of a commission date, a decision, a
monitoring visit or an application's status, and the assistant gets it to the citizen — on the
channel they use, at a decent hour, once — and answers questions about it afterwards.

- `events`: what the back office sends (the API's and the CSV import's models).
- `policy`: per event type, the channels in order, whether it must be acknowledged, its lane.
- `texts`: a notice in words, per channel (the catalog's `notice:` section).
- `records`: the notification records, their status and the facts a conversation can tell.
- `intake`: an event accepted → notifications recorded and queued (idempotent).
- `job`: the arq job that sends one notification through Delivery (`bot.delivery`).
- `callbacks`: signed status callbacks to the integrator.
- `testmode`: what an API key of kind `test` gets instead of real sending.
"""
