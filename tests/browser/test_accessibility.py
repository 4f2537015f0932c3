"""axe-core on every page type, signed out and signed in; touch targets; skip link.

Only violations of impact serious or critical fail a test; the report names each
rule, element and fix. A deliberately broken page proves the check can fail.
Beyond axe: the dark scheme, reduced motion, text at 200 % without sideways
scrolling, and form errors that are announced and tied to their fields.
"""

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, StorageState, expect

from app.accounts import service as accounts_service
from app.comments import reporting
from app.comments.models import Comment, CommentStatus, FlagReason
from app.comments.schemas import FlagCreate
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from tests.browser.conftest import (
    TIMEOUT_MS,
    LiveServer,
    OpenAs,
    Screenshot,
    Seed,
    Who,
)
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")
MIN_TARGET_PX = 44
axe = Axe()


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, serious or critical only."""
    response: dict[str, Any] = axe.run(page).response
    return [v for v in response["violations"] if v["impact"] in SERIOUS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} serious or critical accessibility violations:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html']}")
            lines.append(f"      {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


@dataclass(frozen=True)
class Rows:
    """What this module adds to the live site: one item in each queue view."""

    article: str  # its own article, so the shared seed is not disturbed
    pending: int
    spam: int
    rejected: int
    flagged: int  # published, reported by a reader
    medical: int  # published, reported as a misleading medical claim
    other: int  # published, by someone else than the seeded member: to report


MADE = itertools.count(1)


@pytest.fixture(scope="module")
def rows(live_server: LiveServer, seed: Seed) -> Rows:
    """A queue with something in every view, made through the services."""
    with live_server.data() as session:
        admin, moderator, member = (
            accounts_service.get_user(session, seed.usernames[role])
            for role in ("admin", "moderator", "member")
        )
        writer = make_user(session, display_name="Wren")
        # A worker of pytest-xdist may build this fixture twice on one database.
        made = next(MADE)
        title = "Accessible moderation" + (f" {made}" if made > 1 else "")
        article = make_article(session, title=title, author=admin)
        earlier = utcnow() - timedelta(hours=2)

        def held(body: str) -> Comment:
            return make_comment(
                session,
                article,
                author=writer,
                status=CommentStatus.PENDING,
                body=body,
                created_at=earlier,
            )

        pending = held("Waiting for a moderator.")
        spam, rejected = (
            moderation_service.decide(
                session,
                held(body),
                decision,
                actor=moderator,
                reason="Not for this community.",
            )
            for decision, body in (
                (Decision.SPAM, "Buy cheap pills at example.com"),
                (Decision.REJECT, "Stop taking your medicine, it is all lies."),
            )
        )
        reported = make_comment(
            session, article, author=writer, body="Everyone who rests is lazy."
        )
        reporting.flag_comment(
            session,
            reported.id,
            FlagCreate(
                reason=FlagReason.ABUSIVE, note="Hurtful to people with fatigue."
            ),
            actor=member,
        )
        claim = make_comment(
            session, article, author=writer, body="Stop your DMT, diet cures MS."
        )
        reporting.flag_comment(
            session,
            claim.id,
            FlagCreate(reason=FlagReason.MEDICAL_CLAIM),
            actor=member,
        )
        other = make_comment(
            session, article, author=writer, body="Cooling vests help."
        )
        return Rows(
            article=article.slug,
            pending=pending.id,
            spam=spam.id,
            rejected=rejected.id,
            flagged=reported.id,
            medical=claim.id,
            other=other.id,
        )


def assert_no_serious_violations(page: Page) -> None:
    violations = serious_violations(page)
    assert not violations, describe(violations)


@dataclass(frozen=True)
class PageType:
    name: str
    who: Who
    path: str  # formatted with the seed and this module's rows: "{rows.article}"
    status: int = 200
    shows: str = (
        ""  # a selector (formatted alike) that must be visible: the page has content
    )

    @property
    def id(self) -> str:
        return f"{self.name}-{self.who}"


ARTICLE = "/articles/{seed.article}"
REPLY = "/articles/{seed.article}/comments/{seed.first_comment}/reply"
SIGNED_OUT_AND_IN = [
    ("home", "/", 200),
    ("article", ARTICLE, 200),
    ("closed-thread", "/articles/{seed.closed}", 200),
    ("profile", "/users/{seed.usernames[member]}", 200),
    ("reply", REPLY, 200),
    ("not-found", "/no/such/page", 404),
]
PAGE_TYPES = [
    *(
        PageType(name, who, path, status)
        for who in ("guest", "member")
        for name, path, status in SIGNED_OUT_AND_IN
    ),
    PageType("tag", "guest", "/tags/symptoms"),
    PageType("search", "guest", "/search?q=spasticity", shows=".search-hit"),
    PageType("search-empty", "guest", "/search?q=zanzibar"),
    PageType("login", "guest", "/login"),
    PageType("register", "guest", "/register"),
    PageType("settings", "member", "/settings"),
    PageType("drafts", "member", "/me/drafts", shows="#page-title"),
    PageType("article", "moderator", ARTICLE),
    PageType("article", "admin", ARTICLE),
    PageType("admin-list", "admin", "/admin/articles"),
    PageType("editor-new", "admin", "/admin/articles/new"),
    PageType("editor-edit", "admin", ARTICLE + "/edit"),
    # The moderators' pages, each view of the queue holding at least one comment.
    PageType("queue", "moderator", "/moderation", shows="#queue-{rows.pending}"),
    *(
        PageType(
            f"queue-{view}", "moderator", f"/moderation?status={view}", shows=shown
        )
        for view, shown in (
            ("pending", "#queue-{rows.pending}"),
            ("flagged", "#queue-{rows.flagged} .flag-list"),
            ("medical", "#queue-{rows.medical} .editor-note-form"),
            ("spam", "#queue-{rows.spam}"),
            ("rejected", "#queue-{rows.rejected}"),
        )
    ),
    PageType("log", "moderator", "/moderation/log", shows="table tbody tr"),
    PageType("site-settings", "admin", "/admin/settings"),
    PageType(
        "comment-edit", "moderator", "/comments/{rows.other}/edit", shows="#field-body"
    ),
    PageType(
        "comment-flag", "member", "/comments/{rows.other}/flag", shows="#field-note"
    ),
    PageType(
        "member-record",
        "moderator",
        "/users/{seed.usernames[member]}/moderation",
        shows="#standing",
    ),
    # An admin's view of it, with the badge form.
    PageType(
        "member-record-admin",
        "admin",
        "/users/{seed.usernames[member]}/moderation",
        shows="#badge",
    ),
    PageType(
        "banned-member-record",
        "moderator",
        "/users/{seed.usernames[banned]}/moderation",
        shows=".notice--banned",
    ),
    PageType("closed-thread", "moderator", "/articles/{seed.closed}"),
    # The error page a member meets at a moderators' door.
    PageType("forbidden", "member", "/moderation", 403),
]


@pytest.fixture(scope="module")
def page_as(
    browser: Browser,
    browser_context_args: dict[str, Any],
    signed_in_state: Callable[[Who], StorageState],
) -> Iterator[Callable[[Who], Page]]:
    """One page per role for the whole module: a page type is one navigation."""
    pages: dict[Who, Page] = {}

    def page_for(who: Who) -> Page:
        if who not in pages:
            state = None if who == "guest" else signed_in_state(who)
            context = browser.new_context(**browser_context_args, storage_state=state)
            context.set_default_timeout(TIMEOUT_MS)
            pages[who] = context.new_page()
        return pages[who]

    yield page_for
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda p: p.id)
def test_page_type_has_no_serious_accessibility_violations(
    page_type: PageType,
    page_as: Callable[[Who], Page],
    seed: Seed,
    rows: Rows,
    screenshot: Screenshot,
) -> None:
    page = page_as(page_type.who)
    response = page.goto(page_type.path.format(seed=seed, rows=rows))
    assert response is not None
    assert response.status == page_type.status
    if page_type.shows:
        expect(
            page.locator(page_type.shows.format(seed=seed, rows=rows)).first
        ).to_be_visible()
    screenshot(page, page_type.id)
    assert_no_serious_violations(page)


BROKEN_PAGE = """<!doctype html>
<html><head><title>Broken on purpose</title></head>
<body><main>
  <h1>Broken on purpose</h1>
  <p style="color: #bbb; background: #fff">Pale grey text on white.</p>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  <form><input type="text" name="q"><button type="submit">Go</button></form>
