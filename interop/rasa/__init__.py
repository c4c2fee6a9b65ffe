"""Rasa interoperability: a Rasa 3.1 project exported from the knowledge base (`export`), a Rasa
NLU server as the assistant's NLU (`nlu_backend`), a rasa-sdk action server (`actions`, the
optional `rasa` extra) and the tracker calls that pause and resume a Rasa conversation around
a live operator (`tracker`). Rasa 3 itself does not install on Python 3.11: its file formats and
HTTP protocols are the interface. See docs/rasa.md.
"""
