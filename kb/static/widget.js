/*!
 * <kb-search>: the embeddable help-center search box of kb. No dependencies, no build step.
 *
 * Embed it with one script tag and one element:
 *
 *   <script src="https://help.example.com/widget.js" defer></script>
 *   <kb-search placeholder="Ask a question" limit="5"></kb-search>
 *
 * Attributes
 *   api          Base URL of the kb API. Default: the folder widget.js was loaded from, so a page
 *                that loads https://help.example.com/widget.js searches https://help.example.com/.
 *                Another origin must be allow-listed on the server (KB_CORS_ORIGINS).
 *   placeholder  Placeholder of the search box (default "Search the help center").
 *   label        Accessible name of the search box (default: the placeholder).
 *   limit        Answers to show, 1..50 (default: the server's KB_DEFAULT_LIMIT).
 *
 * Theming: set CSS custom properties on kb-search (or any ancestor); they cross the shadow root,
 * nothing else of the host page's CSS does.
 *   --kb-accent        links, focus ring, active option       default #2457d6
 *   --kb-accent-fg     text on the accent colour              default #ffffff
 *   --kb-font          font family                            default system-ui stack
 *   --kb-font-size     base font size                         default 15px
 *   --kb-radius        corner radius                          default 10px
 *   --kb-bg            background of box and panel            default #ffffff
 *   --kb-fg            text colour                            default #1b2130
 *   --kb-muted         secondary text                         default #5b6478
 *   --kb-border        borders                                default #d5dae3
 *   --kb-hover         background of a hovered/active option  default #f1f5fe
 *   --kb-mark-bg       highlighted words in snippets          default #fff1b8
 *   --kb-mark-fg       text of highlighted words              default inherit
 *   --kb-shadow        shadow of the results panel            default a soft drop shadow
 *   --kb-panel-height  maximum height of the results panel    default 70vh
 *
 * Events (bubbling, composed, on the kb-search element), for the host page to hook into:
 *   kb-contact  detail {channel, search_id, query}: the visitor chose the recommended contact
 *               channel (a help desk can open its chat window here).
 *   kb-answer   detail {article, url, search_id}: the visitor opened an answer.
 *
 * <kb-topics>: a browse section built from the API (GET /topics, then GET /articles?topic= for each),
 * rendered into the page itself (light DOM) so that the page's CSS styles it: a <div class="kb-topics">
 * of <section class="kb-topic"> cards, each a heading, what the topic covers, and links to up to
 * `per-topic` articles (default 4). Attributes: api (as above), per-topic, heading-level (default 3).
 *
 * Host-page shortcuts: any element with data-kb-ask="question" asks that question when clicked, in
 * the kb-search named by data-kb-target="#id" or else the first one on the page. From script:
 * element.ask("question").
 *
 * State, for scripts and tests that wait on the widget: its listbox has aria-busy="true" while a
 * search runs and data-query="<the query whose results are on show>".
 *
 * Safety: nothing from the network is ever parsed into live HTML. Snippets (server-sanitized, only
 * <mark>) are re-built here from their text and <mark> elements alone; everything else is text.
 * That builder is customElements.get("kb-search").snippetFragment(html).
 */
