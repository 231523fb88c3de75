"""What crosses the sandbox's boundary, shared by both sides: the plain-data format (plain) and the framed
messages that carry it (channel).

Trusts nothing it reads: every frame has a size cap and a deadline, every value a size and depth cap, and
decoding builds only the types plain.py lists. Imports nothing else of the course, so either side can use it
without pulling in the other.
"""
