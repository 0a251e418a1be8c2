// The one start-up of every page's behaviour (docs/frontend.md). A page marks an element with
// data-module="name" (its settings in data-* attributes or a json_script data island); a script
// registers Missions.register("name", function (element) {…}); once the page is parsed, each marked
// element is handed to its module. No page runs inline script, so the Content-Security-Policy can
// forbid it. Also here: the status colours and the one way to put data into HTML (M.el).
window.Missions = window.Missions || {};

(function (M) {
  "use strict";

  var modules = {};

  M.register = function (name, start) { modules[name] = start; };

  M.start = function (root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-module]"), function (node) {
      var start = modules[node.dataset.module];
      try {
        if (!start) { throw new Error("No script registered the module " + node.dataset.module); }
        start(node);
      } catch (err) {
        window.setTimeout(function () { throw err; }, 0);  // reported, and the other modules still start
      }
    });
  };

  // A JSON data island rendered by Django's json_script (not executed, so allowed by the policy);
  // null when the page has none.
  M.data = function (id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  };

  // Build DOM from data: strings become text nodes, never markup. Leaflet tooltips and popups take
  // the node itself. attrs: {className: "x", title: "y"}; children: strings, nodes, null (skipped).
  M.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (/HTML$|^on/.test(key)) { throw new Error("Missions.el sets no markup or handler: " + key); }
      node[key] = attrs[key];
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" || typeof child === "number"
        ? document.createTextNode(String(child)) : child);
    });
    return node;
  };

  // Lines of text as one node, separated by <br>: the usual shape of a map tooltip.
  M.lines = function (lines) {
    var children = [];
    lines.forEach(function (line, i) {
      if (i) { children.push(document.createElement("br")); }
      children.push(line);
    });
    return M.el("div", {}, children);
  };

  // Mission status colours live once, as CSS custom properties in missions.css (--status-planned …).
  M.statusColour = function (status) {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--status-" + status).trim();
    return value || getComputedStyle(document.documentElement).getPropertyValue("--status-planned").trim();
  };

  M.register("print-button", function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Signing out forgets what the officer page's service worker kept for offline use (the page with
  // its name, the shift's data), so the next person on this device cannot open it without network.
  // The worker is told first, so that an answer still on its way (a poll, the beat's streets) is
  // not kept after the caches are gone; then the page deletes them too (no worker, or it is slow).
  var FORGET_WAIT_MS = 2000;
  function workerForgets() {
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!worker) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      worker.postMessage({ forget: true }, [channel.port2]);
      window.setTimeout(resolve, FORGET_WAIT_MS);
    });
  }
  M.register("sign-out", function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.caches || form.dataset.forgotten) { return; }
      event.preventDefault();
      var done = function () { form.dataset.forgotten = "1"; form.submit(); };
      workerForgets().then(function () { return caches.keys(); }).then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf("missions-") === 0; })
          .map(function (n) { return caches.delete(n); }));
      }).then(done, done);
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { M.start(); });
  } else {
    window.setTimeout(function () { M.start(); }, 0);
  }
})(window.Missions);
