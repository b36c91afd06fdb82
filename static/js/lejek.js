/* Lejek's small shared behaviours. No inline scripts anywhere: pages opt in with data-*
   attributes, so a strict Content Security Policy holds. */
(function () {
  "use strict";

  // <form data-confirm="Are you sure?">: ask before a destructive action.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  // <input type="checkbox" data-select-all="name">: tick or untick every checkbox `name`.
  document.addEventListener("change", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-select-all");
    if (!name) { return; }
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  // <span class="badge" data-badge-colour="#1f77b4">: a status's colour, chosen by an
  // administrator. Set through the CSSOM, which the Content Security Policy allows, where a
  // style="" attribute would need 'unsafe-inline'; for rows and cards that htmx or our
  // scripts add later too.
  function paintBadges(root) {
    if (!root.querySelectorAll) { return; }
    var badges = Array.prototype.slice.call(root.querySelectorAll("[data-badge-colour]"));
    if (root.matches && root.matches("[data-badge-colour]")) { badges.push(root); }
    badges.forEach(function (badge) {
      var colour = badge.getAttribute("data-badge-colour");
      badge.style.setProperty("--badge-colour", colour);
      // White text where it stands out more than black does (WCAG contrast): an
      // administrator's mid-tone colour would leave white text unreadable.
      var white = contrastWithWhite(colour);
      if (white < 21 / white) { badge.style.setProperty("color", "#000"); }
    });
  }

  // The contrast of white text on a #rrggbb background (WCAG 2 relative luminance); black
  // text's is 21 divided by it.
  function contrastWithWhite(hex) {
    var match = /^#([0-9a-f]{6})$/i.exec(hex || "");
    if (!match) { return 21; }
    var channels = [0, 2, 4].map(function (start) {
      var value = parseInt(match[1].substr(start, 2), 16) / 255;
      return value <= 0.03928 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
    return 1.05 / (luminance + 0.05);
  }
  paintBadges(document);
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) { mutation.addedNodes.forEach(paintBadges); });
  }).observe(document.documentElement, { childList: true, subtree: true });

  // <dialog data-open-on-load>: show a dialog rendered by the server (e.g. with errors).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) {
      dialog.showModal();
    });
  });

  // <button data-open-dialog="id"> / <button data-close-dialog>: open and close dialogs.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog) { dialog.showModal(); }
      return;
    }
    var closer = event.target.closest && event.target.closest("[data-close-dialog]");
    if (closer) {
      var parent = closer.closest("dialog");
      if (parent) { parent.close(); }
    }
  });

  // The menu drawer of a narrow screen (base.html's top bar, the sidebar's close button):
  // without scripts the links open it as #sidebar's target; here it opens in place, says
  // so to assistive technology, moves the focus into it, and closes with Escape, the close
  // button or a tap beside it.
  function drawer(open) {
    var layout = document.querySelector(".layout");
    var opener = document.querySelector("[data-drawer-open]");
    if (!layout || !opener) { return; }
    layout.classList.toggle("layout--drawer-open", open);
    opener.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = document.querySelector("#sidebar a[href]:not([data-drawer-close])");
      if (first) { first.focus(); }
    } else {
      opener.focus();
    }
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    if (event.target.closest("[data-drawer-open]")) {
      event.preventDefault();
      drawer(true);
    } else if (event.target.closest("[data-drawer-close]")) {
      event.preventDefault();
      drawer(false);
    } else if (document.querySelector(".layout--drawer-open") && !event.target.closest("#sidebar")) {
      drawer(false);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.querySelector(".layout--drawer-open")) {
      drawer(false);
    }
  });

  // A table wider than a narrow screen scrolls inside itself (lejek.css): it takes the
  // focus then, so that the keyboard scrolls it too (and axe's scrollable-region rule).
  function focusableScrollers() {
    document.querySelectorAll("table.table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        if (!table.hasAttribute("tabindex")) { table.setAttribute("tabindex", "0"); }
      } else if (table.getAttribute("tabindex") === "0") {
        table.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", focusableScrollers);
  document.addEventListener("htmx:afterSettle", focusableScrollers);
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(focusableScrollers, 150);
  });

  // <a href="tel:…" data-log-call="/leads/7/conversations/new/?client=3">: once a phone was
  // tapped, the page offers to log the call, its form prefilled (kind, now, the client).
  document.addEventListener("click", function (event) {
    var phone = event.target.closest && event.target.closest("a[data-log-call]");
    if (!phone) { return; }
    var offer = document.getElementById("log-call-offer");
    if (!offer) {
      offer = document.createElement("div");
      offer.id = "log-call-offer";
      offer.className = "log-call-offer";
      offer.setAttribute("role", "status");
      offer.appendChild(document.createElement("a"));
      document.body.appendChild(offer);
    }
    var link = offer.querySelector("a");
    link.href = phone.getAttribute("data-log-call");
    link.className = "button button--primary";
    link.textContent = document.body.getAttribute("data-log-call-label") + " · " + phone.textContent;
    offer.hidden = false;
  });

  // <details data-choice-picker> (crm/core/widgets.py ChoicePicker): typing in its search
  // field hides the choices that do not match (diacritics ignored: "lodz" finds "Łódź"),
  // and the summary names what is ticked, or "all".
  function folded(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ł/g, "l");
  }
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-choice-search]")) { return; }
    var wanted = folded(event.target.value.trim());
    var picker = event.target.closest("[data-choice-picker]");
    picker.querySelectorAll("li").forEach(function (item) {
      item.hidden = wanted !== "" && folded(item.textContent).indexOf(wanted) === -1;
    });
  });
  document.addEventListener("change", function (event) {
    var picker = event.target.closest && event.target.closest("[data-choice-picker]");
    if (!picker || event.target.type !== "checkbox") { return; }
    var chosen = [];
    picker.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      chosen.push(box.parentNode.textContent.trim());
    });
    picker.querySelector("[data-choice-summary]").textContent =
      chosen.length ? chosen.join(", ") : picker.getAttribute("data-all-label");
  });
  // The search field only narrows the list: its change is no filter's change (the lead
  // list's filters reload on change).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-choice-search]")) {
      event.stopPropagation();
    }
  }, true);
  // Enter in a picker's search field narrows the list; it must not submit the filters.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-choice-search]")) {
      event.preventDefault();
    }
  });
  // A picker closes when the focus or a click leaves it, as a select's list does.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("[data-choice-picker][open]").forEach(function (picker) {
      if (!picker.contains(event.target)) { picker.open = false; }
    });
  });

  // <div data-bulk-bar> in a form of rows with <input name="selected">: its controls show
  // once a row is ticked; until then a one-line hint stands in for them.
  function syncBulkBars() {
    document.querySelectorAll("[data-bulk-bar]").forEach(function (bar) {
      var form = bar.closest("form");
      var ticked = form && form.querySelector('input[name="selected"]:checked');
      bar.classList.toggle("bulk-bar--idle", !ticked);
    });
  }
  document.addEventListener("DOMContentLoaded", syncBulkBars);
  document.addEventListener("htmx:afterSettle", syncBulkBars);
  document.addEventListener("change", function (event) {
    if (event.target.name === "selected" || event.target.hasAttribute("data-select-all")) {
      syncBulkBars();
    }
  });
})();
