#!/usr/bin/env python3
"""Makes src/profile/inputs/shakespeare.txt, the corpus synthetic prompts are cut from.

Source: Shakespeare's plays (public domain) as collected in karpathy/char-rnn,
data/tinyshakespeare/input.txt (git blob 7dcb3a2d4cc3b48b6283dd46870bfeb78f88aac9, 1115394 bytes):

    git -C char-rnn show 6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e:data/tinyshakespeare/input.txt \
        | python3 scripts/make-corpus.py > src/profile/inputs/shakespeare.txt

Punctuation is deleted (as in the corpus AIPerf 0.13 ships, so that the characters per token are
alike), spaces are collapsed, and blank lines dropped; one line of verse per line.
"""
import re
import sys

for line in sys.stdin.read().splitlines():
    words = " ".join(re.sub(r"[^A-Za-z0-9 ]+", "", line).split())
    if words:
        print(words)
