/* Draw every server-built Plotly figure on the page. Figures are JSON data blocks
   (<script type="application/json">), so no inline script runs (the CSP forbids it). */
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    var me = document.getElementById("dure-charts");
    var topojson = me ? me.getAttribute("data-topojson") : undefined;
    var nodes = document.querySelectorAll(".chart[data-figure]");
    Array.prototype.forEach.call(nodes, function (node) {
      var data = document.getElementById(node.getAttribute("data-figure"));
      if (!data) { return; }
      var fig = JSON.parse(data.textContent);
      var layout = fig.layout || {};
      layout.autosize = true;
      Plotly.newPlot(node, fig.data || [], layout, {
        displayModeBar: false, responsive: true, topojsonURL: topojson
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
