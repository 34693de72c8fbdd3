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

// A new question, an answer arriving, or another chat opened brings the latest question to the top of the
// chat (the Chatbot's own autoscroll is off): a long answer is read from its first line, not scrolled past
// to its last. It stays there while the answer is drawn (its height settles after the counts change) until
// the user scrolls the chat themselves.
let chatShown = "";
let chatPinned = false;
new MutationObserver(() => {
  const wrap = document.querySelector("#chat .bubble-wrap");
  const questions = document.querySelectorAll("#chat [data-testid='user']");
  if (!wrap || !questions.length) {
    chatShown = "";
    return;
  }
  const latest = questions[questions.length - 1];
  const answers = document.querySelectorAll("#chat [data-testid='bot']").length;
  const shown = `${questions.length}/${answers}/${latest.innerText}`;
  if (shown !== chatShown) {
    chatShown = shown;
    chatPinned = true;
  }
  if (chatPinned) {
    const label = document.querySelector("#chat [data-testid='block-label']");  // "Chat", over the top left
    const top = Math.max(wrap.getBoundingClientRect().top, label ? label.getBoundingClientRect().bottom : 0);
    wrap.scrollTop += latest.getBoundingClientRect().top - top - 6;
  }
}).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
for (const type of ["wheel", "touchstart", "mousedown", "keydown"]) {
  document.addEventListener(type, (event) => {
    if (event.target.closest && event.target.closest("#chat")) chatPinned = false;
  }, { passive: true, capture: true });
}
