// The analyst's map of a shift: boxes shaded by the forecast's preventable harm, suppressed and
// control boxes, the shift's missions coloured by status, and a legend. A mode switch says what a
// click on a box does: show its mission, pick it for the add form, or pick it for the suppress form
// (one action per click, never both). Started by app.js from data-module="missions-shift".

(function (M) {
  "use strict";

  var PICK = {
    add: { field: "id_add-cell_ids", details: "add-details", colour: "#8e44ad", fillOpacity: 0.45, label: "to add missions" },
    suppress: { field: "id_sup-cell_ids", details: "suppress-details", colour: "#111", fillOpacity: 0.3, label: "to suppress" }
  };
  var SUPPRESSED = { color: "#000", weight: 2, dashArray: "5 4", fillColor: "#555", fillOpacity: 0.5 };
  var CONTROL = { color: "#0a7d6b", weight: 2.5, dashArray: "2 5", fill: false };
  var LEGEND_STEPS = [0, 0.25, 0.5, 0.75, 1];

  // The reasons are typed by analysts and read by supervisors: text nodes, never markup.
  function missionTooltip(p) {
    var head = M.el("span", {}, [M.el("b", {}, [p.beat + " #" + p.rank]), " " + p.status +
      (p.crime_type ? " · " + p.crime_type : "")]);
    return M.lines([head].concat(p.reasons || []));
  }

  function cellList(field) {
    return field.value.split(/[,;]/).map(function (s) { return s.trim(); }).filter(function (s) { return s; });
  }

  function legend(peak, showControls) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var rows = [M.el("strong", {}, ["Preventable harm"])];
      LEGEND_STEPS.forEach(function (step) {
        var key = M.el("span", { className: "key" });
        key.style.background = M.heat(step);
        rows.push(M.el("div", {}, [key, (step * peak).toFixed(2)]));
      });
      rows.push(M.el("div", {}, [M.el("span", { className: "key suppressed" }), "suppressed"]));
      if (showControls) { rows.push(M.el("div", {}, [M.el("span", { className: "key control" }), "control (held back)"])); }
      ["planned", "active", "completed"].forEach(function (status) {
        var key = M.el("span", { className: "key" });
        key.style.background = M.statusColour(status);
        rows.push(M.el("div", {}, [key, "mission " + status]));
      });
      rows.push(M.el("div", {}, [M.el("span", { className: "key pick-add" }), "picked to add"]));
      rows.push(M.el("div", {}, [M.el("span", { className: "key pick-suppress" }), "picked to suppress"]));
      var box = M.el("div", { className: "map-legend", id: "map-legend" }, rows);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return control;
  }

  M.register("missions-shift", function (el) {
    var map = M.baseMap(el);
    var status = document.getElementById("map-status");
    var bounds = {};  // cell id → [[south, west], [north, east]]
    var picks = L.layerGroup().addTo(map);
    var mode = "view";

    function say(text) { if (status) { status.textContent = text; } }

    function drawPicks() {
      picks.clearLayers();
      var how = PICK[mode];
      if (!how) { return; }
      var field = document.getElementById(how.field);
      cellList(field).forEach(function (cellId) {
        if (bounds[cellId]) {
          L.rectangle(bounds[cellId], { color: how.colour, weight: 3, fillColor: how.colour,
            fillOpacity: how.fillOpacity, interactive: false }).addTo(picks);
        }
      });
      say(cellList(field).length + " box(es) picked " + how.label + ".");
    }

    // One click, one action: the box goes into the form of the current mode only.
    function pick(cellId) {
      var how = PICK[mode];
      if (!how) { return false; }
      var field = document.getElementById(how.field);
      var cells = cellList(field);
      var i = cells.indexOf(cellId);
      if (i >= 0) { cells.splice(i, 1); } else { cells.push(cellId); }
      field.value = cells.join(", ");
      drawPicks();
      return true;
    }

    Array.prototype.forEach.call(document.querySelectorAll("input[name='pick-mode']"), function (radio) {
      radio.addEventListener("change", function () {
        mode = radio.value;
        el.dataset.mode = mode;
        var how = PICK[mode];
        if (how) { document.getElementById(how.details).open = true; }
        drawPicks();
        if (!how) { say("A click on a mission shows it in the table."); }
      });
    });
    Object.keys(PICK).forEach(function (name) {
      var field = document.getElementById(PICK[name].field);
      if (field) { field.addEventListener("input", function () { if (mode === name) { drawPicks(); } }); }
    });

    function boxLayer(cellId, options, tip) {
      var rect = L.rectangle(bounds[cellId], options);
      rect.bindTooltip(M.tip(tip));
      rect.on("click", function () { pick(cellId); });
      return rect;
    }

    // The page sets data-forecast only when the shift has a forecast: no 404 to explain away.
    var gridLoad = Promise.all([M.fetchJSON(el.dataset.grid), el.dataset.forecast ? M.fetchJSON(el.dataset.forecast) : null])
      .then(function (loaded) {
        var grid = loaded[0], forecast = loaded[1];
        var byCell = {};
        (forecast ? forecast.cells : []).forEach(function (r) { byCell[r[0]] = r; });
        var peak = Math.max.apply(null, Object.keys(byCell).map(function (k) { return byCell[k][6]; }).concat([1e-9]));
        var layer = L.layerGroup(grid.cells.map(function (c) {
          bounds[c[0]] = [[c[3], c[4]], [c[5], c[6]]];
          var f = byCell[c[0]];
          var text = "Box " + c[0] + (c[2] ? " · beat " + c[2] : "") +
            (f ? " · harm " + f[6].toFixed(2) + " · mostly " + f[7] : "");
          return boxLayer(c[0], f ? { color: "#999", weight: 0.4, fillColor: M.heat(f[6] / peak), fillOpacity: 0.6 }
            : { color: "#999", weight: 0.4, fill: true, fillOpacity: 0 }, text);
        })).addTo(map);
        legend(forecast ? peak : 0, !!el.dataset.controls).addTo(map);
        el.dataset.shaded = forecast ? "1" : "0";
        return layer;
      });
    var overlays = gridLoad.then(function () {
      var loads = [];
      if (el.dataset.suppressions) {
        loads.push(M.fetchJSON(el.dataset.suppressions).then(function (rows) {
          var n = 0;
          rows.filter(function (s) { return s.scope === "boxes"; }).forEach(function (s) {
            s.cells.filter(function (id) { return bounds[id]; }).forEach(function (id) {
              n += 1;
              boxLayer(id, SUPPRESSED, "Suppressed " + s.date_from + " to " + s.date_to + ": " + s.reason).addTo(map);
            });
          });
          el.dataset.suppressed = String(n);
        }));
      }
      if (el.dataset.controls) {
        loads.push(M.fetchJSON(el.dataset.controls).then(function (rows) {
          rows.filter(function (c) { return bounds[c.cell_id]; }).forEach(function (c) {
            boxLayer(c.cell_id, CONTROL, "Control box " + c.cell_id + " (beat " + c.beat +
              "): held back for evaluation, score " + c.score.toFixed(2)).addTo(map);
          });
          el.dataset.controlBoxes = String(rows.length);
        }));
      }
      return Promise.all(loads);
    });
    var beats = M.fetchJSON(el.dataset.beats).then(function (fc) {
      return L.geoJSON(fc, { style: { color: "#5b7db1", weight: 1.5, fill: false }, interactive: false }).addTo(map);
    });
    var missions = overlays.then(function () { return M.fetchJSON(el.dataset.missions); }).then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var c = M.statusColour(f.properties.status);
          return { color: c, weight: 2.5, fillColor: c, fillOpacity: f.properties.status === "cancelled" ? 0.05 : 0.35 };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindTooltip(function () { return missionTooltip(p); });
          l.on("click", function () {
            if (pick(p.cell_id)) { return; }
            var row = document.querySelector("#mission-table tr[data-mission='" + p.id + "']");
            if (row) { row.scrollIntoView({ behavior: "smooth", block: "center" }); row.classList.add("flash"); }
          });
        }
      }).addTo(map);
      say(fc.features.length + " missions on the map.");
      return layer;
    });
    return Promise.all([beats, missions]).then(function (layers) {
      var fit = layers[1].getLayers().length ? layers[1] : layers[0];
      if (fit.getLayers().length) { map.fitBounds(fit.getBounds()); } else { map.setView([0, 0], 2); }
      el.dataset.ready = "1";
    }).catch(function (err) {
      say("Map data could not be loaded: " + err.message);
      el.dataset.ready = "error";
    });
  });
})(window.Missions);
