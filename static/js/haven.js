/* Haven: small progressive enhancements. Every action also works without this file. */
(function () {
  "use strict";

  /* Reply inline: a Reply link opens a copy of the main comment form under its
     comment, with parent_id set. Without JavaScript the link opens the reply page. */
  function suffixIds(root, suffix) {
    var renamed = {};
    root.querySelectorAll("[id]").forEach(function (el) {
      renamed[el.id] = el.id + suffix;
      el.id += suffix;
    });
    root.querySelectorAll("[for]").forEach(function (el) {
      var target = el.getAttribute("for");
      if (renamed[target]) { el.setAttribute("for", renamed[target]); }
    });
    root.querySelectorAll("[aria-describedby]").forEach(function (el) {
      var ids = el.getAttribute("aria-describedby").split(/\s+/).map(function (id) {
        return renamed[id] || id;
      });
      el.setAttribute("aria-describedby", ids.join(" ").trim());
    });
  }

  function closeReply(box, link) {
    box.remove();
    link.setAttribute("aria-expanded", "false");
    link.focus();
  }

  function openReply(link, mainForm) {
    var parentId = link.getAttribute("data-reply-to");
    var boxId = "reply-box-" + parentId;
    var existing = document.getElementById(boxId);
    if (existing) {
      existing.querySelector("textarea").focus();
      return;
    }
    var form = mainForm.cloneNode(true);
    form.querySelectorAll(".error, .form-errors").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field--error").forEach(function (el) { el.classList.remove("field--error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".draft-note").forEach(function (el) { el.remove(); });
    form.querySelector('input[name="parent_id"]').value = parentId;
    form.removeAttribute("data-draft-saved"); // the main form's server draft is not this reply's
    var textarea = form.querySelector("textarea");
    textarea.value = "";
    suffixIds(form, "-reply-" + parentId);
    startDraft(form);
    form.querySelector('button[value="post"]').textContent = "Post reply";

    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button--secondary";
    cancel.textContent = "Cancel";
    form.querySelector(".button-row").appendChild(cancel);

    var box = document.createElement("div");
    box.className = "reply-form";
    box.id = boxId;
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", link.textContent.trim());
    box.appendChild(form);
    // The "not medical advice" line and the guidelines' link stand by every form.
    var guidance = document.querySelector("#comment-form .comment-guidance");
    if (guidance) { box.insertBefore(guidance.cloneNode(true), form); }
    cancel.addEventListener("click", function () { closeReply(box, link); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { closeReply(box, link); }
    });

    var actions = link.closest(".comment__actions") || link;
    actions.insertAdjacentElement("afterend", box);
    link.setAttribute("aria-expanded", "true");
    textarea.focus();
  }

  /* Drafts: what is typed in a comment or reply form is kept in this browser
     (localStorage), so a reload, a lost connection or a failed post loses nothing.
     The draft is dropped once the server confirms the comment was received.

     A signed-in member's draft is kept on the server too (the form's
     data-draft-url), so it follows them to another browser: it is sent when
     they stop typing for a few seconds (at least every ten while they go on),
     and at once when the page is hidden or left, each time only if the text
     changed since the server last had it.

     Which copy wins when the page arrives: the one saved last. A page filled in
     with the server's draft says when it was saved (data-draft-saved); this
     browser's copy replaces it only if it is newer, and an emptied copy counts,
     so a draft discarded here stays discarded. Any other text the page arrives
     with (a refused post shown again) always wins. A copy restored from this
     browser into an empty form goes to the server only once it is edited: the
     server may keep a newer draft of this member's for another form. */
  var DRAFT_PREFIX = "haven:draft:";
  var DRAFT_SENT = "haven:draft-sent";
  var DRAFT_DAYS = 7;
  var SERVER_DELAY_MS = 3000;
  var SERVER_MAX_WAIT_MS = 10000;
  var serverCopy = new WeakMap(); // form -> the text the server is known to hold
  var serverTimers = new WeakMap();
  var unsentSince = new WeakMap(); // form -> when typing began that is not sent yet

  function store(kind) {
    try { return window[kind]; } catch (e) { return null; } // storage may be blocked
  }

  function draftKey(form) {
    var parent = form.querySelector('input[name="parent_id"]');
    return DRAFT_PREFIX + new URL(form.action, location.href).pathname + ":" + (parent ? parent.value : "");
  }

  function draftForms(root) {
    return Array.prototype.slice.call(root.querySelectorAll("form.comment-form__form"));
  }

  function saveDraft(form) {
    var storage = store("localStorage");
    var text = form.querySelector("textarea").value;
    if (!storage) { return; }
    try {
      // Emptied text is kept as such: it outweighs an older copy on the server.
      storage.setItem(draftKey(form), JSON.stringify({ text: text.trim() ? text : "", saved: Date.now() }));
    } catch (e) { /* full or blocked: the server still keeps text on every error */ }
  }

  function readDraft(key) {
    var storage = store("localStorage");
    var draft = null;
    try { draft = JSON.parse(storage && storage.getItem(key)); } catch (e) { draft = null; }
    if (!draft || typeof draft.text !== "string" || typeof draft.saved !== "number") { return null; }
    if (Date.now() - draft.saved > DRAFT_DAYS * 864e5) {
      storage.removeItem(key);
      return null;
    }
    return draft;
  }

  function sendDraft(form, leaving) {
    var url = form.getAttribute("data-draft-url");
    var textarea = form.querySelector("textarea");
    if (!url || !textarea) { return; }
    clearTimeout(serverTimers.get(form));
    unsentSince.delete(form);
    var text = textarea.value;
    if (serverCopy.get(form) === text) { return; }
    serverCopy.set(form, text);
    // FormData, not URL encoding: a long text in any script stays under the
    // 64 kB a request sent while leaving the page may carry.
    var data = new FormData();
    data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
    data.append("body", text);
    data.append("parent_id", form.querySelector('input[name="parent_id"]').value);
    if (leaving && navigator.sendBeacon && navigator.sendBeacon(url, data)) { return; }
    var failed = function () {
      if (serverCopy.get(form) === text) { serverCopy.delete(form); } // send it again next time
    };
    fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: leaving, redirect: "manual" })
      .then(function (response) { if (response.status !== 204) { failed(); } }, failed);
  }

  function sendDraftSoon(form) {
    if (!form.hasAttribute("data-draft-url")) { return; }
    clearTimeout(serverTimers.get(form));
    var since = unsentSince.get(form) || Date.now();
    unsentSince.set(form, since);
    var wait = Math.min(SERVER_DELAY_MS, since + SERVER_MAX_WAIT_MS - Date.now());
    serverTimers.set(form, setTimeout(function () { sendDraft(form, false); }, Math.max(wait, 0)));
  }

  function noteRestored(form) {
    var textarea = form.querySelector("textarea");
    var note = document.createElement("p");
    note.className = "hint draft-note";
    note.setAttribute("role", "status");
    note.textContent = "We restored the comment you had not sent yet. ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button--secondary draft-note__discard";
    discard.textContent = "Discard draft";
    discard.addEventListener("click", function () {
      textarea.value = "";
      saveDraft(form);
      sendDraft(form, false);
      note.remove();
      textarea.focus();
    });
    note.appendChild(discard);
    textarea.insertAdjacentElement("afterend", note);
  }

  /* Puts the form's draft back (see above for which copy) and notes what the
     server holds of it. */
  function startDraft(form) {
    var textarea = form.querySelector("textarea");
    if (!textarea) { return; }
    var arrived = textarea.value;
    var local = readDraft(draftKey(form));
    var serverSaved = Number(form.getAttribute("data-draft-saved")) || 0;
    if (serverSaved) {
      serverCopy.set(form, arrived);
      if (local && local.saved > serverSaved) {
        textarea.value = local.text;
        sendDraft(form, false);
      }
      if (textarea.value.trim()) { noteRestored(form); }
      return;
    }
    if (!arrived.trim() && local && local.text) {
      textarea.value = local.text;
      noteRestored(form);
    }
    serverCopy.set(form, textarea.value);
  }

  function settleSentDraft() {
    var session = store("sessionStorage");
    var sent = session && session.getItem(DRAFT_SENT);
    if (!sent) { return; }
    session.removeItem(DRAFT_SENT);
    // The "received" message is shown only after a comment was stored.
    if (document.querySelector(".flash--posted")) {
      var storage = store("localStorage");
      if (storage) { storage.removeItem(sent); }
    }
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form.comment-form__form");
    if (form && event.target.tagName === "TEXTAREA") {
      saveDraft(form);
      sendDraftSoon(form);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form.comment-form__form");
    if (!form || event.defaultPrevented) { return; }
    // The post carries the text: the server drops the draft once the comment is
    // stored, and keeps the text as the draft if it refuses it.
    clearTimeout(serverTimers.get(form));
    serverCopy.set(form, form.querySelector("textarea").value);
    var session = store("sessionStorage");
    if (!session) { return; }
    var posting = !event.submitter || event.submitter.value === "post";
    if (posting) {
      saveDraft(form);
      session.setItem(DRAFT_SENT, draftKey(form));
    }
  });

  function sendAllDrafts() {
    draftForms(document).forEach(function (form) { sendDraft(form, true); });
  }
  window.addEventListener("pagehide", sendAllDrafts);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { sendAllDrafts(); }
  });

  settleSentDraft();
  draftForms(document).forEach(startDraft);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-reply-to]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return; // other clicks, and "open in a new tab", keep their normal meaning
    }
    var mainForm = document.querySelector("#comment-form form");
    if (!mainForm) { return; } // no form on this page (e.g. sign-in needed): follow the link
    event.preventDefault();
    openReply(link, mainForm);
  });

  /* Destructive actions (delete, remove, spam) ask first. Without JavaScript they
     simply happen; every one is in the moderation log and nothing is hard-deleted. */
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  /* The queue's bulk form: rejecting or marking several comments as spam asks
     first, naming how many. Approving does not: it is what the queue is for. */
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-confirm-bulk]");
    if (!form) { return; }
    var action = form.querySelector('select[name="action"]');
    var chosen = action && action.options[action.selectedIndex];
    if (!chosen || chosen.value === "approve") { return; }
    var count = document.querySelectorAll('input[type="checkbox"][form="' + form.id + '"]:checked').length;
    if (!count) { return; } // the server explains that nothing was selected
    var what = count === 1 ? "1 comment" : count + " comments";
    if (!window.confirm(chosen.textContent.trim() + ": " + what + ". Are you sure?")) {
      event.preventDefault();
    }
  });

  /* The queue's "Select all on this page" (issue #18): ticks or clears every
     item's box at once. Without JavaScript the link reloads the page so ticked. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-select-all]");
    var form = link && link.closest("form");
    if (!form) { return; }
    event.preventDefault();
    var all = link.getAttribute("data-select-all") === "all";
    document.querySelectorAll('input[type="checkbox"][name="ids"][form="' + form.id + '"]').forEach(function (box) {
      box.checked = all;
    });
    link.setAttribute("data-select-all", all ? "none" : "all");
    link.textContent = all ? "Clear the selection" : "Select all on this page";
  });

  /* The staff menu (a <details>, which opens and closes without this): Escape
     or a click elsewhere folds it, as menus do. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = document.querySelector("details.staff-menu[open]");
    if (!menu) { return; }
    menu.open = false;
    menu.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    var menu = document.querySelector("details.staff-menu[open]");
    if (menu && !menu.contains(event.target)) { menu.open = false; }
  });

  /* Part A, canned reasons: picking one puts its text in the reason field to
     adjust. Without JavaScript the server uses the pick when the field is empty. */
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-fills]");
    var field = select && document.getElementById(select.getAttribute("data-fills"));
    if (field && select.value) { field.value = select.value; }
  });
}());
