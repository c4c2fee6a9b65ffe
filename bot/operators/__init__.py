"""Live operators: accounts, working hours, the hand-off queue with atomic assignment, the live
relay between a citizen and an operator, and what the console needs (sessions, audit log, canned
responses). Core code: no channel is imported here."""
