/* The lead form's pickers: add a searched client or contractor as a chip, remove chips
   with the mouse or the keyboard, keep Enter in a search box from submitting the form, and
   take over the client created in the "add client" dialog. Chips are rendered by the
   server (a <template> next to each search result, or in the dialog's answer); this file
   only moves them, so no user text is ever turned into HTML here. */
(function () {
  "use strict";

  function chipList(name) {
    return document.querySelector('[data-chips="' + name + '"]');
  }

  function searchBox(name) {
    var picker = document.querySelector('[data-picker="' + name + '"]');
    return picker && picker.querySelector("[data-picker-search]");
  }

  // Append the chip of a <template> to its picker unless that object is chosen already.
  function addChip(name, template) {
    var list = chipList(name);
    var chip = template.content.querySelector(".chip");
    if (!list || !chip) { return false; }
    if (list.querySelector('.chip[data-pk="' + chip.getAttribute("data-pk") + '"]')) {
      return false;
    }
    list.appendChild(document.importNode(chip, true));
    return true;
  }

  function markPicked(button) {
    button.disabled = true;
    button.setAttribute("aria-pressed", "true");
  }

  // Results arriving for a search: disable "Add" for what is chosen already.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    target.querySelectorAll("[data-pick]").forEach(function (button) {
      var list = chipList(button.getAttribute("data-pick"));
      if (list && list.querySelector('.chip[data-pk="' + button.getAttribute("data-pk") + '"]')) {
        markPicked(button);
      }
    });

    // The dialog saved a client: take its chip over and close the dialog.
    var created = target.querySelector("template[data-created-chip]");
    if (created) {
      var name = created.getAttribute("data-created-chip");
      addChip(name, created);
      var dialog = target.closest("dialog");
      if (dialog) { dialog.close(); }
      var box = searchBox(name);
      if (box) { box.focus(); }
    }
  });

  // A closed dialog forgets its form, so that opening it again shows a fresh one and never
  // the previous one for the moment the new one loads.
  var placeholders = new Map();
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dialog-body]").forEach(function (body) {
      placeholders.set(body, Array.from(body.childNodes, function (node) {
        return node.cloneNode(true);
      }));
    });
  });
  document.addEventListener("close", function (event) {
    if (!(event.target instanceof HTMLDialogElement)) { return; }
    event.target.querySelectorAll("[data-dialog-body]").forEach(function (body) {
      var placeholder = placeholders.get(body) || [];
      body.replaceChildren.apply(body, placeholder.map(function (node) {
        return node.cloneNode(true);
      }));
    });
  }, true);

  // The dialog's form arrived: put the keyboard on its first field.
  document.addEventListener("htmx:afterSettle", function (event) {
    var dialog = event.detail.target.closest && event.detail.target.closest("dialog");
    if (!dialog || !dialog.open) { return; }
    // In this order of preference: querySelector with one selector list would take
    // whichever comes first in the document, the "kind" select above the field in error.
    var first = [
      ".field--error input, .field--error select, .field--error textarea",
      "[autofocus]",
      "input:not([type=hidden]), select, textarea"
    ].reduce(function (found, selector) {
      return found || dialog.querySelector(selector);
    }, null);
    if (first) { first.focus(); }
  });

  document.addEventListener("click", function (event) {
    var pick = event.target.closest && event.target.closest("[data-pick]");
    if (pick) {
      var name = pick.getAttribute("data-pick");
      var template = pick.parentNode.querySelector("template");
      if (template) { addChip(name, template); }
      markPicked(pick);
      var box = searchBox(name);
      if (box) { box.focus(); }
      return;
    }
    var remove = event.target.closest && event.target.closest("[data-remove-chip]");
    if (remove) {
      var chip = remove.closest(".chip");
      var list = chip.parentNode;
      // Keep the keyboard in the list: the next chip, else the previous, else the search box.
      var neighbour = chip.nextElementSibling || chip.previousElementSibling;
      var picker = chip.closest("[data-picker]");
      var pk = chip.getAttribute("data-pk");
      chip.remove();
      if (picker) {
        picker.querySelectorAll('[data-pick][data-pk="' + pk + '"]').forEach(function (button) {
          button.disabled = false;
          button.removeAttribute("aria-pressed");
        });
      }
      if (neighbour) {
        neighbour.querySelector("[data-remove-chip]").focus();
      } else if (picker) {
        picker.querySelector("[data-picker-search]").focus();
      } else {
        list.focus();
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    // Delete or Backspace on a chip's button removes the chip, as a click does.
    if ((event.key === "Delete" || event.key === "Backspace") &&
        event.target.matches && event.target.matches("[data-remove-chip]")) {
      event.preventDefault();
      event.target.click();
      return;
    }
    if (!(event.target.matches && event.target.matches("[data-picker-search]"))) { return; }
    if (event.key === "Enter" || event.key === "ArrowDown") {
      // Enter searches, it never submits the lead form; both keys go to the first result.
      event.preventDefault();
      var results = document.getElementById(event.target.getAttribute("aria-controls"));
      var first = results && results.querySelector("[data-pick]:not([disabled])");
      if (first) {
        first.focus();
      } else if (event.key === "Enter" && window.htmx) {
        window.htmx.trigger(event.target, "search");
      }
    }
  });
})();
