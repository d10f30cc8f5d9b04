// Progressive enhancement only: every page works without this file.
import { initAll } from "./nhsuk-frontend.min.js";

initAll();

// "Listen": read the main text aloud, if the browser has a voice for the page's language.
function voiceFor(lang) {
  const voices = window.speechSynthesis.getVoices();
  return voices.find((v) => v.lang.toLowerCase().split("-")[0] === lang) || null;
}

function initListen(button) {
  const wrapper = button.closest(".app-listen");
  const lang = document.documentElement.lang.toLowerCase().split("-")[0];
  const startText = button.textContent;
  const stopText = button.dataset.stopText;

  const reveal = () => {
    if (voiceFor(lang)) wrapper.hidden = false;
  };
  reveal();
  window.speechSynthesis.addEventListener("voiceschanged", reveal);

  button.addEventListener("click", () => {
    if (window.speechSynthesis.speaking) {
      window.speechSynthesis.cancel();
      return;
    }
    const main = document.getElementById("maincontent").cloneNode(true);
    main.querySelectorAll(".app-listen, details:not([open]) > :not(summary)").forEach((el) => el.remove());
    const utterance = new SpeechSynthesisUtterance(main.innerText || main.textContent);
    utterance.lang = document.documentElement.lang;
    utterance.voice = voiceFor(lang);
    const reset = () => { button.textContent = startText; };
    utterance.addEventListener("end", reset);
    utterance.addEventListener("error", reset);
    button.textContent = stopText;
    window.speechSynthesis.speak(utterance);
  });
}

if ("speechSynthesis" in window) {
  document.querySelectorAll('[data-module="app-listen"]').forEach(initListen);
}

// "Print this page" buttons: shown only when JavaScript can print.
document.querySelectorAll('[data-module="app-print"]').forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

// A printed page shows what folded sections hold (e.g. the courses that are not for you).
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details.app-print-open").forEach((details) => {
    details.open = true;
  });
});
