// The analyst's map of a shift: the grid (click boxes to fill the add / suppress forms) and the
// shift's missions coloured by status, with their reasons in a tooltip. Started by app.js from
// data-module="missions-shift".

(function (M) {
  "use strict";

  // The reasons are typed by analysts and read by supervisors: text nodes, never markup.
  function missionTooltip(p) {
    var lines = [M.el("span", {}, [M.el("b", {}, [p.beat + " #" + p.rank]), " " + p.status])];
    return M.lines(lines.concat(p.reasons || []));
  }

  M.register("missions-shift", function (el) {
    var map = M.baseMap(el);
    var status = document.getElementById("map-status");
    var picked = [];
    var fields = ["id_add-cell_ids", "id_sup-cell_ids"].map(function (id) { return document.getElementById(id); })
      .filter(function (f) { return f; });

    function toggle(cellId, layer) {
      var i = picked.indexOf(cellId);
      if (i >= 0) { picked.splice(i, 1); layer.setStyle({ fill: false, weight: 0.4 }); }
      else { picked.push(cellId); layer.setStyle({ fill: true, fillColor: "#8e44ad", fillOpacity: 0.4, weight: 1 }); }
      fields.forEach(function (f) { f.value = picked.join(", "); });
    }

    var loads = [];
    loads.push(M.fetchJSON(el.dataset.beats).then(function (fc) {
      return L.geoJSON(fc, { style: { color: "#5b7db1", weight: 1.5, fill: false }, interactive: false }).addTo(map);
    }));
    loads.push(M.fetchJSON(el.dataset.grid).then(function (grid) {
      grid.cells.forEach(function (c) {
        var rect = L.rectangle([[c[3], c[4]], [c[5], c[6]]], { color: "#999", weight: 0.4, fill: false });
        rect.bindTooltip(M.tip("Box " + c[0] + (c[2] ? " · beat " + c[2] : "")));
        rect.on("click", function () { toggle(c[0], rect); });
        rect.addTo(map);
      });
    }));
    loads.push(M.fetchJSON(el.dataset.missions).then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var c = M.statusColour(f.properties.status);
          return { color: c, weight: 2.5, fillColor: c, fillOpacity: f.properties.status === "cancelled" ? 0.05 : 0.35 };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindTooltip(function () { return missionTooltip(p); });
          l.on("click", function () {
            var row = document.querySelector("#mission-table tr[data-mission='" + p.id + "']");
            if (row) { row.scrollIntoView({ behavior: "smooth", block: "center" }); row.classList.add("flash"); }
          });
        }
      }).addTo(map);
      if (status) { status.textContent = fc.features.length + " missions on the map."; }
      return layer;
    }));
    return Promise.all(loads).then(function (layers) {
      var fit = layers[2].getLayers().length ? layers[2] : layers[0];
      if (fit.getLayers().length) { map.fitBounds(fit.getBounds()); } else { map.setView([0, 0], 2); }
      el.dataset.ready = "1";
    }).catch(function (err) {
      if (status) { status.textContent = "Map data could not be loaded: " + err.message; }
      el.dataset.ready = "error";
    });
  });
})(window.Missions);
