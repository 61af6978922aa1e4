// carelog's one script: small conveniences HTML cannot do alone. Every page works without it.

const typing = (el) => el && (el.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName));

function focusAddForm() {
  const field = document.querySelector(
    "#add select:not([hidden]), #add input:not([type=hidden]), #quick-entry select:not([hidden]), #quick-entry input:not([type=hidden])",
  );
  if (field) {
    field.scrollIntoView({ block: "center" });
    field.focus();
  }
}

document.addEventListener("keydown", (event) => {
  // Alt+1…5: the tabs, in the order the header shows them.
  if (event.altKey && !event.ctrlKey && !event.metaKey) {
    const index = Number.parseInt(event.key, 10);
    const target = Number.isNaN(index) ? null : document.querySelectorAll("nav.tabs a.tab")[index - 1];
    if (target) {
      event.preventDefault();
      target.click();
      return;
    }
    if (event.key === "n" || event.key === "N") {
      event.preventDefault();
      focusAddForm();
      return;
    }
  }
  // "n" anywhere outside a field: the new-task form.
  if (event.key === "n" && !event.altKey && !event.ctrlKey && !event.metaKey && !typing(document.activeElement)) {
    event.preventDefault();
    focusAddForm();
    return;
  }
  // Ctrl+Enter in the notes saves the form.
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && document.activeElement?.tagName === "TEXTAREA") {
    const form = document.activeElement.form;
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
  }
});

document.querySelectorAll("[data-focus-add]").forEach((link) =>
  link.addEventListener("click", (event) => {
    event.preventDefault();
    focusAddForm();
  }),
);
if (location.hash === "#add") focusAddForm();

// Minutes or a Stat value, by task type: fields that do not apply are disabled and say so.
function syncEntryFields(form) {
  const option = form.querySelector("select[name=task_type]")?.selectedOptions[0];
  if (!option) return;
  const noMinutes = option.dataset.noMinutes === "true";
  const format = option.dataset.format || "";
  const minutes = form.querySelector("input[name=minutes]");
  const value = form.querySelector("input[name=value]");
  if (minutes) {
    minutes.disabled = noMinutes && option.value !== "";
    minutes.required = !noMinutes && option.value !== "";
  }
  if (value) {
    value.disabled = format === "";
    value.required = format !== "";
    value.placeholder = format;
  }
}
document.querySelectorAll("form[data-entry-form]").forEach((form) => {
  form.querySelector("select[name=task_type]")?.addEventListener("change", () => syncEntryFields(form));
  syncEntryFields(form);
});

// Forms that ask before they act (deleting an entry).
document.querySelectorAll("form[data-confirm]").forEach((form) =>
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  }),
);

// Filters that apply as soon as they change.
document.querySelectorAll("[data-autosubmit]").forEach((input) => input.addEventListener("change", () => input.form?.requestSubmit()));

// The running timer's clock, from the server's start time; the server keeps the timer across reloads.
document.querySelectorAll("[data-timer-start]").forEach((clock) => {
  const started = Date.parse(clock.dataset.timerStart);
  if (Number.isNaN(started)) return;
  const tick = () => {
    const seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
    const h = Math.floor(seconds / 3600);
    const m = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
    const s = String(seconds % 60).padStart(2, "0");
    clock.textContent = h > 0 ? `${h}:${m}:${s}` : `${m}:${s}`;
  };
  tick();
  setInterval(tick, 1000);
});

// The entry just saved: highlighted for a moment, and Undo offered for a minute.
const justSaved = document.querySelector("tr.just-saved");
if (justSaved) {
  justSaved.scrollIntoView({ block: "nearest" });
  setTimeout(() => justSaved.classList.add("faded"), 4000);
}
document.querySelectorAll("form[data-undo]").forEach((form) => setTimeout(() => form.remove(), 60000));

