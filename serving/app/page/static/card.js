// The model card's behaviour: the try-it form posts to /predict, a drawing or a chosen picture (for a
// model with an image input) to /predict/image, and the API key (when the service has one) lives in
// this tab's sessionStorage only. Loaded as a file: the page's CSP allows no inline script. Answers
// are drawn with DOM calls and textContent, never as HTML.
"use strict";

const KEY_STORAGE = "model-service-api-key";

function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE) || "";
}

function withKey(headers) {
  const key = storedKey();
  return key ? { ...headers, "X-API-Key": key } : headers;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function keyMessage(text, isError) {
  const message = document.getElementById("key-message");
  if (!message) return;
  message.textContent = text;
  message.classList.toggle("error", Boolean(isError));
}

// Without the key, `/` is a page with only the key box: fetch the card with the key and swap it in.
async function unlock() {
  const response = await fetch("/", { headers: withKey({ Accept: "text/html" }) });
  if (response.status === 401) {
    sessionStorage.removeItem(KEY_STORAGE);
    keyMessage("The service refused that key. Check it and try again.", true);
    return;
  }
  if (!response.ok) {
    keyMessage(`The service answered ${response.status}; try again later.`, true);
    return;
  }
  const card = new DOMParser().parseFromString(await response.text(), "text/html");
  document.title = card.title;
  document.getElementById("card").replaceWith(document.adoptNode(card.getElementById("card")));
  setUp();
}

function wireKeyForm(locked) {
  const form = document.getElementById("key-form");
  if (!form) return;
  const input = document.getElementById("api-key");
  input.value = storedKey();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, input.value.trim());
    if (locked) {
      unlock();
    } else {
      keyMessage("Key kept in this tab; it goes with each prediction.", false);
    }
  });
}

function readRecord(form) {
  const record = {};
  for (const input of form.querySelectorAll("[data-feature]")) {
    const text = input.value.trim();
    record[input.dataset.feature] = text === "" ? null : input.dataset.kind === "number" ? Number(text) : text;
  }
  return record;
}

function labelText(label) {
  // As the API keys probabilities: strings as they are, numbers and booleans as JSON.
  return typeof label === "string" ? label : JSON.stringify(label);
}

function showPrediction(result, body) {
  const { task, target } = document.getElementById("try").dataset;
  const line = element("p", "answer", `Predicted ${target}: `);
  if (task === "regression") {
    line.append(element("strong", "value", String(body.prediction)));
    result.append(line);
  } else {
    line.append(element("strong", "label", labelText(body.label)));
    result.append(line, probabilityBars(body.probabilities));
  }
  if (body.warnings.length) {
    const list = element("ul", "warnings");
    for (const warning of body.warnings) list.append(element("li", "", warning));
    result.append(element("p", "note", "Warnings:"), list);
  }
  result.append(element("p", "note", `Model version ${body.model_version}`));
}

function probabilityBars(probabilities) {
  const bars = element("div", "bars");
  for (const [label, probability] of Object.entries(probabilities)) {
    const row = element("div", "bar-row");
    row.dataset.label = label;
    const bar = element("span", "bar");
    const fill = element("span", "bar-fill");
    // A CSSOM property, not a style attribute: allowed under the page's CSP.
    fill.style.width = `${(probability * 100).toFixed(1)}%`;
    bar.append(fill);
    row.append(element("span", "bar-label", label), bar, element("span", "bar-value", `${(probability * 100).toFixed(1)}%`));
    bars.append(row);
  }
  return bars;
}

function problems(body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    // 422: one entry per problem, located in the body: ["body", "island"] names the field.
    return detail.map((problem) => {
      const where = (problem.loc || []).slice(1).join(".");
      return where ? `${where}: ${problem.msg}` : problem.msg;
    });
  }
  return [typeof detail === "string" ? detail : "no details given"];
}

function showError(result, heading, lines) {
  const box = element("div", "error");
  box.setAttribute("role", "alert");
  box.append(element("p", "", heading));
  const list = element("ul");
  for (const line of lines) list.append(element("li", "", line));
  box.append(list);
  result.append(box);
}

