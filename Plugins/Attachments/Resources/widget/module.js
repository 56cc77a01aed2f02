// Attachments' widget module (docs/plugins/attachments.md#the-widget-module): attach button, drop,
// paste; upload (XMLHttpRequest: progress, Cancel), then a message through the chat's outbox
// (name as text, ids as metadata: a retry never re-uploads); previews from signed links.
SanctumChat.module('attachments', function (api) {
  api.addStrings('en', {
    attach: 'Attach a file', uploading: 'Uploading {name}…', cancel: 'Cancel', cancelUpload: 'Cancel the upload of {name}',
    canceled: 'Upload of {name} cancelled', dismiss: 'Dismiss',
    too_large: '“{name}” is too large to send.', type_mismatch: '“{name}” is not the kind of file its name says; it was not sent.',
    type_not_allowed: 'Files like “{name}” cannot be sent here.', daily_limit: 'No more files can be sent in this conversation today.',
    infected: '“{name}” was refused by the virus scanner.', scanner_unavailable: 'Files cannot be checked right now; please try again later.',
    unreadable_image: '“{name}” could not be read as an image.', failed: '“{name}” could not be uploaded.'
  });
  const EXTENSIONS = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'application/pdf': 'pdf', 'text/plain': 'txt' };
  const PREVIEW_PX = 220, LINK_REUSE_MS = 10 * 60 * 1000, KEEP_FILES = 50;
  const known = api.storage.get('files') || {}; // id → {name, type, size, width, height} of the visitor's uploads
  const links = {}; // id → {at, url: Promise<string>}
  const panel = api.panel();
  panel.setAttribute('aria-live', 'polite');
  let queue = Promise.resolve();

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    node.className = className;
    if (text != null) node.textContent = text;
    return node;
  };
  const button = (text, label, onClick) => {
    const node = element('button', 'sanctum-attachment-button', text);
    node.type = 'button';
    node.setAttribute('aria-label', label);
    node.addEventListener('click', onClick);
    return node;
  };
  const size = (bytes) => (bytes < 1024 ? bytes + ' B' : bytes < 1048576 ? Math.round(bytes / 1024) + ' KB' : (bytes / 1048576).toFixed(1) + ' MB');
  const named = (file) => {
    const name = file.name || 'file';
    return /\.[a-z0-9]+$/i.test(name) || !EXTENSIONS[file.type] ? name : name + '.' + EXTENSIONS[file.type];
  };
  const absolute = (url) => (url.charAt(0) === '/' ? api.base + url : url);

  // --- uploading
  const showError = (key, name) => {
    const note = element('p', 'sanctum-attachment-error', api.t(key, { name }));
    note.setAttribute('role', 'alert');
    note.append(button('✕', api.t('dismiss'), () => note.remove()));
    panel.append(note);
  };
  const errorKey = (status, body) => {
    const code = body && typeof body.error_code === 'string' ? body.error_code.replace(/^attachment\./, '') : '';
    if (code && api.t(code) !== code) return code;
    return status === 413 ? 'too_large' : 'failed';
  };
  const remember = (attachment) => {
    known[attachment.id] = { name: attachment.name, type: attachment.type, size: attachment.size, width: attachment.width, height: attachment.height };
    const ids = Object.keys(known);
    ids.slice(0, Math.max(0, ids.length - KEEP_FILES)).forEach((id) => delete known[id]);
    api.storage.set('files', known);
  };
  const uploadOne = (file, session) => new Promise((resolve) => {
    const name = named(file);
    const row = element('div', 'sanctum-attachment-upload');
    const label = element('span', '', api.t('uploading', { name }));
    const bar = element('progress', '');
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute('aria-label', label.textContent);
    const request = new XMLHttpRequest();
    row.append(label, bar, button(api.t('cancel'), api.t('cancelUpload', { name }), () => request.abort()));
    panel.append(row);
    const finish = (key) => {
      row.remove();
      if (key) showError(key, name);
      resolve();
    };
    request.open('POST', api.url('/upload?session_id=' + encodeURIComponent(session) + '&name=' + encodeURIComponent(name)));
    if (file.type) request.setRequestHeader('Content-Type', file.type);
    request.upload.onprogress = (event) => { if (event.lengthComputable) bar.value = event.loaded / event.total; };
    request.onabort = () => {
      finish(null);
      panel.append(element('p', 'sanctum-attachment-note', api.t('canceled', { name })));
    };
    request.onerror = () => finish('failed');
    request.onload = () => {
      let body = null;
      try { body = JSON.parse(request.responseText); } catch (error) { /* a proxy's page */ }
      const data = request.status === 201 && body && body.data;
      if (!data || !data.attachment) return finish(errorKey(request.status, body));
      remember(data.attachment);
      links[data.attachment.id] = { at: Date.now(), url: Promise.resolve(absolute(data.url)) };
      api.sendMessage(name, { attachments: { ids: [data.attachment.id] } });
      finish(null);
    };
    request.send(file);
  });
  // Not returned to the runtime: an upload may take longer than a listener is allowed to.
  const upload = (files) => {
    const session = api.sessionId();
    if (!session) return;
    panel.querySelectorAll('.sanctum-attachment-error, .sanctum-attachment-note').forEach((note) => note.remove());
    Array.from(files).forEach((file) => { queue = queue.then(() => uploadOne(file, session)); });
  };

  const picker = document.createElement('input');
  picker.type = 'file';
  picker.multiple = true;
  picker.addEventListener('change', () => {
    upload(picker.files);
    picker.value = '';
  });
  api.addComposerAction({ label: api.t('attach'), text: '+', onClick: () => { picker.click(); } });
  api.on('files', (event) => { upload(event.files); });

  // --- previews
  const signedLink = (id) => {
    const cached = links[id];
    if (cached && Date.now() - cached.at < LINK_REUSE_MS) return cached.url;
    const session = api.sessionId();
    const url = api.fetch('/link?id=' + encodeURIComponent(id) + '&session_id=' + encodeURIComponent(session || ''))
      .then((response) => response.json())
      .then((body) => {
        if (!body || !body.data || typeof body.data.url !== 'string') throw new Error('no link');
        return absolute(body.data.url);
      });
    links[id] = { at: Date.now(), url };
    url.catch(() => delete links[id]);
    return url;
  };
  const preview = (file) => {
    const name = String(file.name || file.id);
    const isImage = /^image\//.test(file.type) && file.width > 0 && file.height > 0;
    const link = element('a', isImage ? 'sanctum-attachment-image' : 'sanctum-attachment-card');
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    let image = null;
    if (isImage) {
      const scale = Math.min(1, PREVIEW_PX / file.width, PREVIEW_PX / file.height);
      image = element('img', '');
      image.loading = 'lazy';
      image.alt = name;
      image.width = Math.max(1, Math.round(file.width * scale));
      image.height = Math.max(1, Math.round(file.height * scale));
      link.append(image);
    } else {
      const type = String(file.type || '');
      link.append(element('span', 'sanctum-attachment-icon', (EXTENSIONS[type] || type.split('/').pop() || '?').slice(0, 4).toUpperCase()),
        element('span', 'sanctum-attachment-name', name), element('span', 'sanctum-attachment-size', file.size >= 0 ? size(file.size) : ''));
    }
    signedLink(file.id).then((url) => {
      link.href = url;
      if (image) image.src = url;
    }, () => link.classList.add('sanctum-attachment-missing'));
    return link;
  };
  api.decorateMessages((message, slot) => {
    const attachments = message.metadata && message.metadata.attachments;
    if (!attachments) return;
    // Agent replies carry the stored files; the visitor's own messages the ids they were sent with.
    const files = Array.isArray(attachments.files) ? attachments.files
      : (Array.isArray(attachments.ids) ? attachments.ids : []).map((id) => Object.assign({ id }, known[id]));
    const row = slot.closest('.sanctum-message'), list = row && row.parentNode;
    // The newest row grows by its previews after the window scrolled to it: follow it.
    const follow = list && row === list.lastElementChild && list.scrollHeight - list.scrollTop - list.clientHeight < row.offsetHeight + 80;
    files.filter((file) => file && typeof file.id === 'string').forEach((file) => slot.append(preview(file)));
    if (follow) list.scrollTop = list.scrollHeight;
  });
});