// The session: two minutes before the idle timeout a prompt offers to stay signed in; a running
// timer keeps the session alive while its page is open. Activity in any tab counts.
const session = document.querySelector("[data-session]");
if (session) {
  const idleMs = Number(session.dataset.idleSeconds) * 1000;
  const activeKey = "carelog.activeAt";
  const prompt = document.querySelector("[data-testid=idle-prompt]");
  const markActive = () => localStorage.setItem(activeKey, String(Date.now()));
  const lastActive = () => Number(localStorage.getItem(activeKey)) || Date.now();
  const keepAlive = async () => {
    const answer = await fetch("/session/alive", { credentials: "same-origin", redirect: "manual" });
    if (answer.status === 204) markActive();
    return answer.status === 204;
  };
  markActive();
  if (document.querySelector("[data-keep-alive]")) setInterval(keepAlive, 60000);
  prompt?.querySelector("[data-stay-signed-in]")?.addEventListener("click", async () => {
    if (await keepAlive()) prompt.hidden = true;
    else location.assign(`/login?expired=1&next=${encodeURIComponent(location.pathname + location.search)}`);
  });
  if (idleMs > 0 && prompt) {
    setInterval(() => {
      const endsAt = lastActive() + idleMs;
      const left = endsAt - Date.now();
      if (left <= 120000 && left > 0 && prompt.hidden) {
        prompt.querySelector("[data-idle-at]").textContent = new Date(endsAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        prompt.hidden = false;
        prompt.querySelector("[data-stay-signed-in]").focus();
      } else if (left > 120000 && !prompt.hidden) {
        prompt.hidden = true;
      }
    }, 1000);
  }
}

// Drafts: an entry being typed is kept in this tab's storage, per user, until it is saved, so an
// expired session or a closed page does not lose it. Signing out removes the user's drafts.
const draftUser = session?.dataset.user;
const draftKey = (form) => `carelog.draft.${draftUser}.${form.getAttribute("action")}`;
const draftFields = (form) => [...form.elements].filter((el) => el.name && !["_csrf", "confirm", "action"].includes(el.name) && el.type !== "hidden" && el.type !== "submit");
if (draftUser) {
  // The page after a submit: saved means the draft is done; anything else keeps it.
  const submitted = sessionStorage.getItem("carelog.submitted");
  if (submitted) {
    sessionStorage.removeItem("carelog.submitted");
    if (document.querySelector("[data-testid=saved]")) sessionStorage.removeItem(submitted);
  }
  document.querySelectorAll("form[data-entry-form]").forEach((form) => {
    const key = draftKey(form);
    const save = () => {
      const values = Object.fromEntries(draftFields(form).map((el) => [el.name, el.value]));
      if (Object.values(values).some((v) => v.trim() !== "")) sessionStorage.setItem(key, JSON.stringify({ values, at: Date.now() }));
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", () => {
      save();
      sessionStorage.setItem("carelog.submitted", key);
    });
    const stored = sessionStorage.getItem(key);
    // A refused form already shows what was typed, and a form filled in on purpose (a stopped timer,
    // Panel → Add Task) is a new entry; any other fresh form gets the draft back.
    const prefilled = /[?&]new_(patient|type|minutes|when)=/.test(location.search);
    if (!stored || prefilled || form.closest(".entry-form")?.querySelector("[data-testid=entry-errors], [data-testid=entry-confirm]")) return;
    let draft;
    try {
      draft = JSON.parse(stored);
    } catch {
      sessionStorage.removeItem(key);
      return;
    }
    const fields = draftFields(form);
    const changed = fields.filter((el) => el.name in draft.values && el.value !== draft.values[el.name] && draft.values[el.name] !== "");
    if (!changed.length) return;
    fields.forEach((el) => {
      if (el.name in draft.values && draft.values[el.name] !== "") el.value = draft.values[el.name];
    });
    syncEntryFields(form);
    const note = document.createElement("p");
    note.className = "notice";
    note.setAttribute("role", "status");
    note.dataset.testid = "draft-restored";
    const when = new Date(draft.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    note.textContent = `Restored the entry you were typing at ${when}; it is not saved yet. `;
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.textContent = "Discard draft";
    discard.addEventListener("click", () => {
      sessionStorage.removeItem(key);
      form.reset();
      note.remove();
    });
    note.append(discard);
    form.before(note);
  });
  document.querySelector("form[action='/logout']")?.addEventListener("submit", () => {
    Object.keys(sessionStorage).filter((k) => k.startsWith(`carelog.draft.${draftUser}.`)).forEach((k) => sessionStorage.removeItem(k));
  });
}

// The task type as a searchable combobox (WAI-ARIA 1.2 pattern): words in any order, the user's
// recent types first, fully usable by keyboard. The select stays in the form and is what is sent.
const recentKey = `carelog.recentTypes.${draftUser || ""}`;
const recentTypes = () => {
  try {
    return JSON.parse(localStorage.getItem(recentKey) || "[]");
  } catch {
    return [];
  }
};
let comboboxCount = 0;
function enhanceTypeSelect(select) {
  const form = select.form;
  const options = [...select.options].filter((o) => o.value !== "");
  const id = `task-type-list-${++comboboxCount}`;
  const input = document.createElement("input");
  input.type = "text";
  input.autocomplete = "off";
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", id);
  input.placeholder = "Type to search, e.g. phone";
  input.dataset.testid = "task-type-combobox";
  input.required = select.required;
  const list = document.createElement("ul");
  list.id = id;
  list.setAttribute("role", "listbox");
  list.className = "combobox-list";
  list.hidden = true;
  const wrap = document.createElement("span");
  wrap.className = "combobox";
  wrap.append(input, list);
  select.before(wrap);
  select.hidden = true;
  select.required = false;
  select.tabIndex = -1;
  const label = (o) => o.textContent.trim();
  input.value = select.selectedOptions[0]?.value ? label(select.selectedOptions[0]) : "";
  let shown = [];
  let active = -1;
  // Until something is typed, the list shows every type (the field holds the current choice).
  let typed = false;
  const render = () => {
    const words = typed ? input.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    const recent = recentTypes();
    const rank = (o) => {
      const r = recent.indexOf(o.value);
      return r === -1 ? recent.length : r;
    };
    const exact = (o) => (label(o).toLowerCase() === input.value.trim().toLowerCase() ? 0 : 1);
    shown = options
      .filter((o) => words.every((w) => `${label(o)} ${o.parentElement.label || ""}`.toLowerCase().includes(w)))
      .sort((a, b) => exact(a) - exact(b) || rank(a) - rank(b));
    list.replaceChildren(
      ...shown.map((o, i) => {
        const li = document.createElement("li");
        li.id = `${id}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", String(i === active));
        li.textContent = label(o);
        if (recent.includes(o.value)) {
          const tag = document.createElement("small");
          tag.textContent = " recent";
          li.append(tag);
        }
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(o);
        });
        return li;
      }),
    );
    if (!shown.length) {
      const li = document.createElement("li");
      li.className = "combobox-empty";
      li.textContent = "No task type has all these words";
      list.append(li);
    }
    if (active >= 0) input.setAttribute("aria-activedescendant", `${id}-${active}`);
    else input.removeAttribute("aria-activedescendant");
    list.querySelector("[aria-selected=true]")?.scrollIntoView({ block: "nearest" });
  };
  const open = () => {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    render();
  };
  const close = () => {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const pick = (option) => {
    typed = false;
    select.value = option.value;
    input.value = label(option);
    select.dispatchEvent(new Event("change", { bubbles: true }));
    close();
  };
  input.addEventListener("input", () => {
    typed = true;
    active = 0;
    open();
  });
  input.addEventListener("focus", () => input.select());
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) {
        active = 0;
        open();
        if (!typed && select.value) {
          active = Math.max(0, shown.findIndex((o) => o.value === select.value));
          render();
        }
        return;
      }
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = shown.length ? (active + step + shown.length) % shown.length : -1;
      render();
    } else if (event.key === "Enter" && !list.hidden) {
      event.preventDefault();
      if (shown[active]) pick(shown[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    } else if (event.key === "Tab" && !list.hidden && input.value.trim() && shown[active]) {
      pick(shown[active]);
    }
  });
  input.addEventListener("blur", () => {
    const typed = input.value.trim().toLowerCase();
    const exact = options.find((o) => label(o).toLowerCase() === typed);
    if (exact) {
      if (select.value !== exact.value) pick(exact);
    } else if (typed === "") {
      select.value = "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    } else {
      input.value = select.selectedOptions[0]?.value ? label(select.selectedOptions[0]) : "";
    }
    close();
  });
  form?.addEventListener("submit", () => {
    if (!select.value) return;
    const recent = [select.value, ...recentTypes().filter((v) => v !== select.value)].slice(0, 5);
    localStorage.setItem(recentKey, JSON.stringify(recent));
  });
  // The select's autofocus is the combobox's; focused after the browser's own autofocus pass.
  if (select.hasAttribute("autofocus") || document.activeElement === select) {
    select.removeAttribute("autofocus");
    setTimeout(() => input.focus(), 0);
  }
}
document.querySelectorAll("form[data-entry-form] select[name=task_type]").forEach(enhanceTypeSelect);

// Wide tables scroll inside their own box on narrow screens, never the whole page.
document.querySelectorAll("table.grid").forEach((table) => {
  if (table.parentElement?.classList.contains("scroll-x")) return;
  const box = document.createElement("div");
  box.className = "scroll-x";
  table.before(box);
  box.append(table);
});
