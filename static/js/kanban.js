/* The lead board: drag a card to another column — or, from the keyboard, press the card's
   "Move…" button and pick a status — to change the lead's status; "More" loads the next
   cards of a column. The server decides: a refused move snaps the card back to its column
   and shows the server's message. */
(function () {
  "use strict";

  var board = document.querySelector("[data-kanban]");
  if (!board) { return; }
  var messageBox = document.getElementById("kanban-message");
  var menu = document.getElementById("kanban-move");
  var menuForm = menu.querySelector("form[data-kanban-move]");
  var dragged = null;
  var menuCard = null;

  function showMessage(text, kind) {
    messageBox.textContent = text;
    messageBox.className = "message kanban-message message--" + kind;
  }

  function columnOf(element) { return element.closest("[data-column]"); }

  function cardsOf(column) { return column.querySelector("[data-cards]"); }

  function addToCount(column, delta) {
    var count = column.querySelector("[data-count]");
    if (count.hasAttribute("data-capped")) { return; }  // "1000+" stays "1000+"
    count.textContent = String(parseInt(count.textContent, 10) + delta);
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  // Move the card at once, ask the server, and put the card back if it says no.
  function move(card, target, focusAfter) {
    var source = columnOf(card);
    if (!target || target === source || card.getAttribute("aria-busy") === "true") { return; }
    var home = { parent: card.parentNode, next: card.nextSibling };
    var list = cardsOf(target);
    list.insertBefore(card, list.firstElementChild);  // where the user looks for it
    addToCount(source, -1);
    addToCount(target, +1);
    card.classList.remove("is-refused");
    card.setAttribute("aria-busy", "true");

    function snapBack(message) {
      home.parent.insertBefore(card, home.next);
      addToCount(source, +1);
      addToCount(target, -1);
      card.removeAttribute("aria-busy");
      card.classList.add("is-refused");
      showMessage(message, "error");
      if (focusAfter) { card.querySelector("[data-kanban-menu]").focus(); }
    }

    var body = new FormData();
    body.set("csrfmiddlewaretoken", menuForm.elements.csrfmiddlewaretoken.value);
    body.set("status", target.dataset.column);
    fetch(card.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (answer) {
        return { ok: response.ok, answer: answer };
      }, function () {
        return { ok: false, answer: {} };
      });
    }).then(function (result) {
      if (!result.ok) {
        snapBack(result.answer.message || board.dataset.errorMessage);
        return;
      }
      var fresh = fromHtml(result.answer.card).querySelector(".kanban-card");
      card.replaceWith(fresh);
      showMessage(result.answer.message, "success");
      if (focusAfter) { fresh.querySelector("[data-kanban-menu]").focus(); }
    }).catch(function () {
      snapBack(board.dataset.errorMessage);
    });
  }

  // Dragging with the mouse (native HTML5 drag and drop).
  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".kanban-card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.lead);
  });

  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("is-dragging"); }
    dragged = null;
    board.querySelectorAll(".is-drop-target").forEach(function (column) {
      column.classList.remove("is-drop-target");
    });
  });

  function dropTarget(event) {
    var column = event.target.closest && event.target.closest("[data-drop]");
    return column && dragged && column !== columnOf(dragged) ? column : null;
  }

  board.addEventListener("dragover", function (event) {
    var column = dropTarget(event);
    if (!column) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("is-drop-target");
  });

  board.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest("[data-drop]");
    if (column && !column.contains(event.relatedTarget)) {
      column.classList.remove("is-drop-target");
    }
  });

  board.addEventListener("drop", function (event) {
    var column = dropTarget(event);
    if (!column) { return; }
    event.preventDefault();
    column.classList.remove("is-drop-target");
    var card = dragged;
    dragged = null;
    card.classList.remove("is-dragging");
    move(card, column, false);
  });

  // The card's "Move…" button opens the one "move to" menu of the board.
  board.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-kanban-menu]");
    if (!button) { return; }
    menuCard = button.closest(".kanban-card");
    var current = columnOf(menuCard).dataset.column;
    menuForm.action = menuCard.dataset.moveUrl;
    menu.querySelector("[data-kanban-move-lead]").textContent =
      menuCard.querySelector(".kanban-card__name").textContent;
    var first = null;
    menu.querySelectorAll("button[name=status]").forEach(function (choice) {
      choice.disabled = choice.value === current;
      choice.setAttribute("aria-current", choice.value === current ? "true" : "false");
      if (!choice.disabled && !first) { first = choice; }
    });
    menu.showModal();
    if (first) { first.focus(); }
  });

  menuForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var choice = event.submitter;
    menu.close();
    if (!menuCard || !choice) { return; }
    var target = board.querySelector('[data-drop][data-column="' + choice.value + '"]');
    move(menuCard, target, true);
    menuCard = null;
  });

  // "More": the next cards of one column, counted from the cards it shows now.
  board.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-kanban-more]");
    if (!link) { return; }
    event.preventDefault();
    var column = columnOf(link);
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("offset", String(cardsOf(column).querySelectorAll(".kanban-card").length));
    link.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var content = fromHtml(html);
        content.querySelectorAll(".kanban-card").forEach(function (card) {
          if (!document.getElementById(card.id)) { cardsOf(column).appendChild(card); }
        });
        var nextLink = content.querySelector("a[data-kanban-more]");
        if (nextLink) { link.replaceWith(nextLink); } else { link.remove(); }
      })
      .catch(function () {
        link.removeAttribute("aria-busy");
        showMessage(board.dataset.loadErrorMessage, "error");
      });
  });
})();
