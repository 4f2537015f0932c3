"""HTML pages for moderators: the queue, decisions, closing and locking, the log."""

from fastapi import APIRouter

router = APIRouter()
