// A click on a page link (href "#pl-page=<page key>", in answers and search results) opens the in-app
// viewer: the key goes into a hidden textbox and a hidden button runs the Python handler.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest('a[href*="#pl-page="]');
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const key = decodeURIComponent(link.getAttribute("href").split("#pl-page=")[1]);
  const box = document.querySelector("#pl-open textarea, #pl-open input");
  const button = document.querySelector("#pl-open-button");
  if (!box || !button) return;
  box.value = key;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  setTimeout(() => button.click(), 60);
}, true);

// Chat titles are cut to one line in the sidebar: the full title shows on hover.
new MutationObserver(() => {
  document.querySelectorAll("#chats label").forEach((label) => {
    const text = label.innerText.trim();
    if (label.title !== text) label.title = text;
  });
}).observe(document.documentElement, { childList: true, subtree: true });
