/* The citizen chat page (served as /chat/chat.js): start a chat, follow it
 * over the event stream, write, answer the survey.
 *
 * Rules this file keeps (the page runs under a strict CSP and shows
 * strangers' text): every string from the server or the citizen goes in with
 * textContent / createTextNode, never as HTML; no style is set from here
 * (classes and the hidden attribute only); no eval.  The chat token lives
 * in sessionStorage and goes only in an Authorization header, never in a
 * URL: the event stream (EventSource sends no header) gets a short-lived
 * ticket instead.  A reload resumes the chat from sessionStorage. */
'use strict';

(function () {
	var STORE = 'guichet.chat';
	var OUTBOX = 'guichet.chat.outbox';
	var API = '/public/v1';
	var TYPING_MS = 6000;
	var QUEUE_POLL_MS = 15000;
	var BACKOFF_MAX_MS = 15000;
	var FETCH_TIMEOUT_MS = 20000;

	function $(id) { return document.getElementById(id); }

	var view = {
		start: $('start'), conv: $('conv'), survey: $('survey'), thanks: $('thanks'),
		startForm: $('start-form'), subject: $('subject'), name: $('name'), email: $('email'),
		firstText: $('first-text'), startStatus: $('start-status'), startSend: $('start-send'),
		queue: $('queue'), agent: $('agent'), typing: $('typing'), messages: $('messages'),
		status: $('status'), compose: $('compose'), composeText: $('compose-text'),
		surveyForm: $('survey-form'), surveyStatus: $('survey-status'), surveySend: $('survey-send'),
		again: $('again')
	};

	/* --- state ------------------------------------------------------------ */
	var chat = null;          /* {id, token, survey_done?} from sessionStorage */
	var status = null;        /* queued | active | closed */
	var agentName = null;
	var lastSeq = 0;          /* the last event id seen */
	var shown = {};           /* message id -> its <li> */
	var outbox = [];          /* [{key, text, id?, failed?}] in order */
	var pendingEl = {};       /* outbox key -> its <li> */
	var es = null;            /* the EventSource */
	var streamUp = false;
	var streamBackoff = 1000;
	var streamTimer = null;
	var sendBusy = false;
	var sendTimer = null;
	var sendBackoff = 1000;
	var typingTimer = null;
	var queueTimer = null;
	var rateUntil = 0;

	function load(key) {
		try {
			var v = window.sessionStorage.getItem(key);
			return v ? JSON.parse(v) : null;
		} catch (e) {
			return null;
		}
	}
	function save(key, v) {
		try {
			if (v === null)
				window.sessionStorage.removeItem(key);
			else
				window.sessionStorage.setItem(key, JSON.stringify(v));
		} catch (e) { /* private mode: the chat lasts as long as the page */ }
	}
	function saveOutbox() {
		save(OUTBOX, outbox.filter(function (m) { return !m.id && !m.failed; })
			.map(function (m) { return { key: m.key, text: m.text }; }));
	}

	function uuid() {
		if (window.crypto && typeof window.crypto.randomUUID === 'function')
			return window.crypto.randomUUID();
		var b = new Uint8Array(16);
		window.crypto.getRandomValues(b);
		b[6] = (b[6] & 0x0f) | 0x40;
		b[8] = (b[8] & 0x3f) | 0x80;
		var h = [];
		for (var i = 0; i < 16; i++)
			h.push((b[i] + 0x100).toString(16).slice(1));
		return h.slice(0, 4).join('') + '-' + h.slice(4, 6).join('') + '-' +
			h.slice(6, 8).join('') + '-' + h.slice(8, 10).join('') + '-' + h.slice(10).join('');
	}

	function setText(el, text) {
		el.textContent = text || '';
	}
	function show(el, on) {
		el.hidden = !on;
	}

	/* --- HTTP ----------------------------------------------------------------- */
	/* Resolves to {status, body, headers}; rejects on a network failure only. */
	function call(method, path, body, headers) {
		var h = { 'Accept': 'application/json' };
		var k;
		if (chat && chat.token)
			h.Authorization = 'Bearer ' + chat.token;
		if (body !== undefined)
			h['Content-Type'] = 'application/json';
		for (k in headers || {})
			h[k] = headers[k];
		var ctl = typeof AbortController === 'function' ? new AbortController() : null;
		var timer = ctl ? setTimeout(function () { ctl.abort(); }, FETCH_TIMEOUT_MS) : null;
		return fetch(path, {
			method: method, headers: h, credentials: 'omit', cache: 'no-store',
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: ctl ? ctl.signal : undefined
		}).then(function (r) {
			return r.text().then(function (t) {
				var j = null;
				try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
				return { status: r.status, body: j, headers: r.headers };
			});
		}).finally(function () {
			if (timer)
				clearTimeout(timer);
		});
	}

	function problem(res) {
		if (res.status >= 500)
			return 'le service est momentanément indisponible (erreur ' + res.status + ')';
		var d = res.body && (res.body.detail || res.body.title);
		return d ? String(d) : 'erreur ' + res.status;
	}
	function retryAfter(res) {
		var n = parseInt(res.headers.get('Retry-After') || '', 10);
		return isFinite(n) && n > 0 ? n : 5;
	}

	/* --- the start form ----------------------------------------------------- */
	function loadSubjects() {
		var wanted = new URLSearchParams(window.location.search).get('service');
		return call('GET', API + '/subjects').then(function (res) {
			if (res.status !== 200 || !res.body || !Array.isArray(res.body.items))
				return;
			var other = view.subject.firstElementChild;
			res.body.items.forEach(function (s) {
				if (typeof s.service !== 'string' || typeof s.label !== 'string')
					return;
				var o = document.createElement('option');
				o.value = s.service;
				o.textContent = s.label;
				view.subject.insertBefore(o, other);
			});
			if (wanted) {
				for (var i = 0; i < view.subject.options.length; i++)
					if (view.subject.options[i].value === wanted)
						view.subject.selectedIndex = i;
			}
		}, function () {
			setText(view.startStatus, 'La liste des sujets n\'a pas pu être chargée : choisissez « Autre ».');
		});
	}

	function startChat(ev) {
		ev.preventDefault();
		var text = view.firstText.value.trim();
		var email = view.email.value.trim();
		if (!text) {
			setText(view.startStatus, 'Écrivez votre message avant de commencer.');
			view.firstText.setAttribute('aria-invalid', 'true');
			view.firstText.focus();
			return;
		}
		view.firstText.removeAttribute('aria-invalid');
		if (email && !view.email.checkValidity()) {
			setText(view.startStatus, 'L\'adresse électronique n\'est pas valide (exemple : nom@exemple.fr).');
			view.email.setAttribute('aria-invalid', 'true');
			view.email.focus();
			return;
		}
		view.email.removeAttribute('aria-invalid');
		var body = { text: text };
		var name = view.name.value.trim();
		if (name)
			body.name = name;
		if (email)
			body.email = email;
		if (view.subject.value)
			body.service = view.subject.value;
		view.startSend.disabled = true;
		setText(view.startStatus, 'Envoi…');
		call('POST', API + '/chats', body).then(function (res) {
			view.startSend.disabled = false;
			if (res.status === 201 && res.body && res.body.id && res.body.token) {
				chat = { id: res.body.id, token: res.body.token };
				save(STORE, chat);
				setText(view.startStatus, '');
				view.startForm.reset();
				status = 'queued';
				updateState(res.body);
				enterConversation();
			} else if (res.status === 429) {
				setText(view.startStatus, 'Trop de demandes : réessayez dans ' + retryAfter(res) + ' s.');
			} else {
				setText(view.startStatus, 'La demande n\'a pas pu être envoyée : ' + problem(res));
			}
		}, function () {
			view.startSend.disabled = false;
			setText(view.startStatus, 'La mairie ne répond pas. Vérifiez votre connexion et réessayez.');
		});
	}

	/* --- the conversation ---------------------------------------------------- */
	function enterConversation() {
		show(view.start, false);
		show(view.conv, true);
		var saved = load(OUTBOX);
		if (Array.isArray(saved)) {
			saved.forEach(function (m) {
				if (m && typeof m.key === 'string' && typeof m.text === 'string' &&
				    !outbox.some(function (o) { return o.key === m.key; }))
					queueMessage(m.text, m.key);
			});
		}
		refreshView();
		openStream();
		pumpOutbox();
		if (status !== 'closed')
			view.composeText.focus();
	}

	function timeOf(at) {
		var d = new Date(at);
		if (isNaN(d.getTime()))
			return '';
		return d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' });
	}

	function bubble(sender, who, text, at) {
		var li = document.createElement('li');
		li.className = 'msg ' + (sender === 'citizen' ? 'msg-citizen' : 'msg-agent');
		var head = document.createElement('p');
		head.className = 'who';
		var name = document.createElement('span');
		name.className = 'name';
		name.textContent = who;
		head.appendChild(name);
		var t = document.createElement('time');
		t.className = 'at';
		if (at) {
			t.dateTime = at;
			t.textContent = timeOf(at);
		}
		head.appendChild(document.createTextNode(' '));
		head.appendChild(t);
		li.appendChild(head);
		var body = document.createElement('p');
		body.className = 'text';
		body.textContent = text;
		li.appendChild(body);
		var state = document.createElement('p');
		state.className = 'sending';
		state.hidden = true;
		li.appendChild(state);
		return li;
	}

	function markSent(li, m) {
		li.dataset.id = String(m.id);
		var t = li.querySelector('time');
		if (m.at && t) {
			t.dateTime = m.at;
			t.textContent = timeOf(m.at);
		}
		var s = li.querySelector('.sending');
		s.hidden = true;
		s.textContent = '';
		li.classList.remove('pending');
	}

	/* Put li at its place: by message id, pending ones (no id) last. */
	function place(li, id) {
		var kids = view.messages.children;
		for (var i = 0; i < kids.length; i++) {
			var kid = Number(kids[i].dataset.id || 0);
			if (!kids[i].dataset.id || kid > id) {
				view.messages.insertBefore(li, kids[i]);
				return;
			}
		}
		view.messages.appendChild(li);
	}

	/* A message from the stream or the view: shown once, by its id. */
	function addMessage(m) {
		if (!m || m.id === undefined || m.id === null || typeof m.text !== 'string')
			return;
		var id = Number(m.id);
		if (shown[id])
			return;
		if (m.sender === 'citizen') {
			/* one of ours, whose 201 has not come back yet */
			for (var i = 0; i < outbox.length; i++) {
				var o = outbox[i];
				if (!o.id && !o.failed && o.text === m.text) {
					o.id = id;
					var li = pendingEl[o.key];
					markSent(li, m);
					shown[id] = li;
					li.remove();
					place(li, id);
					saveOutbox();
					return;
				}
			}
		}
		var who = m.sender === 'citizen' ? 'Vous' : (m.agent ? String(m.agent) : 'Agent');
		var el = bubble(m.sender, who, m.text, m.at);
		el.dataset.id = String(id);
		shown[id] = el;
		place(el, id);
		if (m.sender === 'agent')
			hideTyping();
		scrollDown();
	}

	function scrollDown() {
		var last = view.messages.lastElementChild;
		if (last && typeof last.scrollIntoView === 'function')
			last.scrollIntoView({ block: 'nearest' });
	}

	function updateState(s) {
		if (!s)
			return;
		if (s.status)
			status = s.status;
		if (s.agent)
			agentName = String(s.agent);
		if (status === 'queued') {
			var n = Number(s.queue_position);
			if (s.queue_position !== undefined)
				setText(view.queue, n > 0 ? 'Vous êtes n° ' + n + ' dans la file'
					: 'Votre demande est en file d\'attente');
			else if (!view.queue.textContent)
				setText(view.queue, 'Votre demande est en file d\'attente');
			show(view.queue, true);
			show(view.agent, false);
			pollQueue(true);
		} else {
			show(view.queue, false);
			pollQueue(false);
		}
		if (status === 'active') {
			setText(view.agent, (agentName || 'Un agent') + ' vous répond');
			show(view.agent, true);
		}
		if (status === 'closed')
			closed();
	}

	function pollQueue(on) {
		if (on && !queueTimer)
			queueTimer = setInterval(refreshView, QUEUE_POLL_MS);
		else if (!on && queueTimer) {
			clearInterval(queueTimer);
			queueTimer = null;
		}
	}

	function showTyping(name) {
		if (status === 'closed')
			return;
		setText(view.typing, (name || agentName || 'L\'agent') + ' écrit…');
		show(view.typing, true);
		clearTimeout(typingTimer);
		typingTimer = setTimeout(hideTyping, TYPING_MS);
	}
	function hideTyping() {
		clearTimeout(typingTimer);
		typingTimer = null;
		show(view.typing, false);
	}

	function refreshView() {
		if (!chat)
			return Promise.resolve();
		return call('GET', API + '/chats/' + chat.id).then(function (res) {
			if (res.status === 200 && res.body) {
				(res.body.messages || []).forEach(addMessage);
				updateState(res.body);
			} else if (res.status === 401 || res.status === 403 || res.status === 404) {
				lost();
			}
		}, function () { /* the stream's reconnection says so */ });
	}

	/* The chat token is no longer good (expired, or another chat's). */
	function lost() {
		stopStream();
		pollQueue(false);
		save(STORE, null);
		save(OUTBOX, null);
		setText(view.status, 'Cette discussion n\'est plus disponible. Vous pouvez en commencer une nouvelle.');
		show(view.compose, false);
		show(view.thanks, true);
	}

	function closed() {
		hideTyping();
		pollQueue(false);
		stopStream();
		show(view.compose, false);
		show(view.queue, false);
		setText(view.status, 'La discussion est terminée.');
		if (chat && chat.survey_done) {
			show(view.survey, false);
			show(view.thanks, true);
		} else if (view.survey.hidden) {
			show(view.survey, true);
			var first = document.getElementById('csat-1');
			if (first && (document.activeElement === document.body ||
				      document.activeElement === view.composeText || !document.activeElement))
				first.focus();
		}
		outbox.forEach(function (m) {
			if (!m.id && !m.failed)
				failMessage(m, 'non envoyé : la discussion est terminée');
		});
	}

	/* --- writing ----------------------------------------------------------------- */
	function queueMessage(text, key) {
		var m = { key: key || uuid(), text: text };
		outbox.push(m);
		var li = bubble('citizen', 'Vous', text, null);
		li.classList.add('pending');
		var s = li.querySelector('.sending');
		s.textContent = 'envoi…';
		s.hidden = false;
		pendingEl[m.key] = li;
		view.messages.appendChild(li);
		saveOutbox();
		scrollDown();
		return m;
	}

	function failMessage(m, why) {
		m.failed = true;
		var li = pendingEl[m.key];
		var s = li.querySelector('.sending');
		s.textContent = why;
		s.hidden = false;
		li.classList.add('failed');
		saveOutbox();
	}

	function sendLater(ms) {
		clearTimeout(sendTimer);
		sendTimer = setTimeout(function () {
			sendTimer = null;
			pumpOutbox();
		}, ms);
	}

	/* Send the outbox in order, one at a time; a failure of the network is
	 * retried with the same Idempotency-Key (the server answers the first
	 * result again: no double). */
	function pumpOutbox() {
		if (sendBusy || !chat)
			return;
		var m = null;
		for (var i = 0; i < outbox.length; i++)
			if (!outbox[i].id && !outbox[i].failed) {
				m = outbox[i];
				break;
			}
		if (!m)
			return;
		var wait = rateUntil - Date.now();
		if (wait > 0) {
			sendLater(wait);
			return;
		}
		clearTimeout(sendTimer);
		sendTimer = null;
		sendBusy = true;
		call('POST', API + '/chats/' + chat.id + '/messages', { text: m.text },
		     { 'Idempotency-Key': m.key }).then(function (res) {
			sendBusy = false;
			if (res.status === 201 || res.status === 200) {
				sendBackoff = 1000;
				var b = res.body || {};
				var li = pendingEl[m.key];
				if (b.id !== undefined && !m.id) {
					m.id = Number(b.id);
					if (shown[m.id] && shown[m.id] !== li) {
						li.remove(); /* the stream showed it first */
					} else {
						shown[m.id] = li;
						markSent(li, b);
						li.remove();
						place(li, m.id);
					}
				} else if (m.id) {
					markSent(li, { id: m.id, at: b.at });
				}
				saveOutbox();
				if (streamUp && view.status.textContent.indexOf('Trop de messages') === 0)
					setText(view.status, '');
				pumpOutbox();
			} else if (res.status === 429) {
				var n = retryAfter(res);
				rateUntil = Date.now() + n * 1000;
				setText(view.status, 'Trop de messages : réessayez dans ' + n + ' s');
				sendLater(n * 1000);
			} else if (res.status === 409) {
				failMessage(m, 'non envoyé : la discussion est terminée');
				refreshView();
			} else if (res.status === 401 || res.status === 403) {
				failMessage(m, 'non envoyé');
				lost();
			} else if (res.status >= 500) {
				sendLater(sendBackoff);
				sendBackoff = Math.min(sendBackoff * 2, BACKOFF_MAX_MS);
			} else {
				failMessage(m, 'non envoyé : ' + problem(res));
				pumpOutbox();
			}
		}, function () {
			sendBusy = false;
			sendLater(sendBackoff);
			sendBackoff = Math.min(sendBackoff * 2, BACKOFF_MAX_MS);
		});
	}

	function submitMessage(ev) {
		ev.preventDefault();
		var text = view.composeText.value.replace(/^\s+|\s+$/g, '');
		if (!text || status === 'closed')
			return;
		view.composeText.value = '';
		queueMessage(text);
		pumpOutbox();
	}

	function composeKey(ev) {
		if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && !ev.altKey &&
		    !ev.ctrlKey && !ev.metaKey) {
			ev.preventDefault();
			if (typeof view.compose.requestSubmit === 'function')
				view.compose.requestSubmit();
			else
				submitMessage(ev);
		}
	}

	/* --- the event stream ------------------------------------------------------- */
	function seen(ev) {
		var n = parseInt(ev.lastEventId, 10);
		if (isFinite(n) && n > lastSeq)
			lastSeq = n;
	}
	function data(ev) {
		try {
			return JSON.parse(ev.data);
		} catch (e) {
			return null;
		}
	}

	function stopStream() {
		clearTimeout(streamTimer);
		streamTimer = null;
		if (es) {
			es.close();
			es = null;
		}
		streamUp = false;
	}

	function disconnected() {
		streamUp = false;
		if (status !== 'closed')
			setText(view.status, 'Connexion perdue, reconnexion…');
	}

	function reconnectLater() {
		if (streamTimer || status === 'closed' || !chat)
			return;
		var ms = streamBackoff;
		streamBackoff = Math.min(streamBackoff * 2, BACKOFF_MAX_MS);
		streamTimer = setTimeout(function () {
			streamTimer = null;
			openStream();
		}, ms);
	}

	function openStream() {
		if (!chat || status === 'closed' || typeof window.EventSource !== 'function')
			return;
		stopStream();
		call('POST', API + '/chats/' + chat.id + '/ticket').then(function (res) {
			if (res.status === 401 || res.status === 403 || res.status === 404) {
				lost();
				return;
			}
			if (res.status !== 201 || !res.body || !res.body.ticket) {
				disconnected();
				reconnectLater();
				return;
			}
			listen(res.body.ticket);
		}, function () {
			disconnected();
			reconnectLater();
		});
	}

	function listen(ticket) {
		var src = new EventSource(API + '/chats/' + encodeURIComponent(chat.id) + '/events?ticket=' +
					  encodeURIComponent(ticket) + '&after=' + lastSeq);
		es = src;
		src.addEventListener('open', function () {
			if (es !== src)
				return;
			streamUp = true;
			streamBackoff = 1000;
			if (view.status.textContent === 'Connexion perdue, reconnexion…')
				setText(view.status, '');
			refreshView();
			/* the link is back: what waits goes now */
			sendBackoff = 1000;
			if (!sendBusy)
				pumpOutbox();
		});
		src.addEventListener('error', function () {
			if (es !== src)
				return;
			disconnected();
			if (src.readyState === 2) { /* CLOSED: ticket expired, 410, ... */
				src.close();
				es = null;
				reconnectLater();
			}
			/* otherwise the browser reconnects by itself, with Last-Event-ID */
		});
		src.addEventListener('chat.status', function (ev) {
			seen(ev);
			updateState(data(ev));
		});
		src.addEventListener('chat.message', function (ev) {
			seen(ev);
			addMessage(data(ev));
		});
		src.addEventListener('chat.typing', function (ev) {
			seen(ev);
			var d = data(ev);
			showTyping(d && d.agent ? String(d.agent) : null);
		});
		src.addEventListener('chat.closed', function (ev) {
			seen(ev);
			var d = data(ev);
			if (d && d.agent)
				agentName = String(d.agent);
			status = 'closed';
			closed();
		});
	}

	/* --- the survey ------------------------------------------------------------------ */
	function submitSurvey(ev) {
		ev.preventDefault();
		var picked = view.surveyForm.querySelector('input[name="csat"]:checked');
		if (!picked) {
			setText(view.surveyStatus, 'Choisissez une note de 1 à 5.');
			document.getElementById('csat-1').focus();
			return;
		}
		var body = { csat: Number(picked.value) };
		var comment = document.getElementById('survey-comment').value.trim();
		if (comment)
			body.comment = comment;
		view.surveySend.disabled = true;
		setText(view.surveyStatus, 'Envoi…');
		call('POST', API + '/chats/' + chat.id + '/survey', body).then(function (res) {
			view.surveySend.disabled = false;
			if (res.status === 201 || res.status === 200 || res.status === 409) {
				chat.survey_done = true;
				save(STORE, chat);
				setText(view.surveyStatus, '');
				show(view.survey, false);
				show(view.thanks, true);
				document.getElementById('thanks-title').setAttribute('tabindex', '-1');
				document.getElementById('thanks-title').focus();
			} else if (res.status === 429) {
				setText(view.surveyStatus, 'Trop de demandes : réessayez dans ' + retryAfter(res) + ' s.');
			} else {
				setText(view.surveyStatus, 'Votre avis n\'a pas pu être envoyé : ' + problem(res));
			}
		}, function () {
			view.surveySend.disabled = false;
			setText(view.surveyStatus, 'La mairie ne répond pas. Réessayez dans un instant.');
		});
	}

	function again() {
		stopStream();
		save(STORE, null);
		save(OUTBOX, null);
		window.location.reload();
	}

	/* --- start ------------------------------------------------------------------ */
	view.startForm.addEventListener('submit', startChat);
	view.compose.addEventListener('submit', submitMessage);
	view.composeText.addEventListener('keydown', composeKey);
	view.surveyForm.addEventListener('submit', submitSurvey);
	view.again.addEventListener('click', again);
	window.addEventListener('online', function () {
		if (!chat)
			return;
		if (!es && status !== 'closed') {
			clearTimeout(streamTimer);
			streamTimer = null;
			openStream();
		}
		sendBackoff = 1000;
		pumpOutbox();
	});

	chat = load(STORE);
	if (chat && chat.id && chat.token) {
		enterConversation();
	} else {
		chat = null;
		show(view.start, true);
		loadSubjects();
	}
})();
