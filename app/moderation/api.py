"""JSON API for moderators (/api/v1/moderation, closing and locking)."""

from fastapi import APIRouter

router = APIRouter(tags=["moderation"])
