"""Crisis language: a comment that may come from someone in danger.

At submit time its author is shown where to find help at once, even though the
comment waits; it is held for a moderator whoever wrote it, marked urgent, and
the moderators are mailed. The phrases are matched with the word lists'
normalisation (app.moderation.rules.fold: one case, no accents or invisible
marks, any spacing), as whole words, and written to catch what people in
crisis say without catching how people with MS talk about hard days ("this
fatigue is killing me", "I could have died laughing").
"""

from dataclasses import dataclass

from app.moderation.rules import find_words

# Haven's defaults (issue #15); admins will edit them in the site settings.
DEFAULT_PHRASES: tuple[str, ...] = (
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "end my own life",
    "take my own life",
    "taking my own life",
    "take my life",
    "end it all",
    "ending it all",
    "want to die",
    "wanna die",
    "wish i was dead",
    "wish i were dead",
    "wish i wasn't alive",
    "better off dead",
    "better off without me",
    # Not "don't want to live" alone: "...in a house with stairs".
    "don't want to live anymore",
    "dont want to live anymore",
    "don't want to live any more",
    "don't want to live like this",
    "dont want to live like this",
    "do not want to live like this",
    "do not want to live anymore",
    "don't want to be alive",
    "dont want to be alive",
    "don't want to be here anymore",
    "dont want to be here anymore",
    "don't want to wake up",
    "dont want to wake up",
    "don't want to go on",
    "dont want to go on",
    "can't go on anymore",
    "cant go on anymore",
    "can't go on like this",
    "cant go on like this",
    "cannot go on like this",
    "can't go on living",
    "no reason to live",
    "nothing to live for",
    "not worth living",
    "no point in living",
    "no point going on",
    "give up on life",
    "giving up on life",
    "self harm",
    "self-harm",
    "self harming",
    "self-harming",
    "harm myself",
    "harming myself",
    "hurt myself",
    "hurting myself",
    "cut myself",
    "cutting myself",
    "take an overdose",
    "taking an overdose",
    "took an overdose",
    "overdose on purpose",
    "saving up my pills",
    "stockpiling my pills",
    "say goodbye to everyone",
)

SUPPORT_MESSAGE = (
    "Thank you for telling us how you feel. You are not alone, and you don't "
    "have to wait for a moderator to get support: the people below are there "
    "to listen, day and night. If you are in danger now, please call your local "
    "emergency number."
)


@dataclass(frozen=True)
class Resource:
    name: str
    contact: str
    country: str


DEFAULT_RESOURCES: tuple[Resource, ...] = (
    Resource("Emergency services", "999 or 112", "United Kingdom"),
    Resource(
        "Samaritans", "Call 116 123, free, any time", "United Kingdom and Ireland"
    ),
    Resource("Shout", "Text SHOUT to 85258", "United Kingdom"),
    Resource("988 Suicide & Crisis Lifeline", "Call or text 988", "United States"),
    Resource("Emergency services", "911", "United States and Canada"),
    Resource(
        "Find a helpline",
        "https://findahelpline.com lists free services in other countries",
        "Everywhere",
    ),
)


@dataclass(frozen=True)
class Support:
    """What an author in possible crisis is shown when their comment is taken."""

    message: str
    resources: tuple[Resource, ...]


def find_crisis_language(
    body: str, phrases: tuple[str, ...] = DEFAULT_PHRASES
) -> list[str]:
    """The crisis phrases in a comment's text (curly apostrophes count as straight)."""
    return find_words(phrases, body.replace("\u2019", "'"))


def support_for(body: str) -> Support | None:
    """The support to show the author of ``body``, or None when it needs none."""
    if not find_crisis_language(body):
        return None
    return Support(SUPPORT_MESSAGE, DEFAULT_RESOURCES)
