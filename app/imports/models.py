"""Where imported rows came from, so that importing again updates them."""

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class ImportSource(Base):
    """One imported thing: its id in the source (``source`` names the site,
    e.g. "wordpress:https://example.org" or "disqus:myforum"; ``kind`` is
    article, comment, user or tag) and the row it became here."""

    __tablename__ = "import_source"
    __table_args__ = (UniqueConstraint("source", "kind", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(200))
    # No foreign key: the target's table depends on ``kind``. A target deleted
    # since is imported again.
    target_id: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