</main></body></html>
"""


def test_accessibility_check_flags_a_broken_page(page: Page) -> None:
    page.set_content(BROKEN_PAGE)
    found = {violation["id"] for violation in serious_violations(page)}
    assert {"color-contrast", "image-alt", "label"} <= found, found


# Links and buttons a reader acts on in a comment; links inside the text are exempt
# (WCAG 2.5.8 spares inline targets).
COMMENT_TARGETS = ".comment :is(a, button, summary):not(.prose a, .comment__reply-to a)"


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_comment_actions_are_at_least_44px_square(
    who: Who, open_as: OpenAs, seed: Seed
) -> None:
    page = open_as(who)
    page.goto(ARTICLE.format(seed=seed))
    # Tools folded into <details> count too.
    page.evaluate(
        "() => document.querySelectorAll('.comment details').forEach(d => d.open = true)"
    )
    targets = page.locator(COMMENT_TARGETS)
    expect(targets.first).to_be_visible()
    small, checked = [], 0
    for target in targets.all():
        box = target.bounding_box()
        if box is None:  # not rendered
            continue
        checked += 1
        if box["width"] < MIN_TARGET_PX or box["height"] < MIN_TARGET_PX:
            small.append(f"{target.evaluate('el => el.outerHTML')[:120]}: {box}")
    assert checked >= len(seed.comment_ids)  # a permalink and a Reply each
    assert not small, "targets smaller than 44x44 px:\n" + "\n".join(small)


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as("guest")
    page.goto(ARTICLE.format(seed=seed))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused, hidden otherwise
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "() => document.querySelector('main').contains(document.activeElement)"
    )
    assert focused_in_main, "Tab after the skip link should stay inside <main>"


# Pages in a state that takes more than one navigation to reach.


def open_every_details(page: Page) -> int:
    """Unfold every <details> (moderator tools, reject forms); how many there are."""
    count: int = page.evaluate(
        "() => { const all = document.querySelectorAll('details');"
        " all.forEach(d => { d.open = true; }); return all.length; }"
    )
    return count


@pytest.mark.parametrize("path", [ARTICLE, "/articles/{seed.closed}"])
def test_moderator_tools_unfolded_have_no_serious_violations(
    path: str, open_as: OpenAs, seed: Seed, screenshot: Screenshot
) -> None:
    page = open_as("moderator")
    page.goto(path.format(seed=seed))
    assert open_every_details(page) >= 1  # at least "Moderate this discussion"
    expect(page.locator("details[open] form").first).to_be_visible()
    screenshot(page, "moderator-tools-open")
    assert_no_serious_violations(page)


def test_queue_with_reject_forms_unfolded_has_no_serious_violations(
    open_as: OpenAs, rows: Rows
) -> None:
    page = open_as("moderator")
    page.goto("/moderation")
    assert open_every_details(page) >= 1
    expect(page.locator(f"#queue-{rows.pending} details[open] form")).to_be_visible()
    assert_no_serious_violations(page)


# Form errors: announced at once, and each tied to its field.


def assert_errors_are_announced_and_tied(page: Page) -> list[str]:
    """The error summary is a live region; every invalid field names its message.

    Returns the ids of the invalid fields, for the caller to check which ones.
    """
    summary = page.locator(".form-errors")
    expect(summary).to_be_visible()
    role = summary.get_attribute("role")
    live = summary.get_attribute("aria-live")
    assert role == "alert" or live in ("assertive", "polite"), (role, live)
    summary_text = summary.inner_text()
    problems: list[str] = []
    invalid_ids: list[str] = []
    for field in page.locator("[aria-invalid='true']").all():
        field_id = field.get_attribute("id") or "(no id)"
        invalid_ids.append(field_id)
        described = (field.get_attribute("aria-describedby") or "").split()
        messages = [
            page.locator(f"[id='{ref}']").inner_text().strip()
            for ref in described
            if page.locator(f"[id='{ref}'].error").count() == 1
        ]
        if not [text for text in messages if text]:
            problems.append(f"{field_id}: aria-describedby={described} names no error")
        for text in messages:
            if text not in summary_text:
                problems.append(f"{field_id}: {text!r} is not in the summary")
    # The other way round: every field drawn as wrong says so to assistive tech.
    for wrapper in page.locator(".field--error").all():
        if wrapper.locator("[aria-invalid='true']").count() == 0 and (
            wrapper.get_attribute("aria-invalid") != "true"
        ):
            html = wrapper.evaluate("el => el.outerHTML")[:160]
            problems.append(f"marked as an error but not aria-invalid: {html}")
    # Each link in the summary leads to an invalid field.
    for link in summary.locator("a[href^='#']").all():
        target = (link.get_attribute("href") or "#")[1:]
        if target not in invalid_ids:
            problems.append(f"summary link #{target} leads to no invalid field")
    assert not problems, "\n".join(problems)
    return invalid_ids


def test_register_errors_are_announced_and_tied_to_fields(open_as: OpenAs) -> None:
    page = open_as("guest")
    page.goto("/register")
    page.get_by_label("Username").fill("x")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".form-errors")).to_be_visible()
    invalid = assert_errors_are_announced_and_tied(page)
    assert {"field-username", "field-email", "field-password"} <= set(invalid)
    assert_no_serious_violations(page)


def test_comment_errors_are_announced_and_tied_to_the_field(
    open_as: OpenAs, rows: Rows
) -> None:
    page = open_as("member")
    page.goto(f"/articles/{rows.article}")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert assert_errors_are_announced_and_tied(page) == ["field-body"]
    assert_no_serious_violations(page)


def test_reply_page_shown_again_with_an_error_has_no_serious_violations(
    open_as: OpenAs, seed: Seed, screenshot: Screenshot
) -> None:
    page = open_as("member")
    page.goto(REPLY.format(seed=seed))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Post reply").click()
    assert posted.value.status == 422
    expect(page.get_by_role("heading", name="Your reply")).to_be_visible()
    assert assert_errors_are_announced_and_tied(page) == ["field-body"]
    screenshot(page, "reply-error")
    assert_no_serious_violations(page)


def test_error_check_flags_errors_that_are_not_announced(page: Page) -> None:
    page.set_content(
        "<main><div class='form-errors'><a href='#field-a'>Name is missing</a></div>"
        "<div class='field field--error'><p class='error' id='error-a'>Name is missing</p>"
        "<input id='field-a'></div></main>"
    )
    with pytest.raises(AssertionError):
        assert_errors_are_announced_and_tied(page)
    page.evaluate(
        "document.querySelector('.form-errors').setAttribute('role', 'alert')"
    )
    with pytest.raises(AssertionError, match="not aria-invalid"):
        assert_errors_are_announced_and_tied(page)


# The dark scheme: the same checks, and the dark palette really applied.

LUMINANCE = """(el) => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = (css) => {
    const [r, g, b] = css.match(/[\\d.]+/g).map(Number);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const style = getComputedStyle(el);
  return [lum(style.backgroundColor), lum(style.color)];
}"""

DARK_PAGES = [
    ("home", "guest", "/"),
    ("article", "member", ARTICLE),
    ("login", "guest", "/login"),
    ("queue", "moderator", "/moderation"),
]


@pytest.mark.parametrize(
    ("name", "who", "path"), DARK_PAGES, ids=[name for name, _, _ in DARK_PAGES]
)
def test_dark_scheme_is_applied_and_has_no_serious_violations(
    name: str,
    who: Who,
    path: str,
    open_as: OpenAs,
    seed: Seed,
    rows: Rows,
    screenshot: Screenshot,
) -> None:
    page = open_as(who)
    page.emulate_media(color_scheme="dark")
    response = page.goto(path.format(seed=seed))
    assert response is not None
    assert response.status == 200
    background, text = page.locator("body").evaluate(LUMINANCE)
    assert background < 0.05, f"body background is not dark: luminance {background}"
    assert text > 0.6, f"body text is not light: luminance {text}"
    screenshot(page, f"dark-{name}")
    assert_no_serious_violations(page)


def test_light_scheme_is_the_default(open_as: OpenAs) -> None:
    page = open_as("guest")
    page.emulate_media(color_scheme="light")
    page.goto("/")
    background, text = page.locator("body").evaluate(LUMINANCE)
    assert background > 0.9
    assert text < 0.05


# Reduced motion: nothing moves, nothing scrolls smoothly.

MOTION = """() => {
  const seconds = (value) => Math.max(...value.split(",").map((part) => {
    part = part.trim();
    return part.endsWith("ms") ? parseFloat(part) / 1000 : parseFloat(part);
  }));
  const moving = [];
  for (const el of document.querySelectorAll("*")) {
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(el, pseudo);
      const transition = seconds(style.transitionDuration);
      const animation = style.animationName === "none" ? 0 : seconds(style.animationDuration);
      if (transition > 0.01 || animation > 0.01) {
        moving.push(`${el.tagName.toLowerCase()}.${el.className}${pseudo || ""}:`
          + ` transition ${style.transitionDuration}, animation ${style.animationName} ${style.animationDuration}`);
      }
    }
  }
  return {moving, scroll: getComputedStyle(document.documentElement).scrollBehavior};
}"""

# Motion a later stylesheet change might bring: the reduced-motion rules must win.
SOME_MOTION = """
@keyframes haven-test-pulse { from { opacity: 1; } to { opacity: 0.5; } }
button, .button, a { transition: background-color 0.3s ease, transform 0.2s; }
.comment { animation: haven-test-pulse 1s infinite alternate; }
"""


@pytest.mark.parametrize("who", ["guest", "moderator"])
def test_reduced_motion_stops_transitions_animations_and_smooth_scroll(
    who: Who, open_as: OpenAs, seed: Seed
) -> None:
    page = open_as(who, bypass_csp=True)  # for SOME_MOTION's style tag
    page.emulate_media(reduced_motion="reduce")
    page.goto(ARTICLE.format(seed=seed))
    open_every_details(page)
    page.add_style_tag(content=SOME_MOTION)
    motion = page.evaluate(MOTION)
    assert motion["scroll"] == "auto"
    assert not motion["moving"], "\n".join(motion["moving"][:20])


def test_motion_check_sees_motion_when_it_is_not_reduced(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as("guest", bypass_csp=True)  # for SOME_MOTION's style tag
    page.emulate_media(reduced_motion="no-preference")
    page.goto(ARTICLE.format(seed=seed))
    page.add_style_tag(content=SOME_MOTION)
    motion = page.evaluate(MOTION)
    assert motion["scroll"] == "smooth"
    assert len(motion["moving"]) > len(seed.comment_ids)


# Text at 200 %: WCAG 1.4.4 (resize text) without sideways scrolling (1.4.10).

OVERFLOW = """(selectors) => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const problems = [];
  if (root.scrollWidth > width) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth}px wide in ${width}px`);
  }
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
    + `.${String(el.className).trim().split(/\\s+/).join(".")}`
    + ` "${(el.textContent || "").trim().slice(0, 40)}"`;
  for (const selector of selectors) {
    const found = document.querySelectorAll(selector);
    if (!found.length) { problems.push(`nothing matches ${selector}`); }
    for (const el of found) {
      const box = el.getBoundingClientRect();
      if ((box.width === 0 && box.height === 0) || el.matches(".visually-hidden")) { continue; }
      if (box.left < -1 || box.right > width + 1) {
        problems.push(`${name(el)} is outside the viewport: ${box.left}..${box.right} of ${width}`);
      }
      // Content wider or taller than its own box is cut off or spills over its neighbours.
      if (el.scrollWidth > el.clientWidth + 1 && el.tagName !== "TEXTAREA") {
        problems.push(`${name(el)} is clipped: ${el.scrollWidth}px of content in ${el.clientWidth}px`);
      }
      for (const clipper of [el, ...el.querySelectorAll("*")]) {
        const style = getComputedStyle(clipper);
        if (["hidden", "clip"].includes(style.overflowX) && clipper.scrollWidth > clipper.clientWidth + 1
            && !clipper.matches(".visually-hidden, .comment-form__extra, .comment-form__extra *")) {
          problems.push(`${name(clipper)} hides ${clipper.scrollWidth - clipper.clientWidth}px of its content`);
        }
      }
    }
  }
  return problems;
}"""

KEY_CONTENT = (
    "h1, header.site-header a, header.site-header button, main button, main .button"
)
LARGE_TEXT_PAGES = [
    ("home", "guest", "/", (KEY_CONTENT, ".card", ".card__title")),
    (
        "article",
        "member",
        ARTICLE,
        (KEY_CONTENT, ".article .prose", ".comment", "#field-body"),
    ),
    ("queue", "moderator", "/moderation", (KEY_CONTENT, ".queue-item", ".bulk-bar")),
    (
        "editor",
        "admin",
        "/admin/articles/new",
        (KEY_CONTENT, "#field-title", "#field-body", "form label"),
    ),
]


def enlarge_text(page: Page) -> None:
    before: float = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
    )
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    after: float = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
    )
    assert after >= 1.7 * before, (before, after)  # the text really grew


@pytest.mark.parametrize(
    ("name", "who", "path", "selectors"),
    LARGE_TEXT_PAGES,
    ids=[name for name, *_ in LARGE_TEXT_PAGES],
)
def test_text_at_200_percent_needs_no_sideways_scrolling(
    name: str,
    who: Who,
    path: str,
    selectors: tuple[str, ...],
    open_as: OpenAs,
    seed: Seed,
    rows: Rows,
    screenshot: Screenshot,
) -> None:
    page = open_as(who)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path.format(seed=seed))
    enlarge_text(page)
    if name == "queue":
        expect(page.locator(f"#queue-{rows.pending}")).to_be_visible()
    screenshot(page, f"text-200-{name}")
    problems: list[str] = page.evaluate(OVERFLOW, list(selectors))
    assert not problems, "\n".join(problems[:30])


def test_overflow_check_flags_clipped_and_too_wide_content(page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_content(
        "<main><h1 style='width: 1400px'>Far too wide</h1>"
        "<p class='box' style='width: 8rem; overflow: hidden; white-space: nowrap'>"
        "A sentence that cannot fit in its narrow box</p></main>"
    )
    problems: list[str] = page.evaluate(OVERFLOW, ["h1", ".box", ".missing"])
    text = "\n".join(problems)
    assert "scrolls sideways" in text
    assert "outside the viewport" in text
    assert "hides" in text
    assert "nothing matches .missing" in text
