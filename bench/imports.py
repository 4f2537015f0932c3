"""Large WordPress and Disqus exports, and the memory an import of one takes.

    python bench/imports.py wordpress FILE.xml [POSTS] [COMMENTS_PER_POST]
    python bench/imports.py disqus FILE.xml [THREADS] [POSTS_PER_THREAD]
    python bench/imports.py import FILE.xml   # into DATABASE_URL (a scratch one!)

``wordpress`` streams a WXR file of POSTS posts (default 1000) with
COMMENTS_PER_POST comments each (default 60, replies three deep, every
status): about 60 MB. ``disqus`` writes the same shape as a Disqus export,
for articles "bench-post-N" (import the WXR first so that they exist).
``import`` runs the import the file's kind needs in this process and prints
the time and the peak resident memory (ru_maxrss).
"""

# ruff: noqa: T201 (console output is the interface)

import resource
import sys
import time
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench</title>
<wp:base_site_url>https://bench.example.org</wp:base_site_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login>bench</wp:author_login>
<wp:author_email>bench@bench.example.org</wp:author_email>
<wp:author_display_name>Bench Writer</wp:author_display_name></wp:author>
"""
STATUSES = ("1", "1", "1", "1", "0", "spam", "trash")
TEXT = (
    "Stretching every morning eases the stiffness, and a cool room helps. "
    "<a href='https://example.org/more'>More</a> <em>really</em>.\n\n"
) * 4


def _comment(out: TextIO, post: int, n: int) -> None:
    cid = post * 1000 + n
    parent = 0 if n % 4 == 0 else cid - 1  # chains of four: three deep
    out.write(
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author><![CDATA[Reader {n}]]></wp:comment_author>"
        f"<wp:comment_author_email>reader{n}@private.example</wp:comment_author_email>"
        f"<wp:comment_date_gmt>2024-01-0{1 + n % 9} 10:{n % 60:02d}:00"
        "</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[{TEXT}Comment {cid}.]]></wp:comment_content>"
        f"<wp:comment_approved>{STATUSES[n % len(STATUSES)]}</wp:comment_approved>"
        f"<wp:comment_type>comment</wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
    )


def write(path: Path, posts: int, comments: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for post in range(1, posts + 1):
            out.write(
                f"<item><title>Post {post}</title><dc:creator>bench</dc:creator>"
                f"<content:encoded><![CDATA[{TEXT * 3}]]></content:encoded>"
                f"<wp:post_id>{post}</wp:post_id>"
                "<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>"
                "<wp:comment_status>open</wp:comment_status>"
                f"<wp:post_name>bench-post-{post}</wp:post_name>"
                "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                '<category domain="post_tag" nicename="bench">Bench</category>\n'
            )
            for n in range(comments):
                _comment(out, post, n)
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")


def write_disqus(path: Path, threads: int, posts: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com"'
            ' xmlns:dsq="http://disqus.com/disqus-internals">\n'
        )
        for n in range(1, threads + 1):
            out.write(
                f'<thread dsq:id="{n}"><forum>bench</forum>'
                f"<link>https://old.example.org/bench-post-{n}/</link>"
                f"<title>Post {n}</title><isClosed>false</isClosed></thread>\n"
            )
        for n in range(1, threads + 1):
            for i in range(posts):
                pid = n * 1000 + i
                parent = "" if i % 4 == 0 else f'<parent dsq:id="{pid - 1}"/>'
                out.write(
                    f'<post dsq:id="{pid}"><message><![CDATA[{TEXT}]]></message>'
                    f"<createdAt>2021-05-02T08:{i % 60:02d}:00Z</createdAt>"
                    f"<isDeleted>false</isDeleted><isSpam>{i % 7 == 5}</isSpam>"
                    f"<author><email>reader{i}@private.example</email>"
                    f"<name>Reader {i}</name></author>"
                    f'<thread dsq:id="{n}"/>{parent}</post>\n'
                )
        out.write("</disqus>\n")
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")


def run_import(path: Path) -> None:
    from app.config import get_settings
    from app.db import session_scope
    from app.imports.disqus import import_disqus
    from app.imports.wordpress import import_wordpress

    with path.open("rb") as file:
        disqus = b"<disqus" in file.read(400)
    start = time.perf_counter()
    with session_scope(get_settings()) as session:
        report = (import_disqus if disqus else import_wordpress)(session, path)
    seconds = time.perf_counter() - start
    print("\n".join(report.lines()))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = path.stat().st_size / 1e6
    print(f"{size:.1f} MB in {seconds:.1f} s; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    command, file = sys.argv[1], Path(sys.argv[2])
    numbers = [int(a) for a in sys.argv[3:5]]
    if command == "wordpress":
        write(file, *(numbers + [1000, 60][len(numbers) :]))
    elif command == "disqus":
        write_disqus(file, *(numbers + [1000, 60][len(numbers) :]))
    else:
        run_import(file)
