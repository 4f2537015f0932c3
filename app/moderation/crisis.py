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

from app.moderation.crisis_defaults import DEFAULT_PHRASES
from app.moderation.policy import Policy
from app.moderation.rules import find_words

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


def resources(policy: Policy) -> tuple[Resource, ...]:
    """The helplines the site's settings list ("name | contact | country" lines)."""
    found = []
    for line in policy.crisis_resources:
        parts = [part.strip() for part in line.split("|")]
        if len(parts) >= 2 and parts[0] and parts[1]:
            found.append(
                Resource(parts[0], parts[1], parts[2] if len(parts) > 2 else "")
            )
    return tuple(found)


def support_for(body: str, policy: Policy) -> Support | None:
    """The support to show the author of ``body``, or None when it needs none."""
    if not find_crisis_language(body, policy.crisis_words):
        return None
    return Support(SUPPORT_MESSAGE, resources(policy))
