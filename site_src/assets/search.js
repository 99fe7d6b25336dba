/* Full-text search over the Pagefind index (site/pagefind/), for the header box of every page and
 * the search page (search/). Vanilla JS, no dependencies; Pagefind's own pagefind.js is loaded
 * from the site on first use and fetches only the index chunks a query needs.
 *
 * Everything shown comes from data, so it is written as text (textContent), never as HTML. The
 * one exception, Pagefind's highlighted excerpt, is parsed in an inert document and rebuilt from
 * its text and <mark> elements only.
 *
 * Ranking: Pagefind orders by relevance; past events are then moved after everything else, so
 * they are found but never crowd out what is still to come (a second search, filtered to past
 * events, says which results to move; the header box runs it only when a past event is among
 * the results it shows).
 * Word forms: Pagefind stems English and matches word prefixes, which covers "tomograph" ->
 * "tomographic" but not "tomography" -> "tomographic" (different stems). So each query word also
 * drops a derivational ending (-y, -ic, -ical, -ics, -ies) before it is looked up.
 */
(function () {
  "use strict";

  var ENDINGS = ["ical", "ics", "ies", "ic", "y"];
  var FILTERS = [["kind", "Kind"], ["facility", "Facility"], ["technique", "Technique"], ["event", "Event"]];
  var HEADER_RESULTS = 8;
  var PAGE_RESULTS = 20;
  var FACET_SHOWN = 8;  // options per filter before "Show all N"; options with no result are hidden
  var WIDE = "(min-width: 60em)";  // filters beside the results, open; narrower: a closed "Filters" box

  function widen(query) {
    return query.split(/\s+/).filter(Boolean).map(function (word) {
      var w = word.toLowerCase();
      for (var i = 0; i < ENDINGS.length; i++) {
        var e = ENDINGS[i];
        if (w.length - e.length >= 5 && w.slice(-e.length) === e) return w.slice(0, -e.length);
      }
      return w;
    }).join(" ");
  }

  function siteRoot() {
    var box = document.querySelector("[data-kh-search]");
    var rel = box ? box.getAttribute("data-kh-root") || "." : ".";
    return new URL(rel.replace(/\/?$/, "/"), location.href);
  }

  var loading = null;
  function pagefind() {
    if (!loading) {
      var root = siteRoot();
      loading = import(new URL("pagefind/pagefind.js", root).href).then(function (pf) {
        return Promise.resolve(pf.options({ baseUrl: root.pathname, excerptLength: 26 })).then(function () {
          pf.init();
          return pf;
        });
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function pastLast(results, past) {
    var ids = new Set(past.results.map(function (r) { return r.id; }));
    return results.filter(function (r) { return !ids.has(r.id); })
      .concat(results.filter(function (r) { return ids.has(r.id); }));
  }

  /* Search, then move past events last. `filters` maps a filter name to a list of values (any).
   * With `lazy`, the search for past events (to reorder) runs only when one of the first `lazy`
   * results is a past event: the header box's usual query then costs one search, not two. */
  function search(query, filters, lazy) {
    var q = query.trim() ? widen(query) : null;
    var f = {};
    Object.keys(filters).forEach(function (k) { if (filters[k].length) f[k] = { any: filters[k] }; });
    if (q === null && !Object.keys(f).length) return Promise.resolve(null);
    var past = Object.assign({}, f, { event: "past" });
    return pagefind().then(function (pf) {
      if (!lazy) {
        return Promise.all([pf.search(q, { filters: f }), pf.search(q, { filters: past })]).then(function (both) {
          return both[0] && { results: pastLast(both[0].results, both[1]), filters: both[0].filters || {} };
        });
      }
      return pf.search(q, { filters: f }).then(function (all) {
        if (!all) return null;
        return Promise.all(all.results.slice(0, lazy).map(function (r) { return r.data(); })).then(function (data) {
          var anyPast = data.some(function (d) { return d.meta && d.meta.when === "past"; });
          if (!anyPast) return { results: all.results, filters: all.filters || {} };
          return pf.search(q, { filters: past }).then(function (p) {
            return { results: pastLast(all.results, p), filters: all.filters || {} };
          });
        });
      });
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function appendExcerpt(into, html) {
    var doc = new DOMParser().parseFromString("<body>" + String(html || "") + "</body>", "text/html");
    (function walk(node, target) {
      Array.prototype.forEach.call(node.childNodes, function (n) {
        if (n.nodeType === 3) target.appendChild(document.createTextNode(n.nodeValue));
        else if (n.nodeType === 1 && n.tagName !== "SCRIPT" && n.tagName !== "STYLE") {
          if (n.tagName === "MARK") {
            var m = document.createElement("mark");
            walk(n, m);
            target.appendChild(m);
          } else {
            walk(n, target);
          }
        }
      });
    })(doc.body, into);
  }

  /* The line under a result's title: kind, facility, date, and a past-event badge. */
  function metaLine(meta) {
    var line = el("span", "kh-result__meta");
    [meta.kind, meta.facility, meta.date].forEach(function (part, i) {
      if (!part) return;
      if (line.childNodes.length) line.appendChild(document.createTextNode(" · "));
      line.appendChild(el("span", i === 0 ? "kh-result__kind" : "", part));
    });
    if (meta.when === "past") {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(el("span", "kh-badge kh-badge--past", "past event"));
    }
    return line;
  }

  function safeUrl(url) {
    var u = new URL(url, location.href);
    return u.origin === location.origin ? u.href : siteRoot().href;
  }

  /* ---- header box: an ARIA combobox with a listbox popup --------------------------------- */
  function setupHeader(box) {
    if (box.dataset.khReady) return;
    box.dataset.khReady = "1";
    var input = box.querySelector(".kh-search__input");
    var panel = box.querySelector(".kh-search__panel");
    var list = box.querySelector(".kh-search__list");
    var status = box.querySelector(".kh-search__status");
    var all = box.querySelector(".kh-search__all");
    var form = box.querySelector("form");
    var options = [], active = -1, seq = 0, shownFor = 0;

    function open(yes) {
      panel.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) setActive(-1);
    }

    function setActive(i) {
      options.forEach(function (o, k) { o.li.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", options[i].li.id);
        options[i].li.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(url) { location.assign(safeUrl(url)); }

    function pageUrl() {
      var u = new URL(all.getAttribute("href"), location.href);
      u.search = input.value.trim() ? "?q=" + encodeURIComponent(input.value.trim()) : "";
      return u.href;
    }

    function run() {
      var query = input.value;
      var mine = ++seq;
      all.href = pageUrl();
      list.setAttribute("aria-busy", "true");  /* until this query's list is complete */
      if (query.trim().length < 2) {
        list.setAttribute("aria-busy", "false");
        status.textContent = "";
        list.textContent = "";
        options = [];
        open(false);
        return;
      }
      search(query, {}, HEADER_RESULTS).then(function (res) {
        if (mine !== seq) return null;
        var top = res ? res.results.slice(0, HEADER_RESULTS) : [];
        var n = res ? res.results.length : 0;
        if (!top.length) return show([], n, 0, mine);
        /* Their fragments are loaded already (to spot past events); data() returns them at once. */
        return Promise.all(top.map(function (r) { return r.data(); })).then(function (data) {
          if (mine === seq) show(data, n, top.length, mine);
        });
      }).catch(function () {
        if (mine !== seq) return;
        list.setAttribute("aria-busy", "false");
        status.textContent = "Search is not available here (the index did not load).";
        open(true);
      });
    }

    /* Render a query's results (the chosen option stays chosen if the same query renders again). */
    function show(data, n, shown, mine) {
      var keep = mine === shownFor ? active : -1;
      shownFor = mine;
      list.textContent = "";
      options = data.map(function (d, i) {
        var li = el("li", "kh-result");
        li.id = "kh-search-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.appendChild(el("span", "kh-result__title", (d.meta && d.meta.title) || d.url));
        li.appendChild(metaLine(d.meta || {}));
        var snip = el("span", "kh-result__snippet");
        appendExcerpt(snip, d.excerpt);
        li.appendChild(snip);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { go(d.url); });
        list.appendChild(li);
        return { li: li, url: d.url };
      });
      list.setAttribute("aria-busy", "false");
      status.textContent = n === 0 ? "No results." : n + (n === 1 ? " result" : " results") +
        (n > shown ? ", the first " + shown + " shown." : ".");
      open(true);
      setActive(keep < options.length ? keep : -1);
    }

    input.addEventListener("focus", function () { pagefind().catch(function () {}); });
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (panel.hidden && input.value.trim().length >= 2) { run(); return; }
        if (!options.length) return;
        e.preventDefault();
        var n = options.length;  /* -1 is the input itself: the arrows cycle through it */
        setActive(e.key === "ArrowDown" ? (active + 1 >= n ? -1 : active + 1) : (active - 1 < -1 ? n - 1 : active - 1));
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (active >= 0 && options[active]) go(options[active].url);
        else location.assign(pageUrl());
      } else if (e.key === "Escape") {
        if (!panel.hidden) { e.preventDefault(); open(false); }
        else if (input.value) { e.preventDefault(); input.value = ""; run(); }
      }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); location.assign(pageUrl()); });
    box.addEventListener("focusout", function (e) {
      if (!box.contains(e.relatedTarget)) open(false);
    });
  }

  /* ---- the search page: query, filters with counts, results in pages of 20 --------------- */
  function setupPage(root) {
    if (root.dataset.khReady) return;
    root.dataset.khReady = "1";
    var form = root.querySelector("form");
    var input = root.querySelector("#kh-search-q");
    var holder = root.querySelector("[data-kh-filters]");
    var status = root.querySelector("[data-kh-search-status]");
    var list = root.querySelector("[data-kh-results]");
    var more = root.querySelector("[data-kh-more]");
    var filterBox = root.querySelector("[data-kh-filter-box]");
    var params = new URLSearchParams(location.search);
    var boxes = [], results = [], shown = 0, seq = 0;
    input.value = params.get("q") || "";
    form.hidden = false;

    function selection() {
      var sel = {};
      FILTERS.forEach(function (f) { sel[f[0]] = []; });
      boxes.forEach(function (b) { if (b.checked) sel[b.name].push(b.value); });
      return sel;
    }

    function writeUrl(sel) {
      var p = new URLSearchParams();
      if (input.value.trim()) p.set("q", input.value.trim());
      FILTERS.forEach(function (f) { sel[f[0]].forEach(function (v) { p.append(f[0], v); }); });
      var q = p.toString();
      history.replaceState(history.state, "", location.pathname + (q ? "?" + q : ""));
    }

    function showMore() {
      var mine = seq;
      var next = results.slice(shown, shown + PAGE_RESULTS);
      shown += next.length;
      more.hidden = shown >= results.length;
      return Promise.all(next.map(function (r) { return r.data(); })).then(function (data) {
        if (mine !== seq) return;
        data.forEach(function (d) {
          var li = el("li", "kh-result");
          var a = el("a", "kh-result__title", (d.meta && d.meta.title) || d.url);
          a.href = safeUrl(d.url);
          li.appendChild(a);
          li.appendChild(metaLine(d.meta || {}));
          var snip = el("p", "kh-result__snippet");
          appendExcerpt(snip, d.excerpt);
          li.appendChild(snip);
          list.appendChild(li);
        });
      });
    }

    function counts(available) {
      boxes.forEach(function (b) {
        var n = (available[b.name] || {})[b.value] || 0;
        var c = b.parentNode.querySelector(".kh-count");
        c.textContent = String(n);
        b.parentNode.classList.toggle("kh-zero", n === 0 && !b.checked);
      });
      trim();
    }

    /* Each filter lists the options that still have results (and ticked ones), the first few
       unless the visitor asked for all; a filter with nothing left is hidden. */
    function trim() {
      Array.prototype.forEach.call(holder.querySelectorAll("fieldset.kh-facet"), function (set) {
        var items = Array.prototype.slice.call(set.querySelectorAll("li"));
        var live = items.filter(function (li) {
          return li.querySelector("input").checked || !li.querySelector("label").classList.contains("kh-zero");
        });
        var all = set.classList.contains("kh-facet--all");
        items.forEach(function (li) { li.hidden = live.indexOf(li) === -1; });
        live.forEach(function (li, i) { li.hidden = !all && i >= FACET_SHOWN; });
        var toggle = set.querySelector(".kh-facet__more");
        toggle.hidden = live.length <= FACET_SHOWN;
        toggle.textContent = all ? "Show fewer" : "Show all " + live.length;
        toggle.setAttribute("aria-expanded", all ? "true" : "false");
        set.hidden = live.length === 0;
      });
    }

    function run() {
      var sel = selection();
      var mine = ++seq;
      writeUrl(sel);
      search(input.value, sel).then(function (res) {
        if (mine !== seq) return;
        list.textContent = "";
        results = res ? res.results : [];
        shown = 0;
        if (!res) {
          status.textContent = "Type a word or choose a filter.";
          more.hidden = true;
          return;
        }
        counts(res.filters);
        var n = results.length;
        status.textContent = (n === 0 ? "No results" : n + (n === 1 ? " result" : " results")) +
          (input.value.trim() ? " for \u201c" + input.value.trim() + "\u201d." : ".");
        return showMore();
      }).catch(function () {
        if (mine === seq) status.textContent = "Search is not available here (the index did not load).";
      });
    }

    pagefind().then(function (pf) { return pf.filters(); }).then(function (available) {
      FILTERS.forEach(function (f) {
        var values = Object.keys(available[f[0]] || {}).sort(function (a, b) {
          return (available[f[0]][b] - available[f[0]][a]) || a.localeCompare(b);
        });
        if (!values.length) return;
        var set = el("fieldset", "kh-facet");
        set.dataset.facet = f[0];
        set.appendChild(el("legend", "", f[1]));
        var ul = el("ul");
        values.forEach(function (v) {
          var label = el("label");
          var box = el("input");
          box.type = "checkbox";
          box.name = f[0];
          box.value = v;
          box.checked = params.getAll(f[0]).indexOf(v) !== -1;
          label.appendChild(box);
          label.appendChild(document.createTextNode(" " + v + " "));
          label.appendChild(el("span", "kh-count", available[f[0]][v]));
          var li = el("li");
          li.appendChild(label);
          ul.appendChild(li);
          boxes.push(box);
        });
        set.appendChild(ul);
        var toggle = el("button", "kh-facet__more");
        toggle.type = "button";
        toggle.addEventListener("click", function () { set.classList.toggle("kh-facet--all"); trim(); });
        set.appendChild(toggle);
        holder.appendChild(set);
      });
      filterBox.open = window.matchMedia(WIDE).matches || boxes.some(function (b) { return b.checked; });
      trim();
      run();
    }).catch(function () {
      status.textContent = "Search is not available here (the index did not load).";
    });

    form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
    form.addEventListener("change", run);
    input.addEventListener("input", run);
    more.addEventListener("click", function () { showMore(); });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-kh-search]"), setupHeader);
    Array.prototype.forEach.call(document.querySelectorAll("[data-kh-search-page]"), setupPage);
  }

  /* "/" focuses the header box, as in most sites' search. */
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var input = document.querySelector(".kh-search__input");
    if (input && input.offsetParent !== null) { e.preventDefault(); input.focus(); }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