(function () {
  "use strict";

  if (typeof window === "undefined" || !window.customElements || customElements.get("kb-search")) {
    return;
  }

  // Resolved now: document.currentScript is only set while this file runs.
  var SCRIPT_BASE = (function () {
    var s = document.currentScript;
    try {
      if (s && s.src) return new URL(".", s.src).href;
    } catch (e) {
      /* fall through to the page's own base */
    }
    return new URL("/", document.baseURI).href;
  })();

  var DEBOUNCE_MS = 200;
  var SUGGESTIONS = 5;
  var MAX_CHARS = 500;

  var CSS = [
    ":host { display: block; }",
    ":host([hidden]) { display: none; }",
    ".root {",
    "  all: initial;", // no inherited host-page font, colour, spacing or visibility
    "  display: block; position: relative; box-sizing: border-box;",
    "  font-family: var(--kb-font, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif);",
    "  font-size: var(--kb-font-size, 15px); line-height: 1.45; color: var(--kb-fg, #1b2130);",
    "  text-align: left; direction: inherit;",
    "}",
    ".root *, .root *::before, .root *::after { box-sizing: border-box; }",
    ".sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;",
    "  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }",
    ".box { position: relative; display: flex; align-items: center; }",
    ".icon { position: absolute; left: 0.95em; width: 1.1em; height: 1.1em; pointer-events: none;",
    "  color: var(--kb-muted, #5b6478); }",
    "input {",
    "  display: block; width: 100%; margin: 0; font: inherit; font-size: 1.07em; color: inherit;",
    "  padding: 0.85em 2.6em 0.85em 2.6em; line-height: 1.3;",
    "  background: var(--kb-bg, #ffffff); border: 1px solid var(--kb-border, #d5dae3);",
    "  border-radius: var(--kb-radius, 10px); outline: none; appearance: none; -webkit-appearance: none;",
    "  box-shadow: 0 1px 2px rgba(16, 24, 40, 0.06);",
    "  transition: border-color 120ms, box-shadow 120ms;",
    "}",
    "input::placeholder { color: var(--kb-muted, #5b6478); opacity: 1; }",
    "input::-webkit-search-cancel-button { display: none; }",
    "input:focus { border-color: var(--kb-accent, #2457d6); box-shadow: 0 0 0 3px rgba(36, 87, 214, 0.25);",
    "  box-shadow: 0 0 0 3px color-mix(in srgb, var(--kb-accent, #2457d6) 28%, transparent); }",
    ".busy { position: absolute; right: 0.95em; width: 1em; height: 1em; border-radius: 50%;",
    "  border: 2px solid var(--kb-border, #d5dae3); border-top-color: var(--kb-accent, #2457d6);",
    "  animation: spin 700ms linear infinite; }",
    ".busy[hidden] { display: none; }",
    "@keyframes spin { to { transform: rotate(360deg); } }",
    "@media (prefers-reduced-motion: reduce) { .busy { animation-duration: 2s; } input { transition: none; } }",
    ".panel {",
    "  position: absolute; z-index: 2147483000; left: 0; right: 0; top: calc(100% + 6px);",
    "  max-height: var(--kb-panel-height, 70vh); overflow-y: auto; overscroll-behavior: contain;",
    "  background: var(--kb-bg, #ffffff); color: var(--kb-fg, #1b2130);",
    "  border: 1px solid var(--kb-border, #d5dae3); border-radius: var(--kb-radius, 10px);",
    "  box-shadow: var(--kb-shadow, 0 12px 32px rgba(16, 24, 40, 0.14), 0 2px 6px rgba(16, 24, 40, 0.08));",
    "  padding: 0.4em 0;",
    "}",
    ".panel[hidden] { display: none; }",
    "[role=listbox] { margin: 0; padding: 0; }",
    "[role=group] { margin: 0; padding: 0.15em 0; list-style: none; }",
    "[role=group] + [role=group] { border-top: 1px solid var(--kb-border, #d5dae3); }",
    ".label { display: block; padding: 0.55em 1.1em 0.3em; font-size: 0.74em; font-weight: 650;",
    "  letter-spacing: 0.06em; text-transform: uppercase; color: var(--kb-muted, #5b6478); }",
    "[role=option] {",
    "  display: block; margin: 0 0.4em; padding: 0.6em 0.75em; border-radius: calc(var(--kb-radius, 10px) - 3px);",
    "  color: inherit; text-decoration: none; cursor: pointer; outline: none;",
    "  border-left: 3px solid transparent;",
    "}",
    "[role=option]:hover { background: var(--kb-hover, #f1f5fe); }",
    "[role=option][aria-selected=true] { background: var(--kb-hover, #f1f5fe);",
    "  border-left-color: var(--kb-accent, #2457d6);",
    "  box-shadow: inset 0 0 0 1px color-mix(in srgb, var(--kb-accent, #2457d6) 45%, transparent); }",
    ".suggestion { display: flex; align-items: center; gap: 0.6em; }",
    ".suggestion .kind { margin-left: auto; font-size: 0.78em; color: var(--kb-muted, #5b6478); }",
    ".suggestion svg { flex: none; width: 0.95em; height: 0.95em; color: var(--kb-muted, #5b6478); }",
    ".title { display: block; font-weight: 650; color: var(--kb-accent, #2457d6); }",
    ".path { display: block; margin-top: 0.1em; font-size: 0.85em; color: var(--kb-muted, #5b6478); }",
    ".snippet { display: block; margin-top: 0.3em; font-size: 0.92em; color: var(--kb-fg, #1b2130);",
    "  display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }",
    "mark { background: var(--kb-mark-bg, #fff1b8); color: var(--kb-mark-fg, inherit);",
    "  border-radius: 3px; padding: 0 0.1em; }",
    ".contact { display: flex; gap: 0.85em; align-items: flex-start; }",
    ".contact .body { display: flex; flex-direction: column; gap: 0.15em; min-width: 0; }",
    ".contact .note { font-size: 0.85em; color: var(--kb-muted, #5b6478); }",
    ".contact .avatar { flex: none; width: 2.4em; height: 2.4em; border-radius: 50%;",
    "  display: flex; align-items: center; justify-content: center;",
    "  background: var(--kb-accent, #2457d6); color: var(--kb-accent-fg, #ffffff); }",
    ".contact .avatar svg { width: 1.25em; height: 1.25em; }",
    ".contact .lead { font-size: 0.88em; color: var(--kb-muted, #5b6478); }",
    ".contact .name { font-weight: 650; font-size: 1.02em; }",
    ".contact .how { font-size: 0.92em; }",
    ".hours { display: flex; align-items: center; gap: 0.4em; font-size: 0.85em; font-weight: 600; }",
    ".hours::before { content: ''; width: 0.55em; height: 0.55em; border-radius: 50%; background: #9aa3b5; }",
    ".hours.open { color: #17753a; } .hours.open::before { background: #1f9d4c; }",
    ".hours.closed { color: #8a5a00; } .hours.closed::before { background: #d08a00; }",
    ".message { margin: 0; padding: 0.8em 1.1em; color: var(--kb-muted, #5b6478); }",
    ".message.error { color: #a02b1f; }",
    ".feedback { display: flex; align-items: center; flex-wrap: wrap; gap: 0.5em;",
    "  margin-top: 0.3em; padding: 0.6em 1.1em 0.35em; border-top: 1px solid var(--kb-border, #d5dae3);",
    "  font-size: 0.88em; color: var(--kb-muted, #5b6478); }",
    ".feedback[hidden] { display: none; }",
    "button {",
    "  font: inherit; color: var(--kb-fg, #1b2130); background: var(--kb-bg, #ffffff); cursor: pointer;",
    "  border: 1px solid var(--kb-border, #d5dae3); border-radius: 999px; padding: 0.2em 0.9em; margin: 0;",
    "}",
    "button:hover { border-color: var(--kb-accent, #2457d6); color: var(--kb-accent, #2457d6); }",
    "button:focus-visible, [role=option]:focus-visible {",
    "  outline: 3px solid var(--kb-accent, #2457d6); outline-offset: 2px; }",
    "@media (forced-colors: active) {",
    "  [role=option][aria-selected=true] { outline: 2px solid Highlight; }",
    "  input:focus { outline: 2px solid Highlight; }",
    "}",
  ].join("\n");

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    search: "M10.5 3a7.5 7.5 0 0 1 5.96 12.05l4.24 4.25-1.4 1.4-4.25-4.24A7.5 7.5 0 1 1 10.5 3Zm0 2a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11Z",
    arrow: "M5 11h10.6l-4.3-4.3 1.4-1.4L19.4 12l-6.7 6.7-1.4-1.4 4.3-4.3H5z",
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2Zm0 2v10h2v2l2.5-2H20V6Z",
  };

  var sheet = null;
  function styleFor(root) {
    // A constructed sheet is not an inline <style>, so a host page whose CSP forbids inline styles
    // still gets a styled widget; <style> is the fallback for browsers without them.
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      try {
        if (!sheet) {
          sheet = new CSSStyleSheet();
          sheet.replaceSync(CSS);
        }
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (e) {
        /* fall back to <style> */
      }
    }
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, String(attrs[k]));
      });
    }
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function icon(name) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  /**
   * A snippet's markup as safe DOM: its text, with the words in <mark> elements kept highlighted.
   * Any other element is reduced to its text; nothing of the parsed document is adopted (DOMParser's
   * document is inert: no scripts run, no images load).
   */
  function snippetFragment(html) {
    var frag = document.createDocumentFragment();
    var parsed = new DOMParser().parseFromString("<body>" + String(html || ""), "text/html");
    (function walk(from, to, inMark) {
      from.childNodes.forEach(function (node) {
        if (node.nodeType === 3) {
          to.appendChild(document.createTextNode(node.nodeValue));
        } else if (node.nodeType === 1) {
          var name = node.nodeName.toLowerCase();
          if (name === "script" || name === "style" || name === "template") return;
          if (name === "mark" && !inMark) {
            var mark = document.createElement("mark");
            to.appendChild(mark);
            walk(node, mark, true);
          } else {
            walk(node, to, inMark);
          }
        }
      });
    })(parsed.body, frag, false);
    return frag;
  }

  function opensAtText(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return "Closed now";
    var time = when.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
    var now = new Date();
    if (when.toDateString() === now.toDateString()) return "Opens at " + time;
    var day = when.toLocaleDateString(undefined, { weekday: "long" });
    return "Opens at " + time + " on " + day;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function send(url, body) {
    // Analytics are best effort: never an exception, never a visible error, survives navigation.
    try {
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        keepalive: true,
        mode: "cors",
        credentials: "omit",
      }).catch(function () {});
    } catch (e) {
      /* ignored */
    }
  }

  var counter = 0;

  class KbSearch extends HTMLElement {
    static get observedAttributes() {
      return ["placeholder", "label", "api", "limit"];
    }

    constructor() {
      super();
      this._uid = "kb" + ++counter;
      this._options = []; // [{node, activate}]
      this._active = -1;
      this._timer = 0;
      this._seq = 0;
      this._abort = null;
      this._last = null; // the last /search body shown
      this._lastQuery = "";

      var root = this.attachShadow({ mode: "open" });
      styleFor(root);
      var id = this._uid;

      this._label = el("label", { for: id + "-q", class: "sr" });
      this._input = el("input", {
        id: id + "-q",
        type: "search",
        role: "combobox",
        "aria-autocomplete": "list",
        "aria-expanded": "false",
        "aria-controls": id + "-list",
        "aria-describedby": id + "-hint",
        autocomplete: "off",
        autocapitalize: "off",
        spellcheck: "false",
        enterkeyhint: "search",
        maxlength: MAX_CHARS,
      });
      this._busy = el("span", { class: "busy", hidden: "", "aria-hidden": "true" });
      var searchIcon = icon("search");
      searchIcon.setAttribute("class", "icon");
      var box = el("div", { class: "box" }, [searchIcon, this._input, this._busy]);

      this._list = el("div", { id: id + "-list", role: "listbox", "aria-label": "Search results" });
      this._message = el("p", { class: "message", hidden: "" });
      this._yes = el("button", { type: "button" }, ["Yes"]);
      this._no = el("button", { type: "button" }, ["No"]);
      this._feedback = el("div", { class: "feedback", hidden: "" }, [
        el("span", { id: id + "-fb" }, ["Was this helpful?"]),
        this._yes,
        this._no,
      ]);
      this._feedback.setAttribute("role", "group");
      this._feedback.setAttribute("aria-labelledby", id + "-fb");
      this._panel = el("div", { class: "panel", hidden: "" }, [this._message, this._list, this._feedback]);
      this._status = el("div", { class: "sr", role: "status", "aria-live": "polite", "aria-atomic": "true" });
      var hint = el("span", { id: id + "-hint", class: "sr" }, [
        "Answers appear as you type. Use the up and down arrows to browse them and Enter to open one.",
      ]);
      this._root = el("div", { class: "root" }, [this._label, box, this._panel, this._status, hint]);
      root.appendChild(this._root);

      this._input.addEventListener("input", this._onInput.bind(this));
      this._input.addEventListener("keydown", this._onKey.bind(this));
      this._input.addEventListener("focus", this._onFocus.bind(this));
      // Keep focus in the box while the panel is pressed (the combobox pattern); clicks still run.
      this._panel.addEventListener("mousedown", function (e) {
        e.preventDefault();
      });
      this._root.addEventListener("focusout", this._onFocusOut.bind(this));
      this._yes.addEventListener("click", this._rate.bind(this, true));
      this._no.addEventListener("click", this._rate.bind(this, false));
      this._outside = this._onOutside.bind(this);
      this._syncAttributes();
    }

    connectedCallback() {
      document.addEventListener("pointerdown", this._outside, true);
    }

    disconnectedCallback() {
      document.removeEventListener("pointerdown", this._outside, true);
      clearTimeout(this._timer);
      if (this._abort) this._abort.abort();
    }

    attributeChangedCallback() {
      this._syncAttributes();
    }

    /** Base URL of the kb API (always ending in "/"). */
    get api() {
      return apiBase(this);
    }


    get limit() {
      var n = parseInt(this.getAttribute("limit") || "", 10);
      return n >= 1 && n <= 50 ? n : null;
    }

    /** Ask a question as if typed: fills the box, searches now and shows the answers. */
    ask(question) {
      this._input.value = String(question || "").slice(0, MAX_CHARS);
      this._input.focus();
      this._run(true);
    }

    _syncAttributes() {
      var placeholder = this.getAttribute("placeholder") || "Search the help center";
      this._input.setAttribute("placeholder", placeholder);
      this._label.textContent = this.getAttribute("label") || placeholder;
    }

    _url(path, params) {
      var url = new URL(path, this.api);
      Object.keys(params).forEach(function (k) {
        if (params[k] !== null && params[k] !== undefined) url.searchParams.set(k, String(params[k]));
      });
      return url.href;
    }

    _resolve(href) {
      try {
        return new URL(href, this.api).href;
      } catch (e) {
        return this.api;
      }
    }

    _onInput() {
      clearTimeout(this._timer);
      var self = this;
      this._timer = setTimeout(function () {
        self._run(false);
      }, DEBOUNCE_MS);
    }

    _onFocus() {
      if (this._input.value.trim() && this._options.length + (this._message.hidden ? 0 : 1) > 0) this._open();
    }

    _onFocusOut(e) {
      var next = e.relatedTarget;
      if (next && this.shadowRoot.contains(next)) return;
      this._close();
    }

    _onOutside(e) {
      var path = e.composedPath ? e.composedPath() : [];
      if (path.indexOf(this) === -1) this._close();
    }

    _onKey(e) {
      var open = this._input.getAttribute("aria-expanded") === "true";
      switch (e.key) {
        case "ArrowDown":
          e.preventDefault();
          if (!this._options.length) return;
          if (!open) this._open();
          if (!e.altKey) this._move(1);
          break;
        case "ArrowUp":
          e.preventDefault();
          if (!this._options.length) return;
          if (!open) this._open();
          this._move(-1);
          break;
        case "Enter":
          if (e.isComposing) return;
          e.preventDefault();
          if (open && this._active >= 0) {
            this._options[this._active].node.click();
          } else {
            this._run(true);
          }
          break;
        case "Escape":
          if (open) {
            e.preventDefault();
            this._close();
          } else if (this._input.value) {
            e.preventDefault();
            this._input.value = "";
            this._clear();
          }
          break;
        default:
          break;
      }
    }

    _move(step) {
      var n = this._options.length;
      var next = this._active + step;
      if (next >= n) next = 0;
      if (next < 0) next = n - 1;
      this._setActive(next);
    }

    _setActive(index) {
      if (this._active >= 0 && this._options[this._active]) {
        this._options[this._active].node.setAttribute("aria-selected", "false");
      }
      this._active = index;
      if (index < 0) {
        this._input.removeAttribute("aria-activedescendant");
        return;
      }
      var node = this._options[index].node;
      node.setAttribute("aria-selected", "true");
      this._input.setAttribute("aria-activedescendant", node.id);
      node.scrollIntoView({ block: "nearest" });
    }

    _open() {
      this._panel.hidden = false;
      this._input.setAttribute("aria-expanded", "true");
    }

    _close() {
      this._setActive(-1);
      this._panel.hidden = true;
      this._input.setAttribute("aria-expanded", "false");
    }

    _clear() {
      clearTimeout(this._timer);
      if (this._abort) this._abort.abort();
      this._seq++;
      this._busy.hidden = true;
      this._last = null;
      this._lastQuery = "";
      this._render("", null, [], null);
      this._close();
      this._status.textContent = "";
    }

    /** Fetch suggestions and answers for what is typed; stale responses are dropped. */
    _run(now) {
      clearTimeout(this._timer);
      var q = this._input.value.trim();
      if (!q) {
        this._clear();
        return;
      }
      if (!now && q === this._lastQuery) return;
      this._lastQuery = q;
      if (this._abort) this._abort.abort();
      var abort = typeof AbortController === "function" ? new AbortController() : null;
      this._abort = abort;
      var seq = ++this._seq;
      var self = this;
      var opts = { signal: abort ? abort.signal : undefined, credentials: "omit", mode: "cors" };
      this._busy.hidden = false;
      this._list.setAttribute("aria-busy", "true");

      var suggest = fetch(this._url("suggest", { q: q.slice(0, 200), limit: SUGGESTIONS }), opts)
        .then(function (r) {
          return r.ok ? r.json() : { suggestions: [] };
        })
        .catch(function () {
          return { suggestions: [] }; // completions are a nicety; the search reports failures
        });
      var search = fetch(this._url("search", { q: q, limit: this.limit }), opts).then(function (r) {
        return r
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            return { ok: r.ok, status: r.status, body: body };
          });
      });

      Promise.all([suggest, search])
        .then(function (res) {
          if (seq !== self._seq) return;
          self._busy.hidden = true;
          var found = res[1];
          var suggestions = (res[0] && res[0].suggestions) || [];
          if (!found.ok) {
            self._render(q, null, suggestions, self._problemText(found.status, found.body));
            return;
          }
          self._render(q, found.body, suggestions, null);
        })
        .catch(function (err) {
          if (seq !== self._seq || (err && err.name === "AbortError")) return;
          self._busy.hidden = true;
          self._render(q, null, [], "The help center can't be reached right now. Please try again in a moment.");
        });
    }

    _problemText(status, body) {
      if (status === 413) return "That question is too long. Try a shorter one.";
      if (status === 429) return "Too many searches in a short time. Please wait a moment and try again.";
      if (status === 503) return "Search is being updated. Please try again in a moment.";
      if (status >= 400 && status < 500 && body && typeof body.detail === "string") {
        return "That search didn't work: " + body.detail;
      }
      return "Search is unavailable right now. Please try again in a moment.";
    }

    /** Show one search's outcome for `query` (or an error message) and announce it. */
    _render(query, result, suggestions, error) {
      var self = this;
      var id = this._uid;
      // What is on show, for scripts and tests waiting on the widget: the query and "not busy".
      this._list.setAttribute("aria-busy", "false");
      this._list.setAttribute("data-query", query);
      this._setActive(-1);
      this._options = [];
      this._list.textContent = "";
      this._last = result;
      this._feedback.hidden = true;
      this._yes.disabled = false;
      this._no.disabled = false;
      this._feedback.firstChild.textContent = "Was this helpful?";

      var typed = this._input.value.trim().toLowerCase();
      var shown = [];
      if (result && result.did_you_mean) {
        shown.push({ text: result.did_you_mean, kind: "Did you mean", correction: true });
      }
      suggestions.forEach(function (s) {
        if (!s || typeof s.text !== "string") return;
        var text = s.text.toLowerCase();
        var seen = shown.some(function (x) {
          return x.text.toLowerCase() === text;
        });
        if (text === typed || seen) return;
        shown.push({ text: s.text, kind: s.kind === "title" ? "Article" : "" });
      });
      if (shown.length) {
        var group = this._group(id + "-gs", "Suggestions");
        shown.forEach(function (s) {
          var node = el("div", { role: "option", class: "suggestion", "aria-selected": "false" }, [
            icon(s.correction ? "arrow" : "search"),
            el("span", null, [s.correction ? "Did you mean: " + s.text : s.text]),
          ]);
          if (s.kind && !s.correction) node.appendChild(el("span", { class: "kind", "aria-hidden": "true" }, [s.kind]));
          self._add(group, node, function () {
            self.ask(s.text);
          });
        });
      }

      var answers = (result && Array.isArray(result.answers)) ? result.answers : [];
      if (answers.length) {
        var agroup = this._group(id + "-ga", result.fallback ? "Possibly related" : "Answers");
        answers.forEach(function (a) {
          var url = self._resolve(a.url || "");
          var title = String(a.title || a.article || "");
          var path = String(a.heading || "");
          if (path.indexOf(title + " › ") === 0) path = path.slice(title.length + 3);
          else if (path === title) path = "";
          // Named by its content, in reading order (title, section, snippet): a screen reader
          // says the short part first, and the name holds all the visible text, so a speech user
          // can say what they see (WCAG 2.5.3 Label in Name).
          var snippet = el("span", { class: "snippet" });
          snippet.appendChild(snippetFragment(a.snippet));
          var node = el("a", { role: "option", href: url, "aria-selected": "false", tabindex: "-1" }, [
            el("span", { class: "title" }, [title]),
          ]);
          if (path) node.appendChild(el("span", { class: "path" }, [path]));
          node.appendChild(snippet);
          node.addEventListener("click", function () {
            send(self._url("events", {}), {
              search_id: result.search_id,
              type: "answer_click",
              article: a.article,
            });
            self.dispatchEvent(
              new CustomEvent("kb-answer", {
                bubbles: true,
                composed: true,
                detail: { article: a.article, url: url, search_id: result.search_id },
              })
            );
          });
          self._add(agroup, node, null);
        });
      }

      var channel = result && result.fallback ? result.channel : null;
      if (channel) {
        var cgroup = this._group(id + "-gc", "Contact us");
        var hours = channel.open_now
          ? el("span", { class: "hours open" }, ["Open now"])
          : el("span", { class: "hours closed" }, [channel.opens_at ? opensAtText(channel.opens_at) : "Closed now"]);
        var lead = answers.length
          ? "Not what you need? Talk to a person."
          : "No answer found for “" + this._input.value.trim() + "”. Talk to a person:";
        var body = el("span", { class: "body" }, [
          el("span", { class: "lead" }, [lead]),
          el("span", { class: "name" }, [String(channel.name || "Support")]),
          el("span", { class: "how" }, [String(channel.how || "")]),
          hours,
        ]);
        var preferred = channel.preferred;
        if (preferred && preferred.name) {
          var later = preferred.opens_at ? " (" + opensAtText(preferred.opens_at).replace(/^Opens/, "opens") + ")" : "";
          body.appendChild(el("span", { class: "note" }, [String(preferred.name) + " is closed now" + later + "."]));
        }
        // Named by its content like an answer: lead, channel, how to reach it, hours, in that order.
        var card = el("div", { role: "option", class: "contact", "aria-selected": "false" }, [
          el("span", { class: "avatar" }, [icon("chat")]),
          body,
        ]);
        card.setAttribute("data-channel", String(channel.id || ""));
        this._add(cgroup, card, function () {
          send(self._url("events", {}), { search_id: result.search_id, type: "channel_click", channel: channel.id });
          self.dispatchEvent(
            new CustomEvent("kb-contact", {
              bubbles: true,
              composed: true,
              detail: { channel: channel, search_id: result.search_id, query: result.query },
            })
          );
        });
      }

      this._message.hidden = !error;
      this._message.className = error ? "message error" : "message";
      this._message.textContent = error || "";
      if (answers.length && !result.fallback) this._feedback.hidden = false;

      var announce;
      if (error) announce = error;
      else if (channel && !answers.length) announce = "No answer found — contact " + channel.name + ".";
      else if (channel) announce = plural(answers.length, "possible answer", "possible answers") + " — or contact " + channel.name + ".";
      else if (result) announce = plural(answers.length, "answer", "answers");
      else announce = "";
      if (result && shown.length) announce += (announce ? ", " : "") + plural(shown.length, "suggestion", "suggestions");
      this._status.textContent = announce;

      if (this._options.length || error) {
        if (this.shadowRoot.activeElement === this._input || this._panel.hidden === false) this._open();
      } else {
        this._close();
      }
    }

    _group(gid, title) {
      var group = el("div", { role: "group", "aria-labelledby": gid }, [
        el("span", { id: gid, class: "label", role: "presentation" }, [title]),
      ]);
      this._list.appendChild(group);
      return group;
    }

    _add(group, node, activate) {
      var index = this._options.length;
      node.id = this._uid + "-o" + index;
      if (activate) node.addEventListener("click", activate);
      var self = this;
      node.addEventListener("mousemove", function () {
        if (self._active !== index) self._setActive(index);
      });
      group.appendChild(node);
      this._options.push({ node: node });
    }

    _rate(helpful) {
      var result = this._last;
      if (!result) return;
      var top = result.answers && result.answers[0];
      send(this._url("feedback", {}), {
        search_id: result.search_id,
        helpful: helpful,
        article: top ? top.article : null,
      });
      this._feedback.firstChild.textContent = "Thanks for your feedback!";
      this._yes.disabled = true;
      this._no.disabled = true;
      this._status.textContent = "Thanks for your feedback.";
      this._input.focus();
    }
  }

  customElements.define("kb-search", KbSearch);
  KbSearch.snippetFragment = snippetFragment;

  /** Resolve an `api` attribute as kb-search does (a folder URL ending in "/"). */
  function apiBase(element) {
    var given = (element.getAttribute("api") || "").trim();
    if (!given) return SCRIPT_BASE;
    try {
      var url = new URL(given, document.baseURI);
      if (!/\/$/.test(url.pathname)) url.pathname += "/";
      url.search = "";
      url.hash = "";
      return url.href;
    } catch (e) {
      return SCRIPT_BASE;
    }
  }

  function getJSON(url) {
    return fetch(url, { headers: { accept: "application/json" }, credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function textElement(tag, text, className) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  class KbTopics extends HTMLElement {
    connectedCallback() {
      if (this._started) return;
      this._started = true;
      this.setAttribute("aria-busy", "true");
      var self = this;
      var base = apiBase(this);
      var per = parseInt(this.getAttribute("per-topic") || "", 10);
      per = per >= 1 && per <= 50 ? per : 4;
      var level = parseInt(this.getAttribute("heading-level") || "", 10);
      level = level >= 2 && level <= 6 ? level : 3;
      getJSON(new URL("topics", base).href)
        .then(function (topics) {
          return Promise.all(
            topics.map(function (t) {
              var url = new URL("articles", base);
              url.searchParams.set("topic", t.topic);
              url.searchParams.set("limit", String(per));
              return getJSON(url.href).then(function (page) {
                return { topic: t, page: page };
              });
            })
          );
        })
        .then(function (cards) {
          self._render(cards, base, level);
        })
        .catch(function () {
          self.textContent = "";
          self.appendChild(textElement("p", "Topics cannot be shown right now; please use the search.", "kb-topics-error"));
        })
        .then(function () {
          self.setAttribute("aria-busy", "false");
        });
    }

    _render(cards, base, level) {
      var grid = document.createElement("div");
      grid.className = "kb-topics";
      cards.forEach(function (card) {
        var t = card.topic;
        var section = document.createElement("section");
        section.className = "kb-topic";
        section.setAttribute("data-topic", t.topic);
        var heading = textElement("h" + level, t.title);
        heading.id = "kb-topic-" + t.topic.replace(/[^A-Za-z0-9_-]/g, "-");
        section.setAttribute("aria-labelledby", heading.id);
        section.appendChild(heading);
        section.appendChild(textElement("p", t.articles + (t.articles === 1 ? " article" : " articles"), "kb-topic-count"));
        var list = document.createElement("ul");
        card.page.articles.forEach(function (a) {
          var item = document.createElement("li");
          var link = textElement("a", a.title);
          link.href = new URL(a.url.replace(/^\//, ""), base).href;
          item.appendChild(link);
          list.appendChild(item);
        });
        section.appendChild(list);
        grid.appendChild(section);
      });
      this.textContent = "";
      this.appendChild(grid);
    }
  }

  customElements.define("kb-topics", KbTopics);

  // Host-page shortcut buttons: <button data-kb-ask="How do I return an item?">.
  document.addEventListener("click", function (e) {
    var target = e.target && e.target.closest ? e.target.closest("[data-kb-ask]") : null;
    if (!target) return;
    var named = target.getAttribute("data-kb-target");
    var widget = null;
    try {
      widget = named ? document.querySelector(named) : document.querySelector("kb-search");
    } catch (err) {
      widget = null;
    }
    if (!widget || typeof widget.ask !== "function") return;
    e.preventDefault();
    widget.ask(target.getAttribute("data-kb-ask"));
  });
})();
