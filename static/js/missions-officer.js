// The officer's missions on an MDT or phone: map + cards, Start / Complete, a dose timer that counts
// from the server's start time, GPS pings that start missions on arrival, and a queue that sends
// actions taken offline later, once each (Idempotency-Key) and with their original times.
// Started by app.js from data-module="officer-missions".

(function (M) {
  "use strict";

  var QUEUE_KEY = "missions.offlineQueue";
  var PING_EVERY_MS = 30000;
  var REFRESH_EVERY_MS = 60000;
  M.register("officer-missions", function (el) {
    var list = document.getElementById("mission-list");
    var statusLine = document.getElementById("mdt-status");
    var template = document.getElementById("mission-card");
    var map = M.baseMap(el);
    var missionLayer = L.geoJSON(null, {
      style: function (f) {
        var c = M.statusColour(f.properties.status);
        return { color: c, weight: 3, fillColor: c, fillOpacity: 0.25 };
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(M.tip("#" + f.properties.rank + " " + (f.properties.crime_type || "Mission")));
        layer.on("click", function () { focusCard(f.properties.id); });
      }
    }).addTo(map);
    var state = { features: [], offsetMs: 0, position: null, beats: null };

    function csrf() { return el.dataset.csrf; }
    function url(kind, id) { return el.dataset[kind].replace("/0/", "/" + id + "/"); }
    function newKey() {
      if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
      return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
    }
    function say(text) { statusLine.textContent = text; }

    function post(path, body, key, background) {
      var headers = { "Content-Type": "application/json", Accept: "application/json",
                      "X-CSRFToken": csrf(), "Idempotency-Key": key };
      if (background) { headers["X-Background-Poll"] = "1"; }  // GPS pings are not the officer's activity
      return fetch(path, {
        method: "POST", credentials: "same-origin",
        headers: headers,
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
      });
    }

    // Offline: keep the action with its original time and key; send it when the network is back.
    function send(path, body) {
      var key = newKey();
      body.at = body.at || new Date(Date.now() + state.offsetMs).toISOString();
      return post(path, body, key).catch(function () {
        var queue = readQueue();
        queue.push({ path: path, body: body, key: key });
        localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
        say("Offline: saved, will be sent when the network is back (" + queue.length + " waiting).");
        return { status: 0, data: {} };
      });
    }
    function readQueue() {
      try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
    }
    function flushQueue() {
      var queue = readQueue();
      if (!queue.length) { return Promise.resolve(); }
      var item = queue[0];
      return post(item.path, item.body, item.key).then(function () {
        localStorage.setItem(QUEUE_KEY, JSON.stringify(readQueue().slice(1)));
        return flushQueue();
      }).catch(function () { /* still offline */ });
    }

    function load(background) {
      return M.fetchJSON(el.dataset.missions, background).then(function (data) {
        state.offsetMs = Date.parse(data.server_time) - Date.now();
        render(data.features || [], data.shift);
      }).catch(function (err) { say("Missions could not be loaded: " + err.message); });
    }

    function render(features, shift) {
      state.features = features;
      missionLayer.clearLayers();
      missionLayer.addData(features);
      el.dataset.missionsDrawn = missionLayer.getLayers().length;
      list.textContent = "";
      features.forEach(function (f) { list.appendChild(card(f)); });
      if (shift === null) { say("No shift is under way."); }
      else if (!features.length) { say("No missions for your beat this shift."); }
      else { say(features.length + " mission" + (features.length > 1 ? "s" : "") + " this shift."); }
      tick();
    }

    function card(f) {
      var p = f.properties;
      var node = template.content.firstElementChild.cloneNode(true);
      node.dataset.mission = p.id;
      node.classList.add("status-" + p.status);
      node.querySelector(".m-rank").textContent = "#" + p.rank;
      node.querySelector(".m-title").textContent = (p.crime_type || "Patrol") + " · beat " + p.beat;
      node.querySelector(".m-status").textContent = p.status.replace("_", " ");
      var reasons = node.querySelector(".m-reasons");
      (p.reasons || []).forEach(function (r) { var li = document.createElement("li"); li.textContent = r; reasons.appendChild(li); });
      var open = p.status === "planned" || p.status === "active";
      var startBtn = node.querySelector(".m-start");
      var completeBtn = node.querySelector(".m-complete");
      startBtn.hidden = !open || p.timer.running;
      if (p.status === "active") { startBtn.textContent = "Resume"; }
      completeBtn.hidden = true;  // shown by tick(): Complete once the dose is served, End early before
      node.querySelector(".m-timer").hidden = p.status === "planned";
      node.querySelector(".m-dose").textContent = "of " + p.timer.dose_minutes + " min";
      var tactics = node.querySelector(".m-tactics");
      tactics.hidden = p.status !== "active";
      var box = node.querySelector(".m-tactic-list");
      p.tactics.forEach(function (t) {
        var label = document.createElement("label");
        label.className = "check";
        label.title = t.description || "";
        var input = document.createElement("input");
        input.type = "checkbox"; input.value = t.id; input.checked = p.tactics_used.indexOf(t.id) >= 0;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + t.name));
        box.appendChild(label);
      });
      startBtn.addEventListener("click", function () { start(p.id, node, null); });
      node.querySelector(".m-start-manual").addEventListener("click", function () {
        start(p.id, node, node.querySelector(".m-reason").value);
      });
      completeBtn.addEventListener("click", function () { complete(p.id, node); });
      fillEndReasons(node.querySelector(".m-end-reason"));
      node.querySelector(".m-end-early").addEventListener("click", function () { endEarly(p.id, node); });
      allowCorrection(node, p);
      return node;
    }

    // Until the shift ends, the tactics of a finished mission can be added or corrected.
    function allowCorrection(node, p) {
      if (p.status !== "completed" && p.status !== "ended_early") { return; }
      node.querySelector(".m-tactics").hidden = false;
      node.querySelector(".m-notes").value = p.notes || "";
      var save = node.querySelector(".m-save-tactics");
      save.hidden = false;
      save.addEventListener("click", function () {
        var used = Array.prototype.map.call(node.querySelectorAll(".m-tactic-list input:checked"), function (i) { return +i.value; });
        send(url("tactics", p.id), { tactics: used, notes: node.querySelector(".m-notes").value }).then(function (r) {
          if (r.status === 200) { say("Tactics saved."); }
          else if (r.status) { say(r.data.detail || "Could not save the tactics (HTTP " + r.status + ")."); }
        });
      });
    }

    // Before the dose is served a mission can only end early, with a reason: the first tap shows
    // the reasons, the second sends the one chosen (the server measures the minutes served).
    function fillEndReasons(select) {
      (M.data("end-early-reasons") || []).forEach(function (choice) {
        select.appendChild(M.el("option", { value: choice[0] }, [choice[1]]));
      });
    }
    function endEarly(id, node) {
      var picker = node.querySelector(".m-end");
      if (picker.hidden) { picker.hidden = false; say("Choose why you end this mission early."); return Promise.resolve(); }
      var code = node.querySelector(".m-end-reason").value;
      if (!code) { say("Choose why you end this mission early."); return Promise.resolve(); }
      var used = Array.prototype.map.call(node.querySelectorAll(".m-tactic-list input:checked"), function (i) { return +i.value; });
      var body = { reason_code: code, reason: node.querySelector(".m-end-words").value,
                   tactics: used, notes: node.querySelector(".m-notes").value };
      return send(url("endEarly", id), body).then(function (r) {
        if (r.status === 200) {
          var served = r.data.properties.minutes_served;
          return load().then(function () { say("Mission ended early after " + served + " min in the box."); });
        }
        if (r.status) { say(r.data.detail || "Could not end the mission (HTTP " + r.status + ")."); return load(); }
      });
    }
    function doseButtons(node, status, reached) {
      var active = status === "active";
      node.querySelector(".m-complete").hidden = !(active && reached);
      node.querySelector(".m-end-early").hidden = !active || reached;
      if (reached) { node.querySelector(".m-end").hidden = true; }
    }

    function start(id, node, reason) {
      var body = {};
      if (state.position) {
        body.latitude = state.position.latitude; body.longitude = state.position.longitude;
        body.accuracy_m = state.position.accuracy;
      }
      if (reason) { body.reason = reason; }
      return send(url("start", id), body).then(function (r) {
        if (r.status === 201) { say("Mission started."); return load(); }
        if (r.status === 400 && r.data.reason) {
          node.querySelector(".m-manual").hidden = false;
          say("You are not in the box (or GPS is off): choose why you start by hand.");
        } else if (r.status === 409) {
          say(r.data.detail || "Already started on another device."); return load();
        } else if (r.status) { say(r.data.detail || "Could not start (HTTP " + r.status + ")."); }
      });
    }

    function complete(id, node) {
      var used = Array.prototype.map.call(node.querySelectorAll(".m-tactic-list input:checked"), function (i) { return +i.value; });
      var body = { tactics: used, notes: node.querySelector(".m-notes").value };
      return send(url("complete", id), body).then(function (r) {
        if (r.status === 200) { say("Mission completed. Thank you."); return load(); }
        if (r.status) { say(r.data.detail || "Could not complete (HTTP " + r.status + ")."); return load(); }
      });
    }

    function focusCard(id) {
      var node = list.querySelector("[data-mission='" + id + "']");
      if (node) { node.scrollIntoView({ behavior: "smooth", block: "nearest" }); node.classList.add("flash"); }
    }

    // The timer shows the dose done so far: the server's closed visits plus the running one,
    // counted from the server's start time with the device's clock offset.
    function tick() {
      var now = Date.now() + state.offsetMs;
      state.features.forEach(function (f) {
        var t = f.properties.timer;
        var node = list.querySelector("[data-mission='" + f.properties.id + "']");
        if (!node) { return; }
        var seconds = t.running ? t.done_seconds_before_current_visit + (now - Date.parse(t.running_since)) / 1000 : t.dose_seconds;
        seconds = Math.max(0, seconds);
        var m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
        node.querySelector(".m-clock").textContent = m + ":" + (s < 10 ? "0" : "") + s;
        node.querySelector(".m-progress").value = Math.min(1, seconds / (t.dose_minutes * 60));
        node.classList.toggle("dose-reached", seconds >= t.dose_minutes * 60);
        doseButtons(node, f.properties.status, seconds >= t.dose_minutes * 60);
        node.classList.toggle("running", !!t.running);
      });
    }

    function ping() {
      if (!state.position) { return; }
      // A position is only worth sending now: pings are never queued for later.
      post(el.dataset.ping, {
        latitude: state.position.latitude, longitude: state.position.longitude, accuracy_m: state.position.accuracy
      }, newKey(), true).catch(function () { return { status: 0, data: {} }; }).then(function (r) {
        if (r.status === 200 && (r.data.started.length || r.data.stopped.length)) {
          say(r.data.started.length ? "Arrived: mission started." : "Left the box: visit paused.");
          render(r.data.missions.features, true);
        }
      });
    }

    if (navigator.geolocation) {
      navigator.geolocation.watchPosition(function (pos) {
        var first = !state.position;
        state.position = pos.coords;
        if (first) { ping(); }
      }, function () { state.position = null; }, { enableHighAccuracy: true, maximumAge: 15000, timeout: 20000 });
    }
    setInterval(tick, 1000);
    setInterval(ping, PING_EVERY_MS);
    setInterval(function () { flushQueue().then(function () { return load(true); }); }, REFRESH_EVERY_MS);
    window.addEventListener("online", function () { flushQueue().then(load); });

    var beatsLoaded = el.dataset.beats ? M.fetchJSON(el.dataset.beats).then(function (fc) {
      var highlight = el.dataset.highlight;
      var beats = L.geoJSON(fc, {
        style: function (f) {
          var mine = highlight && f.properties.code === highlight;
          return { color: mine ? "#c0392b" : "#5b7db1", weight: mine ? 3 : 1, fill: false, dashArray: mine ? null : "4 3" };
        }, interactive: false
      }).addTo(map);
      beats.bringToBack();
      state.beats = beats;
    }).catch(function () {}) : Promise.resolve();

    return flushQueue().then(function () { return Promise.all([beatsLoaded, load()]); }).then(function () {
      if (missionLayer.getLayers().length) { map.fitBounds(missionLayer.getBounds().pad(0.3)); }
      else if (state.beats && state.beats.getLayers().length) { map.fitBounds(state.beats.getBounds()); }
      else { map.setView([0, 0], 2); }
      el.dataset.ready = "1";
      return map;
    });
  });
})(window.Missions);
