/* Offers: the print button of the printable offer, the live discount of the chosen units,
   and keeping typed prices and details when the unit picker is filtered or paged. No
   inline scripts: the pages opt in with data-* attributes and ids. */
(function () {
  "use strict";

  // <button data-print>: print the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // <input data-list-price="…" data-discount-target="id">: show list price − price.
  var format = function (value) {
    return value.toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: 2, maximumFractionDigits: 2
    }) + "\u00a0zł";  // as the money filter shows amounts: "1 038 500,00 zł"
  };
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.getAttribute || !input.hasAttribute("data-list-price")) { return; }
    var cell = document.getElementById(input.getAttribute("data-discount-target"));
    if (!cell) { return; }
    var listPrice = parseFloat(input.getAttribute("data-list-price"));
    var price = parseFloat(input.value);
    if (isNaN(price)) { cell.textContent = "—"; return; }
    var discount = listPrice - price;
    var text = format(discount);
    if (listPrice > 0) {
      text += " (" + (discount / listPrice * 100).toLocaleString(document.documentElement.lang || undefined, {
        minimumFractionDigits: 1, maximumFractionDigits: 1
      }) + "%)";
    }
    cell.textContent = text;
  });

  // The picker (GET) carries the offer form's prices and details along, so that adding
  // units or changing a filter does not lose what was typed. Never the CSRF token.
  document.addEventListener("submit", function (event) {
    var picker = event.target;
    if (picker.id !== "offer-unit-picker") { return; }
    var offer = document.getElementById("offer-form");
    if (!offer) { return; }
    offer.querySelectorAll("input[name^='price_'], [name='client'], [name='valid_until'], [name='channel'], [name='notes']").forEach(function (field) {
      if (!field.value) { return; }
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = field.name;
      hidden.value = field.value;
      picker.appendChild(hidden);
    });
    // A chosen unit unticked in the offer form leaves the offer.
    offer.querySelectorAll("input[type='checkbox'][name='units']:not(:checked)").forEach(function (box) {
      picker.querySelectorAll("input[type='hidden'][name='units']").forEach(function (hidden) {
        if (hidden.value === box.value) { hidden.remove(); }
      });
    });
  });
})();
