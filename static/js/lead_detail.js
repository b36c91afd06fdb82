/* The lead page. Opening and closing dialogs is lejek.js's job (data-open-dialog /
   data-close-dialog); the openers here are links that work without JavaScript too, so with
   it they must not also navigate. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-open-dialog], a[data-close-dialog]");
    if (link) { event.preventDefault(); }
  });

  // "More" (a <details> menu of the action bar): Escape closes it and gives the focus back to
  // its button; a click or a tap elsewhere closes it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.lead-more[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.lead-more[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });

  // A dialog the server rendered open (asked for by URL, or a refused form with its errors)
  // shows in the page without JavaScript; with it, it becomes a proper modal.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog[open][data-modal-on-load]").forEach(function (dialog) {
      dialog.close();
      dialog.showModal();
    });
  });
})();