function showNote(text) {
  document.getElementById("result").replaceChildren(element("p", "note", text));
}

// POST `body` to `url` and draw the answer; `what` names the input in a 422's heading (record, picture, drawing).
async function predict(url, headers, body, what) {
  const result = document.getElementById("result");
  showNote("Predicting…");
  let response;
  try {
    response = await fetch(url, { method: "POST", headers: withKey({ ...headers, Accept: "application/json" }), body });
  } catch (error) {
    result.replaceChildren();
    showError(result, "The service did not answer.", [String(error)]);
    return;
  }
  const answer = await response.json().catch(() => null);
  result.replaceChildren();
  if (response.ok) {
    showPrediction(result, answer);
  } else if (response.status === 401) {
    showError(result, "The service needs its API key: enter it above, then predict again.", problems(answer));
    keyMessage("Enter the service's API key.", true);
    const input = document.getElementById("api-key");
    if (input) input.focus();
  } else if (response.status === 422) {
    showError(result, `The service could not use this ${what}:`, problems(answer));
  } else {
    showError(result, `The service answered ${response.status}.`, problems(answer));
  }
}

function wireRecordForm() {
  const form = document.getElementById("try-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    predict("/predict", { "Content-Type": "application/json" }, JSON.stringify(readRecord(form)), "record");
  });
}

// The chosen file goes as the form's own multipart body (its file field), with the key header.
function wirePictureForm() {
  const form = document.getElementById("picture-form");
  if (!form) return;
  const input = document.getElementById("picture-file");
  const preview = document.getElementById("picture-preview");
  input.addEventListener("change", () => {
    const [file] = input.files;
    preview.hidden = true;
    preview.removeAttribute("src");
    if (!file || !input.accept.split(",").includes(file.type)) return;
    // A data: URL, which the page's CSP allows for pictures (a blob: URL it does not).
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      preview.src = reader.result;
      preview.hidden = false;
    });
    reader.readAsDataURL(file);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    predict(form.action, {}, new FormData(form), "picture");
  });
}

function wireDrawing() {
  const canvas = document.getElementById("drawing");
  if (!canvas) return;
  const pen = canvas.getContext("2d");
  let drawn = false;
  let last = null;

  function clear() {
    pen.fillStyle = "#fff";
    pen.fillRect(0, 0, canvas.width, canvas.height);
    drawn = false;
  }
  // Where the pointer is, in canvas pixels (the canvas may be shown smaller than it is).
  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  }
  function strokeTo(point) {
    pen.strokeStyle = "#000";
    pen.lineWidth = Number(canvas.dataset.penWidth);
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.beginPath();
    pen.moveTo(...last);
    pen.lineTo(...point);
    pen.stroke();
    last = point;
    drawn = true;
  }
  // A dot where the pen touches down: a zero-length stroke may draw nothing.
  function dot(point) {
    pen.fillStyle = "#000";
    pen.beginPath();
    pen.arc(...point, Number(canvas.dataset.penWidth) / 2, 0, 2 * Math.PI);
    pen.fill();
    last = point;
    drawn = true;
  }
  // Pointer events: a mouse, a finger or a pen alike; the capture keeps a stroke that leaves the box.
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    dot(at(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last) strokeTo(at(event));
  });
  for (const type of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(type, () => {
      last = null;
    });
  }
  document.getElementById("drawing-clear").addEventListener("click", () => {
    clear();
    document.getElementById("result").replaceChildren();
  });
  document.getElementById("drawing-predict").addEventListener("click", () => {
    if (!drawn) {
      showNote("Draw something in the box first.");
      return;
    }
    const url = canvas.closest("[data-action]").dataset.action;
    canvas.toBlob((png) => predict(url, { "Content-Type": "image/png" }, png, "drawing"), "image/png");
  });
  clear();
}

function setUp() {
  const locked = document.getElementById("card").hasAttribute("data-locked");
  wireKeyForm(locked);
  if (locked) {
    if (storedKey()) unlock();
    return;
  }
  wireRecordForm();
  wirePictureForm();
  wireDrawing();
}

setUp();
