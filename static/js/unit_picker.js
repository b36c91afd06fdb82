/* The unit picker of the reservation and contract forms: a search box that narrows the
   units as one types (number, investment, rooms, floor, state) and a list to pick from
   with the keyboard or a thumb. Progressive enhancement: the <select data-unit-picker>
   stays the form's field — hidden once the picker is built, kept in step with it — and
   works on its own without scripts. The texts come translated in its data-* attributes;
   no inline script or style (the CSP refuses them). */
(function () {
  "use strict";

  // "Żółta 3" finds "zolta 3": case and Polish diacritics do not matter ("ł" has no
  // decomposition of its own, hence its own replace).
  var fold = function (text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ł/g, "l");
  };

  // The option's text is "Akacjowa — M03 · 3 rooms · 54.20 m² · … · free" (the form's
  // label): its first part is the title, its last the state.
  var SEPARATOR = " · ";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function build(select) {
    var id = select.id;
    var multiple = select.multiple;
    var texts = select.dataset;
    var label = document.querySelector("label[for='" + id + "']");

    var wrap = element("div", "unit-picker");
    var search = element("input", "unit-picker__search");
    search.type = "search";
    search.id = id + "-search";
    search.autocomplete = "off";
    search.placeholder = texts.searchPlaceholder || "";
    search.setAttribute("aria-controls", id + "-list");
    var chosen = element("p", "unit-picker__chosen");
    chosen.id = id + "-chosen";
    chosen.setAttribute("aria-live", "polite");
    var list = element("ul", "unit-picker__list");
    list.id = id + "-list";
    list.tabIndex = 0;
    list.setAttribute("role", "listbox");
    if (multiple) { list.setAttribute("aria-multiselectable", "true"); }
    list.setAttribute("aria-describedby", chosen.id);
    var nothing = element("p", "unit-picker__nothing muted", texts.noMatch || "");
    nothing.hidden = true;
    if (label) {
      // The label now names the search box (a click on it lands there) and the list.
      label.id = label.id || id + "-label";
      label.htmlFor = search.id;
      list.setAttribute("aria-labelledby", label.id);
    }

    var entries = [];
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }  // "Choose a unit": the list needs no empty row
      var parts = option.text.split(SEPARATOR);
      var item = element("li", "unit-picker__option unit-picker__option--" + (option.dataset.state || "free"));
      item.id = id + "-option-" + option.value;
      item.setAttribute("role", "option");
      item.appendChild(element("span", "unit-picker__title", parts[0]));
      if (parts.length > 2) {
        item.appendChild(element("span", "unit-picker__details", parts.slice(1, -1).join(SEPARATOR)));
      }
      if (parts.length > 1) {
        item.appendChild(element("span", "unit-picker__state", parts[parts.length - 1]));
      }
      if (option.disabled) { item.setAttribute("aria-disabled", "true"); }
      entries.push({ item: item, option: option, text: fold(option.text), title: parts[0] });
      list.appendChild(item);
    });
    var byId = {};
    entries.forEach(function (entry) { byId[entry.item.id] = entry; });

    var active = null;
    var shown = function () { return entries.filter(function (entry) { return !entry.item.hidden; }); };
    var enabled = function (entry) { return !entry.option.disabled; };

    function setActive(entry) {
      if (active) { active.item.classList.remove("is-active"); }
      active = entry || null;
      if (active) {
        active.item.classList.add("is-active");
        list.setAttribute("aria-activedescendant", active.item.id);
        active.item.scrollIntoView({ block: "nearest" });
      } else {
        list.removeAttribute("aria-activedescendant");
      }
    }

    function move(step) {
      var visible = shown();
      if (!visible.length) { return; }
      var at = visible.indexOf(active);
      var next = at === -1 ? (step > 0 ? 0 : visible.length - 1) : at + step;
      setActive(visible[Math.min(Math.max(next, 0), visible.length - 1)]);
    }

    function sync() {
      var names = [];
      entries.forEach(function (entry) {
        entry.item.setAttribute("aria-selected", entry.option.selected ? "true" : "false");
        if (entry.option.selected) { names.push(entry.title); }
      });
      chosen.textContent = names.length
        ? (texts.chosenLabel || "") + " " + names.join(", ")
        : (texts.noneChosen || "");
      chosen.classList.toggle("unit-picker__chosen--none", !names.length);
    }

    // A click or Space toggles a unit of the contract's several; a reservation's one unit
    // is replaced. A taken unit (disabled, its reason shown) is never chosen.
    function choose(entry, toggle) {
      if (!entry || !enabled(entry)) { return; }
      entry.option.selected = multiple && toggle ? !entry.option.selected : true;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      sync();
    }

    function filter() {
      var words = fold(search.value).split(/\s+/).filter(Boolean);
      var count = 0;
      entries.forEach(function (entry) {
        var match = words.every(function (word) { return entry.text.indexOf(word) !== -1; });
        entry.item.hidden = !match;
        if (match) { count += 1; }
      });
      nothing.hidden = count > 0;
      list.hidden = count === 0;
      if (active && active.item.hidden) { setActive(null); }
    }

    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        list.focus();
      } else if (event.key === "Enter") {
        // Enter in the box takes the first unit that matches instead of sending the form.
        event.preventDefault();
        var first = shown().filter(enabled)[0];
        setActive(first);
        choose(first, false);
      }
    });

    list.addEventListener("focus", function () {
      if (active && !active.item.hidden) { return; }
      var visible = shown();
      setActive(visible.filter(function (entry) { return entry.option.selected; })[0] || visible[0]);
    });
    list.addEventListener("keydown", function (event) {
      var visible = shown();
      switch (event.key) {
        case "ArrowDown": move(1); break;
        case "ArrowUp":
          if (visible.indexOf(active) <= 0) { search.focus(); } else { move(-1); }
          break;
        case "Home": setActive(visible[0]); break;
        case "End": setActive(visible[visible.length - 1]); break;
        case " ": case "Enter": choose(active, true); break;
        default:
          // Typing in the list goes on in the search box.
          if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
            search.focus();
          }
          return;
      }
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[role='option']");
      if (!item) { return; }
      var entry = byId[item.id];
      setActive(entry);
      choose(entry, true);
    });

    wrap.appendChild(search);
    // The field's errors move up under the box, where the focus lands, not past the list.
    var errors = select.parentNode.querySelectorAll(".field__error");
    Array.prototype.forEach.call(errors, function (error, index) {
      error.id = error.id || id + "-error-" + index;
      wrap.appendChild(error);
    });
    if (errors.length) {
      search.setAttribute("aria-invalid", "true");
      search.setAttribute("aria-describedby", Array.prototype.map.call(errors, function (error) { return error.id; }).join(" "));
    }
    wrap.appendChild(chosen);
    wrap.appendChild(list);
    wrap.appendChild(nothing);
    select.parentNode.insertBefore(wrap, select);
    select.hidden = true;
    select.tabIndex = -1;
    sync();
    // The first chosen unit in sight in the list (not the page: no scrollIntoView here).
    var first = entries.filter(function (entry) { return entry.option.selected; })[0];
    if (first) { list.scrollTop = first.item.offsetTop; }
    // The form puts the focus on a field with an error: the select's is now the box's.
    if (select.hasAttribute("autofocus")) { search.focus(); }
  }

  function init() {
    document.querySelectorAll("select[data-unit-picker]").forEach(build);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
