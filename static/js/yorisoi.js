/* Yorisoi: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Katakana folded to hiragana, width and case folded, spaces and middle dots dropped, as the server's
  // search folds text (casework.search.normalise): "ﾎｳｶﾂ" finds "ほうかつ" and "ホウカツ".
  function fold(text) {
    return (text || "")
      .normalize("NFKC")
      .toLowerCase()
      .replace(/[\u30a1-\u30f6]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0x60); })
      .replace(/[\s\u30fb\u00b7]+/g, "");
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  /* Partner agencies "picked by typing": the <select multiple> stays the real input (and is what
     works without JavaScript); this adds a search box, matching suggestions and removable chips. */
  function enhancePicker(select) {
    if (select.dataset.enhanced) return;
    select.dataset.enhanced = "1";
    var inputId = select.id + "-search";
    var listId = select.id + "-suggestions";
    var wrap = el("div", { "class": "picker" });
    var chips = el("ul", { "class": "picker-chips", "aria-live": "polite" });
    var input = el("input", {
      type: "search", id: inputId, "class": "picker-input", autocomplete: "off", role: "combobox",
      "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId,
      placeholder: select.dataset.placeholder || "", enterkeyhint: "done"
    });
    var list = el("ul", { "class": "picker-suggestions", id: listId });
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (label) label.htmlFor = inputId;
    wrap.append(chips, input, list);
    select.after(wrap);
    select.classList.add("picker-native");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    // A hidden required <select> would block the submit with nothing to show; the server checks it
    // and answers with the form and its message.
    select.required = false;

    var options = Array.prototype.slice.call(select.options);
    options.forEach(function (o) { o._key = fold(o.text) + "|" + (o.dataset.search || ""); });

    function renderChips() {
      chips.replaceChildren();
      options.filter(function (o) { return o.selected; }).forEach(function (o) {
        var li = el("li", { "class": "chip selected" });
        li.append(el("span", {}, o.text));
        var remove = el("button", { type: "button", "class": "chip-remove",
          "aria-label": (select.dataset.removeLabel || "Remove") + ": " + o.text }, "×");
        remove.addEventListener("click", function () { o.selected = false; renderChips(); renderList(); input.focus(); });
        li.append(remove);
        chips.append(li);
      });
    }

    function pick(option) {
      option.selected = true;
      input.value = "";
      renderChips();
      renderList();
      input.focus();
    }

    function renderList() {
      list.replaceChildren();
      list.removeAttribute("role");
      var query = fold(input.value);
      if (!query) { input.setAttribute("aria-expanded", "false"); return; }
      var matches = options.filter(function (o) { return !o.selected && o._key.indexOf(query) !== -1; }).slice(0, 8);
      if (!matches.length) {
        list.append(el("li", { "class": "picker-empty" }, select.dataset.noMatch || ""));
      }
      // A listbox must own options: the list takes the role only while it shows some.
      if (matches.length) list.setAttribute("role", "listbox");
      matches.forEach(function (o, i) {
        var li = el("li", { role: "option", id: listId + "-" + i, "class": "picker-option", tabindex: "-1" }, o.text);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { pick(o); });
        li._option = o;
        list.append(li);
      });
      input.setAttribute("aria-expanded", matches.length ? "true" : "false");
    }

    input.addEventListener("input", renderList);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var first = list.querySelector(".picker-option");
        e.preventDefault(); // never submit the log by accident while picking
        if (first) pick(first._option);
      } else if (e.key === "Escape") {
        input.value = "";
        renderList();
      } else if (e.key === "ArrowDown") {
        var firstOption = list.querySelector(".picker-option");
        if (firstOption) { e.preventDefault(); firstOption.focus(); }
      }
    });
    // Arrow keys move through the suggestions; Enter or Space picks; Escape goes back to typing.
    list.addEventListener("keydown", function (e) {
      var current = e.target.closest(".picker-option");
      if (!current) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        var next = e.key === "ArrowDown" ? current.nextElementSibling : current.previousElementSibling;
        if (next && next.classList.contains("picker-option")) next.focus(); else if (e.key === "ArrowUp") input.focus();
      } else if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        pick(current._option);
      } else if (e.key === "Escape") {
        input.focus();
      }
    });
    renderChips();
  }

  // Quick minutes: a tap fills the number box; the chip matching the box shows as pressed.
  function syncMinuteChips(field) {
    var input = field.querySelector('input[type="number"]');
    field.querySelectorAll("[data-set-minutes]").forEach(function (chip) {
      chip.setAttribute("aria-pressed", String(!!input && input.value === chip.dataset.setMinutes));
    });
  }

  function setMinutes(button) {
    var field = button.closest(".field");
    var input = field && field.querySelector('input[type="number"]');
    if (input) {
      input.value = button.dataset.setMinutes;
      syncMinuteChips(field);
    }
  }

  document.addEventListener("input", function (e) {
    var field = e.target.closest && e.target.closest(".field-minutes");
    if (field) syncMinuteChips(field);
  });

  function enhance(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("select[data-agency-picker]").forEach(enhancePicker);
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-set-minutes]");
    if (button) setMinutes(button);
    var toggle = e.target.closest && e.target.closest(".site-menu-toggle");
    if (toggle) setMenuOpen(toggle, toggle.getAttribute("aria-expanded") !== "true");
  });

  // The phone header's menu: a disclosure button; Escape closes it and gives the focus back to the button.
  function setMenuOpen(toggle, open) {
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) return;
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  }
  document.addEventListener("keydown", function (e) {
    var toggle = document.querySelector('.site-menu-toggle[aria-expanded="true"]');
    if (e.key !== "Escape" || !toggle || !e.target.closest) return;
    if (e.target === toggle || e.target.closest(".site-nav")) { setMenuOpen(toggle, false); toggle.focus(); }
  });

  // Buttons that end someone's access ask first: <form data-confirm="...">. Without JavaScript they just submit.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // Content swapped in by htmx (a fresh quick-log form after saving) is enhanced again.
  document.addEventListener("htmx:load", function (e) { enhance(e.detail.elt.parentNode || document); });

  // A failed htmx request (404, 500, network) must not fail silently.
  function showError() {
    var toast = document.getElementById("toast");
    if (!toast) return;
    toast.textContent = document.body.dataset.errorMessage;
    toast.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(function () { toast.hidden = true; }, 6000);
  }
  document.addEventListener("htmx:responseError", showError);
  document.addEventListener("htmx:sendError", showError);
})();
