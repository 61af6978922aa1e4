// carelog's one script: small conveniences HTML cannot do alone. Every page works without it.

const typing = (el) => el && (el.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName));

function focusAddForm() {
  const field = document.querySelector("#add select, #add input:not([type=hidden]), #quick-entry select");
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
