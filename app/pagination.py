"""One page of a longer list, shared by services, templates and the API."""

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query

T = TypeVar("T")

# Past the last page a list is simply empty; the cap keeps OFFSET in range.
MAX_PAGE = 1_000_000
PageNumber = Annotated[
    int, Query(ge=1, le=MAX_PAGE, description="Page number, counting from 1")
]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def offset_for(page: int, per_page: int) -> int:
    return (page - 1) * per_page
