// Maps of the jurisdiction: districts, beats and grid cells from the API, on the agency's tile layer,
// with the agency's own streets under everything. Needs app.js (Missions.register, Missions.el) and Leaflet.

(function (M) {
  "use strict";

  // element: the map's <div> (or its id).
  M.baseMap = function (element) {
    // A view from the start: vector layers added before the data's bounds are known need one.
    var map = L.map(element, { preferCanvas: true }).setView([0, 0], 2);
    map.getContainer().leafletMap = map;  // reachable from the console and the browser tests
    var tileUrl = M.data("map-tile-url");
    if (tileUrl) {
      // The attribution is HTML in Leaflet (links to the tile provider); it comes from the settings.
      L.tileLayer(tileUrl, { attribution: M.data("map-tile-attribution"), maxZoom: 19 }).addTo(map);
    }
    var streetsUrl = M.data("map-streets-url");
    if (streetsUrl) { M.streetLayer(map, streetsUrl); }
    return map;
  };

  var STREET_MIN_ZOOM = 12;  // the server sends none below (forecasting/street_selectors.py)

  // The agency's streets for the view, fetched again after every pan or zoom: lines in a pane under
  // the boxes, names along them (from street zoom) in a pane above, any name that would overlap
  // one already placed left out (the server sends the longest streets first).
  M.streetLayer = function (map, url) {
    map.createPane("streets").style.zIndex = 350;  // under the overlay pane (400) with the boxes
    map.createPane("streetNames").style.zIndex = 450;
    map.getPane("streetNames").style.pointerEvents = "none";
    var renderer = L.canvas({ pane: "streets", padding: 0.2 });
    var lines = L.layerGroup().addTo(map), names = L.layerGroup().addTo(map);
    var asked = 0;

    function show(fc) {
      lines.clearLayers();
      names.clearLayers();
      L.geoJSON(fc, {
        renderer: renderer, pane: "streets", interactive: false,
        style: { color: "#8c96a0", weight: fc.names ? 3 : 1.5, opacity: 0.9 }
      }).addTo(lines);
      var placed = [];
      fc.features.forEach(function (f) {
        var at = f.properties.label;
        if (!at) { return; }
        var text = M.el("span", { className: "street-name-text" }, [f.properties.name]);
        text.style.transform = "translate(-50%, -50%) rotate(" + at.angle + "deg)";
        var marker = L.marker([at.lat, at.lon], {
          pane: "streetNames", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "street-name", html: text, iconSize: null })
        }).addTo(names);
        var box = text.getBoundingClientRect();
        var clash = placed.some(function (b) {
          return box.left < b.right && b.left < box.right && box.top < b.bottom && b.top < box.bottom;
        });
        if (clash) { names.removeLayer(marker); } else { placed.push(box); }
      });
      map.getContainer().dataset.streets = String(fc.features.length);
      map.getContainer().dataset.streetNames = String(placed.length);
    }

    function load() {
      var mine = ++asked, zoom = map.getZoom();
      if (zoom < STREET_MIN_ZOOM) { show({ features: [], names: false }); return; }
      var b = map.getBounds().pad(0.2);
      var bbox = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180),
                  Math.min(b.getNorth(), 90)].map(function (n) { return n.toFixed(5); }).join(",");
      M.fetchJSON(url + "?bbox=" + bbox + "&zoom=" + zoom).then(function (fc) {
        if (mine === asked) { show(fc); }  // a later view's answer wins over a slow earlier one
      }).catch(function () { map.getContainer().dataset.streets = "error"; });
    }
    map.on("moveend", load);
    return { lines: lines, names: names };
  };

  // Light yellow to dark red, on a square-root scale so that a few hot cells do not wash out the rest.
  M.heat = function (share) {
    var t = Math.sqrt(Math.max(0, Math.min(1, share)));
    var hue = 55 - 55 * t, light = 85 - 50 * t;
    return "hsl(" + hue + ", 90%, " + light + "%)";
  };

  // Tooltip or popup content as plain text: Leaflet treats a string as HTML, so hand it a node
  // (built when first shown: a grid has thousands of boxes).
  M.tip = function (text) {
    return function () { return document.createTextNode(text); };
  };

  // Requests made by a timer pass background=true: the server does not count them as activity, so
  // an unattended page does not keep its session alive (accounts.middleware).
  // onHeaders(headers), when given, sees the answer's headers (fresh even when the browser
  // revalidated its stored copy with the ETag and reuses that body).
  M.fetchJSON = function (url, background, onHeaders) {
    var headers = { Accept: "application/json" };
    if (background) { headers["X-Background-Poll"] = "1"; }
    return fetch(url, { credentials: "same-origin", headers: headers })
      .then(function (r) {
        // The session ended (idle or too old): reload, and the server shows the sign-in page.
        if (r.status === 401 && background) { window.location.reload(); }
        if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
        if (onHeaders) { onHeaders(r.headers); }
        return r.json();
      });
  };

  M.register("jurisdiction-map", function (el) {
    var map = M.baseMap(el);
    var status = document.getElementById("map-status");
    var layers = {};
    var control = L.control.layers(null, null, { collapsed: false }).addTo(map);
    var highlight = el.dataset.highlight;

    var loads = [];
    if (el.dataset.districts) {
      loads.push(M.fetchJSON(el.dataset.districts).then(function (fc) {
        layers.districts = L.geoJSON(fc, {
          style: { color: "#1f3b73", weight: 3, fill: false },
          onEachFeature: function (f, l) { l.bindTooltip(M.tip(f.properties.code + " " + f.properties.name)); }
        }).addTo(map);
        control.addOverlay(layers.districts, "Districts");
      }));
    }
    if (el.dataset.beats) {
      loads.push(M.fetchJSON(el.dataset.beats).then(function (fc) {
        layers.beats = L.geoJSON(fc, {
          style: function (f) {
            var mine = highlight && f.properties.code === highlight;
            return { color: mine ? "#c0392b" : "#5b7db1", weight: mine ? 3 : 1,
                     fillOpacity: mine ? 0.15 : 0.03, dashArray: mine ? null : "4 3" };
          },
          onEachFeature: function (f, l) { l.bindTooltip(M.tip("Beat " + f.properties.code)); }
        }).addTo(map);
        control.addOverlay(layers.beats, "Beats");
      }));
    }
    if (el.dataset.grid) {
      loads.push(M.fetchJSON(el.dataset.grid).then(function (grid) {
        var renderer = L.canvas({ padding: 0.5 });
        layers.grid = L.layerGroup(grid.cells.map(function (c) {
          return L.rectangle([[c[3], c[4]], [c[5], c[6]]],
            { renderer: renderer, color: "#888", weight: 0.4, fill: false, interactive: false });
        }));
        control.addOverlay(layers.grid, "Grid (" + grid.count + " cells)");
        var peak = Math.max.apply(null, grid.cells.map(function (c) { return c[7]; }).concat([1]));
        layers.incidents = L.layerGroup(grid.cells.filter(function (c) { return c[7] > 0; }).map(function (c) {
          return L.rectangle([[c[3], c[4]], [c[5], c[6]]], {
            renderer: renderer, stroke: false, fillColor: M.heat(c[7] / peak), fillOpacity: 0.75
          }).bindTooltip(M.tip("Cell " + c[0] + ": " + c[7] + " incidents"));
        })).addTo(map);
        control.addOverlay(layers.incidents, "Incidents, last " + grid.incident_days + " days");
        if (status) { status.textContent = grid.count + " cells."; }
      }));
    }
    return Promise.all(loads).then(function () {
      var fit = layers.beats || layers.districts;
      if (fit && fit.getLayers().length) { map.fitBounds(fit.getBounds()); } else { map.setView([0, 0], 2); }
      el.dataset.ready = "1";
      return map;
    }).catch(function (err) {
      if (status) { status.textContent = "Map data could not be loaded: " + err.message; }
      el.dataset.ready = "error";
    });
  });
})(window.Missions);
