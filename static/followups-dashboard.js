// Follow-up dashboard charts (templates/main/_followups.html). Reads the figures from data-src with the
// session cookie and draws them with Apache ECharts (static/vendor, from npm). Labels come from data-*
// attributes so the text is translated on the server; no inline script, so the CSP stays strict.
(function () {
  "use strict";
  var root = document.getElementById("followups-charts");
  if (!root || typeof window.echarts === "undefined") { return; }
  var L = root.dataset;

  function bars(el, title, names, series) {
    var chart = window.echarts.init(el);
    if (!names.length) {
      chart.setOption({ title: { text: title, subtext: L.lEmpty, left: "center" } });
      return chart;
    }
    chart.setOption({
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 40, right: 40, top: 40, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 30 : 0 } },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
      series: series
    });
    return chart;
  }
  function bar(name, data) { return { name: name, type: "bar", data: data }; }
  function pct(name, data) { return { name: name, type: "line", yAxisIndex: 1, data: data, connectNulls: true }; }
  function pick(rows, key) { return rows.map(function (r) { return r[key]; }); }

  fetch(root.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (resp) { if (!resp.ok) { throw new Error("HTTP " + resp.status); } return resp.json(); })
    .then(function (data) {
      var totals = document.getElementById("followups-totals");
      if (totals) {
        var t = data.totals, d = totals.dataset;
        totals.textContent = d.labelRaised + " " + t.raised + " · " + d.labelResolved + " " + t.resolved + " · " +
          d.labelOntime + " " + (t.on_time_rate === null ? "—" : t.on_time_rate + "%") + " · " +
          d.labelOverdue + " " + t.overdue;
      }
      var charts = [];
      var s = data.series, dp = data.departments, j = data.jurisdictions;
      charts.push(bars(document.getElementById("chart-series"), L.titleSeries, pick(s, "name"), [
        bar(L.lSessions, pick(s, "sessions_held")), bar(L.lGuests, pick(s, "guests")),
        bar(L.lRaised, pick(s, "items_raised")), bar(L.lResolved, pick(s, "items_resolved")),
        pct(L.lOntime, pick(s, "on_time_rate"))]));
      charts.push(bars(document.getElementById("chart-departments"), L.titleDepartments, pick(dp, "name"), [
        bar(L.lAssigned, pick(dp, "assigned")), bar(L.lResolved, pick(dp, "resolved")),
        bar(L.lOverdue, pick(dp, "overdue")), pct(L.lOntime, pick(dp, "on_time_rate")),
        pct(L.lSatisfaction, pick(dp, "satisfaction_rate"))]));
      charts.push(bars(document.getElementById("chart-jurisdictions"), L.titleJurisdictions, pick(j, "name"), [
        bar(L.lAllowed, pick(j, "allowed")), bar(L.lRefused, pick(j, "refused")), bar(L.lCancelled, pick(j, "cancelled")),
        bar(L.lProtected, pick(j, "protected_with_justification"))]));
      root.dataset.ready = "1";
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    })
    .catch(function (err) {
      root.dataset.ready = "error";
      root.textContent = String(err);
    });
}());
