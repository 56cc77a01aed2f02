// Attachments in the console (docs/plugins/attachments.md#the-console): the files of messages and
// replies (metadata.attachments.files) as previews (images) or cards, from signed links the
// plugin hands the operator's key (plain same-origin URLs, so <img> and downloads need no header);
// and the file an operator attaches to a reply, uploaded with the key and named in `outbox`.
import { createElement } from './dom.js';
import { request } from './http.js';
import { state } from './state.js';

const ROUTE = "/plugins/attachments/";
const PREVIEW_PX = 240;

/** The files `metadata` carries (`attachments.files`), or an empty list. */
export function filesOf(metadata) {
  const files = metadata && metadata.attachments && metadata.attachments.files;
  return Array.isArray(files) ? files.filter((file) => file && typeof file.id === "string") : [];
}

/** `bytes` for people: 512 B, 79 KB, 1.2 MB. */
export function formatSize(bytes) {
  if (!(bytes >= 0)) return "";
  if (bytes < 1024) return bytes + " B";
  return bytes < 1048576 ? Math.round(bytes / 1024) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
}

/** Previews and cards for the `files` of conversation `sessionId`. */
export function attachmentList(files, sessionId) {
  const list = createElement("div", "msg-files");
  for (const file of files) {
    const isImage = /^image\//.test(file.type) && file.width > 0 && file.height > 0;
    const link = createElement("a", isImage ? "file-preview" : "file-card");
    link.target = "_blank";
    link.rel = "noopener";
    let image = null;
    if (isImage) {
      const scale = Math.min(1, PREVIEW_PX / file.width, PREVIEW_PX / file.height);
      image = document.createElement("img");
      image.loading = "lazy";
      image.alt = String(file.name || "image");
      image.width = Math.max(1, Math.round(file.width * scale));
      image.height = Math.max(1, Math.round(file.height * scale));
      link.append(image);
    } else {
      link.append(createElement("span", "file-type", String(file.type || "file").split("/").pop().slice(0, 4).toUpperCase()),
        createElement("span", "file-name", file.name || file.id), createElement("span", "muted", formatSize(file.size)));
    }
    link.title = [file.name, file.type, formatSize(file.size)].filter(Boolean).join(" · ");
    request(ROUTE + "link?id=" + encodeURIComponent(file.id) + "&session_id=" + encodeURIComponent(sessionId))
      .then((data) => {
        link.href = data.url;
        if (image) image.src = data.url;
      }, () => link.classList.add("file-missing"));
    list.append(link);
  }
  return list;
}

/** Uploads `file` to conversation `sessionId` with the operator's key; resolves to the attachment. */
export async function uploadFile(sessionId, file) {
  const query = "session_id=" + encodeURIComponent(sessionId) + "&name=" + encodeURIComponent(file.name || "file");
  let response;
  try {
    response = await fetch(ROUTE + "upload?" + query, {
      method: "POST", body: file, cache: "no-store",
      headers: { Authorization: "Bearer " + state.key, "Content-Type": file.type || "application/octet-stream" }
    });
  } catch (error) {
    throw new Error("the server could not be reached");
  }
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (response.status !== 201 || !body || !body.data) {
    throw new Error((body && body.error) || (response.status === 413 ? "the file is too large" : "HTTP " + response.status));
  }
  return body.data.attachment;
}
