// Where the officer is, relative to the mission boxes: the "you are here" marker with its accuracy
// circle, and the distance and direction to a box ("420 m NE") on its card. Pure arithmetic on
// WGS 84 coordinates (a sphere is close enough at patrol distances); no outside service.

(function (M) {
  "use strict";

  var EARTH_RADIUS_M = 6371008.8;
  var COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];
  var KM_FROM_M = 1000;
  var YOU_COLOUR = "#1a73e8";  // the blue of "my location" in phone map apps

  function radians(deg) { return deg * Math.PI / 180; }

  M.geo = {
    // a, b: {lat, lon}
    distanceMetres: function (a, b) {
      var dLat = radians(b.lat - a.lat), dLon = radians(b.lon - a.lon);
      var h = Math.pow(Math.sin(dLat / 2), 2) +
        Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.pow(Math.sin(dLon / 2), 2);
      return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
    },

    // Initial bearing from a to b, degrees clockwise from north.
    bearingDegrees: function (a, b) {
      var y = Math.sin(radians(b.lon - a.lon)) * Math.cos(radians(b.lat));
      var x = Math.cos(radians(a.lat)) * Math.sin(radians(b.lat)) -
        Math.sin(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.cos(radians(b.lon - a.lon));
      return (Math.atan2(y, x) * 180 / Math.PI + 360) % 360;
    },

    compass: function (degrees) { return COMPASS[Math.round(degrees / 45) % 8]; },

    // The box's outer ring as [lon, lat] pairs (a Polygon; the first of a MultiPolygon).
    ring: function (feature) {
      var g = feature.geometry;
      return g.type === "MultiPolygon" ? g.coordinates[0][0] : g.coordinates[0];
    },

    centre: function (feature) {
      var ring = M.geo.ring(feature).slice(0, -1);  // the last point repeats the first
      var lat = 0, lon = 0;
      ring.forEach(function (p) { lon += p[0]; lat += p[1]; });
      return { lat: lat / ring.length, lon: lon / ring.length };
    },

    // Inside the box's bounds (boxes are grid squares, so the bounds are the box).
    inside: function (point, feature) {
      var ring = M.geo.ring(feature);
      var lons = ring.map(function (p) { return p[0]; }), lats = ring.map(function (p) { return p[1]; });
      return point.lat >= Math.min.apply(null, lats) && point.lat <= Math.max.apply(null, lats) &&
        point.lon >= Math.min.apply(null, lons) && point.lon <= Math.max.apply(null, lons);
    },

    // "You are in the box", "420 m NE", "1.3 km SW".
    describe: function (from, feature) {
      if (M.geo.inside(from, feature)) { return "You are in the box"; }
      var to = M.geo.centre(feature);
      var metres = M.geo.distanceMetres(from, to);
      var distance = metres < KM_FROM_M ? Math.round(metres / 10) * 10 + " m"
        : (metres / KM_FROM_M).toFixed(metres < 10 * KM_FROM_M ? 1 : 0) + " km";
      return distance + " " + M.geo.compass(M.geo.bearingDegrees(from, to));
    }
  };

  // The officer's position on a Leaflet map: a dot, and a circle of the reported accuracy.
  M.YouAreHere = function (map) {
    this.map = map;
    this.accuracy = null;
    this.dot = null;
  };

  M.YouAreHere.prototype.update = function (coords) {
    var at = [coords.latitude, coords.longitude];
    if (!this.dot) {
      // The map draws on a canvas (CSS classes do not reach it): the colours are options.
      this.accuracy = L.circle(at, { radius: coords.accuracy || 0, color: YOU_COLOUR, weight: 1,
                                     fillColor: YOU_COLOUR, fillOpacity: 0.15, interactive: false }).addTo(this.map);
      this.dot = L.circleMarker(at, { radius: 8, color: "#fff", weight: 3, fillColor: YOU_COLOUR, fillOpacity: 1 })
        .bindTooltip(M.tip("You are here")).addTo(this.map);
    }
    this.accuracy.setLatLng(at).setRadius(coords.accuracy || 0);
    this.dot.setLatLng(at);
    this.map.getContainer().dataset.youAreHere = at.join(",");
  };
})(window.Missions);
