// Forecast map: shades each box by preventable harm or by one crime type's expected count, with the
// expected counts and the reasons ("why this box") in the tooltip. Started by app.js from
// data-module="forecast-map"; uses Missions.baseMap/heat/fetchJSON (map.js).
(function (M) {
  "use strict";

  M.register("forecast-map", function (el) {
    var map = M.baseMap(el);
    var status = document.getElementById("map-status");
    var select = document.getElementById("forecast-shade");
    var renderer = L.canvas({ padding: 0.5 });
    var layer = L.layerGroup().addTo(map);
    var cache = {};
    var fitted = false;

    function load(type) {
      var key = type || "harm";
      if (cache[key]) { return Promise.resolve(cache[key]); }
      var url = el.dataset.forecast + (type ? "?crime_type=" + encodeURIComponent(type) : "");
      return M.fetchJSON(url).then(function (data) { cache[key] = data; return data; });
    }

    // Crime type names and reasons are configured text: text nodes, never markup.
    function tooltip(data, row) {
      var lines = [M.el("strong", {}, ["Box " + row[0]]), "Preventable harm " + row[6].toFixed(3)];
      data.types.forEach(function (t, i) { lines.push(t.name + ": " + row[5][i].toFixed(3) + " expected"); });
      if (row[8].length) {
        var name = data.types.filter(function (t) { return t.code === row[7]; }).map(function (t) { return t.name; })[0];
        lines.push(M.el("em", {}, ["Why (" + (name || row[7]) + "):"]));
        row[8].forEach(function (r) { lines.push("• " + r); });
      }
      return M.lines(lines);
    }

    function draw(type) {
      return load(type).then(function (data) {
        var idx = -1;
        data.types.forEach(function (t, i) { if (t.code === type) { idx = i; } });
        var value = function (row) { return idx >= 0 ? row[5][idx] : row[6]; };
        var peak = Math.max.apply(null, data.cells.map(value).concat([1e-9]));
        layer.clearLayers();
        var bounds = [];
        data.cells.forEach(function (row) {
          var v = value(row);
          var rect = L.rectangle([[row[1], row[2]], [row[3], row[4]]], {
            renderer: renderer, stroke: false, fillColor: M.heat(v / peak), fillOpacity: v > 0 ? 0.7 : 0.15
          });
          rect.bindTooltip(function () { return tooltip(data, row); }, { sticky: true });
          layer.addLayer(rect);
          bounds.push([row[1], row[2]], [row[3], row[4]]);
        });
        if (!fitted && bounds.length) { map.fitBounds(bounds); fitted = true; }
        if (status) { status.textContent = data.count + " boxes."; }
        el.dataset.ready = "1";
      }).catch(function (err) {
        if (status) { status.textContent = "Forecast could not be loaded: " + err.message; }
        el.dataset.ready = "error";
      });
    }

    if (el.dataset.districts) {
      M.fetchJSON(el.dataset.districts).then(function (fc) {
        L.geoJSON(fc, { style: { color: "#1f3b73", weight: 2, fill: false }, interactive: false }).addTo(map);
      }).catch(function () { /* districts are decoration only */ });
    }
    if (select) {
      select.addEventListener("change", function () { draw(select.value === "harm" ? null : select.value); });
    }
    draw(null);
  });
})(window.Missions);
