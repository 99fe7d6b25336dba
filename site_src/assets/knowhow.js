/* Facets for the portal's index tables. Vanilla JS, no dependencies.
 *
 * Without this script every index is a complete plain table. With it, the facet form (rendered
 * `hidden` by the generator) appears; ticking options filters rows instantly: OR within a facet,
 * AND across facets, plus free words. Counts next to each option say how many rows that option
 * would give together with the other facets. The selection lives in the URL query, so a filtered
 * view can be shared and a reload restores it. Facility x support level is matched as a pair
 * ("develops at ESRF", not "ESRF and someone develops") through the rows' data-pairs tokens.
 */
(function () {
  "use strict";

  function tokens(value) {
    return value ? value.split(" ").filter(Boolean) : [];
  }

  function rowData(tr) {
    var facets = {};
    Object.keys(tr.dataset).forEach(function (key) {
      if (key.length > 1 && key.charAt(0) === "f" && key.charAt(1) === key.charAt(1).toUpperCase()) {
        var name = key.charAt(1).toLowerCase() + key.slice(2);
        facets[name] = new Set(tokens(tr.dataset[key]));
      }
    });
    /* The word filter reads the cells plus data-words: the description and techniques. */
    var text = tr.textContent + " " + (tr.dataset.words || "");
    return { tr: tr, facets: facets, pairs: tokens(tr.dataset.pairs), text: text.toLowerCase() };
  }

  function pairOk(d, fac, sup) {
    for (var i = 0; i < d.pairs.length; i++) {
      var p = d.pairs[i].split(":");
      if (fac.has(p[0]) && sup.has(p[1])) return true;
    }
    return false;
  }

  function matches(d, sel) {
    for (var name in sel) {
      var have = d.facets[name];
      if (!have) return false;
      var ok = false;
      sel[name].forEach(function (v) { if (have.has(v)) ok = true; });
      if (!ok) return false;
    }
    if (sel.facility && sel.support && d.pairs.length) return pairOk(d, sel.facility, sel.support);
    return true;
  }

  function setup(form) {
    if (form.dataset.khReady) return;
    form.dataset.khReady = "1";
    var ids = tokens(form.dataset.khFor);
    var rows = [];
    ids.forEach(function (id) {
      var table = document.getElementById(id);
      if (table && table.tBodies.length) rows = rows.concat(Array.prototype.map.call(table.tBodies[0].rows, rowData));
    });
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox]"));
    var words = form.querySelector("input[type=search]");
    var status = document.querySelector('[data-kh-status="' + form.dataset.khFor + '"]');

    function selection() {
      var sel = {};
      boxes.forEach(function (b) {
        if (b.checked) (sel[b.name] = sel[b.name] || new Set()).add(b.value);
      });
      return sel;
    }

    function writeUrl(sel) {
      var params = new URLSearchParams();
      Object.keys(sel).sort().forEach(function (name) {
        Array.from(sel[name]).sort().forEach(function (v) { params.append(name, v); });
      });
      if (words && words.value.trim()) params.set("q", words.value.trim());
      var query = params.toString();
      var url = location.pathname + (query ? "?" + query : "") + location.hash;
      if (url !== location.pathname + location.search + location.hash) history.replaceState(history.state, "", url);
    }

    function apply() {
      var sel = selection();
      var terms = words ? words.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      var candidates = rows.filter(function (d) {
        return terms.every(function (t) { return d.text.indexOf(t) !== -1; });
      });
      var shown = 0;
      var visible = new Set();
      candidates.forEach(function (d) { if (matches(d, sel)) { visible.add(d); shown++; } });
      rows.forEach(function (d) { d.tr.hidden = !visible.has(d); });
      boxes.forEach(function (b) {
        var trial = Object.assign({}, sel);
        trial[b.name] = new Set([b.value]);
        var n = 0;
        candidates.forEach(function (d) { if (matches(d, trial)) n++; });
        var count = b.parentNode.querySelector(".kh-count");
        if (count) {
          count.textContent = String(n);
          count.setAttribute("aria-label", n + (n === 1 ? " entry" : " entries"));
        }
        b.parentNode.classList.toggle("kh-zero", n === 0 && !b.checked);
      });
      if (status) {
        status.textContent = shown === rows.length ? entries(rows.length) + "." :
          "Showing " + shown + " of " + entries(rows.length) + ".";
      }
      if (opener) {
        var picked = boxes.filter(function (b) { return b.checked; }).length;
        opener.textContent = opener.dataset.label + (picked ? " (" + picked + ")" : "");
      }
      writeUrl(sel);
    }

    var opener = document.querySelector('.kh-filters-open[aria-controls="' + form.id + '"]');
    drawer(form, opener);
    var params = new URLSearchParams(location.search);
    boxes.forEach(function (b) {
      b.checked = params.getAll(b.name).indexOf(b.value) !== -1;
    });
    showAll(form);
    if (words) words.value = params.get("q") || "";
    form.hidden = false;
    form.addEventListener("change", apply);
    if (words) words.addEventListener("input", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    apply();
  }

  function entries(n) { return n + (n === 1 ? " entry" : " entries"); }

  /* Long facets show their first options and a "Show all N" button; ticked options always show. */
  function showAll(form) {
    /* A facet with a ticked option (from the URL) is unfolded, so the selection is always in view. */
    Array.prototype.forEach.call(form.querySelectorAll("details.kh-facet-box"), function (d) {
      if (d.querySelector("input:checked")) d.open = true;
    });
    Array.prototype.forEach.call(form.querySelectorAll(".kh-facet__all"), function (button) {
      var set = button.closest("fieldset");
      var label = button.textContent;
      function expand(on) {
        set.classList.toggle("kh-facet--all", on);
        button.setAttribute("aria-expanded", on ? "true" : "false");
        button.textContent = on ? "Show fewer" : label;
      }
      button.addEventListener("click", function () { expand(!set.classList.contains("kh-facet--all")); });
      if (set.querySelector(".kh-facet__more input:checked")) expand(true);
    });
  }

  /* Narrow screens: the filters live in a drawer opened by a button; Escape or "Done" closes it. */
  function drawer(form, opener) {
    if (!opener) return;
    opener.dataset.label = opener.textContent;
    opener.hidden = false;
    var close = form.querySelector(".kh-filters-close");
    function set(open) {
      form.classList.toggle("kh-facets--open", open);
      document.documentElement.classList.toggle("kh-drawer-open", open);
      opener.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { var first = form.querySelector("input"); if (first) first.focus(); } else opener.focus();
    }
    opener.addEventListener("click", function () { set(true); });
    if (close) close.addEventListener("click", function () { set(false); });
    form.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && form.classList.contains("kh-facets--open")) set(false);
    });
  }

  /* Sortable tables: each header becomes a button; numbers sort as numbers, the rest as text.
   * A cell's data-sort (an ISO date, for example) is what it sorts by when present. */
  function cellValue(tr, i) {
    var cell = tr.children[i];
    if (cell && cell.dataset.sort) return { text: cell.dataset.sort, num: null };
    var text = cell ? cell.textContent.trim() : "";
    if (/^[\u2013\u2014-]?$/.test(text)) return { text: "", num: null };  /* blank or a dash: no value */
    var num = parseFloat(text.replace(/,/g, "").replace(/^[^0-9.+-]+/, ""));
    return { text: text, num: isNaN(num) ? null : num };
  }

  function sortable(table) {
    if (table.dataset.khSortable) return;
    table.dataset.khSortable = "1";
    var heads = table.querySelectorAll("thead th");
    var body = table.tBodies[0];
    if (!body) return;
    Array.prototype.forEach.call(heads, function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kh-sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") !== "descending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = rows.every(function (r) {
          var v = cellValue(r, i); return v.text === "" || (v.num !== null && !r.children[i].dataset.sort);
        });
        /* Cells without a value stay at the bottom in both directions. */
        rows.sort(function (a, b) {
          var x = cellValue(a, i), y = cellValue(b, i), d;
          if (numeric) {
            if (x.num === null || y.num === null) return (x.num === null) - (y.num === null);
            d = x.num - y.num;
          } else if (x.text === "" || y.text === "") {
            return (x.text === "") - (y.text === "");
          } else {
            d = x.text.localeCompare(y.text);
          }
          return descending ? -d : d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  /* A table box that scrolls sideways (a wide table on a phone) must be reachable by keyboard:
   * it becomes a focusable, named region while, and only while, it scrolls. */
  function regions() {
    Array.prototype.forEach.call(document.querySelectorAll(".kh-table-wrap:not([data-kh-fixed])"), function (w) {
      var caption = w.querySelector("caption");
      if (w.scrollWidth > w.clientWidth + 1) {
        w.setAttribute("tabindex", "0");
        w.setAttribute("role", "region");
        w.setAttribute("aria-label", (caption ? caption.textContent : "Table") + " (scrolls sideways)");
      } else {
        w.removeAttribute("tabindex");
        w.removeAttribute("role");
        w.removeAttribute("aria-label");
      }
    });
  }

  function init() {
    regions();
    Array.prototype.forEach.call(document.querySelectorAll("form.kh-facets"), setup);
    Array.prototype.forEach.call(document.querySelectorAll("table.kh-sortable"), sortable);
  }

  window.addEventListener("resize", regions);
  window.addEventListener("load", regions);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  /* Material's instant navigation swaps pages without a reload; it announces each on document$. */
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
})();
