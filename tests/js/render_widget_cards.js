// Renders directory cards with the real channels/static/webchat/widget.js in
// Node, on a tiny DOM stand-in (only what the widget touches at load and in
// cardNode). Reads {"cards": [...]} on stdin; prints, per card, the text of
// every element in document order and every link's href, as JSON.
//
//   node tests/js/render_widget_cards.js < cards.json
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");

class Node {
  constructor(tag) {
    this.tagName = tag;
    this.childNodes = [];
    this.attributes = {};
    this.style = {};
    this.className = "";
    this._text = null;
    const classes = new Set();
    this.classList = { add: (c) => classes.add(c), remove: (c) => classes.delete(c), contains: (c) => classes.has(c) };
  }
  appendChild(child) { this.childNodes.push(child); child.parentNode = this; return child; }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; }
  addEventListener() {}
  focus() {}
  attachShadow() { return new Node("#shadow-root"); }
  querySelectorAll() { return []; }
  get children() { return this.childNodes.filter((c) => c.tagName !== "#text"); }
  get lastElementChild() { const c = this.children; return c[c.length - 1] || null; }
  get firstElementChild() { return this.children[0] || null; }
  set textContent(value) { this.childNodes = []; this._text = String(value); }
  get textContent() { return (this._text || "") + this.childNodes.map((c) => c.textContent).join(""); }
}

function textNode(text) {
  const node = new Node("#text");
  node._text = String(text);
  return node;
}

const storage = new Map();
const script = new Node("script");
script.setAttribute("src", "widget.js");
const document = {
  currentScript: script,
  readyState: "complete",
  body: new Node("body"),
  head: new Node("head"),
  createElement: (tag) => new Node(tag),
  createTextNode: textNode,
  querySelectorAll: () => [script],
  getElementById: () => null,
  addEventListener() {},
};
const window = {
  document,
  location: { href: "http://127.0.0.1/webchat/index.html" },
  sessionStorage: { getItem: (k) => (storage.has(k) ? storage.get(k) : null), setItem: (k, v) => storage.set(k, String(v)) },
  crypto: globalThis.crypto,
  setTimeout: () => 0,
  clearTimeout: () => {},
};
const context = vm.createContext({ window, document, URL, JSON, Math, Array, String, Object, Event: function () {} });
const widget = path.join(__dirname, "..", "..", "channels", "static", "webchat", "widget.js");
vm.runInContext(fs.readFileSync(widget, "utf8"), context, { filename: widget });

function walk(node, texts, links) {
  if (node.tagName === "#text") { return; }
  if (node._text) { texts.push(node._text); }
  if (node.tagName === "a") { links.push({ href: node.href, text: node.textContent }); }
  node.childNodes.forEach((child) => {
    if (child.tagName === "#text") { texts.push(child._text); } else { walk(child, texts, links); }
  });
}

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const out = input.cards.map((card) => {
  const texts = [];
  const links = [];
  walk(window.TsunagariChat.cardNode(card), texts, links);
  return { texts, links };
});
process.stdout.write(JSON.stringify(out));
