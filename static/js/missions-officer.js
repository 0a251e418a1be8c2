// The officer's missions on an MDT or phone: map + cards, Start / Complete, a dose timer that counts
// from the server's start time, GPS pings that start missions on arrival, where the officer is
// (marker, distance and direction to each box, a navigate link), and the user's own queue of actions
// taken offline (officer-queue.js), sent later once each with their original times. A start saved
// offline runs the card's timer at once from its saved time, marked as not yet sent, until the
// server's answer replaces it (or refuses it: the refusal shows and the device's timer stops). A service worker
// (/officer/sw.js) keeps the page and the shift's missions for a reload without network.
// Started by app.js from data-module="officer-missions".

(function (M) {
  "use strict";

  var PING_EVERY_MS = 30000;
  var REFRESH_EVERY_MS = 60000;
  var RECONNECT_RETRY_MS = [2000, 5000, 10000];  // after the network is back, while actions still wait
  var BOX_OPACITY = { light: 0.25, dark: 0.4 };  // boxes stay visible on the darkened night map
  var BEAT_COLOURS = { light: { mine: "#c0392b", other: "#5b7db1" }, dark: { mine: "#ff8f85", other: "#8fa9d6" } };
  var BEAT_STREETS_ZOOM = 15;  // streets kept for offline use: with names (geo/street_selectors.py)
  var CLOCK_OFFSET_KEY = "missions.clockOffsetMs";  // the server's clock minus this device's, last measured
  M.register("officer-missions", function (el) {
    var list = document.getElementById("mission-list");
    var statusLine = document.getElementById("mdt-status");
    var queueLine = document.getElementById("mdt-queue");  // what waits to be sent: stays until it changes
    var offlineLine = document.getElementById("mdt-offline");  // "Offline copy from 19:02" while offline
    var template = document.getElementById("mission-card");
    var map = M.baseMap(el);
    var missionLayer = L.geoJSON(null, {
      style: boxStyle,
      onEachFeature: function (f, layer) {
        layer.bindTooltip(M.tip("#" + f.properties.rank + " " + (f.properties.crime_type || "Mission")));
        layer.on("click", function () { focusCard(f.properties.id); });
      }
    }).addTo(map);
    var state = { features: [], shift: null, offsetMs: keptOffset(), position: null, beats: null, refused: {} };
    var queue = new M.OfflineQueue(el.dataset.user);
    var youAreHere = new M.YouAreHere(map);

    function boxStyle(f) {
      var c = M.statusColour(f.properties.status);
      return { color: c, weight: 3, fillColor: c, fillOpacity: BOX_OPACITY[M.theme()] };
    }
    function beatStyle(f) {
      var mine = el.dataset.highlight && f.properties.code === el.dataset.highlight;
      var colours = BEAT_COLOURS[M.theme()];
      return { color: mine ? colours.mine : colours.other, weight: mine ? 3 : 1, fill: false, dashArray: mine ? null : "4 3" };
    }
    document.addEventListener("missions:theme", function () {
      missionLayer.setStyle(boxStyle);
      if (state.beats) { state.beats.setStyle(beatStyle); }
    });

    function csrf() { return el.dataset.csrf; }
    function url(kind, id) { return el.dataset[kind].replace("/0/", "/" + id + "/"); }
    function newKey() {
      if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
      return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
    }
    function say(text) { statusLine.textContent = text; }
    function sayQueue(text) { queueLine.textContent = text; queueLine.hidden = !text; }

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

    // Offline, or signed out meanwhile: keep the action with its original time and key, show it as
    // waiting on its card, and send it when the network (or the officer's next sign-in) is back.
    function send(path, body, missionId, action) {
      var key = newKey();
      delete state.refused[missionId];  // a new action on the mission: the last refusal is old news
      body.at = body.at || new Date(Date.now() + state.offsetMs).toISOString();
      function keep(why) {
        // Queued: the server keeps this time only for an action taken after the device went offline.
        state.offlineSince = state.offlineSince || body.at;
        body.queued = true;
        body.offline_since = state.offlineSince;
        var waiting = queue.add({ path: path, body: body, key: key, mission: missionId, action: action });
        sayQueue(why + " (" + waiting + " waiting).");
        rerender();
        return { status: 0, data: {} };
      }
      return post(path, body, key).then(function (r) {
        return M.OfflineQueue.isAuthError(r) ? keep("Signed out: saved, will be sent after you sign in again") : r;
      }, function () { return keep("Offline: saved, will be sent when the network is back"); });
    }
    // Sends what waits, in order; the line above the cards says what came of it, and each card shows
    // the server's answer at once (the mission it returns replaces the device's view, a refusal
    // stays on its card). The caller then reloads the missions. One flush at a time: the timer's and
    // the network's return may ask together, and the second waits for the first instead of racing it.
    var flushing = null;
    function flushQueue() {
      if (flushing) { return flushing; }
      var done = function () { flushing = null; };
      flushing = sendWaiting().then(done, done);
      return flushing;
    }
    // Back online: send now, and if the first tries still find no network (a link coming up is often
    // not ready at once), try again soon rather than at the next minute's refresh.
    function sendOnReconnect(attempt) {
      return flushQueue().then(function () {
        if (queue.items().length && navigator.onLine && attempt < RECONNECT_RETRY_MS.length) {
          setTimeout(function () { sendOnReconnect(attempt + 1); }, RECONNECT_RETRY_MS[attempt]);
        }
        return load();
      });
    }
    function sendWaiting() {
      if (!queue.items().length) { return Promise.resolve(); }
      return queue.flush(postQueued).then(function (result) {
        result.refused.forEach(function (r) {
          state.refused[r.item.mission] = capitalise(r.item.action) + " not accepted: " + r.detail;
        });
        rerender();
        var lines = result.refused.map(function (r) { return "Not accepted: " + r.detail; });
        if (result.authNeeded) { lines.push("Sign in again to send " + result.waiting + " saved action(s)."); }
        else if (result.offline && result.waiting) { lines.push(result.waiting + " saved action(s) waiting to send."); }
        else if (result.sent) { lines.push("Saved actions sent (" + result.sent + ")."); }
        sayQueue(lines.join(" "));
      });
    }
    function postQueued(path, body, key) {
      return post(path, body, key).then(function (r) {
        // A success answers with the mission, a conflict with the mission as it now is.
        var feature = r.data && (r.data.type === "Feature" ? r.data : r.data.mission);
        if (feature && feature.properties && !M.OfflineQueue.isAuthError(r)) { replaceFeature(feature); }
        return r;
      });
    }
    function replaceFeature(feature) {
      state.features = state.features.map(function (f) {
        return f.properties.id === feature.properties.id ? feature : f;
      });
    }
    function capitalise(text) { return text.charAt(0).toUpperCase() + text.slice(1); }

    function load(background) {
      var serverTime = null, keptCopy = false;
      return M.fetchJSON(el.dataset.missions, background, function (headers) {
        serverTime = headers.get("X-Server-Time");
        keptCopy = headers.get("X-Kept-Copy") === "1";  // the service worker's copy: its time is old
      }).then(function (data) {
        if (!keptCopy) {
          keepOffset(Date.parse(serverTime || data.server_time) - Date.now());
          state.offlineSince = null;  // the server answered: online again
        }
        sayOfflineCopy(keptCopy ? serverTime || data.server_time : null);
        render(data.features || [], data.shift);
      }).catch(function (err) { say("Missions could not be loaded: " + err.message); });
    }

    function rerender() { render(state.features, state.shift); }

    // The service worker's copy is shown with the time it was taken (its server time), in the
    // agency's time zone: what the officer sees is as old as that.
    function sayOfflineCopy(keptAt) {
      offlineLine.hidden = !keptAt;
      offlineLine.textContent = keptAt ? "Offline copy from " + agencyTime(keptAt) : "";
    }
    function agencyTime(iso) {
      var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      try { options.timeZone = el.dataset.timezone || undefined; return new Date(iso).toLocaleTimeString([], options); }
      catch (e) { delete options.timeZone; return new Date(iso).toLocaleTimeString([], options); }  // unknown zone
    }

    // The clock offset outlives the page: a reload without network counts timers (and stamps the
    // actions it saves) with the last one measured, not with the kept answer's old server time.
    function keptOffset() { return +localStorage.getItem(CLOCK_OFFSET_KEY) || 0; }
    function keepOffset(ms) {
      state.offsetMs = ms;
      try { localStorage.setItem(CLOCK_OFFSET_KEY, String(Math.round(ms))); } catch (e) { /* full: this page only */ }
    }

    function render(features, shift) {
      state.features = features;
      state.shift = shift;
      missionLayer.clearLayers();
      missionLayer.addData(features);
      el.dataset.missionsDrawn = missionLayer.getLayers().length;
      list.textContent = "";
      features.slice().sort(cardOrder).forEach(function (f) { list.appendChild(card(f)); });
      if (shift === null) { say("No shift is under way."); }
      else if (!features.length) { say("No missions for your beat this shift."); }
      else { say(features.length + " mission" + (features.length > 1 ? "s" : "") + " this shift."); }
      tick();
      showDistances();
    }

    // The cards the officer acts on come first: under way (or started here, not yet sent), then
    // planned, then those finished (completed, ended early), then expired; in rank order within.
    var CARD_ORDER = { active: 0, planned: 1, completed: 2, ended_early: 2, expired: 3 };
    function cardOrder(a, b) {
      function key(f) {
        var p = f.properties;
        var started = queue.forMission(p.id).some(function (item) { return item.action === "start"; });
        return p.status === "planned" && started ? 0 : (CARD_ORDER[p.status] === undefined ? 4 : CARD_ORDER[p.status]);
      }
      return key(a) - key(b) || a.properties.rank - b.properties.rank;
    }

    function card(f) {
      var p = f.properties;
      var node = template.content.firstElementChild.cloneNode(true);
      node.dataset.mission = p.id;
      node.classList.add("status-" + p.status);
      node.querySelector(".m-rank").textContent = "#" + p.rank;
      node.querySelector(".m-title").textContent = (p.crime_type || "Patrol") + " · beat " + p.beat;
      node.querySelector("header").after(M.el("p", { className: "m-location" }, [p.location_label || "Box " + p.cell_id]));
      node.querySelector(".m-status").textContent = p.status.replace("_", " ");
      var reasons = node.querySelector(".m-reasons");
      (p.reasons || []).forEach(function (r) { var li = document.createElement("li"); li.textContent = r; reasons.appendChild(li); });
      navigateLinks(node, f);
      // The buttons come from the server's allowed actions for this officer (missions/state.py);
      // actions waiting in the offline queue count as taken: a start waiting offers what a started
      // mission offers, a finishing action waiting hides the rest.
      var can = allowed(p);
      var waiting = queue.forMission(p.id);
      var finishing = waiting.some(function (item) { return item.action !== "start"; });
      var startItem = waiting.filter(function (item) { return item.action === "start"; })[0];
      var startQueued = !!startItem;
      var canFinish = can.complete || can.end_early || startQueued;
      var startBtn = node.querySelector(".m-start");
      var completeBtn = node.querySelector(".m-complete");
      startBtn.hidden = !can.start || startQueued || finishing;
      if (p.started_at) { startBtn.textContent = "Resume"; }
      completeBtn.hidden = true;  // shown by tick(): Complete once the dose is served, End early before
      node.dataset.finishing = finishing ? "1" : "";
      node.dataset.startQueued = startQueued ? "1" : "";
      node.dataset.canFinish = canFinish ? "1" : "";
      // Started here, not yet on the server: the device counts from the start's saved time.
      var unsent = startQueued && !p.timer.running;
      node.dataset.unsentSince = unsent ? startItem.body.at : "";
      node.classList.toggle("unsent", unsent);
      if (unsent) { node.querySelector(".m-status").textContent = "started · not sent"; }
      node.querySelector(".m-unsent").hidden = !unsent;
      showWaiting(node.querySelector(".m-waiting"), waiting);
      showRefused(node.querySelector(".m-refused"), state.refused[p.id]);
      // A tactics edit waiting to send keeps its ticks on the card (not the server's older ones).
      var pendingTactics = waiting.filter(function (item) { return item.action === "tactics"; }).pop();
      var ticked = pendingTactics ? pendingTactics.body.tactics : p.tactics_used;
      showReported(node.querySelector(".m-reported"), p, pendingTactics);
      node.querySelector(".m-timer").hidden = !p.started_at && !unsent;
      node.querySelector(".m-dose").textContent = "of " + p.timer.dose_minutes + " min";
      // Measured from the car's location feed (AVL): the dose fills with nobody touching the MDT;
      // other units' minutes in the box are shown apart, not counted.
      var avl = node.querySelector(".m-avl");
      var others = Math.floor((p.timer.avl_other_seconds || 0) / 60);
      avl.hidden = !p.timer.measured_by_avl;
      avl.textContent = p.timer.measured_by_avl
        ? "measured by AVL" + (others ? " · + " + others + " min by other units (not counted)" : "") : "";
      var tactics = node.querySelector(".m-tactics");
      tactics.hidden = !canFinish || finishing;
      var box = node.querySelector(".m-tactic-list");
      p.tactics.forEach(function (t) {
        var label = document.createElement("label");
        label.className = "check";
        label.title = t.description || "";
        var input = document.createElement("input");
        input.type = "checkbox"; input.value = t.id; input.checked = ticked.indexOf(t.id) >= 0;
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
      allowCorrection(node, p, can);
      return node;
    }

    // The actions the server allows this officer on the mission, as a set: {start: true, …}.
    function allowed(p) {
      var can = {};
      (p.allowed_actions || []).forEach(function (action) { can[action] = true; });
      return can;
    }

    // Until the shift ends, the tactics of a finished mission can be added or corrected (tactics
    // allowed while the mission can no longer be completed or ended early).
    function allowCorrection(node, p, can) {
      if (!can.tactics || can.complete || can.end_early) { return; }
      node.querySelector(".m-tactics").hidden = false;
      node.querySelector(".m-notes").value = p.notes || "";
      var save = node.querySelector(".m-save-tactics");
      save.hidden = false;
      save.addEventListener("click", function () {
        var used = Array.prototype.map.call(node.querySelectorAll(".m-tactic-list input:checked"), function (i) { return +i.value; });
        // The version of the report the edit was made from: sent later from the offline queue, a
        // stale edit is merged by the server (a union), never written over a newer report (ADR 0032).
        var body = { tactics: used, notes: node.querySelector(".m-notes").value, base_version: p.tactics_version };
        send(url("tactics", p.id), body, p.id, "tactics").then(function (r) {
          if (r.status === 200) {
            if (r.data && r.data.properties) { replaceFeature(r.data); rerender(); }
            say("Tactics saved.");
          }
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
      return send(url("endEarly", id), body, id, "end early").then(function (r) {
        if (r.status === 200) {
          var served = r.data.properties.minutes_served;
          return load().then(function () { say("Mission ended early after " + served + " min in the box."); });
        }
        if (r.status) { say(r.data.detail || "Could not end the mission (HTTP " + r.status + ")."); return load(); }
      });
    }
    // A finishing action waiting to be sent hides both buttons; a start waiting counts as active.
    function doseButtons(node, reached) {
      var active = node.dataset.canFinish === "1" && node.dataset.finishing !== "1";
      node.querySelector(".m-complete").hidden = !(active && reached);
      node.querySelector(".m-end-early").hidden = !active || reached;
      if (reached) { node.querySelector(".m-end").hidden = true; }
    }

    function start(id, node, reason) {
      // Without a position the server needs a reason: ask first, so a start saved offline has one.
      if (!state.position && !reason) { return Promise.resolve(askWhyByHand(node)); }
      var body = {};
      if (state.position) {
        body.latitude = state.position.latitude; body.longitude = state.position.longitude;
        body.accuracy_m = state.position.accuracy;
      }
      if (reason) { body.reason = reason; }
      return send(url("start", id), body, id, "start").then(function (r) {
        if (r.status === 201) { say("Mission started."); return load(); }
        if (r.status === 400 && r.data.reason) { askWhyByHand(node); } else if (r.status === 409) {
          say(r.data.detail || "Already started on another device."); return load();
        } else if (r.status) { say(r.data.detail || "Could not start (HTTP " + r.status + ")."); }
      });
    }

    function askWhyByHand(node) {
      node.querySelector(".m-manual").hidden = false;
      say("You are not in the box (or GPS is off): choose why you start by hand.");
    }

    function complete(id, node) {
      var used = Array.prototype.map.call(node.querySelectorAll(".m-tactic-list input:checked"), function (i) { return +i.value; });
      var body = { tactics: used, notes: node.querySelector(".m-notes").value };
      return send(url("complete", id), body, id, "complete").then(function (r) {
        if (r.status === 200) { say("Mission completed. Thank you."); return load(); }
        if (r.status) { say(r.data.detail || "Could not complete (HTTP " + r.status + ")."); return load(); }
      });
    }

    function navigateLinks(node, f) {
      var at = M.geo.centre(f);
      var point = at.lat.toFixed(6) + "," + at.lon.toFixed(6);
      node.querySelector(".m-navigate").href = "geo:" + point + "?q=" + point;
      var app = node.querySelector(".m-maps-app");
      if (el.dataset.mapsApp) {  // the agency's maps app (settings.OFFICER_MAPS_APP_URL), when it has one
        app.href = el.dataset.mapsApp.replace("{lat}", at.lat.toFixed(6)).replace("{lon}", at.lon.toFixed(6));
        app.hidden = false;
      }
    }

    function showWaiting(line, waiting) {
      line.hidden = !waiting.length;
      if (!waiting.length) { return; }
      var actions = waiting.map(function (item) { return item.action; }).join(", ");
      var since = new Date(waiting[0].savedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      line.textContent = "Waiting to send: " + actions + " (saved " + since + ")";
    }

    function showRefused(line, text) {
      line.hidden = !text;
      line.textContent = text || "";
    }

    function showReported(line, p, pending) {
      line.hidden = p.status !== "completed" && p.status !== "ended_early";
      if (line.hidden) { return; }
      var names = {};
      p.tactics.forEach(function (t) { names[t.id] = t.name; });
      function named(ids) { return ids.map(function (id) { return names[id] || "tactic " + id; }); }
      var used = named(p.tactics_used);
      line.textContent = used.length ? "Tactics reported: " + used.join(", ") : "No tactics reported.";
      if (pending) {
        var edit = named(pending.body.tactics || []);
        line.textContent += " — waiting to send: " + (edit.length ? edit.join(", ") : "none");
      }
    }

    // Distance and direction from the officer to each box, redrawn as the officer moves.
    function showDistances() {
      state.features.forEach(function (f) {
        var node = list.querySelector("[data-mission='" + f.properties.id + "']");
        if (!node) { return; }
        node.querySelector(".m-distance").textContent = state.position
          ? M.geo.describe({ lat: state.position.latitude, lon: state.position.longitude }, f)
          : "Distance: waiting for GPS";
      });
    }

    function focusCard(id) {
      var node = list.querySelector("[data-mission='" + id + "']");
      if (node) { node.scrollIntoView({ behavior: "smooth", block: "nearest" }); node.classList.add("flash"); }
    }

    // The timer shows the dose measured so far: the server's measured time plus the running visit's
    // since its last position, counted with the device's clock offset — until no position has come
    // for the server's gap, when it stops and says since when; or, while a start waits to be sent,
    // the server's dose so far plus the time since the start was saved.
    function tick() {
      var now = Date.now() + state.offsetMs;
      state.features.forEach(function (f) {
        var t = f.properties.timer;
        var node = list.querySelector("[data-mission='" + f.properties.id + "']");
        if (!node) { return; }
        var last = t.last_position_at ? Date.parse(t.last_position_at) : null;
        var stale = t.running && (!last || now - last > t.position_gap_seconds * 1000);
        var since = t.running ? (stale ? null : last) : (node.dataset.unsentSince ? Date.parse(node.dataset.unsentSince) : null);
        var before = t.running ? t.done_seconds_before_current_visit : t.dose_seconds;
        var seconds = since ? before + (now - since) / 1000 : before;
        var selfLine = node.querySelector(".m-self");  // the server's count: shown apart, not counted
        var selfMinutes = Math.floor((t.self_reported_seconds || 0) / 60);
        selfLine.hidden = !selfMinutes;
        selfLine.textContent = selfMinutes ? "+ " + selfMinutes + " min self-reported (not counted)" : "";
        var staleLine = node.querySelector(".m-stale");
        staleLine.hidden = !stale;
        staleLine.textContent = !stale ? "" : last
          ? "No position since " + new Date(last - state.offsetMs).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ": not counting"
          : "No position yet: not counting";
        seconds = Math.max(0, seconds);
        var m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
        node.querySelector(".m-clock").textContent = m + ":" + (s < 10 ? "0" : "") + s;
        node.querySelector(".m-progress").value = Math.min(1, seconds / (t.dose_minutes * 60));
        node.classList.toggle("dose-reached", seconds >= t.dose_minutes * 60);
        doseButtons(node, seconds >= t.dose_minutes * 60);
        node.classList.toggle("running", !!since);
      });
    }

    function ping() {
      if (!state.position) { return; }
      // A position is only worth sending now: pings are never queued for later.
      post(el.dataset.ping, {
        latitude: state.position.latitude, longitude: state.position.longitude, accuracy_m: state.position.accuracy
      }, newKey(), true).catch(function () { return { status: 0, data: {} }; }).then(function (r) {
        if (r.status !== 200) { return; }
        if (r.data.started.length || r.data.stopped.length) {
          render(r.data.missions.features, state.shift);
          say(r.data.started.length ? "Arrived: mission started." : "Left the box: visit paused.");
        } else {  // each position moves the timers' evidence on: the cards stay as they are
          state.features = r.data.missions.features;
          tick();
        }
      });
    }

    if (navigator.geolocation) {
      navigator.geolocation.watchPosition(function (pos) {
        var first = !state.position;
        state.position = pos.coords;
        youAreHere.update(pos.coords);
        showDistances();
        if (first) { ping(); }
      }, function () { state.position = null; showDistances(); },
      { enableHighAccuracy: true, maximumAge: 15000, timeout: 20000 });
    }
    setInterval(tick, 1000);
    setInterval(ping, PING_EVERY_MS);
    setInterval(function () { flushQueue().then(function () { return load(true); }); }, REFRESH_EVERY_MS);
    window.addEventListener("online", function () { sendOnReconnect(0); });
    keepForOffline();

    var beatsLoaded = el.dataset.beats ? M.fetchJSON(el.dataset.beats).then(function (fc) {
      var beats = L.geoJSON(fc, { style: beatStyle, interactive: false }).addTo(map);
      beats.bringToBack();
      state.beats = beats;
      el.dataset.beatsDrawn = String(beats.getLayers().length);
    }).catch(function () {}) : Promise.resolve();

    // The session is proven by the page itself: send what waits, then show the missions as they are.
    return flushQueue().then(function () { return Promise.all([beatsLoaded, load()]); }).then(function () {
      if (missionLayer.getLayers().length) { map.fitBounds(missionLayer.getBounds().pad(0.3)); }
      else if (state.beats && state.beats.getLayers().length) { map.fitBounds(state.beats.getBounds()); }
      else { map.setView([0, 0], 2); }
      el.dataset.ready = "1";
      keepBeatStreets();
      return map;
    });

    // The service worker keeps the page and this shift's data for a reload without network; it is
    // handed the data URLs once it runs (this first load went past it).
    function keepForOffline() {
      if (!("serviceWorker" in navigator) || !el.dataset.serviceWorker) { return; }
      navigator.serviceWorker.register(el.dataset.serviceWorker).catch(function (err) {
        say("This device cannot keep the page for offline use: " + err.message);
      });
      navigator.serviceWorker.ready.then(function (registration) {
        var keep = [window.location.pathname, el.dataset.missions, el.dataset.beats].filter(Boolean);
        registration.active.postMessage({ keep: keep });
      });
    }

    // The streets of the officer's beat (and of the missions' boxes), at street-name zoom, kept by
    // the worker for any view shown offline. Without a beat, those of the beats shown.
    function keepBeatStreets() {
      var streetsUrl = M.data("map-streets-url");
      if (!("serviceWorker" in navigator) || !el.dataset.serviceWorker || !streetsUrl) { return; }
      var bounds = null;
      function add(b) { if (b && b.isValid()) { bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast()); } }
      if (state.beats) {
        state.beats.eachLayer(function (layer) {
          if (!el.dataset.highlight || layer.feature.properties.code === el.dataset.highlight) { add(layer.getBounds()); }
        });
      }
      if (missionLayer.getLayers().length) { add(missionLayer.getBounds()); }
      if (!bounds) { return; }
      var b = bounds.pad(0.1);
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(5); }).join(",");
      navigator.serviceWorker.ready.then(function (registration) {
        registration.active.postMessage({ beatStreets: streetsUrl + "?bbox=" + bbox + "&zoom=" + BEAT_STREETS_ZOOM });
      });
    }
  });
})(window.Missions);
