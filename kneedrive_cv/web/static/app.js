// kneedrive web app: drag-and-drop and upload progress on the upload page, job polling on the clip page,
// rep rows that seek the video. Every page works without it (plain form post, meta refresh).
"use strict";

function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("video-input");
  const drop = document.getElementById("drop");
  const name = document.getElementById("drop-name");
  const error = document.getElementById("upload-error");
  const button = document.getElementById("upload-button");
  const bar = document.getElementById("upload-progress");
  const note = document.getElementById("upload-note");
  const maxBytes = Number(form.dataset.maxBytes);

  const showError = (message) => { error.textContent = message; error.hidden = !message; };
  const chosen = () => {
    const file = input.files[0];
    drop.classList.toggle("chosen", Boolean(file));
    if (file) name.textContent = `${file.name} · ${(file.size / 1e6).toFixed(1)} MB`;
    showError(file && file.size > maxBytes
      ? `The clip is larger than this server accepts (${Math.round(maxBytes / 1e6)} MB). Trim it to the drill.` : "");
  };
  input.addEventListener("change", chosen);
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer.files.length) { input.files = e.dataTransfer.files; chosen(); }
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const file = input.files[0];
    if (!file) { showError("Choose a clip first."); return; }
    if (file.size > maxBytes) { chosen(); return; }
    showError("");
    button.disabled = true; bar.hidden = false; bar.value = 0; note.textContent = "Uploading…";
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "kneedrive");
    xhr.upload.onprogress = (p) => { if (p.lengthComputable) bar.value = p.loaded / p.total; };
    xhr.upload.onload = () => { note.textContent = "Checking the video…"; };
    xhr.onload = () => {
      let reply = {};
      try { reply = JSON.parse(xhr.responseText); } catch (_) { reply = { error: `The server answered ${xhr.status}.` }; }
      if (reply.ok) { window.location.href = reply.url; return; }
      button.disabled = false; bar.hidden = true; note.textContent = "";
      showError(reply.error || `Upload failed (${xhr.status}).`);
    };
    xhr.onerror = () => {
      button.disabled = false; bar.hidden = true; note.textContent = "";
      showError("The upload did not reach the server: is it still running? Is the clip within the size limit?");
    };
    xhr.send(new FormData(form));
  });
}

function setupJob() {
  const job = document.getElementById("job");
  if (!job) return;
  const title = document.getElementById("job-title");
  const bar = document.getElementById("job-progress");
  const note = document.getElementById("job-note");
  const state = document.getElementById("job-state");
  const poll = async () => {
    let s;
    try { s = await (await fetch(job.dataset.statusUrl, { cache: "no-store" })).json(); } catch (_) { setTimeout(poll, 3000); return; }
    if (s.state === "done" || s.state === "failed") { window.location.reload(); return; }
    state.textContent = s.state; state.className = `state state-${s.state}`;
    if (s.state === "queued") {
      title.textContent = "Waiting for its turn…";
      note.textContent = `Position ${s.position} in the queue. This page updates by itself.`;
      bar.removeAttribute("value");
    } else {
      title.textContent = "Analysing…";
      if (s.progress !== null) bar.value = s.progress;
      const what = s.stage ? `${s.stage.charAt(0).toUpperCase()}${s.stage.slice(1)}` :
        "Finding the athlete's pose in every frame, then scoring each rep";
      note.textContent = `${what}… ${Math.round(100 * (s.progress || 0))} % after ${Math.round(s.elapsed_s || 0)} s.`;
    }
    setTimeout(poll, ++polls < 15 ? 600 : 1500);  // quickly at first: a clip scored again is done in a second or two
  };
  let polls = 0;
  setTimeout(poll, 400);
}

function setupOverlayWait() {
  // a clip scored again: its overlay video is being redrawn for the new scores; show it once it is ready
  const box = document.getElementById("overlay-pending");
  if (!box) return;
  const bar = document.getElementById("overlay-progress");
  const poll = async () => {
    let s;
    try { s = await (await fetch(box.dataset.statusUrl, { cache: "no-store" })).json(); } catch (_) { setTimeout(poll, 3000); return; }
    if (!s.overlay_pending || s.state !== "done") { window.location.reload(); return; }
    if (s.overlay_progress !== null) bar.value = s.overlay_progress;
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
}

function setupResults() {
  const video = document.getElementById("overlay");
  const table = document.getElementById("reps");
  if (!video || !table) return;
  // a rep clicked far below the video: the video floats at the top of the screen until its place is back in view
  const card = video.closest(".video-card");
  const visible = () => { const r = card.getBoundingClientRect(); return r.bottom > 60 && r.top < window.innerHeight - 60; };
  const float = (on) => {
    if (on === card.classList.contains("floating")) return;
    card.style.minHeight = on ? `${card.offsetHeight}px` : "";
    card.classList.toggle("floating", on);
  };
  window.addEventListener("scroll", () => { if (card.classList.contains("floating") && visible()) float(false); },
    { passive: true });
  table.querySelectorAll("tbody tr").forEach((row) => row.addEventListener("click", () => {
    table.querySelectorAll("tr.playing").forEach((r) => r.classList.remove("playing"));
    row.classList.add("playing");
    if (!visible()) {
      float(true);
      const top = video.getBoundingClientRect().bottom;  // keep the clicked row clear of the floating video
      if (row.getBoundingClientRect().top < top) window.scrollBy(0, row.getBoundingClientRect().top - top - 8);
    }
    video.currentTime = Math.max(0, Number(row.dataset.t) - 0.2);
    video.play();
  }));
}

function setupConfirm() {
  document.querySelectorAll("form[data-confirm]").forEach((f) => f.addEventListener("submit", (e) => {
    if (!window.confirm(f.dataset.confirm)) e.preventDefault();
  }));
}

function setupPrint() {
  const button = document.getElementById("print-button");
  if (button) button.addEventListener("click", () => window.print());
}

document.addEventListener("DOMContentLoaded", () => {
  setupUpload(); setupJob(); setupOverlayWait(); setupResults(); setupConfirm(); setupPrint();
});
