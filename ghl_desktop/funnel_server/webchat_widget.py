"""The webchat widget: one vanilla JavaScript file, served as
``/_webchat/widget.js?key=WIDGET_KEY`` with the widget's settings prepended.

It draws a chat bubble in the page's corner; the panel asks the visitor's name and email
once (the visitor token is kept in localStorage, so a reload continues the chat), posts
messages, and receives replies live over server-sent events (EventSource reconnects by itself
and resumes after the last message it saw). Every text goes in with ``textContent``: nothing a
visitor or an agent types is ever parsed as HTML.
"""

from __future__ import annotations

import json
from typing import Any

WIDGET_JS = r"""
(function (CONFIG) {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__ghlWebchat) { return; }
  window.__ghlWebchat = true;
  var base = new URL(script.src).origin;
  var api = base + "/_webchat/api/";
  var storeKey = "ghl-webchat:" + CONFIG.key;
  var token = null;
  try { token = window.localStorage.getItem(storeKey); } catch (e) { token = null; }
  var shown = {};
  var lastId = "";
  var source = null;

  function el(tag, css, text) {
    var node = document.createElement(tag);
    if (css) { node.style.cssText = css; }
    if (text) { node.textContent = text; }
    return node;
  }
  var font = "font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;";
  var root = el("div", "position:fixed;right:20px;bottom:20px;z-index:2147483000;" +
    "display:flex;flex-direction:column;align-items:flex-end;" + font);
  root.id = "ghl-webchat";
  var bubble = el("button", "width:56px;height:56px;border-radius:28px;border:0;" +
    "cursor:pointer;background:#2f7de1;color:#fff;font-size:26px;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;" +
    "justify-content:center");
  // A speech bubble drawn as SVG: no emoji font needed on the visitor's machine.
  var svgNs = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(svgNs, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "28");
  icon.setAttribute("height", "28");
  var path = document.createElementNS(svgNs, "path");
  path.setAttribute("fill", "#fff");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5" +
    "a2 2 0 0 1 2-2z");
  icon.append(path);
  bubble.append(icon);
  bubble.setAttribute("aria-label", CONFIG.title);
  bubble.id = "ghl-webchat-bubble";
  var panel = el("div", "display:none;flex-direction:column;width:320px;height:440px;" +
    "background:#fff;color:#222;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);" +
    "overflow:hidden;margin-bottom:10px");
  panel.id = "ghl-webchat-panel";
  var header = el("div", "background:#2f7de1;color:#fff;padding:12px 14px;font-weight:600",
    CONFIG.title);
  var log = el("div", "flex:1;overflow-y:auto;padding:10px;background:#f6f7f9");
  log.id = "ghl-webchat-log";
  log.setAttribute("aria-live", "polite");
  var startForm = el("form", "padding:10px;display:flex;flex-direction:column;gap:6px");
  startForm.id = "ghl-webchat-start";
  var nameInput = el("input", "padding:8px;border:1px solid #ccc;border-radius:6px");
  nameInput.name = "name"; nameInput.placeholder = "Your name"; nameInput.required = true;
  nameInput.maxLength = 100;
  var emailInput = el("input", "padding:8px;border:1px solid #ccc;border-radius:6px");
  emailInput.name = "email"; emailInput.type = "email"; emailInput.placeholder = "Your email";
  emailInput.required = true; emailInput.maxLength = 254;
  var startButton = el("button", "padding:8px;border:0;border-radius:6px;background:#2f7de1;" +
    "color:#fff;cursor:pointer", "Start chat");
  startButton.type = "submit";
  startForm.append(nameInput, emailInput, startButton);
  var sendForm = el("form", "display:none;padding:8px;gap:6px;border-top:1px solid #e3e3e3");
  sendForm.id = "ghl-webchat-send";
  var textInput = el("input", "flex:1;padding:8px;border:1px solid #ccc;border-radius:6px");
  textInput.name = "message"; textInput.placeholder = "Type a message…"; textInput.maxLength = 2000;
  textInput.autocomplete = "off";
  var sendButton = el("button", "padding:8px 12px;border:0;border-radius:6px;background:#2f7de1;" +
    "color:#fff;cursor:pointer", "Send");
  sendButton.type = "submit";
  sendForm.append(textInput, sendButton);
  var error = el("div", "display:none;color:#b3261e;padding:0 10px 6px;font-size:12px");
  error.id = "ghl-webchat-error";
  panel.append(header, log, error, startForm, sendForm);
  root.append(panel, bubble);

  function showError(text) {
    error.textContent = text;
    error.style.display = text ? "block" : "none";
  }
  function add(message) {
    if (shown[message.id]) { return; }
    shown[message.id] = true;
    lastId = message.id;
    var mine = message.from === "visitor";
    var row = el("div", "display:flex;margin:4px 0;justify-content:" +
      (mine ? "flex-end" : "flex-start"));
    var colours = mine ? "#2f7de1;color:#fff" : "#fff;color:#222;border:1px solid #e3e3e3";
    var item = el("div", "max-width:80%;padding:7px 10px;border-radius:10px;" +
      "white-space:pre-wrap;word-wrap:break-word;background:" + colours, message.body);
    item.className = mine ? "ghl-webchat-visitor" : "ghl-webchat-agent";
    row.append(item);
    log.append(row);
    log.scrollTop = log.scrollHeight;
  }
  function call(path, body) {
    return fetch(api + path, { method: "POST", headers: { "content-type": "text/plain" },
      body: JSON.stringify(body) }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.error || ("HTTP " + response.status)); }
        return data;
      });
    });
  }
  function listen() {
    if (source) { source.close(); }
    source = new EventSource(api + "stream?token=" + encodeURIComponent(token) +
      "&after=" + encodeURIComponent(lastId));
    source.onmessage = function (event) { add(JSON.parse(event.data)); };
    source.addEventListener("expired", function () { forget(); });
  }
  function forget() {
    if (source) { source.close(); source = null; }
    token = null;
    try { window.localStorage.removeItem(storeKey); } catch (e) { /* private mode */ }
    startForm.style.display = "flex"; sendForm.style.display = "none";
  }
  function chatting() {
    startForm.style.display = "none"; sendForm.style.display = "flex";
    listen();
    textInput.focus();
  }
  add({ id: "greeting", from: "agent", body: CONFIG.greeting });
  if (token) { sendForm.style.display = "flex"; startForm.style.display = "none"; }

  bubble.addEventListener("click", function () {
    var open = panel.style.display !== "flex";
    panel.style.display = open ? "flex" : "none";
    if (open && token && !source) { chatting(); }
  });
  startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    showError("");
    call("start", { key: CONFIG.key, name: nameInput.value, email: emailInput.value })
      .then(function (data) {
        token = data.token;
        try { window.localStorage.setItem(storeKey, token); } catch (e) { /* private mode */ }
        chatting();
      }).catch(function (e) { showError(e.message); });
  });
  sendForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = textInput.value;
    if (!text.trim()) { return; }
    var id = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    showError("");
    call("messages", { token: token, id: id, body: text }).then(function (data) {
      textInput.value = "";
      add(data.message);
    }).catch(function (e) { showError(e.message); });
  });
  (document.body || document.documentElement).append(root);
})(__CONFIG__);
"""


def widget_source(config: dict[str, Any]) -> str:
    """The script with its settings; ``</`` escaped so nothing can close a script element."""
    blob = json.dumps(config, ensure_ascii=True).replace("</", "<\\/")
    return WIDGET_JS.replace("__CONFIG__", blob)
