/* The events page's "Subscribe" note follows the facet filters: with no filter it offers the feed
 * of all events; with one facility or one event type ticked, that one's feeds; with several, one
 * pair of feeds per ticked facility and type (feeds exist per value, not per combination). The
 * addresses are absolute, ready to paste into a calendar application. Text only, no HTML. */
(function () {
  "use strict";

  function setup(box) {
    if (box.dataset.khReady) return;
    box.dataset.khReady = "1";
    var form = document.querySelector("form.kh-facets");
    var text = box.querySelector("[data-kh-subscribe-text]");
    var site = new URL("../", location.href);  /* the events page is one level below the root */

    function link(path, label) {
      var p = document.createElement("li");
      var a = document.createElement("a");
      a.href = new URL(path, site).href;
      a.textContent = label;
      p.appendChild(a);
      p.appendChild(document.createTextNode(": "));
      var code = document.createElement("code");
      code.textContent = a.href;
      p.appendChild(code);
      return p;
    }

    function update() {
      var picked = [];
      if (form) {
        ["facility", "type"].forEach(function (facet) {
          Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-facet=" + facet + "] input:checked"),
            function (b) {
              var name = b.parentNode.textContent.replace(/\s*\d+\s*$/, "").trim();
              picked.push([facet, decodeURIComponent(b.value), name]);
            });
        });
      }
      var intro = document.createElement("p");
      var list = document.createElement("ul");
      list.className = "kh-list";
      if (!picked.length) {
        intro.textContent = "All upcoming events, and new and changed entries:";
        list.appendChild(link("events.ics", "Calendar (iCalendar)"));
        list.appendChild(link("feed.xml", "New and changed entries (Atom)"));
      } else {
        intro.textContent = picked.length === 1 ? "Feeds of this filter:" :
          "Feeds exist for each facility and each event type; this filter combines " + picked.length + ":";
        picked.forEach(function (p) {
          var path = "feeds/" + p[0] + "/" + encodeURIComponent(p[1]);
          list.appendChild(link(path + ".ics", p[2] + ": calendar (iCalendar)"));
          list.appendChild(link(path + ".xml", p[2] + ": new and changed entries (Atom)"));
        });
      }
      text.textContent = "";
      text.appendChild(intro);
      text.appendChild(list);
    }

    if (form) {
      form.addEventListener("change", update);
      form.addEventListener("reset", function () { setTimeout(update, 0); });
    }
    update();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-kh-subscribe]"), setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
