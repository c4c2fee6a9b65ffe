// DOST web chat. Vanilla JS, no build step. Every text shown comes from the page's
// #web-chat-texts block (the catalog's web section); replies are inserted as text, never HTML.
// Messages the server sends on its own (reminders, operators' replies) arrive on an EventSource.
(function () {
  "use strict";

  var TEXTS = JSON.parse(document.getElementById("web-chat-texts").textContent);
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var log = document.getElementById("log");
  var newConversationButton = document.getElementById("new-conversation");
  var notificationsBox = document.getElementById("notifications");

  var API_URL = form.getAttribute("data-api-url");
  var CHAT_BASE = form.getAttribute("data-chat-base");
  var WAIT_KEY = form.getAttribute("data-wait-key"); // the operators' queue message
  var ID_KEY = "dost.webchat.conversation_id";
  var HISTORY_KEY = "dost.webchat.history.";
  var ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
  var HISTORY_LIMIT = 100;
  var REQUEST_TIMEOUT_MS = 30000;

  var pending = false;
  var activeChoices = []; // the buttons of the latest replies: the only ones still enabled
  var history = [];
  var events = null; // the server's push stream (EventSource)

  // --- storage (may be unavailable: private mode, disabled cookies) ---------------------
  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }
  function storageSet(store, key, value) {
    try { window[store].setItem(key, value); } catch (e) { /* keep going without it */ }
  }
  function storageRemove(store, key) {
    try { window[store].removeItem(key); } catch (e) { /* nothing to remove */ }
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  var conversationId = storageGet("localStorage", ID_KEY);
  if (!conversationId || !ID_PATTERN.test(conversationId)) {
    conversationId = randomId();
    storageSet("localStorage", ID_KEY, conversationId);
  }

  function saveHistory() {
    if (history.length > HISTORY_LIMIT) history = history.slice(-HISTORY_LIMIT);
    storageSet("sessionStorage", HISTORY_KEY + conversationId, JSON.stringify(history));
  }

  // --- rendering --------------------------------------------------------------------------
  function addMessage(role, text) {
    var el = document.createElement("div");
    el.className = "msg " + role;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    var label = role === "user" ? TEXTS.you : role === "operator" ? TEXTS.operator : TEXTS.bot;
    who.textContent = label + " ";
    el.appendChild(who);
    el.appendChild(document.createTextNode(text));
    log.appendChild(el);
    return el;
  }

  // `after`: the message the buttons belong to, when they replace its earlier ones.
  function addChoices(choices, active, after) {
    var group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", TEXTS.choices_label);
    choices.forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.title;
      button.setAttribute("data-choice-id", choice.id);
      button.disabled = !active;
      button.addEventListener("click", function () { onChoice(button); });
      group.appendChild(button);
      if (active) activeChoices.push(button);
    });
    if (after) log.insertBefore(group, after.nextSibling);
    else log.appendChild(group);
    return group;
  }

  // A message the server may later replace (a place in the operators' queue, as it changes).
  function markUpdatable(el, key) {
    el.setAttribute("data-update-key", key);
    var next = el.nextElementSibling;
    if (next && next.classList.contains("choices")) el.choicesGroup = next;
  }

  function replaceMessage(key, data, role) {
    var found = log.querySelectorAll('.msg[data-update-key="' + key + '"]');
    if (!found.length) return false;
    var el = found[found.length - 1];
    el.lastChild.textContent = data.text;
    if (el.choicesGroup) el.choicesGroup.remove();
    el.choicesGroup = null;
    if (data.choices && data.choices.length) el.choicesGroup = addChoices(data.choices, true, el);
    history.forEach(function (entry) {
      if (entry.key === key) { entry.text = data.text; entry.choices = data.choices || []; }
    });
    saveHistory();
    return true;
  }

  function addNotice(text) {
    var el = document.createElement("p");
    el.className = "notice";
    el.textContent = text;
    log.appendChild(el);
    return el;
  }

  function showTyping() {
    var el = document.createElement("div");
    el.className = "msg bot typing-bubble";
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = TEXTS.typing;
    var dots = document.createElement("span");
    dots.className = "typing";
    dots.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 3; i++) {
      var dot = document.createElement("span");
      dot.className = "dot";
      dots.appendChild(dot);
    }
    el.appendChild(label);
    el.appendChild(dots);
    log.appendChild(el);
    return el;
  }

  function renderReplies(replies, active) {
    var first = null;
    replies.forEach(function (reply) {
      var el = addMessage("bot", String(reply.text || ""));
      if (!first) first = el;
      if (reply.choices && reply.choices.length) addChoices(reply.choices, active);
    });
    return first;
  }

  function retireChoices() {
    activeChoices.forEach(function (button) {
      button.disabled = true;
      button.removeAttribute("aria-disabled");
    });
    activeChoices = [];
  }

  // Show the new turn from its start: the question and the beginning of a long answer.
  function reveal(el) {
    if (!el) return;
    var bottom = log.scrollHeight - log.clientHeight;
    log.scrollTop = Math.min(bottom, Math.max(0, el.offsetTop - 12));
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // When the log gets shorter (a phone's keyboard opens, the input grows), keep the latest
  // message in view if the person was reading the end of the conversation.
  var atEnd = true;
  function nearEnd() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 24;
  }
  log.addEventListener("scroll", function () { atEnd = nearEnd(); }, { passive: true });
  function keepEnd() {
    if (atEnd) scrollToEnd();
  }
  if (window.ResizeObserver) new ResizeObserver(keepEnd).observe(log);
  else window.addEventListener("resize", keepEnd);

  function autoResize() {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + 3 + "px";
  }

  function setBusy(busy) {
    pending = busy;
    sendButton.setAttribute("aria-disabled", busy ? "true" : "false");
    activeChoices.forEach(function (button) {
      if (busy) button.setAttribute("aria-disabled", "true");
      else button.removeAttribute("aria-disabled");
    });
  }

  // --- talking to the server --------------------------------------------------------------
  function post(payload) {
    var body = { conversation_id: conversationId };
    Object.keys(payload).forEach(function (key) { body[key] = payload[key]; });
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : 0;
    return fetch(API_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    }).catch(function () {
      return { status: 0, ok: false, data: null };
    }).then(function (result) {
      clearTimeout(timer);
      return result;
    });
  }

  // source: {kind: "text", text} or {kind: "choice", button}
  function send(payload, shown, source) {
    setBusy(true);
    var userEl = addMessage("user", shown);
    var typing = showTyping();
    scrollToEnd();

    return post(payload).then(function (result) {
      typing.remove();
      var data = result.data;
      if (result.ok && data && Array.isArray(data.replies)) {
        retireChoices();
        history.push({ role: "user", text: shown });
        data.replies.forEach(function (reply, i) {
          var entry = { role: "bot", text: String(reply.text || ""), choices: reply.choices || [] };
          if (data.handoff && i === data.replies.length - 1) entry.key = WAIT_KEY;
          history.push(entry);
        });
        saveHistory();
        renderReplies(data.replies, true);
        if (data.handoff) {
          var bots = log.querySelectorAll(".msg.bot");
          if (bots.length) markUpdatable(bots[bots.length - 1], WAIT_KEY);
        }
        setBusy(false);
        reveal(userEl);
        if (source.kind === "choice" && activeChoices.length) {
          activeChoices[0].focus({ preventScroll: true });
        } else if (source.kind === "choice" || document.activeElement !== input) {
          input.focus({ preventScroll: true });
        }
        return;
      }

      // Not delivered: take the message back, say why, and keep the person's text.
      userEl.remove();
      var message = TEXTS.connection_problem;
      if (result.status === 429 || result.status === 503) {
        message = data && typeof data.detail === "string" ? data.detail : TEXTS.rate_limited;
      }
      addNotice(message);
      setBusy(false);
      scrollToEnd();
      if (source.kind === "text") {
        input.value = input.value ? source.text + "\n" + input.value : source.text;
        autoResize();
        input.focus({ preventScroll: true });
      } else {
        source.button.classList.remove("chosen");
        source.button.focus({ preventScroll: true });
      }
    });
  }

  function submitText() {
    if (pending) return;
    var text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    input.value = "";
    autoResize();
    send({ text: text }, text, { kind: "text", text: text });
  }

  function onChoice(button) {
    if (pending || button.disabled) return;
    button.classList.add("chosen");
    send(
      { choice: button.getAttribute("data-choice-id") },
      button.textContent,
      { kind: "choice", button: button }
    );
  }

  function restore() {
    var saved = storageGet("sessionStorage", HISTORY_KEY + conversationId);
    if (!saved) return;
    try { history = JSON.parse(saved) || []; } catch (e) { history = []; }
    if (!Array.isArray(history)) history = [];
    var lastUser = -1;
    history.forEach(function (entry, i) { if (entry.role === "user") lastUser = i; });
    history.forEach(function (entry, i) {
      if (entry.role === "user") {
        addMessage("user", String(entry.text || ""));
      } else {
        var el = addMessage(entry.role === "operator" ? "operator" : "bot", String(entry.text || ""));
        if (entry.choices && entry.choices.length) addChoices(entry.choices, i > lastUser);
        if (entry.key) markUpdatable(el, entry.key);
      }
    });
    scrollToEnd();
  }

  function newConversation() {
    if (pending) return;
    storageRemove("sessionStorage", HISTORY_KEY + conversationId);
    conversationId = randomId();
    storageSet("localStorage", ID_KEY, conversationId);
    history = [];
    activeChoices = [];
    Array.prototype.slice.call(log.children).forEach(function (child) {
      if (!child.classList.contains("intro")) child.remove();
    });
    input.value = "";
    autoResize();
    openEvents();
    loadNotificationSetting();
    input.focus();
  }

  // --- messages the server sends on its own (reminders, operators' replies) -----------------
  function chatUrl(suffix) {
    return CHAT_BASE + "/" + encodeURIComponent(conversationId) + suffix;
  }

  function onPushed(event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (!data || typeof data.text !== "string") return;
    var role = data.from === "operator" ? "operator" : "bot";
    var choices = Array.isArray(data.choices) ? data.choices : [];
    var key = typeof data.replaces === "string" ? data.replaces : null;
    if (key && replaceMessage(key, { text: data.text, choices: choices }, role)) return;
    if (choices.length) retireChoices();
    var entry = { role: role, text: data.text, choices: choices };
    if (key) entry.key = key;
    history.push(entry);
    saveHistory();
    var follow = nearEnd();
    var el = addMessage(role, data.text);
    if (choices.length) addChoices(choices, true);
    if (key) markUpdatable(el, key);
    if (follow) scrollToEnd();
  }

  function openEvents() {
    if (events) events.close();
    events = null;
    log.removeAttribute("data-live");
    if (!window.EventSource) return; // the page still works, without pushed messages
    events = new EventSource(chatUrl("/events"));
    events.addEventListener("open", function () { log.setAttribute("data-live", "open"); });
    events.addEventListener("error", function () { log.removeAttribute("data-live"); });
    events.addEventListener("message", onPushed);
  }

  // --- the setting for messages we send first ------------------------------------------------
  function notificationRequest(method, body) {
    return fetch(chatUrl("/notifications"), {
      method: method,
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    });
  }

  function loadNotificationSetting() {
    notificationsBox.disabled = true;
    notificationRequest("GET").then(function (data) {
      notificationsBox.checked = !!data.enabled;
      notificationsBox.disabled = false;
    }).catch(function () { notificationsBox.disabled = false; });
  }

  notificationsBox.addEventListener("change", function () {
    var wanted = notificationsBox.checked;
    notificationsBox.disabled = true;
    notificationRequest("PUT", { enabled: wanted }).then(function (data) {
      notificationsBox.checked = !!data.enabled;
      notificationsBox.disabled = false;
    }).catch(function () {
      notificationsBox.checked = !wanted;
      notificationsBox.disabled = false;
      addNotice(TEXTS.notifications_failed);
      scrollToEnd();
    });
  });

  // --- wiring -----------------------------------------------------------------------------
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitText();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submitText();
    }
  });
  input.addEventListener("input", autoResize);
  // Keep the keyboard open on phones: tapping "send" must not take the focus from the input.
  sendButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
  newConversationButton.addEventListener("click", newConversation);

  restore();
  autoResize();
  openEvents();
  loadNotificationSetting();
})();
