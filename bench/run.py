"""Run the benchmark of BENCH.md: Haven, its peer Isso and the "limit" app, side by side.

    python -m bench.run            # the full run (3 repetitions, 10 s / 30 s per case)
    python -m bench.run --quick    # a smoke run: N = 10 and 200, 1 repetition of 2 s

Servers run pinned to core 1 (one worker each), wrk with one thread on core 0.
Results: a Markdown table on the console and in bench/results/YYYY-MM-DD.md.
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
from dataclasses import dataclass, field
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
PORTS = {"haven": 18001, "haven-queue": 18002, "isso": 18003, "limit": 18004}
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
    code = (
        "import sys; from app import schema; from app.config import Settings; "
        "schema.upgrade(Settings(database_url=sys.argv[1], secret_key='x' * 40))"
    )
    haven_python(src, "-c", code, url)


def make_servers(fx: dict[str, Any], data_dir: Path, src: Path) -> dict[str, Server]:
    def haven_env(url: str) -> dict[str, str]:
        return {
            "PYTHONPATH": str(src),
            "DATABASE_URL": url,
            "HAVEN_DATA_DIR": str(data_dir / "haven"),
            "HAVEN_SECRET_KEY": fx["secret_key"],
            # A load test posts far faster than people may: posting limits off.
            "HAVEN_POST_RATE_LIMIT": "",
        }

    # As `haven serve` runs it (uvicorn picks uvloop and httptools when installed),
    # without the access log: none of the three servers logs requests.
    # --app-dir: uvicorn puts it first on sys.path (by default the cwd, the work tree).
    haven_cmd = [str(HAVEN_BIN / "uvicorn"), "app.main:create_app", "--factory"]
    haven_cmd += ["--app-dir", str(src)]
    haven_cmd += ["--host", HOST, "--workers", "1", "--no-access-log"]
    haven_cmd += ["--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]
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
        "haven": Server(
            "haven",
            [*haven_cmd, "--port", str(PORTS["haven"])],
            haven_env(fx["threads_url"]),
            "/healthz",
        ),
        "haven-queue": Server(
            "haven-queue",
            [*haven_cmd, "--port", str(PORTS["haven-queue"])],
            haven_env(fx["queue_url"]),
            "/healthz",
        ),
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
    path.write_text("\n".join(lua) + "\n")
    return path


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

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def wrk(url: str, case: Case, connections: int, seconds: float) -> dict[str, Any]:
    command = ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{connections}"]
    command += [f"-d{seconds:g}s", "--timeout", "300s", "--latency"]
    for key, value in case.headers.items():
        command += ["-H", f"{key}: {value}"]
    if case.lua is not None:
        command += ["-s", str(case.lua)]
    elif case.method != "GET":
        command += ["-s", str(BENCH_DIR / "post_empty.lua")]
    out = subprocess.run(
        [*command, url + case.path], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = {"raw": out}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    result["rps"] = float(rps.group(1)) if rps else 0.0
    result["requests"] = int(count.group(1)) if count else 0
    for pct in ("50", "99"):
        match = re.search(rf"\s{pct}%\s+(\S+)", out)
        result[f"p{pct}"] = _ms(match.group(1)) if match else float("nan")
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
    """Warm up, settle, then one measured run with the CPU accounting of BENCH.md."""
    if warmup > 0:
        wrk(server.url, case, c, warmup)
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
            "p99": _med([r["p99"] for r in rs]),
            "rss": _med([r["rss_mb"] for r in rs]),
            # Server CPU per request: steadier than req/s when the machine is shared.
            "cpu_ms": _med([r["server_cpu"] / r["rps"] * 1e3 for r in rs if r["rps"]]),
            "other": max(r["other_server_core"] for r in rs),
            "bad": sum(r["non2xx"] + r["errors"] for r in rs),
            "n": len(rs),
        }
    return out


def _header(*cells: str) -> list[str]:
    return ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]


def report(
    cases: list[Case],
    summary: dict[tuple[str, int], dict[str, float]],
    runs: dict[tuple[str, int], list[dict[str, Any]]],
    meta: dict[str, Any],
    notes: list[str],
) -> str:
    by_name = {c.name: c for c in cases}
    lines = [f"# Haven benchmark, {meta['date']}", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items() if k != "date"]
    lines += ["", "## Haven against the limit app and Isso", ""]
    lines += _header(
        "case", "C", "body KB", "Haven req/s median (min..max)", "p50 / p99 ms",
        "RSS MB", "CPU ms/req", "limit req/s", "Haven/limit", "Isso req/s", "Haven/Isso",
    )  # fmt: skip
    for case in cases:
        if not case.server.startswith("haven"):
            continue
        for c in case.concurrency:
            s = summary.get((case.name, c))
            if s is None:
                continue
            lim = summary.get((f"limit {case.name}", c), {})
            peer = by_name.get(case.isso_peer or "")
            iso = summary.get((peer.name, c), {}) if peer else {}
            flag = " †" if s["other"] > DISTURBED else ""
            lines.append(
                f"| {case.name} | {c} | {case.body_bytes / 1024:.1f} "
                f"| {_fmt(s['rps'])} ({_fmt(s['min'])}..{_fmt(s['max'])}){flag} "
                f"| {_fmt(s['p50'])} / {_fmt(s['p99'])} | {s['rss']:.0f} | {_fmt(s['cpu_ms'])} "
                f"| {_fmt(lim.get('rps', float('nan')))} | {_ratio(s['rps'], lim.get('rps', 0))} "
                f"| {_fmt(iso.get('rps', float('nan')))} | {_ratio(s['rps'], iso.get('rps', 0))} |"
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
        "page (50 top-level comments with their whole trees).",
    ]
    return "\n".join(lines) + "\n"


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
    for url in (fx["threads_url"], fx["queue_url"]):
        upgrade_schema(src, url)
    servers = make_servers(fx, data_dir, src)
    try:
        for server in servers.values():
            server.start(data_dir)
        cases, notes = build_cases(fx, servers, data_dir, args.quick)
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
        "haven": "uvicorn, 1 worker, uvloop + httptools, no access log, SQLite (WAL)",
        "isso": "0.14, gunicorn 1 sync worker, moderation and guard off",
        "limit": "bench/limit_app.py under uvicorn (uvloop + httptools), same body size as Haven's",
        "data": f"seed {fx['seed']}; queue of {fx['queue_size']:,} pending ({fx['queue_path']} insert)",
    }
    text = report(cases, summary, runs, meta, notes)
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
