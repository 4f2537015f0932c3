"""The posting limit: how many comments one account (or, for guests, one address)
may post in a while, counted the same for the HTML form and the JSON API."""

from dataclasses import dataclass

from app.accounts.models import User
from app.config import Settings
from app.errors import RateLimited
from app.ratelimit import Limit, RateLimiter, describe_wait


def post_limit(settings: Settings) -> Limit:
    return Limit.parse("post", settings.post_rate_limit)


@dataclass(frozen=True)
class PostAllowance:
    """Where a new comment's allowance is counted: the limiter, the limit and the
    poster's address (guests are counted per address). post_comment() takes one."""

    limiter: RateLimiter
    limit: Limit
    client_ip: str

    def take(self, *, actor: User | None) -> None:
        count_post(self.limiter, self.limit, actor=actor, client_ip=self.client_ip)


def count_post(
    limiter: RateLimiter, limit: Limit, *, actor: User | None, client_ip: str
) -> None:
    """Count one comment against its poster's allowance (per account, per address for
    guests), raising RateLimited past it. Moderators and admins are not limited."""
    if actor is not None and actor.is_moderator:
        return
    key = f"user:{actor.id}" if actor is not None else f"ip:{client_ip}"
    try:
        limiter.consume(limit, key, message="")
    except RateLimited as exc:
        raise RateLimited(
            "You have posted several comments in a short time. "
            f"Please wait about {describe_wait(exc.retry_after)} before posting again.",
            retry_after=exc.retry_after,
        ) from None
