"""Interoperability with other assistant stacks, kept at the edge: the core never imports it."""
