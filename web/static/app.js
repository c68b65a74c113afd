// Progressive enhancement only: every feature here also works without JavaScript.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var TOP_VALUES = 8;

  // Facet checkboxes apply at once; empty date fields are left out of the URL.
  function enhanceFacetForm(form) {
    form.addEventListener("change", function (event) {
      if (event.target.type === "checkbox" || event.target.tagName === "SELECT") form.requestSubmit();
    });
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name]").forEach(function (input) {
        if (input.type !== "checkbox" && input.value.trim() === "") input.disabled = true;
      });
    });
  }

  // Long lists: a filter box, and only the top values until "show more".
  function enhanceLongList(fieldset) {
    var items = Array.prototype.slice.call(fieldset.querySelectorAll("li"));
    var title = fieldset.querySelector("legend").textContent.trim();
    var box = document.createElement("input");
    box.type = "search";
    box.className = "facet-filter";
    box.placeholder = "Filter " + title.toLowerCase() + "…";
    box.setAttribute("aria-label", "Filter " + title);
    var none = document.createElement("p");
    none.className = "no-match";
    none.setAttribute("role", "status");
    none.textContent = "no match";
    var more = document.createElement("button");
    more.type = "button";
    more.className = "more";
    var expanded = false;

    function render() {
      var needle = box.value.trim().toLowerCase();
      var shown = 0;
      items.forEach(function (item, i) {
        var text = item.querySelector(".value").textContent.toLowerCase();
        var checked = item.querySelector("input").checked;
        var visible = needle ? text.indexOf(needle) !== -1
                             : expanded || i < TOP_VALUES || checked;
        item.hidden = !visible;
        if (visible) shown += 1;
      });
      none.hidden = !(needle && shown === 0);
      more.hidden = Boolean(needle) || items.length <= TOP_VALUES;
      more.textContent = expanded ? "Show fewer" : "Show all " + items.length;
      more.setAttribute("aria-expanded", String(expanded));
    }
    box.addEventListener("input", render);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();  // filtering, not submitting
    });
    more.addEventListener("click", function () { expanded = !expanded; render(); });
    fieldset.querySelector("ul").before(box);
    fieldset.querySelector("ul").after(none);
    fieldset.appendChild(more);
    render();
  }

  // Article page: previous/next buttons and the n / p keys step through the matches.
  function enhanceMatches(nav) {
    var marks = Array.prototype.slice.call(document.querySelectorAll("mark[id^='m']"));
    if (!marks.length) return;
    var current = -1;
    var status = document.createElement("span");
    status.className = "match-position";
    status.setAttribute("aria-live", "polite");

    function go(index) {
      if (current >= 0) marks[current].classList.remove("current");
      current = (index + marks.length) % marks.length;
      var mark = marks[current];
      mark.classList.add("current");
      mark.focus({ preventScroll: true });
      mark.scrollIntoView({ block: "center" });
      history.replaceState(null, "", "#" + mark.id);
      status.textContent = "Match " + (current + 1) + " of " + marks.length;
    }
    function button(label, step) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", function () { go(current < 0 && step < 0 ? -1 : current + step); });
      return b;
    }
    var prev = button("← Previous", -1), next = button("Next →", 1);
    prev.className = "match-prev";
    next.className = "match-next";
    nav.querySelector(".match-count").after(prev, next, status);
    nav.querySelector(".match-keys").hidden = false;
    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "n" || event.key === "j") go(current + 1);
      else if (event.key === "p" || event.key === "k") go(current < 0 ? -1 : current - 1);
    });
    var start = marks.findIndex(function (m) { return "#" + m.id === location.hash; });
    if (start >= 0) go(start);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.facet-form").forEach(enhanceFacetForm);
    document.querySelectorAll("fieldset.facet.long").forEach(enhanceLongList);
    var nav = document.querySelector("nav.matches");
    if (nav) enhanceMatches(nav);
  });
})();
