// Opens the chat page of a running `trident serve`, sends one message with a fixed seed, waits for the streamed
// reply and prints {"model", "reply", "updates", "meta"} as one JSON line; saves a screenshot.
//   node chat-page.mjs URL MESSAGE SEED SCREENSHOT.png
// Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's package). Playwright drives it; it downloads no browser.
import { chromium } from "playwright-core";

const [url, message, seed, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
  const errors = [];
  page.on("pageerror", e => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("model").textContent.includes("context"), null, { timeout: 30000 });
  await page.fill("#seed", seed);
  await page.fill("#max-tokens", "40");
  // Count how many times the reply grows while it streams: more than once means it arrived in pieces.
  await page.evaluate(() => {
    window.updates = 0;
    new MutationObserver(() => window.updates++).observe(document.getElementById("log"), { subtree: true, childList: true, characterData: true });
  });
  await page.fill("#input", message);
  await page.press("#input", "Enter");
  const bubble = page.locator(".assistant[data-done=true]");
  await bubble.waitFor({ timeout: 60000 });
  const result = await page.evaluate(() => {
    const b = document.querySelector(".assistant[data-done=true]");
    const meta = b.querySelector(".meta").textContent;
    return { model: document.getElementById("model").textContent, reply: b.firstChild ? (b.firstChild.nodeType === 3 ? b.firstChild.textContent : "") : "",
             updates: window.updates, meta };
  });
  if (errors.length) throw new Error("page errors: " + errors.join("; "));
  await page.screenshot({ path: screenshot });
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
