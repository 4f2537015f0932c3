"""Run the benchmark of BENCH.md: Haven, its peer Isso and the "limit" app, side by side.

    python -m bench.run            # the full run (3 repetitions, 10 s / 30 s per case)
    python -m bench.run --quick    # a smoke run: N = 10 and 200, 1 repetition of 2 s

Servers run pinned to core 1 (one worker each), wrk with one thread on core 0.
Then, when PostgreSQL answers, the same Haven cases again on PostgreSQL with two
workers sharing Redis. Results: Markdown tables and the issue's targets on the
console and in bench/results/YYYY-MM-DD.md.
"""

# ruff: noqa: T201, S603, S607, S310, S311 (a console tool driving local processes over loopback)

import argparse
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import shapes

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
HAVEN_BIN = ROOT / ".venv" / "bin"
ISSO_VENV = BENCH_DIR / ".venv-isso"
LIMIT_VENV = BENCH_DIR / ".venv-limit"
RESULTS_DIR = BENCH_DIR / "results"
SERVER_CORE, CLIENT_CORE = "1", "0"
HOST = "127.0.0.1"
PORTS = {
    "haven": 18001,
    "haven-queue": 18002,
    "isso": 18003,
    "limit": 18004,
    "haven-pg": 18005,
    "haven-pg-queue": 18006,
}
# The PostgreSQL run: dedicated databases (dropped and seeded again by --seed),
# two workers, and Redis (this database of it is flushed before the run).
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/haven_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
PG_WORKERS = 2
QUEUE_PATHS = ("/moderation", "/moderation/queue", "/moderation/queue/pending")
# Another process using this share of a core during a run marks it disturbed.
DISTURBED = 0.10
# A request slower than this (seconds) makes its case a "large" one (longer runs).
SLOW_REQUEST = 0.25
HZ = os.sysconf("SC_CLK_TCK")


def say(text: str = "") -> None:
    print(text, flush=True)


# --- setup -------------------------------------------------------------------


def ensure_tools() -> None:
    """wrk from Debian, and the two reference venvs (Isso 0.14 + gunicorn; uvicorn[standard])."""
    if shutil.which("wrk") is None:
        say("installing wrk (Debian package)...")
        subprocess.run(
            [
                "apt-get",
                "-o",
                "DPkg::Lock::Timeout=600",
                "install",
                "-y",
                "--no-install-recommends",
                "wrk",
            ],
            check=True,
        )
    for venv, packages in (
        (ISSO_VENV, ["isso==0.14.*", "gunicorn"]),
        (LIMIT_VENV, ["uvicorn[standard]"]),
    ):
        if not (venv / "bin" / "python").exists():
            say(f"creating {venv.name} with {' '.join(packages)}...")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", *packages], check=True
            )


# --- processes and /proc -------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(p) for p in text.split()]
    return kids + [k for kid in kids for k in _children(kid)]


def tree_cpu(pid: int) -> int:
    """utime + stime (ticks) of a process and its live descendants."""
    total = 0
    for p in (pid, *_children(pid)):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def tree_rss_kb(pid: int) -> int:
    total = 0
    for p in (pid, *_children(pid)):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+)", status)
        total += int(match.group(1)) if match else 0
    return total


def core_busy() -> dict[str, int]:
    """Busy ticks per core (user, nice, system, irq, softirq, steal)."""
    busy = {}
    for line in Path("/proc/stat").read_text().splitlines():
        if re.match(r"cpu\d", line):
            name, *v = line.split()
            n = [int(x) for x in v]
            busy[name[3:]] = n[0] + n[1] + n[2] + n[5] + n[6] + n[7]
    return busy


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    probe: str
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{PORTS[self.name]}"

    def start(self, log_dir: Path) -> None:
        log = (log_dir / f"{self.name}.log").open("wb")
        self.proc = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, *self.command],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {log.name}")
            try:
                urllib.request.urlopen(self.url + self.probe, timeout=5).read()
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer within 90 s")

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)  # our own process group, started above
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def settle(self, limit: float = 180.0) -> None:
        """Wait until the server stops using CPU (requests left over from wrk)."""
        deadline = time.monotonic() + limit
        last = tree_cpu(self.pid)
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = tree_cpu(self.pid)
            if now - last <= 1:
                return
            last = now


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()


