/*!
 * つながりナビ web chat widget.
 *
 * Embed on any page with one tag:
 *   <script src="https://HOST/webchat/widget.js" data-server="https://HOST"></script>
 * Options (data-* attributes on the script tag):
 *   data-server       Rasa server origin (default: the origin widget.js came from)
 *   data-socket-path  socket.io path (default: /socket.io)
 *   data-mode         "launcher" (default: floating button + panel) or "page" (fills data-target)
 *   data-target       element id to fill in page mode
 *   data-open         "true" to open the panel on load (launcher mode)
 *
 * Everything renders inside a shadow root, so the host page's CSS does not
 * leak in. All text goes through textContent (never innerHTML). The session
 * id and a short transcript live in sessionStorage (this tab only).
 */
(function () {
  "use strict";

  if (window.TsunagariChat && window.TsunagariChat.loaded) {
    return;
  }

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1];
  })();
  var scriptUrl = new URL(script.getAttribute("src"), window.location.href);
  var assetBase = scriptUrl.href.replace(/[^/]*$/, "");
  var server = (script.getAttribute("data-server") || scriptUrl.origin).replace(/\/+$/, "");
  var socketPath = script.getAttribute("data-socket-path") || "/socket.io";
  var mode = script.getAttribute("data-mode") === "page" ? "page" : "launcher";
  var targetId = script.getAttribute("data-target");
  var openOnLoad = script.getAttribute("data-open") === "true";

  // The always-visible footer: each number is typed once, as a seed contact
  // marked verified (tests/unit/test_verified_contacts.py checks them).
  var FOOTER_CONTACTS = {
    emergency: [
      { label: "110（警察）", number: "110" },
      { label: "119（救急）", number: "119" }
    ],
    listening: [{ label: "東京いのちの電話 03-3264-4343（24時間）", number: "03-3264-4343" }]
  };

  var SESSION_KEY = "tsunagari-navi.session";
  var LOG_KEY = "tsunagari-navi.transcript";
  var MAX_LOG = 80;
  var USER_EVT = "user_uttered";
  var BOT_EVT = "bot_uttered";

  var T = {
    title: "つながりナビ",
    subtitle: "品川区の相談先・居場所さがし",
    launcher: "つながりナビで話す",
    launcherAria: "つながりナビのチャットを開く",
    close: "チャットを閉じる",
    notice: "匿名で使えます。名前は不要です。緊急時は110（警察）・119（救急）へ。",
    logLabel: "会話",
    inputLabel: "メッセージ",
    placeholder: "メッセージを入力",
    send: "送信",
    typing: "入力中…",
    bot: "つながりナビ：",
    you: "あなた：",
    choices: "選択肢",
    connecting: "接続しています…",
    offline: "接続が切れました。つながり直しています…",
    footerTitle: "24時間つながる連絡先",
    emergency: "いますぐ危険なとき",
    inochiLead: "気持ちを聞いてほしいとき",
    cardsLabel: "ご案内する窓口",
    crisisTitle: "いますぐ連絡できる窓口",
    newTab: "（新しいタブで開きます）"
  };

  // ---------------------------------------------------------------- storage
  function storageGet(key) {
    try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.sessionStorage.setItem(key, value); } catch (e) { /* storage may be disabled */ }
  }
  function newSessionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var sessionId = storageGet(SESSION_KEY);
  if (!sessionId || !/^[A-Za-z0-9_-]{8,64}$/.test(sessionId)) {
    sessionId = newSessionId();
    storageSet(SESSION_KEY, sessionId);
  }
  var transcript = [];
  try { transcript = JSON.parse(storageGet(LOG_KEY) || "[]") || []; } catch (e) { transcript = []; }
  function remember(entry) {
    transcript.push(entry);
    if (transcript.length > MAX_LOG) { transcript = transcript.slice(-MAX_LOG); }
    storageSet(LOG_KEY, JSON.stringify(transcript));
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function srOnly(text) { return el("span", "tn-sr", text); }

  function telHref(value) {
    var raw = String(value || "").replace(/^tel:/i, "");
    var digits = raw.replace(/[^0-9+#*]/g, "");
    if (!/[0-9]/.test(digits)) { return null; }
    return "tel:" + digits.replace(/#/g, "%23");
  }
  function webHref(value) {
    try {
      var url = new URL(String(value || ""));
      return (url.protocol === "https:" || url.protocol === "http:") ? url.href : null;
    } catch (e) { return null; }
  }
  function lineHref(value) {
    var v = String(value || "").trim();
    if (v.charAt(0) === "@" && v.length > 1) { return "https://line.me/R/ti/p/" + encodeURIComponent(v); }
    return webHref(v);
  }
  function contactLink(contact, primary) {
    if (!contact || typeof contact !== "object") { return null; }
    var value = String(contact.value || "");
    // A card contact brings its full line (contract.ContactPayload.text);
    // crisis contacts bring a label. The widget adds no wording of its own.
    var text = String(contact.text || contact.label || value);
    var href = null;
    if (contact.kind === "phone") {
      href = telHref(value);
    } else if (contact.kind === "url") {
      href = webHref(value);
    } else if (contact.kind === "line") {
      href = lineHref(value);
    }
    if (!href) { return null; }
    var a = el("a", "tn-contact" + (primary ? " tn-contact-primary" : ""), text);
    a.href = href;
    if (contact.kind === "phone") {
      a.classList.add("tn-contact-phone");
    } else {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.appendChild(srOnly(T.newTab));
    }
    return a;
  }

  // ---------------------------------------------------------------- build UI
  var host = el("div", "tsunagari-navi-host");
  host.setAttribute("data-tsunagari-navi", "");
  host.style.visibility = "hidden";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = el("link");
  css.rel = "stylesheet";
  css.href = assetBase + "widget.css";
  function reveal() {
    if (!host.style.visibility) { return; }
    host.style.visibility = "";
    // Focus set while the host was hidden is lost; restore it for an open panel.
    if (mode === "launcher" && !panel.hidden) { input.focus(); }
  }
  css.addEventListener("load", reveal);
  css.addEventListener("error", reveal);
  window.setTimeout(reveal, 3000);
  root.appendChild(css);

  var wrap = el("div", "tn-root tn-mode-" + mode);
  root.appendChild(wrap);

  var launcher = null;
  if (mode === "launcher") {
    launcher = el("button", "tn-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-label", T.launcherAria);
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "tn-panel");
    launcher.appendChild(el("span", "tn-launcher-text", T.launcher));
    wrap.appendChild(launcher);
  }

  var panel = el("section", "tn-panel");
  panel.id = "tn-panel";
  panel.setAttribute("aria-labelledby", "tn-title");
  if (mode === "launcher") {
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "false");
    panel.hidden = true;
  }
  wrap.appendChild(panel);

  var header = el("header", "tn-header");
  var titles = el("div", "tn-titles");
  var title = el("h1", "tn-title", T.title);
  title.id = "tn-title";
  titles.appendChild(title);
  titles.appendChild(el("p", "tn-subtitle", T.subtitle));
  header.appendChild(titles);
  var closeBtn = null;
  if (mode === "launcher") {
    closeBtn = el("button", "tn-close");
    closeBtn.type = "button";
    closeBtn.setAttribute("aria-label", T.close);
    closeBtn.appendChild(el("span", null, "×")).setAttribute("aria-hidden", "true");
    header.appendChild(closeBtn);
  }
  panel.appendChild(header);

  var notice = el("p", "tn-notice", T.notice);
  notice.id = "tn-notice";
  panel.appendChild(notice);

  var log = el("div", "tn-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions");
  log.setAttribute("aria-label", T.logLabel);
  log.tabIndex = 0;
  panel.appendChild(log);

  var status = el("p", "tn-status");
  status.setAttribute("role", "status");
  panel.appendChild(status);

  var form = el("form", "tn-form");
  form.setAttribute("autocomplete", "off");
  var inputId = "tn-input";
  var label = el("label", "tn-sr", T.inputLabel);
  label.htmlFor = inputId;
  var input = el("textarea", "tn-input");
  input.id = inputId;
  input.rows = 1;
  input.maxLength = 1000;
  input.placeholder = T.placeholder;
  input.setAttribute("aria-describedby", "tn-notice");
  input.setAttribute("enterkeyhint", "send");
  var sendBtn = el("button", "tn-send", T.send);
  sendBtn.type = "submit";
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendBtn);
  panel.appendChild(form);

  var footer = el("footer", "tn-footer");
  footer.setAttribute("aria-label", T.footerTitle);
  function footerLine(lead, contacts) {
    var line = el("p", "tn-footer-line");
    line.appendChild(el("span", "tn-footer-lead", lead));
    contacts.forEach(function (c) {
      var a = el("a", "tn-footer-link", c.label);
      a.href = telHref(c.number);
      line.appendChild(a);
    });
    return line;
  }
  footer.appendChild(footerLine(T.emergency, FOOTER_CONTACTS.emergency));
  footer.appendChild(footerLine(T.inochiLead, FOOTER_CONTACTS.listening));
  panel.appendChild(footer);

  // ---------------------------------------------------------------- rendering
  function scrollToEnd() { log.scrollTop = log.scrollHeight; }
  // Show a new bot message from its start when it is taller than the log
  // (e.g. several cards); otherwise scroll to the end.
  function scrollToMessage(first) {
    if (first && log.scrollHeight - first.offsetTop > log.clientHeight) {
      log.scrollTop = Math.max(first.offsetTop - 8, 0);
    } else {
      scrollToEnd();
    }
  }

  function bubble(who, text) {
    var row = el("div", "tn-row tn-row-" + who);
    var b = el("p", "tn-bubble tn-bubble-" + who);
    b.appendChild(srOnly(who === "user" ? T.you : T.bot));
    b.appendChild(document.createTextNode(String(text)));
    row.appendChild(b);
    log.appendChild(row);
    return row;
  }

  function renderButtons(buttons, disabled) {
    var group = el("div", "tn-buttons");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", T.choices);
    buttons.forEach(function (button) {
      if (!button || !button.title) { return; }
      var href = button.url ? webHref(button.url) : null;
      var node;
      if (href) {
        node = el("a", "tn-choice", button.title);
        node.href = href;
        node.target = "_blank";
        node.rel = "noopener noreferrer";
      } else {
        node = el("button", "tn-choice", button.title);
        node.type = "button";
        node.disabled = !!disabled;
        node.addEventListener("click", function () {
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (other) { other.disabled = true; });
          node.classList.add("tn-choice-picked");
          node.setAttribute("aria-pressed", "true");
          sendUser(String(button.payload || button.title), String(button.title));
        });
      }
      group.appendChild(node);
    });
    log.appendChild(group);
  }

  // One directory card (channels/contract.py CardPayload): every string is
  // ready to show, so this only lays it out.
  function cardItem(card) {
    var item = el("li", "tn-card");
    var article = el("article", "tn-card-body");
    article.appendChild(el("h2", "tn-card-name", card.name || ""));
    if (card.organisation) { article.appendChild(el("p", "tn-card-org", card.organisation)); }
    if (card.open_now_text) { article.appendChild(el("p", "tn-badge", card.open_now_text)); }
    if (card.description) { article.appendChild(el("p", "tn-card-desc", card.description)); }
    if (card.hours_text) { article.appendChild(el("p", "tn-card-hours", card.hours_text)); }
    var reasons = Array.isArray(card.reasons) ? card.reasons.filter(Boolean) : [];
    if (reasons.length) {
      article.appendChild(el("p", "tn-card-label", card.reasons_title || ""));
      var ul = el("ul", "tn-card-reasons");
      reasons.forEach(function (r) { ul.appendChild(el("li", null, r)); });
      article.appendChild(ul);
    }
    var contacts = Array.isArray(card.contacts) ? card.contacts : [];
    var links = el("div", "tn-card-contacts");
    var first = true;
    contacts.forEach(function (c) {
      var a = c && c.kind !== "address" ? contactLink(c, first) : null;
      if (a) { links.appendChild(a); first = false; }
      else if (c && (c.text || c.value)) { article.appendChild(el("p", "tn-card-place", c.text || c.value)); }
    });
    if (links.childNodes.length) { article.appendChild(links); }
    (Array.isArray(card.notes) ? card.notes : []).forEach(function (n) {
      if (n) { article.appendChild(el("p", "tn-card-extra", n)); }
    });
    if (card.verified_text) { article.appendChild(el("p", "tn-card-note", card.verified_text)); }
    item.appendChild(article);
    return item;
  }

  function renderCards(cards) {
    var list = el("ul", "tn-cards");
    list.setAttribute("aria-label", T.cardsLabel);
    cards.forEach(function (card) {
      if (card && typeof card === "object") { list.appendChild(cardItem(card)); }
    });
    log.appendChild(list);
  }

  function renderCrisis(contacts) {
    var box = el("div", "tn-crisis");
    box.appendChild(el("p", "tn-crisis-title", T.crisisTitle));
    var links = el("div", "tn-card-contacts");
    (Array.isArray(contacts) ? contacts : []).forEach(function (c, i) {
      var a = contactLink(c, i < 2);
      if (a) { links.appendChild(a); }
    });
    box.appendChild(links);
    log.appendChild(box);
  }

  function renderBot(msg, restoring, isLast) {
    if (!msg || typeof msg !== "object") { return; }
    var buttons = msg.buttons || msg.quick_replies || [];
    var custom = msg.custom && typeof msg.custom === "object" ? msg.custom : null;
    // Payload names: channels/contract.py (DIRECTORY_CARDS, CRISIS_CONTACTS).
    var cards = custom && custom.type === "directory_cards" && Array.isArray(custom.cards) ? custom.cards : null;
    // A cards message also carries the same results as plain text for
    // text-only clients; show its intro line and the cards, not both.
    if (cards && custom.intro) { bubble("bot", custom.intro); }
    else if (msg.text) { bubble("bot", msg.text); }
    if (cards) { renderCards(cards); }
    if (custom && custom.type === "crisis_contacts") { renderCrisis(custom.contacts); }
    if (Array.isArray(buttons) && buttons.length) { renderButtons(buttons, restoring && !isLast); }
  }

  function restore() {
    transcript.forEach(function (entry, i) {
      if (entry.who === "user") { bubble("user", entry.text); }
      else { renderBot(entry.msg, true, i === transcript.length - 1); }
    });
    scrollToEnd();
  }

  // ---------------------------------------------------------------- socket
  var socket = null;
  var confirmed = false;
  var queue = [];
  var typingTimer = null;

  function setStatus(text) { status.textContent = text || ""; }
  function setTyping(on) {
    window.clearTimeout(typingTimer);
    if (on) {
      setStatus(T.typing);
      typingTimer = window.setTimeout(function () { setTyping(false); }, 20000);
    } else if (status.textContent === T.typing) {
      setStatus("");
    }
  }

  function emitNow(text) {
    socket.emit(USER_EVT, { message: text, session_id: sessionId });
  }
  function sendPayload(text) {
    if (confirmed && socket && socket.connected) { emitNow(text); } else { queue.push(text); }
  }
  function sendUser(text, shown) {
    var display = shown || text;
    bubble("user", display);
    remember({ who: "user", text: display });
    scrollToEnd();
    setTyping(true);
    sendPayload(text);
  }

  function loadSocketIo(done) {
    if (window.io) { done(); return; }
    var s = document.createElement("script");
    s.src = assetBase + "vendor/socket.io.min.js";
    s.async = true;
    s.onload = done;
    s.onerror = function () { setStatus(T.offline); };
    document.head.appendChild(s);
  }

  function connect() {
    if (socket) { return; }
    setStatus(T.connecting);
    loadSocketIo(function () {
      socket = window.io(server, { path: socketPath, transports: ["websocket", "polling"] });
      socket.on("connect", function () {
        socket.emit("session_request", { session_id: sessionId });
      });
      socket.on("session_confirm", function (id) {
        if (typeof id === "string" && /^[A-Za-z0-9_-]{8,64}$/.test(id) && id !== sessionId) {
          sessionId = id;
          storageSet(SESSION_KEY, id);
        }
        confirmed = true;
        if (status.textContent === T.connecting || status.textContent === T.offline) { setStatus(""); }
        var pending = queue;
        queue = [];
        pending.forEach(emitNow);
        if (pending.length) { setTyping(true); }
      });
      socket.on(BOT_EVT, function (msg) {
        setTyping(false);
        var before = log.lastElementChild;
        renderBot(msg, false, true);
        remember({ who: "bot", msg: msg });
        scrollToMessage(before ? before.nextElementSibling : log.firstElementChild);
      });
      socket.on("disconnect", function () {
        confirmed = false;
        setStatus(T.offline);
      });
      socket.on("connect_error", function () { setStatus(T.offline); });
    });
  }

  var started = false;
  function start() {
    if (started) { return; }
    started = true;
    restore();
    connect();
    if (!transcript.length) {
      setTyping(true);
      sendPayload("/greet");
    }
  }

  // ---------------------------------------------------------------- events
  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", autoGrow);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { input.focus(); return; }
    input.value = "";
    autoGrow();
    sendUser(text);
    input.focus();
  });

  function openPanel() {
    panel.hidden = false;
    wrap.classList.add("tn-open");
    if (launcher) { launcher.setAttribute("aria-expanded", "true"); }
    start();
    scrollToEnd();
    input.focus();
  }
  function closePanel() {
    panel.hidden = true;
    wrap.classList.remove("tn-open");
    if (launcher) {
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }
  }
  if (launcher) {
    launcher.addEventListener("click", function () { if (panel.hidden) { openPanel(); } else { closePanel(); } });
    closeBtn.addEventListener("click", closePanel);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { closePanel(); }
    });
  }

  function mount() {
    var target = mode === "page" && targetId ? document.getElementById(targetId) : null;
    (target || document.body).appendChild(host);
    if (mode === "page") {
      // No autofocus: on phones it would open the keyboard over the greeting.
      start();
    } else if (openOnLoad) {
      openPanel();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }

  window.TsunagariChat = {
    loaded: true,
    open: openPanel,
    close: closePanel,
    // The card layout, for tests (tests/channels/test_card_rendering.py).
    cardNode: cardItem,
    version: "1"
  };
})();
