// The admin page: sessions, history, configuration (secrets masked) and maintenance.
// The admin key lives in sessionStorage only, never in a URL; all data is rendered as text.
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var key = sessionStorage.getItem("sanctum_admin_key");

  function flash(text, ok) {
    var box = $("status");
    box.textContent = text;
    box.className = "status " + (ok ? "ok" : "error");
    clearTimeout(flash.timer);
    flash.timer = setTimeout(function () { box.className = "status hidden"; }, 5000);
  }

  async function api(path, options) {
    options = options || {};
    var headers = { Authorization: "Bearer " + key };
    if (options.body) headers["Content-Type"] = "application/json";
    var response = await fetch(path, { method: options.method || "GET", headers: headers, body: options.body });
    var body = await response.json();
    if (response.status === 401) { signOut(); throw new Error(body.error); }
    if (!body.success) throw new Error(body.error || "Request failed");
    return body.data;
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    row.append(td);
    return td;
  }

  async function loadSessions() {
    var query = "?limit=" + $("limit").value + "&active=" + ($("activeOnly").checked ? "true" : "false");
    var data = await api("/admin/api/sessions" + query);
    var body = $("sessions");
    body.replaceChildren();
    data.sessions.forEach(function (s) {
      var row = document.createElement("tr");
      var link = document.createElement("button");
      link.type = "button";
      link.textContent = s.id;
      link.addEventListener("click", function () { showHistory(s.id).catch(function (e) { flash(e.message); }); });
      cell(row, "").append(link);
      [s.uid, s.ip_address, s.created_at, s.last_active, s.message_count, s.response_count].forEach(function (v) { cell(row, v); });
      body.append(row);
    });
    $("sessionTotal").textContent = data.pagination.total + " sessions";
  }

  async function showHistory(id) {
    var data = await api("/admin/api/session_messages?session_id=" + encodeURIComponent(id));
    var items = data.messages.map(function (m) { return { at: m.timestamp, who: "Visitor", text: m.message }; })
      .concat(data.responses.map(function (r) { return { at: r.timestamp, who: "Agent", text: r.response }; }))
      .sort(function (a, b) { return a.at < b.at ? -1 : a.at > b.at ? 1 : 0; });
    $("historyTitle").textContent = "History of " + id;
    var list = $("historyMessages");
    list.replaceChildren();
    items.forEach(function (item) {
      var bubble = document.createElement("div");
      bubble.className = "message " + (item.who === "Visitor" ? "user" : "bot");
      bubble.textContent = item.text;
      var time = document.createElement("span");
      time.className = "message-time";
      time.textContent = item.who + " · " + item.at + " UTC";
      bubble.append(time);
      list.append(bubble);
    });
    $("history").classList.remove("hidden");
  }

  async function loadConfig() {
    var data = await api("/admin/api/config");
    var body = $("config");
    body.replaceChildren();
    Object.keys(data).sort().forEach(function (name) {
      var row = document.createElement("tr");
      cell(row, name);
      cell(row, data[name]);
      body.append(row);
    });
  }

  function signOut() {
    sessionStorage.removeItem("sanctum_admin_key");
    key = null;
    $("console").classList.add("hidden");
    $("signIn").classList.remove("hidden");
  }

  async function start() {
    try {
      await Promise.all([loadSessions(), loadConfig()]);
      $("signIn").classList.add("hidden");
      $("console").classList.remove("hidden");
    } catch (error) {
      flash(error.message);
    }
  }

  $("signIn").addEventListener("submit", function (event) {
    event.preventDefault();
    key = $("adminKey").value;
    sessionStorage.setItem("sanctum_admin_key", key);
    $("adminKey").value = "";
    start();
  });
  $("signOut").addEventListener("click", signOut);
  $("refresh").addEventListener("click", function () { loadSessions().catch(function (e) { flash(e.message); }); });
  $("activeOnly").addEventListener("change", function () { loadSessions().catch(function (e) { flash(e.message); }); });
  $("limit").addEventListener("change", function () { loadSessions().catch(function (e) { flash(e.message); }); });
  $("keys").addEventListener("submit", async function (event) {
    event.preventDefault();
    var update = {};
    if ($("newApiKey").value) update.api_key = $("newApiKey").value;
    if ($("newAdminKey").value) update.admin_key = $("newAdminKey").value;
    if (!Object.keys(update).length) return;
    try {
      await api("/admin/api/config", { method: "POST", body: JSON.stringify(update) });
      if (update.admin_key) { key = update.admin_key; sessionStorage.setItem("sanctum_admin_key", key); }
      $("newApiKey").value = $("newAdminKey").value = "";
      flash("Keys updated", true);
      loadConfig();
    } catch (error) { flash(error.message); }
  });
  $("cleanup").addEventListener("click", async function () {
    if (!confirm("Delete sessions that have been inactive longer than the session timeout?")) return;
    try { flash((await api("/admin/api/cleanup", { method: "POST" })).message, true); loadSessions(); }
    catch (error) { flash(error.message); }
  });
  $("clearAll").addEventListener("click", async function () {
    if (!confirm("Delete ALL conversations?") || !confirm("This cannot be undone. Really delete everything?")) return;
    try { await api("/admin/api/clear_data", { method: "POST" }); flash("All data cleared", true); loadSessions(); }
    catch (error) { flash(error.message); }
  });
  if (key) start();
})();
