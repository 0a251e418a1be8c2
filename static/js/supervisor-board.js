// The supervisor's board of the shift under way: missions by beat and by unit with their dose
// progress, and the district's boxes coloured by status. It polls the board's JSON in the
// background (X-Background-Poll: an unattended board does not keep the session alive).
// Started by app.js from data-module="supervisor-board"; needs map.js and Leaflet.

(function (M) {
  "use strict";

  M.register("supervisor-board", function (el) {
    var totals = document.getElementById("board-totals");
    var beatsBox = document.getElementById("board-beats");
    var unitsBox = document.getElementById("board-units");
    var updated = document.getElementById("board-updated");
    var map = M.baseMap(document.getElementById("board-map"));
    var fitted = false;  // the view is set once, when the page opens: then it is the supervisor's
    var boxes = L.geoJSON(null, {
      style: function (f) {
        var c = M.statusColour(f.properties.status);
        return { color: c, weight: 2, fillColor: c, fillOpacity: 0.45 };
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(M.tip("Beat " + f.properties.beat + " · " + f.properties.label + " · " +
          f.properties.status.replace("_", " ") + " · dose " + Math.round(100 * f.properties.progress) + " %"));
      }
    }).addTo(map);

    // The buttons of a mission row: the actions the server allows this user on it (missions/state.py)
    // that the board can take. Calling off needs a reason code and words, as on the shift page.
    function actions(row) {
      if ((row.allowed_actions || []).indexOf("cancel") < 0) { return "—"; }
      var code = M.el("select", { name: "cancel-reason_code", required: true },
        [M.el("option", { value: "" }, ["Reason…"])].concat((M.data("reason-codes") || []).map(function (c) {
          return M.el("option", { value: c[0] }, [c[1]]);
        })));
      var words = M.el("input", { name: "cancel-reason", required: true, placeholder: "Why (kept in the audit log)" });
      var token = M.el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: el.dataset.csrf });
      var form = M.el("form", { method: "post", action: el.dataset.cancel.replace("/0/", "/" + row.id + "/") },
        [token, code, " ", words, " ", M.el("button", { type: "submit", className: "board-cancel" }, ["Call off"])]);
      return M.el("details", { className: "board-actions" }, [M.el("summary", {}, ["Call off"]), form]);
    }

    function progress(row) {
      return M.el("span", { className: "dose" }, [
        M.el("progress", { max: 1, value: row.progress, title: row.minutes_served + " of " + row.dose_minutes + " min" }),
        " " + row.minutes_served + " / " + row.dose_minutes + " min",
        // Time without positions: shown apart, not counted toward the dose (each note on a line of
        // its own under the bar, so the table keeps to its card).
        row.minutes_self_reported ? M.el("span", { className: "dose-note self-reported" }, ["+ " + row.minutes_self_reported + " min self-reported"]) : null,
        // Measured from the cars' location feed; other units' minutes shown apart, not counted.
        row.measured_by_avl ? M.el("span", { className: "dose-note avl" }, ["AVL" + (row.minutes_avl_other ? " (+ " + row.minutes_avl_other + " min other units)" : "")]) : null
      ]);
    }

    function table(headers, rows) {
      return M.el("table", {}, [
        M.el("thead", {}, [M.el("tr", {}, headers.map(function (h) { return M.el("th", {}, [h]); }))]),
        M.el("tbody", {}, rows)
      ]);
    }

    function renderBeats(board) {
      if (beatsBox.querySelector("details.board-actions[open]")) { return; }  // a call-off being written
      var labels = {};
      board.statuses.forEach(function (s) { labels[s.code] = s.label; });
      var rows = [];
      board.beats.forEach(function (beat) {
        var counts = board.statuses.map(function (s) { return beat.counts[s.code] + " " + s.label.toLowerCase(); });
        rows.push(M.el("tr", { className: "board-beat" }, [
          M.el("th", { colSpan: 5, scope: "rowgroup" }, ["Beat " + beat.code + (beat.district ? " (" + beat.district + ")" : "") +
            " — " + counts.join(", ")])
        ]));
        beat.missions.forEach(function (m) {
          var tr = M.el("tr", { className: "status-" + m.status }, [
            M.el("td", {}, [m.label]),
            M.el("td", { className: "board-status status-" + m.status, title: m.ended_reason || "" },
                 [labels[m.status] || m.status]),
            M.el("td", {}, [progress(m)]),
            M.el("td", {}, [m.unit || "—"]),
            M.el("td", {}, [actions(m)])
          ]);
          tr.dataset.mission = m.id;
          tr.dataset.status = m.status;
          rows.push(tr);
        });
      });
      if (!rows.length) { rows.push(M.el("tr", {}, [M.el("td", { colSpan: 5 }, ["No missions this shift."])])); }
      beatsBox.textContent = "";
      beatsBox.appendChild(table(["Mission", "Status", "Dose", "Unit", "Actions"], rows));
    }

    function renderUnits(board) {
      var rows = board.units.map(function (u) {
        return M.el("tr", {}, [
          M.el("td", {}, [u.unit]), M.el("td", {}, [u.beats.join(", ")]),
          M.el("td", { className: "num" }, [String(u.missions)]),
          M.el("td", { className: "num" }, [String(u.minutes_served)]),
          M.el("td", { className: "num" }, [String(u.minutes_self_reported)]),
          M.el("td", {}, [u.in_box || "—"])
        ]);
      });
      if (!rows.length) { rows.push(M.el("tr", {}, [M.el("td", { colSpan: 6 }, ["No unit has patrolled a mission yet."])])); }
      unitsBox.textContent = "";
      unitsBox.appendChild(table(["Unit", "Beats", "Missions", "Minutes served", "Self-reported", "In box now"], rows));
    }

    function render(board) {
      var parts = board.statuses.map(function (s) { return board.totals[s.code] + " " + s.label.toLowerCase(); });
      totals.textContent = board.shift ? parts.join(" · ") : "No shift is under way.";
      renderBeats(board);
      renderUnits(board);
      boxes.clearLayers();
      boxes.addData(board.boxes);
      el.dataset.active = String(board.totals.active);
      el.dataset.boxes = String(boxes.getLayers().length);
      updated.textContent = "Last update " + new Date(board.server_time).toLocaleTimeString() + ".";
      if (!fitted && boxes.getLayers().length) { map.fitBounds(boxes.getBounds().pad(0.3)); }  // until districts fit
    }

    function poll() {
      return M.fetchJSON(el.dataset.board, true).then(render).catch(function (err) {
        updated.textContent = "Could not update: " + err.message;
      });
    }

    var beatsLoaded = M.fetchJSON(el.dataset.beats).then(function (fc) {
      var beats = L.geoJSON(fc, { style: { color: "#5b7db1", weight: 1, fill: false, dashArray: "4 3" },
                                  interactive: false }).addTo(map);
      beats.bringToBack();
    }).catch(function () {});
    // The map opens fitted to the supervisor's district(s) (board-districts; every district when
    // none), close enough for the streets to be drawn at once; drawn bold, the others thin.
    var mine = M.data("board-districts") || [];
    var districtsLoaded = M.fetchJSON(el.dataset.districts).then(function (fc) {
      function chosen(f) { return !mine.length || mine.indexOf(f.properties.code) >= 0; }
      var districts = L.geoJSON(fc, {
        style: function (f) { return { color: "#1f3b73", weight: chosen(f) ? 3 : 1, fill: false }; },
        interactive: false
      }).addTo(map);
      districts.bringToBack();
      var fit = L.latLngBounds([]);
      districts.eachLayer(function (layer) { if (chosen(layer.feature)) { fit.extend(layer.getBounds()); } });
      if (fit.isValid()) {
        fitted = true;
        map.fitBounds(fit);
        el.dataset.fit = mine.length ? mine.join(",") : "all";
      }
    }).catch(function () {});
    window.setInterval(poll, Number(el.dataset.pollMs) || 20000);
    return Promise.all([beatsLoaded, districtsLoaded, poll()]).then(function () { el.dataset.ready = "1"; });
  });
})(window.Missions);
