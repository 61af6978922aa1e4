// carelog's one script: small conveniences HTML cannot do alone. Everything works without it.

// Alt+1…5 jump between tabs, in the order the header shows them.
document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  const index = Number.parseInt(event.key, 10);
  if (Number.isNaN(index)) return;
  const tabs = document.querySelectorAll("nav.tabs a.tab");
  const target = tabs[index - 1];
  if (target) {
    event.preventDefault();
    target.click();
  }
});
