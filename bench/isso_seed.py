"""Seed Isso's database with the shared thread shapes, through Isso's own db module.

Run by bench/seed.py with Isso's interpreter (bench/.venv-isso):
    python bench/isso_seed.py DB_PATH SIZE [SIZE ...]
Comments.add() flattens replies to their top-level ancestor, as POST /new does.
The last line printed is JSON: the ids of the write thread (/article-write).
"""

# ruff: noqa: T201 (console output is the interface)

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from isso import config
from isso.db import SQLite3

from bench import shapes

WRITE_URI = "/article-write"


def isso_uri(n: int) -> str:
    return f"/article-{n}"


def seed(db: SQLite3, uri: str, n: int) -> list[int]:
    db.threads.new(uri, f"Thread of {n}")
    ids: list[int] = []
    step = max(1, n // 10)
    for c in shapes.thread(n):
        person = shapes.author(c.author)
        row = db.comments.add(
            uri,
            {
                "text": c.body,
                "author": person.display_name,
                "email": person.email,
                "website": None,
                "parent": ids[c.parent] if c.parent is not None else None,
                "mode": 1,
                "remote_addr": "127.0.0.1",
                "created": float(c.created),
                "notification": 0,
            },
        )
        ids.append(row["id"])
        if len(ids) % step == 0:
            print(f"  isso {uri}: {len(ids)}/{n}", flush=True)
    return ids


def main() -> None:
    path = Path(sys.argv[1])
    path.unlink(missing_ok=True)
    conf = config.load(config.default_file())
    db = SQLite3(str(path), conf)
    for n in map(int, sys.argv[2:]):
        seed(db, isso_uri(n), n)
    write_ids = seed(db, WRITE_URI, 200)
    print(json.dumps({"write_ids": write_ids}))


if __name__ == "__main__":
    main()