def snapshot(rev: str, data_dir: Path) -> tuple[Path, str]:
    """Haven's code at ``rev``, exported once: others may be editing the work tree
    (Jinja reloads changed templates), so the servers never run from it."""
    sha = git("rev-parse", rev)
    where = data_dir / "src" / sha[:12]
    if not (where / "app").is_dir():
        where.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            [
                "git",
                "archive",
                "--format=tar",
                sha,
                "app",
                "templates",
                "static",
                "migrations",
                "alembic.ini",
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(where, filter="data")
    return where, git("log", "-1", "--format=%h %ad %s", "--date=iso", sha)


def haven_python(src: Path, *args: str, env: dict[str, str] | None = None) -> None:
    """Run Haven's interpreter on the snapshot (PYTHONPATH beats the editable install)."""
    subprocess.run(
        [str(HAVEN_BIN / "python"), *args],
        check=True,
        cwd=src,  # sys.path[0] is the cwd for -m and -c
        env={**os.environ, **(env or {}), "PYTHONPATH": f"{src}:{ROOT}"},
    )


def upgrade_schema(src: Path, url: str) -> None:
    """Bring a seeded database to the snapshot's migrations (new indexes, columns)."""
    code = (  # app.migrate was app.schema in snapshots before 2026-12-06
        "import sys\n"
        "try:\n    from app import migrate\n"
        "except ImportError:\n    from app import schema as migrate\n"
        "from app.config import Settings\n"
        "migrate.upgrade(Settings(database_url=sys.argv[1], secret_key='x' * 40))"
    )
    haven_python(src, "-c", code, url)


def haven_server(
    name: str,
    url: str,
    fx: dict[str, Any],
    data_dir: Path,
    src: Path,
    *,
    workers: int = 1,
    redis_url: str = "",
) -> Server:
    """Haven as `haven serve` runs it in production (uvicorn picks uvloop and
    httptools when installed), without the access log: no server here logs
    requests. --app-dir: uvicorn puts it first on sys.path (by default the cwd,
    the work tree)."""
    command = [str(HAVEN_BIN / "uvicorn"), "app.main:create_app", "--factory"]
    command += ["--app-dir", str(src)]
    command += ["--host", HOST, "--workers", str(workers), "--no-access-log"]
    command += ["--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]
    env = {
        "PYTHONPATH": str(src),
        "HAVEN_ENV": "production",
        "DATABASE_URL": url,
        "HAVEN_DATA_DIR": str(data_dir / "haven"),
        "HAVEN_SECRET_KEY": fx["secret_key"],
        # A load test posts far faster than people may: posting limits off.
        "HAVEN_POST_RATE_LIMIT": "",
        "REDIS_URL": redis_url,
    }
    return Server(name, [*command, "--port", str(PORTS[name])], env, "/healthz")


def make_servers(fx: dict[str, Any], data_dir: Path, src: Path) -> dict[str, Server]:
    isso_cfg = data_dir / "isso.cfg"
    isso_cfg.write_text(
        "[general]\n"
        f"dbpath = {data_dir / 'isso.db'}\n"
        f"host = http://{HOST}:{PORTS['isso']}/\n"
        "notify = stdout\n"
        "[moderation]\nenabled = false\n"
        "[guard]\nenabled = false\n"
    )
    return {
        "haven": haven_server("haven", fx["threads_url"], fx, data_dir, src),
        "haven-queue": haven_server("haven-queue", fx["queue_url"], fx, data_dir, src),
        "isso": Server(
            "isso",
            [
                str(ISSO_VENV / "bin" / "gunicorn"),
                "-w",
                "1",
                "-k",
                "sync",
                "--timeout",
                "600",
                "-b",
                f"{HOST}:{PORTS['isso']}",
                "isso.run",
            ],
            {"ISSO_SETTINGS": str(isso_cfg)},
            "/config",
        ),
        "limit": Server(
            "limit",
            [
                str(LIMIT_VENV / "bin" / "uvicorn"),
                "bench.limit_app:app",
                "--host",
                HOST,
                "--port",
                str(PORTS["limit"]),
                "--no-access-log",
                "--log-level",
                "warning",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
            ],
            {"PYTHONPATH": str(ROOT)},
            "/bytes/2",
        ),
    }


# --- cases ---------------------------------------------------------------------


@dataclass
class Case:
    name: str  # e.g. "api 200"
    server: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    lua: Path | None = None
    concurrency: tuple[int, ...] = (1, 10)
    large: bool = False
    body_bytes: int = 0
    isso_peer: str | None = None  # the Isso case this one is compared with
    note: str = ""
    # The limit case of the same body size (by default "limit <name>").
    limit_peer: str | None = None
    # For writes: how many comments the database holds now (checked after runs).
    committed: Callable[[], int] | None = None

    @property
    def limit(self) -> str:
        return self.limit_peer or f"limit {self.name}"


def http(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=data, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def writer_token(server: Server, fx: dict[str, Any]) -> str:
    """A bearer token the real way: POST /api/v1/auth/token."""
    form = urllib.parse.urlencode(
        {"username": "bench_writer", "password": fx["password"]}
    )
    status, body = http(
        server.url + "/api/v1/auth/token",
        method="POST",
        data=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        raise RuntimeError(f"token: {status} {body[:200]!r}")
    token: str = json.loads(body)["access_token"]
    return token


def post_script(
    path: Path, *, isso: bool, parent_ids: list[int], headers: dict[str, str]
) -> Path:
    """A wrk Lua script: 40 % top-level comments, 60 % replies to a random seeded one."""
    rng = random.Random(f"{shapes.SEED}-posts")
    bodies = [json.dumps(shapes.markdown_body(rng)) for _ in range(64)]
    text_key, parent_key = ("text", "parent") if isso else ("body", "parent_id")
    extra = ',"author":"Bench Poster","email":"poster@example.org"' if isso else ""
    lua = ["math.randomseed(20261124)", "local bodies = {"]
    lua += [f"  [==[{b}]==]," for b in bodies]
    lua += ["}", "local parents = {" + ",".join(map(str, parent_ids)) + "}"]
    lua += ["local headers = {"]
    lua += [f'  ["{k}"] = [==[{v}]==],' for k, v in headers.items()]
    lua += ["}"]
    lua += [
        # Each body gets a tail no other request has (Haven refuses an author's
        # repeated comment with 409), unique across repetitions too.
        "local run, sent = os.time(), 0",
        "request = function()",
        "  sent = sent + 1",
        "  local tail = ' (' .. run .. '-' .. sent .. ')\"'",
        "  local body = bodies[math.random(#bodies)]:sub(1, -2) .. tail",
        f"  local json = '{{\"{text_key}\":' .. body .. '{extra}'",
        f"  if math.random() >= {shapes.TOP_LEVEL_SHARE} then",
        f"    json = json .. ',\"{parent_key}\":' .. parents[math.random(#parents)]",
        "  end",
        "  return wrk.format('POST', nil, headers, json .. '}')",
        "end",
    ]
    # done() prints the latency percentiles the report needs.
    path.write_text("\n".join(lua) + "\n" + (BENCH_DIR / "latency.lua").read_text())
    return path


def comment_counter(url: str, slug: str) -> Callable[[], int]:
    """Counts the comments stored under an article, straight from the database:
    every post Haven accepted must be there after the run."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    query = text(
        "SELECT count(*) FROM comment JOIN article ON article.id = comment.article_id"
        " WHERE article.slug = :slug"
    )

    def count() -> int:
        with engine.connect() as connection:
            return int(connection.scalar(query, {"slug": slug}) or 0)

    return count


def build_cases(
    fx: dict[str, Any], servers: dict[str, Server], data_dir: Path, quick: bool
) -> tuple[list[Case], list[str]]:
    notes: list[str] = []
    sizes = [n for n in fx["sizes"] if not quick or n <= 200]
    isso_sizes = [n for n in fx["isso_sizes"] if n in sizes]
    cases: list[Case] = []
    for n in sizes:
        peer = f"isso read {n}" if n in isso_sizes else None
        slug = f"thread-{n}"
        cases.append(
            Case(
                f"api {n}",
                "haven",
                f"/api/v1/articles/{slug}/comments",
                large=n >= 20000,
                isso_peer=peer,
            )
        )
        cases.append(
            Case(
                f"html {n}",
                "haven",
                f"/articles/{slug}",
                large=n >= 20000,
                isso_peer=peer,
            )
        )
    cases.append(Case("home", "haven", "/"))
    # A signed-in member (who wrote none of it) reads the 200-comment article.
    member = {"Cookie": f"haven_session={fx['member_cookie']}"}
    if 200 in sizes:
        cases.append(
            Case("member 200", "haven", "/articles/thread-200", headers=member)
        )

    queue = servers["haven-queue"]
    cookie = {"Cookie": f"haven_session={fx['moderator_cookie']}"}
    queue_path = next(
        (p for p in QUEUE_PATHS if http(queue.url + p, headers=cookie)[0] == 200), None
    )
    if queue_path:
        cases.append(Case("queue", "haven-queue", queue_path, headers=cookie))
    else:
        notes.append(
            f"moderation queue page: not measured; no page answers 200 at {', '.join(QUEUE_PATHS)} "
            "for a signed-in moderator (app/moderation/views.py has no routes yet)."
        )

    token = writer_token(servers["haven"], fx)
    haven_headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
    }
    write_path = f"/api/v1/articles/{fx['write_slug']}/comments"
    haven_lua = post_script(
        data_dir / "post-haven.lua",
        isso=False,
        parent_ids=fx["write_ids"],
        headers=haven_headers,
    )
    isso_write = "isso post" if fx["isso_write_ids"] else None
    cases.append(
        Case(
            "post",
            "haven",
            write_path,
            "POST",
            haven_headers,
            haven_lua,
            isso_peer=isso_write,
            committed=comment_counter(fx["threads_url"], fx["write_slug"]),
        )
    )

    for n in isso_sizes:
        slow = n >= 2000
        cases.append(
            Case(
                f"isso read {n}",
                "isso",
                f"/?uri=%2Farticle-{n}",
                concurrency=(1,) if slow else (1, 10),
                large=slow,
                note="C=1 only: one sync worker takes ~10 s a request" if slow else "",
            )
        )
    if isso_write:
        isso_lua = post_script(
            data_dir / "post-isso.lua",
            isso=True,
            parent_ids=fx["isso_write_ids"],
            headers={"Content-Type": "application/json"},
        )
        cases.append(
            Case("isso post", "isso", "/new?uri=%2Farticle-write", "POST", lua=isso_lua)
        )
    skipped = [n for n in sizes if n not in isso_sizes]
    if skipped:
        notes.append(
            f"Isso thread read not measured for N = {skipped}: one request would take minutes."
        )

    # Body sizes, one real request each; the limit app answers with the same size.
    for case in cases:
        server = servers[case.server]
        started = time.monotonic()
        if case.method == "GET":
            status, body = http(server.url + case.path, headers=case.headers)
        else:
            # Unique on every run: Haven refuses an author's repeated comment.
            text = f"Sizing request {time.time_ns()}: *hello*."
            payload = json.dumps(
                {"body": text}
                if case.server == "haven"
                else {"text": text, "author": "Bench"}
            ).encode()
            status, body = http(
                server.url + case.path,
                method="POST",
                data=payload,
                headers=case.headers or {"Content-Type": "application/json"},
            )
        if status >= 300:
            raise RuntimeError(f"{case.name}: {status} {body[:300]!r}")
        case.body_bytes = len(body)
        # Ten connections of such requests need the long run to finish any at all.
        case.large = case.large or time.monotonic() - started > SLOW_REQUEST
    limit_cases = []
    for case in cases:
        if case.server.startswith("haven"):
            limit_cases.append(
                Case(
                    f"limit {case.name}",
                    "limit",
                    f"/bytes/{case.body_bytes}",
                    case.method,
                    body_bytes=case.body_bytes,
                )
            )
    return cases + limit_cases, notes


# --- wrk -----------------------------------------------------------------------


def wrk(url: str, case: Case, connections: int, seconds: float) -> dict[str, Any]:
    command = ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{connections}"]
    command += [f"-d{seconds:g}s", "--timeout", "300s", "--latency"]
    for key, value in case.headers.items():
        command += ["-H", f"{key}: {value}"]
    if case.lua is not None:
        command += ["-s", str(case.lua)]
    elif case.method != "GET":
        command += ["-s", str(BENCH_DIR / "post_empty.lua")]
    else:
        command += ["-s", str(BENCH_DIR / "latency.lua")]
    out = subprocess.run(
        [*command, url + case.path], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = {"raw": out}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    result["rps"] = float(rps.group(1)) if rps else 0.0
    result["requests"] = int(count.group(1)) if count else 0
    for pct in ("50", "95", "99"):  # printed by done() in bench/latency.lua
        match = re.search(rf"p{pct}_us (\d+)", out)
        result[f"p{pct}"] = int(match.group(1)) / 1000 if match else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    result["non2xx"] = int(bad.group(1)) if bad else 0
    result["errors"] = sum(map(int, errors.groups())) if errors else 0
    return result


def measure(
    server: Server, case: Case, c: int, seconds: float, warmup: float
) -> dict[str, Any]:
    """Warm up, settle, then one measured run with the CPU accounting of BENCH.md.

    A write case also counts what the database holds before and after: every
    post answered 2xx (warm-up included) must be stored.
    """
    stored_before = case.committed() if case.committed else 0
    accepted = 0
    if warmup > 0:
        warm = wrk(server.url, case, c, warmup)
        accepted += warm["requests"] - warm["non2xx"]
        server.settle()
    cpu0, busy0 = tree_cpu(server.pid), core_busy()
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    result = wrk(server.url, case, c, seconds)
    elapsed = time.monotonic() - t0
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu1, busy1 = tree_cpu(server.pid), core_busy()
    server_ticks = cpu1 - cpu0
    wrk_ticks = (
        (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    ) * HZ
    window = elapsed * HZ
    result["server_cpu"] = server_ticks / window
    result["other_server_core"] = max(
        0.0, (busy1[SERVER_CORE] - busy0[SERVER_CORE] - server_ticks) / window
    )
    result["other_client_core"] = max(
        0.0, (busy1[CLIENT_CORE] - busy0[CLIENT_CORE] - wrk_ticks) / window
    )
    result["rss_mb"] = tree_rss_kb(server.pid) / 1024
    server.settle()
    if case.committed:
        result["accepted"] = accepted + result["requests"] - result["non2xx"]
        result["stored"] = case.committed() - stored_before
    return result


# --- report ----------------------------------------------------------------------


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _fmt(x: float) -> str:
    if x != x:  # NaN
        return "—"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _ratio(a: float, b: float) -> str:
    if not b or a != a or b != b:
        return "—"
    return f"{a / b:.2f}" if a / b >= 0.01 else f"{a / b:.4f}"


def summarize(
    runs: dict[tuple[str, int], list[dict[str, Any]]],
) -> dict[tuple[str, int], dict[str, float]]:
    out = {}
    for key, rs in runs.items():
        rps = [r["rps"] for r in rs]
        out[key] = {
            "rps": _med(rps),
            "min": min(rps),
            "max": max(rps),
            "p50": _med([r["p50"] for r in rs]),
            "p95": _med([r["p95"] for r in rs]),
            "p99": _med([r["p99"] for r in rs]),
            "rss": _med([r["rss_mb"] for r in rs]),
            # Server CPU per request: steadier than req/s when the machine is shared.
            "cpu_ms": _med([r["server_cpu"] / r["rps"] * 1e3 for r in rs if r["rps"]]),
            "other": max(r["other_server_core"] for r in rs),
            "bad": sum(r["non2xx"] + r["errors"] for r in rs),
            "n": len(rs),
            # Writes: posts answered 2xx, and how many of them are not stored.
            "accepted": sum(r.get("accepted", 0) for r in rs),
            "lost": sum(
                max(0, r["accepted"] - r["stored"]) for r in rs if "stored" in r
            ),
        }
    return out


def _header(*cells: str) -> list[str]:
    return ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]


def _comparison(
    title: str,
    cases: list[Case],
    summary: dict[tuple[str, int], dict[str, float]],
) -> list[str]:
    """Haven's cases beside the limit app's and Isso's of the same run."""
    by_name = {c.name: c for c in cases}
    lines = ["", f"## {title}", ""]
    lines += _header(
        "case", "C", "body KB", "Haven req/s median (min..max)", "p50 / p95 / p99 ms",
        "RSS MB", "CPU ms/req", "limit req/s", "Haven/limit", "Isso req/s", "Haven/Isso",
    )  # fmt: skip
    for case in cases:
        for c in case.concurrency:
            s = summary.get((case.name, c))
            if s is None:
                continue
            lim = summary.get((case.limit, c), {})
            peer = by_name.get(case.isso_peer or "")
            iso = summary.get((peer.name, c), {}) if peer else {}
            flag = " †" if s["other"] > DISTURBED else ""
            lines.append(
                f"| {case.name} | {c} | {case.body_bytes / 1024:.1f} "
                f"| {_fmt(s['rps'])} ({_fmt(s['min'])}..{_fmt(s['max'])}){flag} "
                f"| {_fmt(s['p50'])} / {_fmt(s['p95'])} / {_fmt(s['p99'])} "
                f"| {s['rss']:.0f} | {_fmt(s['cpu_ms'])} "
                f"| {_fmt(lim.get('rps', float('nan')))} | {_ratio(s['rps'], lim.get('rps', 0))} "
                f"| {_fmt(iso.get('rps', float('nan')))} | {_ratio(s['rps'], iso.get('rps', 0))} |"
            )
    return lines


@dataclass(frozen=True)
class Target:
    """One of issue #13's targets, read off a run's summary."""

    what: str
    wanted: str
    measured: str
    met: bool | None  # None: not measured in this run


def targets(
    summary: dict[tuple[str, int], dict[str, float]],
    cases: list[Case],
    final_rss_mb: float,
    prefix: str = "",
) -> list[Target]:
    """The targets of issue #13 (C = 10, medians), for one configuration."""
    by_name = {c.name: c for c in cases}
    found: list[Target] = []

    def stat(name: str, key: str = "rps") -> float | None:
        s = summary.get((prefix + name, 10))
        return s[key] if s else None

    def of_limit(name: str, share: float) -> None:
        case = by_name.get(prefix + name)
        haven = stat(name)
        limit = summary.get((case.limit, 10), {}).get("rps") if case else None
        if haven is None or not limit:
            found.append(Target(f"{name}: Haven/limit", f">= {share:.0%}", "—", None))
            return
        ratio = haven / limit
        found.append(
            Target(
                f"{name}: Haven/limit",
                f">= {share:.0%}",
                f"{ratio:.1%}",
                ratio >= share,
            )
        )

    of_limit("api 200", 0.25)
    of_limit("html 200", 0.15)
    of_limit("member 200", 0.02)
    of_limit("home", 0.15)
    for kind in ("api", "html"):
        base = stat(f"{kind} 200", "p95")
        for n in (2000, 20000):
            p95 = stat(f"{kind} {n}", "p95")
            what = f"{kind} {n} page 1: p95 / p95 of {kind} 200"
            if base is None or p95 is None:
                found.append(Target(what, "<= 1.5x", "—", None))
                continue
            found.append(
                Target(what, "<= 1.5x", f"{p95 / base:.2f}x", p95 <= 1.5 * base)
            )
    queue = stat("queue", "p95")
    found.append(
        Target(
            "queue page, 100,000 pending: p95",
            "< 50 ms",
            "—" if queue is None else f"{queue:.1f} ms",
            None if queue is None else queue < 50,
        )
    )
    post = summary.get((prefix + "post", 10))
    isso = summary.get(("isso post", 10))
    if post and isso:
        ratio = post["rps"] / isso["rps"]
        clean = post["bad"] == 0 and post["lost"] == 0
        found.append(
            Target(
                "post: Haven/Isso, 0 errors, every accepted post stored",
                ">= 3x, 0, 0 lost",
                f"{ratio:.2f}x, {post['bad']:.0f}, {post['lost']:.0f} lost "
                f"of {post['accepted']:.0f}",
                ratio >= 3 and clean,
            )
        )
    found.append(
        Target(
            "one worker's RSS after the whole run",
            "< 150 MB",
            f"{final_rss_mb:.0f} MB" if final_rss_mb else "—",
            (final_rss_mb < 150) if final_rss_mb else None,
        )
    )
    return found


def _target_lines(title: str, found: list[Target]) -> list[str]:
    lines = ["", f"## {title}", ""]
    lines += _header("target", "wanted", "measured", "met")
    for t in found:
        met = "—" if t.met is None else ("yes" if t.met else "**no**")
        lines.append(f"| {t.what} | {t.wanted} | {t.measured} | {met} |")
    return lines


def report(
    cases: list[Case],
    summary: dict[tuple[str, int], dict[str, float]],
    runs: dict[tuple[str, int], list[dict[str, Any]]],
    meta: dict[str, Any],
    notes: list[str],
    final_rss: dict[str, float],
) -> str:
    lines = [f"# Haven benchmark, {meta['date']}", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items() if k != "date"]
    sqlite = [c for c in cases if c.server in ("haven", "haven-queue")]
    postgres = [c for c in cases if c.server.startswith("haven-pg")]
    lines += _target_lines(
        "Targets (issue #13): SQLite, one worker",
        targets(summary, cases, final_rss.get("haven", 0.0)),
    )
    if postgres:
        lines += _target_lines(
            f"The same on PostgreSQL, {PG_WORKERS} workers sharing Redis",
            targets(summary, cases, 0.0, prefix="pg "),
        )
    lines += _comparison(
        "Haven on SQLite, one worker, against the limit app and Isso", sqlite, summary
    )
    if postgres:
        lines += _comparison(
            f"Haven on PostgreSQL, {PG_WORKERS} workers sharing Redis "
            "(the same references)",
            postgres,
            summary,
        )
    lines += ["", "## Every case", ""]
    lines += _header(
        "case", "C", "body KB", "req/s median (min..max)", "p50 / p99 ms", "RSS MB",
        "server CPU", "CPU ms/req", "other CPU on server core (max)", "non-2xx + errors",
        "runs",
    )  # fmt: skip
    for case in cases:
        for c in case.concurrency:
            s = summary.get((case.name, c))
            if s is None:
                continue
            cpu = _med([r["server_cpu"] for r in runs[(case.name, c)]])
            lines.append(
                f"| {case.name} | {c} | {case.body_bytes / 1024:.1f} | {_fmt(s['rps'])} "
                f"({_fmt(s['min'])}..{_fmt(s['max'])}) | {_fmt(s['p50'])} / {_fmt(s['p99'])} "
                f"| {s['rss']:.0f} | {cpu:.0%} | {_fmt(s['cpu_ms'])} | {s['other']:.0%} | {s['bad']:.0f} | {s['n']:.0f} |"
            )
    lines += ["", "## Notes", ""]
    lines += [f"- {n}" for n in notes]
    lines += [
        f"- † another process used more than {DISTURBED:.0%} of the server's core during at "
        "least one repetition (unless --no-repeat, such a run is repeated once and the "
        "repeat is kept).",
        "- Ratios divide medians of the same run. Isso's read returns the whole thread "
        "(flattened to one level, Markdown rendered per request); Haven's returns the first "
        "page (50 top-level comments, the page's 100 replies shared between their trees).",
        "- Reads are answered from Haven's cache of public renderings after their first "
        "request (the warm-up): what a crowd following a link costs. The member case "
        "reads as a signed-in member who wrote none of the discussion.",
    ]
    for case in cases:
        for c in case.concurrency:
            s = summary.get((case.name, c))
            if s and case.committed:
                lines.append(
                    f"- {case.name}, C={c}: {s['accepted']:.0f} posts answered 2xx, "
                    f"{s['lost']:.0f} of them missing from the database afterwards."
                )
    return "\n".join(lines) + "\n"


# --- PostgreSQL ------------------------------------------------------------------------


def postgres_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
    except OSError:
        return False
    return True


def _pg_url(name: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


def _create_pg_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def prepare_postgres(
    src: Path, data_dir: Path, *, seed: bool, quick: bool
) -> dict[str, Any]:
    """Dedicated databases on the local PostgreSQL, seeded once like SQLite's."""
    fixtures = data_dir / "fixtures-pg.json"
    wanted = [10, 200] if quick else list(shapes.SIZES)
    seeded = json.loads(fixtures.read_text())["sizes"] if fixtures.exists() else None
    if seed or seeded != wanted:
        for name in ("haven_bench", "haven_bench_queue"):
            _create_pg_database(name)
        args = ["--data-dir", str(data_dir), "--fixtures", fixtures.name, "--no-isso"]
        args += ["--database-url", _pg_url("haven_bench")]
        args += ["--queue-database-url", _pg_url("haven_bench_queue")]
        haven_python(src, "-m", "bench.seed", *args, *(["--quick"] if quick else []))
    fx: dict[str, Any] = json.loads(fixtures.read_text())
    for url in (fx["threads_url"], fx["queue_url"]):
        upgrade_schema(src, url)
    return fx


def flush_redis() -> None:
    """Empty the bench's Redis database: a new seed reuses the versions of the last."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def postgres_cases(
    cases: list[Case], fx: dict[str, Any], server: Server, data_dir: Path
) -> list[Case]:
    """Haven's cases again against the PostgreSQL servers, named "pg ...", compared
    with the same limit and Isso cases of the run. Its sessions, token and
    write script are its own database's."""
    servers = {"haven": "haven-pg", "haven-queue": "haven-pg-queue"}
    found = []
    for case in cases:
        if case.server not in servers:
            continue
        headers = dict(case.headers)
        if "Cookie" in headers:
            cookie = (
                fx["moderator_cookie"] if case.name == "queue" else fx["member_cookie"]
            )
            headers["Cookie"] = f"haven_session={cookie}"
        lua = case.lua
        if case.committed:
            headers["Authorization"] = f"Bearer {writer_token(server, fx)}"
            lua = post_script(
                data_dir / "post-haven-pg.lua",
                isso=False,
                parent_ids=fx["write_ids"],
                headers=headers,
            )
        found.append(
            replace(
                case,
                name=f"pg {case.name}",
                server=servers[case.server],
                headers=headers,
                lua=lua,
                limit_peer=case.limit,
                committed=comment_counter(fx["threads_url"], fx["write_slug"])
                if case.committed
                else None,
            )
        )
    return found


def reader_cookie(src: Path, url: str) -> str:
    """A signed-in reader's session, made in the snapshot's code (app.demo's kin)."""
    code = (
        "import sys; from app.config import Settings; from app.db import session_scope; "
        "from bench.seed import reader_session; "
        "settings = Settings(database_url=sys.argv[1], secret_key='x' * 40); "
        "s = session_scope(settings); session = s.__enter__(); "
        "print(reader_session(session)); s.__exit__(None, None, None)"
    )
    out = subprocess.run(
        [str(HAVEN_BIN / "python"), "-c", code, url],
        check=True,
        capture_output=True,
        text=True,
        cwd=src,
        env={**os.environ, "PYTHONPATH": f"{src}:{ROOT}"},
    ).stdout
    return out.strip().splitlines()[-1]


# --- main --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: N<=200, 1 rep of 2 s"
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per case")
    parser.add_argument(
        "--large-duration",
        type=float,
        default=30,
        help="seconds, N=20000 and slow Isso",
    )
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--only", default="", help="comma-separated case name prefixes")
    parser.add_argument("--data-dir", type=Path, default=BENCH_DIR / "data")
    parser.add_argument(
        "--seed", action="store_true", help="seed again even if data exists"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="don't write bench/results"
    )
    parser.add_argument(
        "--code", default="HEAD", help="git revision of Haven to measure (exported)"
    )
    parser.add_argument(
        "--no-repeat",
        action="store_true",
        help="don't repeat disturbed runs (when the machine is busy throughout)",
    )
    parser.add_argument(
        "--no-postgres",
        action="store_true",
        help="SQLite only (the PostgreSQL run needs a server on 127.0.0.1:5432)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.duration, args.large_duration = 1, 2, 2
    data_dir: Path = args.data_dir.resolve()
    # A SIGTERM still stops the servers (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ensure_tools()
    src, commit = snapshot(args.code, data_dir)
    say(f"Haven code: {commit} (exported to {src.relative_to(ROOT)})")
    if args.seed or not (data_dir / "fixtures.json").exists():
        quick = ["--quick"] if args.quick else []
        haven_python(src, "-m", "bench.seed", "--data-dir", str(data_dir), *quick)
    fx = json.loads((data_dir / "fixtures.json").read_text())
    if "member_cookie" not in fx:  # seeded by an older bench
        fx["member_cookie"] = reader_cookie(src, fx["threads_url"])
        (data_dir / "fixtures.json").write_text(json.dumps(fx, indent=1))
    for url in (fx["threads_url"], fx["queue_url"]):
        upgrade_schema(src, url)
    servers = make_servers(fx, data_dir, src)
    fx_pg: dict[str, Any] | None = None
    if not args.no_postgres and postgres_answers():
        fx_pg = prepare_postgres(src, data_dir, seed=args.seed, quick=args.quick)
        flush_redis()
        for name, url in (
            ("haven-pg", fx_pg["threads_url"]),
            ("haven-pg-queue", fx_pg["queue_url"]),
        ):
            servers[name] = haven_server(
                name,
                url,
                fx_pg,
                data_dir,
                src,
                workers=PG_WORKERS,
                redis_url=REDIS_URL,
            )
    final_rss: dict[str, float] = {}
    try:
        for server in servers.values():
            server.start(data_dir)
        cases, notes = build_cases(fx, servers, data_dir, args.quick)
        if fx_pg is not None:
            cases += postgres_cases(cases, fx_pg, servers["haven-pg"], data_dir)
        else:
            notes.append("PostgreSQL run: not measured (--no-postgres, or no server).")
        if args.only:
            prefixes = tuple(p.strip() for p in args.only.split(","))
            cases = [
                c
                for c in cases
                if c.name.startswith(prefixes)
                or c.name.removeprefix("limit ").startswith(prefixes)
            ]
        plan = [(case, c) for case in cases for c in case.concurrency]
        per_rep = sum(
            (args.large_duration if case.large else args.duration) + args.warmup
            for case, _ in plan
        )
        say(
            f"{len(plan)} runs x {args.reps} repetitions, about {per_rep * args.reps / 60:.0f} min of load"
        )
        runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for rep in range(1, args.reps + 1):
            for case, c in plan:
                server = servers[case.server]
                seconds = args.large_duration if case.large else args.duration
                result = measure(server, case, c, seconds, args.warmup)
                repeated = ""
                if result["other_server_core"] > DISTURBED and not args.no_repeat:
                    first = result["other_server_core"]
                    result = measure(server, case, c, seconds, args.warmup)
                    repeated = f" (repeated: {first:.0%} other CPU)"
                runs.setdefault((case.name, c), []).append(result)
                say(
                    f"[{rep}/{args.reps}] {case.name:<22} C={c:<2} {result['rps']:>9.1f} req/s "
                    f"p50 {result['p50']:.1f} ms p99 {result['p99']:.1f} ms RSS {result['rss_mb']:.0f} MB "
                    f"other {result['other_server_core']:.0%}{repeated}"
                    + (
                        f" BAD {result['non2xx']}+{result['errors']}"
                        if result["non2xx"] + result["errors"]
                        else ""
                    )
                )
        # What a worker holds once every case has run against it.
        for name in ("haven", "haven-pg"):
            if name in servers:
                final_rss[name] = (
                    tree_rss_kb(servers[name].pid)
                    / 1024
                    / (PG_WORKERS if name == "haven-pg" else 1)
                )
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.stop()
    summary = summarize(runs)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "what ran": f"{args.reps} repetition(s) interleaved round-robin; {args.duration:g} s per case "
        f"({args.large_duration:g} s for N=20000 and cases whose single request takes over "
        f"{SLOW_REQUEST:g} s), {args.warmup:g} s warm-up",
        "disturbed runs": "flagged †, not repeated (--no-repeat)"
        if args.no_repeat
        else "repeated once when another process took >10 % of the server core",
        "haven commit": commit,
        "machine": f"{os.cpu_count()} cores; servers on core {SERVER_CORE} (taskset), wrk -t1 on core {CLIENT_CORE}",
        "haven": "uvicorn, 1 worker, uvloop + httptools, no access log, SQLite (WAL), "
        "HAVEN_ENV=production"
        + (
            f"; then PostgreSQL with {PG_WORKERS} workers and Redis (cases named pg ...)"
            if fx_pg
            else ""
        ),
        "final RSS": ", ".join(
            f"{k} {v:.0f} MB a worker" for k, v in final_rss.items()
        ),
        "isso": "0.14, gunicorn 1 sync worker, moderation and guard off",
        "limit": "bench/limit_app.py under uvicorn (uvloop + httptools), same body size as Haven's",
        "data": f"seed {fx['seed']}; queue of {fx['queue_size']:,} pending ({fx['queue_path']} insert)",
    }
    text = report(cases, summary, runs, meta, notes, final_rss)
    say()
    say(text)
    (data_dir / "last-run.json").write_text(
        json.dumps(
            {
                f"{k[0]} C={k[1]}": [
                    {x: y for x, y in r.items() if x != "raw"} for r in v
                ]
                for k, v in runs.items()
            },
            indent=1,
        )
    )
    if not args.no_write and not args.quick:
        RESULTS_DIR.mkdir(exist_ok=True)
        out = RESULTS_DIR / f"{meta['date']}.md"
        out.write_text(text)
        say(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
