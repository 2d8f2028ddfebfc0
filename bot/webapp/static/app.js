// The Mini App: speakers (gallery, search, a person's page), about, initiative, news with the subscribe
// switch. Text from people or content goes in with textContent; the only HTML set is what the server
// reduced to Telegram's tags (markup.py).
"use strict";
(function () {
  const tg = (window.Telegram && window.Telegram.WebApp) || null;
  const initData = (tg && tg.initData) || fromHash();
  const view = document.getElementById("view");
  const tabs = document.getElementById("tabs");
  let words = {};
  const stack = []; // the pages behind the one shown, for BackButton

  function fromHash() { // outside Telegram (the console's local URL): #tgWebAppData=…
    const params = new URLSearchParams(location.hash.slice(1));
    return params.get("tgWebAppData") || "";
  }

  function insideTelegram() { return Boolean(tg && tg.BackButton && tg.platform !== "unknown"); }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) node.append(child);
    return node;
  }

  async function api(path, options) {
    const response = await fetch("api/" + path, Object.assign({
      headers: { "Authorization": "tma " + initData, "Content-Type": "application/json" },
    }, options || {}));
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      if (body.message) words.failed = body.message; // 401: stale or missing init data, in the browser's language
      throw new Error(String(response.status));
    }
    return response.json();
  }

  function applyTheme() {
    const root = document.documentElement;
    const params = (tg && tg.themeParams) || {};
    for (const [key, value] of Object.entries(params)) {
      root.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
    }
    const dark = tg ? tg.colorScheme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "dark" : "light";
  }

  // -- navigation ---------------------------------------------------------------------------------------
  const pages = { speakers: gallery, about: () => textPage("about"), initiative: () => textPage("initiative"),
    news: news };

  function show(page, arg, remember) {
    if (remember && current) stack.push(current);
    current = { page, arg };
    for (const b of tabs.children) b.setAttribute("aria-selected", String(b.dataset.page === tabOf(page)));
    if (tg && tg.BackButton) stack.length ? tg.BackButton.show() : tg.BackButton.hide();
    window.scrollTo(0, 0);
    return (page === "person" ? personPage(arg) : pages[page]()).catch(failed);
  }
  let current = null;
  function tabOf(page) { return page === "person" ? "speakers" : page; }
  function back() { const previous = stack.pop(); if (previous) show(previous.page, previous.arg, false); }

  function failed() { view.replaceChildren(el("p", { className: "hint", textContent: words.failed || "…" })); }

  // -- speakers -----------------------------------------------------------------------------------------
  let searchTimer = 0;
  async function gallery(query) {
    const input = el("input", { className: "search", type: "search", placeholder: words.search,
      value: query || "", autocomplete: "off" });
    input.setAttribute("aria-label", words.search);
    const grid = el("div", { className: "gallery" });
    view.replaceChildren(input, grid);
    input.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => fill(grid, input.value).catch(failed), 150);
    });
    await fill(grid, query || "");
  }

  async function fill(grid, query) {
    const data = await api("speakers" + (query.trim() ? "?q=" + encodeURIComponent(query.trim()) : ""));
    if (!data.people.length) {
      grid.replaceChildren(el("p", { className: "hint", textContent: words.nobody }));
      return;
    }
    grid.replaceChildren(...data.people.map(card));
  }

  function card(person) {
    const parts = [el("span", { className: "flag", textContent: person.flag }),
      el("span", { className: "name", textContent: person.name })];
    if (person.native !== person.name) parts.push(el("span", { className: "native", textContent: person.native }));
    if (person.chair) parts.push(el("span", { className: "badge", textContent: words.chair }));
    parts.push(el("span", { className: "details", textContent: person.details }));
    const button = el("button", { className: "person", type: "button" }, parts);
    button.dataset.slug = person.slug;
    button.addEventListener("click", () => show("person", person.slug, true));
    return button;
  }

  async function personPage(slug) {
    const data = await api("speakers");
    const person = data.people.find((p) => p.slug === slug);
    if (!person) return gallery();
    const text = el("div", { className: "text" });
    text.innerHTML = person.html; // reduced to Telegram's tags by the server
    const actions = el("div", { className: "actions" });
    if (tg && tg.switchInlineQuery) {
      const share = el("button", { className: "action", type: "button", textContent: words.share });
      share.addEventListener("click", () => tg.switchInlineQuery(person.share, ["users", "groups", "channels"]));
      actions.append(share);
    }
    if (!insideTelegram()) { // a browser (the console's local URL): Telegram's Back button is not there
      const backButton = el("button", { className: "action secondary", type: "button", textContent: words.back });
      backButton.addEventListener("click", back);
      actions.append(backButton);
    }
    const flag = el("div", { className: "flag", textContent: person.flag });
    view.replaceChildren(el("article", { className: "profile" }, [flag, text, actions]));
  }

  // -- about, initiative --------------------------------------------------------------------------------
  async function textPage(name) {
    const data = await api(name);
    const text = el("div", { className: "text" });
    text.innerHTML = data.html; // reduced to Telegram's tags by the server
    view.replaceChildren(text);
  }

  // -- news ---------------------------------------------------------------------------------------------
  async function news() {
    const data = await api("news");
    const toggle = el("input", { type: "checkbox", checked: data.subscribed, id: "subscribe" });
    toggle.setAttribute("role", "switch");
    toggle.addEventListener("change", async () => {
      toggle.disabled = true;
      try {
        const result = await api("subscription", { method: "PUT",
          body: JSON.stringify({ subscribed: toggle.checked }) });
        toggle.checked = result.subscribed;
        if (tg && tg.HapticFeedback) tg.HapticFeedback.selectionChanged();
      } catch (error) {
        toggle.checked = !toggle.checked;
      } finally {
        toggle.disabled = false;
      }
    });
    const label = el("label", { className: "switch", htmlFor: "subscribe" },
      [el("span", { textContent: words.subscribe }), toggle]);
    const items = data.items.map((item) => {
      const text = el("div", { className: "text" });
      text.innerHTML = item.html; // reduced to Telegram's tags by the server
      const node = el("article", { className: "news-item" }, [text]);
      node.dataset.id = String(item.id);
      return node;
    });
    if (!items.length) items.push(el("p", { className: "hint", textContent: words.no_news }));
    view.replaceChildren(label, ...items);
  }

  // -- start --------------------------------------------------------------------------------------------
  async function start() {
    applyTheme();
    if (tg) {
      tg.ready();
      if (tg.expand) tg.expand();
      if (tg.onEvent) tg.onEvent("themeChanged", applyTheme);
      if (tg.BackButton) tg.BackButton.onClick(back);
    }
    const session = await api("session");
    words = session.strings;
    document.documentElement.lang = session.locale;
    document.title = words.speakers.replace(/^[^\p{L}]+/u, "");
    tabs.replaceChildren(...["speakers", "about", "initiative", "news"].map((page) => {
      const button = el("button", { type: "button", textContent: words[page] });
      button.setAttribute("role", "tab");
      button.dataset.page = page;
      button.addEventListener("click", () => { stack.length = 0; show(page, null, false); });
      return button;
    }));
    const wanted = new URLSearchParams(location.search).get("person");
    await show("speakers", null, false);
    if (wanted) await show("person", wanted, true);
    document.body.dataset.ready = "true";
  }

  start().catch(failed);
})();
