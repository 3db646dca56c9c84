// ayuda writer mode (served by `ayuda serve` at /_ayuda/live.js; see docs/serve.md).
// Reloads the page when a rebuild changed it, keeping the scroll position, and shows the
// build's errors as an overlay until they are fixed.
(function () {
  "use strict";
  if (window.__ayudaLive) return;
  window.__ayudaLive = true;
  var KEY = "ayuda-live-scroll:" + location.pathname;
  var OVERLAY = "ayuda-live-overlay";
  var build = null;

  // Restore the scroll position saved before a live reload.
  try {
    var saved = sessionStorage.getItem(KEY);
    if (saved) {
      sessionStorage.removeItem(KEY);
      var pos = JSON.parse(saved);
      var restore = function () { window.scrollTo(pos.x, pos.y); };
      if (document.readyState === "complete") restore();
      else window.addEventListener("load", restore);
      restore();
    }
  } catch (e) { /* storage may be disabled */ }

  function reload() {
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ x: window.scrollX, y: window.scrollY }));
    } catch (e) { /* ignore */ }
    location.reload();
  }

  function here() {
    var p = location.pathname;
    return p.replace(/index\.html$/, "");
  }

  // Folded or not, remembered for the tab while the writer edits (reloads included).
  var FOLD_KEY = "ayuda-live-folded";
  function folded() {
    try { return sessionStorage.getItem(FOLD_KEY) === "1"; } catch (e) { return false; }
  }
  function setFolded(yes) {
    try { sessionStorage.setItem(FOLD_KEY, yes ? "1" : "0"); } catch (e) { /* ignore */ }
  }

  // The overlay: a bar with the count and a button that folds the list away (or Escape), so
  // it never has to cover the page the writer is checking, on a phone least of all.
  // CSSOM, not style attributes: the Content-Security-Policy allows no inline styles.
  function layout(box, list, button) {
    var fold = folded();
    list.hidden = fold;
    box.querySelector(".ayuda-live-note").hidden = fold;
    button.textContent = fold ? "Show" : "Hide";
    button.setAttribute("aria-expanded", fold ? "false" : "true");
    box.style.maxHeight = fold ? "" : (window.innerWidth < 600 ? "40vh" : "60vh");
    box.style.overflow = fold ? "hidden" : "auto";
  }

  function showStatus(s) {
    var old = document.getElementById(OVERLAY);
    if (s.ok || !s.errors || !s.errors.length) {
      if (old) old.remove();
      document.documentElement.removeAttribute("data-ayuda-errors");
      return;
    }
    var box = old || document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.style.cssText = (
      "position:fixed;inset:auto 0 0 0;z-index:2147483647;" +
      "background:#1e1e1e;color:#f5f5f5;font:14px/1.5 ui-monospace,monospace;" +
      "padding:.5rem 1rem;border-top:4px solid #e5484d;box-shadow:0 -4px 24px rgba(0,0,0,.4)");
    box.textContent = "";
    var bar = document.createElement("div");
    bar.style.cssText = "display:flex;align-items:center;gap:.75rem;justify-content:space-between";
    var h = document.createElement("strong");
    var n = s.errors.length;
    h.textContent = "ayuda: " + n + " error" + (n > 1 ? "s" : "");
    var note = document.createElement("span");
    note.className = "ayuda-live-note";
    note.textContent = " (the page is the last good build)";
    note.style.fontWeight = "normal";
    h.appendChild(note);
    var button = document.createElement("button");
    button.type = "button";
    button.id = "ayuda-live-toggle";
    button.setAttribute("aria-controls", "ayuda-live-errors");
    button.style.cssText = (
      "font:inherit;color:#1e1e1e;background:#f5f5f5;border:0;border-radius:4px;" +
      "padding:.25rem .75rem;min-height:32px;min-width:44px;cursor:pointer;flex:none");
    bar.appendChild(h);
    bar.appendChild(button);
    box.appendChild(bar);
    var list = document.createElement("ul");
    list.id = "ayuda-live-errors";
    list.style.cssText = "margin:.5rem 0 0;padding-left:1.25rem";
    s.errors.forEach(function (d) {
      var li = document.createElement("li");
      li.className = "ayuda-live-error";
      var where = d.file + (d.line ? ":" + d.line + (d.column ? ":" + d.column : "") : "");
      var code = document.createElement("code");
      code.textContent = where;
      code.style.color = "#ffb224";
      code.style.overflowWrap = "anywhere";
      li.appendChild(code);
      li.appendChild(document.createTextNode(" " + d.message + (d.code ? " [" + d.code + "]" : "")));
      list.appendChild(li);
    });
    box.appendChild(list);
    button.addEventListener("click", function () {
      setFolded(!folded());
      layout(box, list, button);
    });
    box.onkeydown = function (e) {
      if (e.key === "Escape" && !folded()) {
        setFolded(true);
        layout(box, list, button);
        button.focus();
      }
    };
    layout(box, list, button);
    if (!old) document.body.appendChild(box);
    document.documentElement.setAttribute("data-ayuda-errors", String(n));
  }

  function onBuild(b) {
    if (build !== null && b.build !== build) {
      var mine = here();
      if (b.all || !b.changed || b.changed.indexOf(mine) >= 0 ||
          b.changed.indexOf(location.pathname) >= 0) {
        reload();
        return;
      }
    }
    build = b.build;
  }

  function fetchStatus() {
    return fetch("/_ayuda/status", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        showStatus(s);
        return s;
      });
  }

  function connect() {
    var es = new EventSource("/_ayuda/events");
    es.addEventListener("hello", function (e) {
      var s = JSON.parse(e.data);
      // A build we missed while disconnected: reload if it changed this page.
      if (build !== null && s.build !== build) reload();
      else build = s.build;
      showStatus(s);
    });
    es.addEventListener("reload", function (e) { onBuild(JSON.parse(e.data)); });
    es.addEventListener("status", function (e) { showStatus(JSON.parse(e.data)); });
    es.onerror = function () {
      // The browser reconnects by itself; nothing to do.
    };
  }

  function start() {
    fetchStatus().then(function (s) {
      if (build === null) build = s.build;
    }).catch(function () { /* the events stream brings the status */ });
    connect();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
