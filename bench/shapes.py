"""Deterministic thread shapes (BENCH.md "Thread shapes"), standard library only.

Both Haven's seeder and Isso's (run by Isso's own interpreter) import this, so
the two sites hold the same comments in the same tree.
"""

# ruff: noqa: S311 (a fixed pseudo-random seed is the point: same N, same data)

import random
from dataclasses import dataclass

SEED = 20261124
SIZES = (10, 200, 2000, 20000)
TOP_LEVEL_SHARE = 0.4
MAX_DEPTH = 5
EMAIL_SHARE = 0.7
BODY_MIN, BODY_MAX = 100, 600
# Shapes are spaced one minute apart from here: fixed, so the data never depends on "now".
START_TIMESTAMP = 1_767_225_600  # 2026-01-01T00:00:00Z

_WORDS = [
    "fatigue",
    "walking",
    "stick",
    "physio",
    "morning",
    "heat",
    "relapse",
    "nurse",
    "clinic",
    "scan",
    "appointment",
    "cooling",
    "vest",
    "baclofen",
    "stretch",
    "evening",
    "balance",
    "numbness",
    "tingling",
    "energy",
    "pacing",
    "garden",
    "dog",
    "family",
    "work",
    "rest",
    "sleep",
    "tablets",
    "injection",
    "infusion",
    "neurologist",
    "diary",
    "symptoms",
    "bladder",
    "eyesight",
    "optic",
    "tremor",
    "cramps",
    "weather",
    "summer",
    "winter",
    "holiday",
    "stairs",
    "kitchen",
    "shower",
    "chair",
    "tired",
    "better",
    "worse",
    "slowly",
    "gently",
    "honestly",
    "really",
    "always",
    "sometimes",
    "never",
    "usually",
    "helped",
    "found",
    "tried",
    "started",
    "stopped",
    "noticed",
    "asked",
    "told",
    "learned",
    "shared",
    "remember",
    "hope",
    "thanks",
    "friend",
    "carer",
    "partner",
    "group",
]
_NAMES = [
    "Maggie",
    "Tom",
    "Priya",
    "Dave",
    "Lena",
    "Kwame",
    "Ruth",
    "Sam",
    "Aisha",
    "Ben",
    "Carla",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Keiko",
    "Liam",
    "Mara",
    "Noor",
    "Oskar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Xia",
    "Yusuf",
    "Zoe",
]
_CODE_LINES = (
    "morning: 10mg",
    "evening: stretch 15 min",
    "walk = 20  # minutes",
    "rest -> 30 min",
    "water: 2 litres",
)


@dataclass(frozen=True)
class Author:
    index: int
    username: str
    display_name: str
    email: str | None  # about 70 % give one (Isso's optional field)


@dataclass(frozen=True)
class ShapeComment:
    index: int
    parent: int | None  # index of an earlier comment, None for top level
    depth: int  # 1 = top level
    author: int  # index into the author pool
    body: str  # Markdown, 100-600 characters
    created: int  # Unix seconds, increasing with index


def author_pool_size(n: int) -> int:
    return max(5, n // 5)


def author(index: int) -> Author:
    """Author ``index`` of the shared pool (the same person in every thread)."""
    rng = random.Random(f"{SEED}-author-{index}")
    first = _NAMES[index % len(_NAMES)]
    username = f"bench_{index:05d}"
    email = f"{username}@example.org" if rng.random() < EMAIL_SHARE else None
    return Author(index, username, f"{first} {index}", email)


def thread(n: int, seed: int = SEED) -> list[ShapeComment]:
    """N comments in creation order: round(0.4 N) top level (comment 0 always is),
    every other one a reply to a uniformly random earlier comment of depth < 5."""
    rng = random.Random(f"{seed}-thread-{n}")
    top_count = max(1, round(TOP_LEVEL_SHARE * n))
    top = {0, *rng.sample(range(1, n), top_count - 1)}
    pool = author_pool_size(n)
    comments: list[ShapeComment] = []
    can_take_replies: list[int] = []
    for i in range(n):
        if i in top:
            parent, depth = None, 1
        else:
            parent = rng.choice(can_take_replies)
            depth = comments[parent].depth + 1
        if depth < MAX_DEPTH:
            can_take_replies.append(i)
        comments.append(
            ShapeComment(
                index=i,
                parent=parent,
                depth=depth,
                author=rng.randrange(pool),
                body=markdown_body(rng),
                created=START_TIMESTAMP + 60 * i,
            )
        )
    return comments


def _phrase(rng: random.Random, budget: int) -> str:
    """Words, some with inline markup, up to ``budget`` characters."""
    out: list[str] = []
    used = 0
    while True:
        word = rng.choice(_WORDS)
        roll = rng.random()
        if roll < 0.05:
            word = f"*{word}*"
        elif roll < 0.08:
            word = f"**{word}**"
        elif roll < 0.10:
            word = f"`{word}`"
        elif roll < 0.12:
            word = f"[{word}](https://example.org/{rng.choice(_WORDS)})"
        if used + len(word) + 1 > budget:
            break
        out.append(word)
        used += len(word) + 1
    text = " ".join(out)
    return text[:1].upper() + text[1:] + "." if text else ""


def _block(rng: random.Random, budget: int) -> str:
    roll = rng.random()
    if roll < 0.03 and budget > 60:
        lines = rng.sample(_CODE_LINES, rng.randint(1, 3))
        code = "\n".join(lines)
        return f"```\n{code}\n```"
    if roll < 0.15:
        return "> " + _phrase(rng, budget - 3)
    if roll < 0.27 and budget > 40:
        items, used = [], 0
        for _ in range(rng.randint(2, 4)):
            item = "- " + _phrase(rng, min(60, budget - used - 1))
            if len(item) <= 3 or used + len(item) + 1 > budget:
                break
            items.append(item)
            used += len(item) + 1
        return "\n".join(items)
    return _phrase(rng, budget)


def markdown_body(rng: random.Random) -> str:
    """100 to 600 characters of Markdown: paragraphs, emphasis, inline code, links,
    quotes, lists and an occasional fenced code block."""
    target = rng.randint(BODY_MIN, BODY_MAX)
    blocks: list[str] = []
    length = 0
    while length < BODY_MIN or (length < target and target - length > 30):
        budget = min(target - length - 2, rng.randint(60, 260))
        if budget < 25:
            budget = BODY_MIN - length + 25 if length < BODY_MIN else 0
        if budget <= 0:
            break
        block = _block(rng, budget)
        if not block.strip():
            continue
        blocks.append(block)
        length = len("\n\n".join(blocks))
    body = "\n\n".join(blocks)
    return body[:BODY_MAX]


def check(n: int) -> dict[int, int]:
    """Comments per depth, for the seeder's summary line."""
    depths: dict[int, int] = {}
    for comment in thread(n):
        depths[comment.depth] = depths.get(comment.depth, 0) + 1
    return dict(sorted(depths.items()))
