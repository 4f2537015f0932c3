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
    form.querySelector('input[name="parent_id"]').value = parentId;
    var textarea = form.querySelector("textarea");
    textarea.value = "";
    suffixIds(form, "-reply-" + parentId);

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
    cancel.addEventListener("click", function () { closeReply(box, link); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { closeReply(box, link); }
    });

    var actions = link.closest(".comment__actions") || link;
    actions.insertAdjacentElement("afterend", box);
    link.setAttribute("aria-expanded", "true");
    textarea.focus();
  }

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

  /* Part A, canned reasons: picking one puts its text in the reason field to
     adjust. Without JavaScript the server uses the pick when the field is empty. */
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-fills]");
    var field = select && document.getElementById(select.getAttribute("data-fills"));
    if (field && select.value) { field.value = select.value; }
  });
}());
