// The citizen chat page in a real browser (Debian's chromium, driven by
// playwright-core), against a real guichetd, the page reached through
// tests/integration/tcp_proxy.py so that its connections can be cut.  Run by
// tests/integration/t_chat_browser.sh, which starts the server and the proxy
// and passes everything in the environment; prints TAP lines, numbered from
// TAP_START + 1.  Every wait is for a condition, with a deadline.
//
// The agent's side: the real desk in headless mode (build/guichet --batch:
// presence, accept CHAT, open chat, say, end); "is writing" goes through the
// API with the agent's token (the desk tells it from its `:` prompt, which
// t_desk_tmux checks).

import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = (k) => {
	const v = process.env[k];
	if (!v) throw new Error(`${k} is not set`);
	return v;
};
const PAGE = env('PAGE_URL');          // https://127.0.0.1:<proxy port>
const API = env('API_URL');            // guichetd itself
const CACERT = env('CACERT');
const AGENT = env('AGENT_TOKEN');
const GUICHET = env('GUICHET');
const CUT = env('CUT_FILE');
const SPKI = env('SPKI');
const ART = env('ART_DIR');
const CITIZEN_ID = Number(env('CITIZEN_ID'));
const CITIZEN_EMAIL = env('CITIZEN_EMAIL');
const PROFILE = env('PROFILE_DIR');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

// --- TAP -----------------------------------------------------------------------
let n = Number(process.env.TAP_START || 0);
let failed = 0;
class Bail extends Error {}
function ok(d) { console.log(`ok ${++n} - ${d}`); }
function notOk(d, why) {
	failed++;
	console.log(`not ok ${++n} - ${d}`);
	if (why) for (const l of String(why).split('\n').slice(0, 20)) console.log(`# ${l}`);
}
function note(s) { console.log(`# ${s}`); }
// check(d, fn): ok when fn resolves to anything but false; essential: bail out
// on failure (what follows would only time out).
async function check(d, fn, essential = false) {
	let why = null;
	try {
		const r = await fn();
		if (r === false) why = 'condition false';
		else if (typeof r === 'string' && r.startsWith('!')) why = r.slice(1);
	} catch (e) {
		why = e.message;
	}
	if (why === null) { ok(d); return true; }
	notOk(d, why);
	if (essential) throw new Bail(d);
	return false;
}
function expectEq(d, got, want) {
	const g = JSON.stringify(got), w = JSON.stringify(want);
	if (g === w) ok(d); else notOk(d, `expected ${w}, got ${g}`);
}

// --- the agent: the API and the headless desk -------------------------------------
const ca = fs.readFileSync(CACERT);
function api(method, p, body) {
	return new Promise((resolve, reject) => {
		const u = new URL(API + p);
		const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
		const req = https.request({
			method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, ca,
			headers: Object.assign({ Authorization: `Bearer ${AGENT}`, Accept: 'application/json' },
				data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}),
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const t = Buffer.concat(chunks).toString('utf8');
				let j = null;
				try { j = t ? JSON.parse(t) : null; } catch { j = t; }
				resolve({ status: res.statusCode, body: j, headers: res.headers });
			});
		});
		req.on('error', reject);
		req.setTimeout(WAIT, () => req.destroy(new Error(`${method} ${p}: no answer`)));
		if (data) req.write(data);
		req.end();
	});
}
// desk(lines): the desk's commands through headless mode; throws unless
// every command says ok.
function desk(lines) {
	let out;
	try {
		out = execFileSync(GUICHET, ['--server', API, '--cacert', CACERT, '--batch', '--wait'], {
			input: lines.join('\n') + '\n', env: Object.assign({}, process.env, { GUICHET_TOKEN: AGENT }),
			timeout: WAIT, encoding: 'utf8',
		});
	} catch (e) {
		throw new Error(`guichet --batch: ${e.message}\n${e.stdout || ''}${e.stderr || ''}`);
	}
	const recs = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
	const bad = recs.filter((r) => !r.ok);
	if (bad.length || recs.length !== lines.length)
		throw new Error(`guichet --batch: ${out}`);
	return recs;
}
async function serverChat(id) {
	const r = await api('GET', `/api/v1/chats/${id}`);
	if (r.status !== 200) throw new Error(`GET /api/v1/chats/${id}: ${r.status}`);
	return r.body;
}

// --- the browser ---------------------------------------------------------------------
// A fresh profile of our own under the test's directory (--user-data-dir).
const context = await chromium.launchPersistentContext(PROFILE, {
	executablePath: CHROMIUM,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync',
		// trust guichetd's own certificate, and only it (verification stays on)
		`--ignore-certificate-errors-spki-list=${SPKI}`],
	timeout: 30000,
	viewport: { width: 1280, height: 900 },
	locale: 'fr-FR',
});
const page = context.pages()[0] || await context.newPage();
page.setDefaultTimeout(WAIT);

const urls = [];
const cspErrors = [];
const pageErrors = [];
const messagePosts = [];   // {key, text}
let failedPosts = 0;
page.on('request', (r) => {
	urls.push(r.url());
	if (r.method() === 'POST' && /\/public\/v1\/chats\/\d+\/messages$/.test(r.url())) {
		let text = null;
		try { text = JSON.parse(r.postData() || '{}').text; } catch { /* */ }
		messagePosts.push({ key: r.headers()['idempotency-key'], text });
	}
});
page.on('requestfailed', (r) => {
	if (r.method() === 'POST' && /\/messages$/.test(r.url())) failedPosts++;
});
page.on('console', (m) => {
	if (/Content.Security.Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
});
page.on('pageerror', (e) => pageErrors.push(e.message));

const axeSource = fs.readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
// axe over the page as it is: 0 serious or critical violations.  (It is put
// in with evaluate, which the page's CSP does not govern: addScriptTag would
// add an inline script, which script-src 'self' rightly refuses.)
async function axe(what) {
	if (!(await page.evaluate(() => typeof window.axe === 'object')))
		await page.evaluate(axeSource);
	const v = await page.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		return r.violations.map((x) => ({ id: x.id, impact: x.impact, nodes: x.nodes.length,
			help: x.help, target: x.nodes.slice(0, 3).map((nd) => nd.target.join(' ')) }));
	});
	const by = { critical: 0, serious: 0, moderate: 0, minor: 0 };
	for (const x of v) by[x.impact] = (by[x.impact] || 0) + x.nodes;
	note(`axe: ${what}: critical ${by.critical}, serious ${by.serious}, moderate ${by.moderate}, minor ${by.minor}` +
		(v.length ? ` (${v.map((x) => `${x.id}:${x.impact}`).join(', ')})` : ''));
	const bad = v.filter((x) => x.impact === 'serious' || x.impact === 'critical');
	if (bad.length)
		notOk(`axe: no serious or critical violation on ${what}`,
			bad.map((x) => `${x.id} (${x.impact}): ${x.help} at ${x.target.join(', ')}`).join('\n'));
	else
		ok(`axe: no serious or critical violation on ${what}`);
}

async function shots(name) {
	await page.setViewportSize({ width: 320, height: 640 });
	const sw = await page.evaluate(() => document.documentElement.scrollWidth);
	if (sw <= 320) ok(`${name} at 320 px: no horizontal scrolling`);
	else notOk(`${name} at 320 px: no horizontal scrolling`, `scrollWidth ${sw}`);
	await page.screenshot({ path: path.join(ART, `${name}-320.png`), fullPage: true });
	await page.setViewportSize({ width: 1280, height: 900 });
	await page.screenshot({ path: path.join(ART, `${name}-1280.png`), fullPage: true });
}

// poll(cond): true once cond() holds, false at the deadline (the short
// pause between looks is not synchronisation).
async function poll(cond, timeout = WAIT) {
	const end = Date.now() + timeout;
	while (!cond()) {
		if (Date.now() >= end) return false;
		await new Promise((r) => setTimeout(r, 20));
	}
	return true;
}

const texts = () => page.$$eval('#messages .text', (els) => els.map((e) => e.textContent));
const countText = async (t) => (await texts()).filter((x) => x === t).length;
async function waitText(t, timeout = WAIT) {
	await page.waitForFunction((t) => [...document.querySelectorAll('#messages .text')]
		.some((e) => e.textContent === t), t, { timeout });
}
// waits for the citizen's message t to be sent (its "envoi…" gone)
async function waitSent(t, timeout = WAIT) {
	await page.waitForFunction((t) => [...document.querySelectorAll('#messages li.msg-citizen')]
		.some((li) => li.querySelector('.text').textContent === t && !li.classList.contains('pending')),
	t, { timeout });
}
async function visibleText(sel) {
	return page.$eval(sel, (e) => (e.hidden ? null : e.textContent));
}

let chatId = null;
let token = null;
try {
	// --- the start form ------------------------------------------------------------
	const resp = await page.goto(`${PAGE}/chat?service=etat-civil`);
	await check('the page loads over HTTPS, the certificate trusted by its SPKI only', () => resp.status() === 200, true);
	const csp = resp.headers()['content-security-policy'] || '';
	await check("...under the strict CSP (script-src 'self', style-src 'self')",
		() => /script-src 'self'/.test(csp) && /style-src 'self'/.test(csp) || `!CSP: ${csp}`);
	await check('...in French', async () => (await page.getAttribute('html', 'lang')) === 'fr');
	await page.waitForFunction(() => document.querySelectorAll('#subject option').length > 1);
	const subjects = await page.$$eval('#subject option', (os) => os.map((o) => [o.value, o.textContent]));
	await check('the subjects come from the server, with "Autre / je ne sais pas"',
		() => subjects.some(([v, l]) => v === 'etat-civil' && l === 'État civil') &&
			subjects.some(([v, l]) => v === '' && l === 'Autre / je ne sais pas') || `!${JSON.stringify(subjects)}`);
	expectEq('?service=etat-civil preselects the subject', await page.inputValue('#subject'), 'etat-civil');

	// keyboard only: Tab goes through every field in order, focus is visible
	await page.focus('body');
	const order = [];
	let outline = null;
	for (let i = 0; i < 6; i++) {
		await page.keyboard.press('Tab');
		const f = await page.evaluate(() => {
			const a = document.activeElement;
			const s = getComputedStyle(a);
			return { id: a.id || a.className, outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` };
		});
		order.push(f.id);
		if (f.id === 'subject') outline = f.outline;
	}
	expectEq('Tab reaches the skip link, then every field and the button, in order', order,
		['skip', 'subject', 'name', 'email', 'first-text', 'start-send']);
	await check('the focused field has a visible outline (bleu France)',
		() => /^solid (2|3|4)px rgb\(0, 0, 145\)$/.test(outline || '') || `!${outline}`);
	await check('every field has a label', () => page.evaluate(() =>
		[...document.querySelectorAll('input, select, textarea')].every((e) => e.labels && e.labels.length > 0)));

	await axe('the start form');
	await shots('start');

	// the citizen writes, with the keyboard
	const FIRST = 'Bonjour, je voudrais un acte de naissance pour mon fils.';
	await page.focus('#name');
	await page.keyboard.type('Aurélie');
	await page.focus('#email');
	await page.keyboard.type(CITIZEN_EMAIL);
	await page.focus('#first-text');
	await page.keyboard.type(FIRST);
	await page.focus('#start-send');
	await page.keyboard.press('Enter');
	await check('the chat starts: the conversation view', () => page.waitForSelector('#conv:not([hidden])'), true);
	const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('guichet.chat') || 'null'));
	chatId = stored && stored.id;
	token = stored && stored.token;
	await check('the chat id and token are kept in sessionStorage', () => !!(chatId && token), true);
	await check('the queue position is shown while queued', async () => {
		await page.waitForFunction(() => {
			const q = document.getElementById('queue');
			return !q.hidden && /^Vous êtes n° \d+ dans la file$/.test(q.textContent);
		});
		note(`queue: ${await visibleText('#queue')}`);
	});
	await check('the first message is on the page once', async () => {
		await waitText(FIRST);
		return (await countText(FIRST)) === 1 || `!${await countText(FIRST)} times`;
	});
	const first = await serverChat(chatId);
	expectEq('the chat is linked to the citizen of that email', first.citizen_id, CITIZEN_ID);

	// --- an agent takes it --------------------------------------------------------
	await check('alice, available, accepts the chat in the headless desk', () => {
		const recs = desk(['presence available', `accept ${chatId}`]);
		return recs.length === 2 || `!${JSON.stringify(recs)}`;
	}, true);
	const held = await serverChat(chatId);
	expectEq('...the server has it active, held by alice', `${held.status} ${held.agent}`, 'active alice');
	await check("the agent's first name is shown: \"Alice vous répond\"", async () => {
		await page.waitForFunction(() => {
			const a = document.getElementById('agent');
			return !a.hidden && a.textContent === 'Alice vous répond';
		});
	});
	await check('the queue position is gone once accepted', async () => (await visibleText('#queue')) === null);
	const ty = await api('POST', `/api/v1/chats/${chatId}/typing`);
	await check('"Alice écrit…" while the agent is writing', async () => {
		if (ty.status !== 204) return `!typing: ${ty.status}`;
		await page.waitForFunction(() => {
			const t = document.getElementById('typing');
			return !t.hidden && t.textContent === 'Alice écrit…';
		});
	});
	const ANSWER = 'Bonjour Aurélie, je regarde votre dossier tout de suite.';
	desk([`open chat ${chatId}`, `say ${ANSWER}`]);
	await check("the agent's answer (written in the headless desk) shows", () => waitText(ANSWER));
	await check('...on the left, with its author and time', () => page.evaluate((t) => {
		const li = [...document.querySelectorAll('#messages li')].find((l) => l.querySelector('.text').textContent === t);
		return li.classList.contains('msg-agent') && li.querySelector('.name').textContent === 'Alice' &&
			/^\d\d:\d\d$/.test(li.querySelector('time').textContent);
	}, ANSWER));
	await check('...and "écrit…" goes with it', async () => (await visibleText('#typing')) === null);

	// the citizen answers: Enter sends, Shift+Enter is a new line
	const REPLY = 'Merci !\nC\'est pour Léo, né en 2019.';
	await page.focus('#compose-text');
	await page.keyboard.type('Merci !');
	await page.keyboard.press('Shift+Enter');
	await page.keyboard.type('C\'est pour Léo, né en 2019.');
	await page.keyboard.press('Enter');
	await check('Enter sends the message, Shift+Enter made a new line in it', () => waitSent(REPLY));
	await axe('the conversation');
	await shots('conversation');

	// --- the link goes down --------------------------------------------------------
	fs.writeFileSync(CUT, '');
	await check('connections cut: "Connexion perdue, reconnexion…"', () => page.waitForFunction(() =>
		document.getElementById('status').textContent === 'Connexion perdue, reconnexion…'));
	const DOWN1 = 'Pendant la coupure, premier message de l\'agent.';
	const DOWN2 = 'Pendant la coupure, second message de l\'agent.';
	const CDOWN = 'Ce message est écrit pendant la coupure.';
	desk([`open chat ${chatId}`, `say ${DOWN1}`, `say ${DOWN2}`]);
	await page.focus('#compose-text');
	await page.keyboard.type(CDOWN);
	await page.keyboard.press('Enter');
	await check('the message written meanwhile says "envoi…"', () => page.waitForFunction((t) =>
		[...document.querySelectorAll('#messages li.pending')].some((li) =>
			li.querySelector('.text').textContent === t && li.querySelector('.sending').textContent === 'envoi…'), CDOWN));
	await check('...its sending failed while the link was down', async () =>
		(await poll(() => failedPosts >= 1)) || `!${failedPosts} failed POSTs`);
	fs.unlinkSync(CUT);
	await check('link back: the two agent messages sent meanwhile show', async () => {
		await waitText(DOWN1, 30000);
		await waitText(DOWN2, 30000);
	});
	await check('...the citizen\'s message is sent', () => waitSent(CDOWN, 30000));
	await check('...and the status line is clear again', () => page.waitForFunction(() =>
		document.getElementById('status').textContent === ''));
	const all = [FIRST, ANSWER, REPLY, DOWN1, DOWN2, CDOWN];
	const onPage = await texts();
	expectEq('every message is on the page exactly once', all.map((t) => onPage.filter((x) => x === t).length),
		all.map(() => 1));
	expectEq('...and nothing else is', onPage.length, all.length);
	const sc = await serverChat(chatId);
	expectEq('the server has each message exactly once', all.map((t) => sc.messages.filter((m) => m.text === t).length),
		all.map(() => 1));
	const keys = new Set(messagePosts.filter((p) => p.text === CDOWN).map((p) => p.key));
	const tries = messagePosts.filter((p) => p.text === CDOWN).length;
	await check(`...the message retried (${tries} tries) kept one Idempotency-Key`,
		() => tries >= 2 && keys.size === 1 && /^[0-9a-f-]{36}$/.test([...keys][0]) || `!${tries} tries, keys ${[...keys]}`);

	// --- reload: the chat resumes from sessionStorage --------------------------------
	await page.reload();
	await check('a reload resumes the chat, each message once', async () => {
		await page.waitForSelector('#conv:not([hidden])');
		await waitText(CDOWN);
		const t = await texts();
		return all.every((x) => t.filter((y) => y === x).length === 1) && t.length === all.length || `!${JSON.stringify(t)}`;
	});

	// --- hostile text from the agent ---------------------------------------------------
	const IMG = '<img src=x onerror="window.__pwned=1">';
	const SCRIPT = '<script>window.__pwned=2</script><b>gras</b>';
	const EVIL_NAME = 'Eve\x1b]0;pwned\x07\x1b[2J\u009bH\u202eReverse';
	const EVIL_NOTE = 'Note \x1b]52;c;ZXZpbA==\x07 \x1b[10;10H \x1b[31mred\x1b[0m \u009b9m end';
	desk([`open chat ${chatId}`, `say ${IMG}`, `say ${SCRIPT}`]);
	const hostile = [IMG, SCRIPT];
	for (const t of [EVIL_NAME, EVIL_NOTE]) {
		const r = await api('POST', `/api/v1/chats/${chatId}/messages`, { text: t });
		if (r.status === 201) hostile.push(r.body.text);
		else note(`the server refused a hostile message (${r.status}): ${JSON.stringify(r.body)}`);
	}
	await check('hostile agent messages show as literal text', async () => {
		for (const t of hostile) await waitText(t);
	});
	await check('...no element was made from them (no img, script or b in the list)', () => page.evaluate(() =>
		document.querySelectorAll('#messages img, #messages script, #messages b').length === 0));
	expectEq('...and window.__pwned stays undefined', await page.evaluate(() => typeof window.__pwned), 'undefined');

	// "écrit…" goes by itself 6 s after the last typing event.  guichetd tells
	// the page at most every 3 s (the first typing event above may be that
	// recent on a fast machine): say it again until the page shows it.
	await check('"écrit…" hides by itself about 6 s after the last typing event', async () => {
		const until = Date.now() + WAIT;
		for (;;) {
			const ty2 = await api('POST', `/api/v1/chats/${chatId}/typing`);
			if (ty2.status !== 204) return `!typing: ${ty2.status}`;
			const seen = await page.waitForSelector('#typing:not([hidden])', { timeout: 1000 })
				.then(() => true, () => false);
			if (seen) break;
			if (Date.now() > until) return '!"écrit…" never showed';
		}
		const t0 = Date.now();
		await page.waitForSelector('#typing', { state: 'hidden', timeout: 10000 });
		const s = (Date.now() - t0) / 1000;
		return s >= 5 || `!hidden after ${s} s`;
	});

	// --- the end, the survey --------------------------------------------------------------
	desk([`open chat ${chatId}`, 'end information']);
	await check('the agent closes: the survey appears', () => page.waitForSelector('#survey:not([hidden])'), true);
	await check('...the compose box is gone, the status says it is over', async () =>
		(await page.$eval('#compose', (e) => e.hidden)) && (await visibleText('#status')) === 'La discussion est terminée.');
	await check('...its scale is radio buttons in a fieldset with a legend', () => page.evaluate(() => {
		const fs = document.querySelector('#survey fieldset');
		return !!fs && !!fs.querySelector('legend') && fs.querySelectorAll('input[type=radio][name=csat]').length === 5;
	}));
	await axe('the survey');
	// with the keyboard: arrows move in the scale
	await page.focus('#csat-1');
	await page.keyboard.press('Space');
	for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
	expectEq('arrows move in the scale: 4 is picked', await page.$eval('input[name=csat]:checked', (e) => e.value), '4');
	const COMMENT = 'Réponse rapide et claire, merci.';
	await page.focus('#survey-comment');
	await page.keyboard.type(COMMENT);
	await page.focus('#survey-send');
	await page.keyboard.press('Enter');
	await check('the survey is sent: thank-you', () => page.waitForSelector('#thanks:not([hidden])', { timeout: 5000 })
		.catch(async (e) => { throw new Error(`${e.message.split('\n')[0]}; the page says: ${await page.textContent('#survey-status')}`); }));
	await shots('thanks');
	const c360 = await api('GET', `/api/v1/citizens/${CITIZEN_ID}`);
	const surveys = (c360.body && c360.body.surveys) || [];
	await check("the citizen's 360° view has the answer: CSAT 4 and the comment",
		() => surveys.some((s) => s.csat === 4 && s.comment === COMMENT) || `!surveys: ${JSON.stringify(surveys)}`);

	// --- what held all along --------------------------------------------------------------
	await check('the chat token never appeared in a URL', () => {
		const bad = urls.filter((u) => u.includes(token));
		return bad.length === 0 || `!${bad.join('\n')}`;
	});
	await check('the event stream was opened with a ticket', () => urls.some((u) =>
		/\/public\/v1\/chats\/\d+\/events\?ticket=[^&]+&after=\d+$/.test(u)) || '!no stream URL');
	await check('no CSP violation on the page (no inline script or style)', () =>
		cspErrors.length === 0 || `!${cspErrors.join('\n')}`);
	await check('no script error on the page', () => pageErrors.length === 0 || `!${pageErrors.join('\n')}`);
	// --- embed.js on a commune's page -------------------------------------------------------
	const host = await context.newPage();
	await host.setContent(`<!DOCTYPE html><html lang="fr"><title>Mairie</title><main><h1>Mairie</h1></main>` +
		`<script src="${PAGE}/chat/embed.js" data-service="etat-civil" data-label="Une question ?"></script>`);
	await check('embed.js adds its button, labelled from data-label', () =>
		host.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Une question ?')));
	await host.click('text=Une question ?');
	await check('...which opens a titled frame of /chat with the service', () => host.evaluate((want) => {
		const f = document.querySelector('iframe');
		const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Une question ?');
		return !!f && !f.hidden && f.title === 'Discuter avec un agent' && f.src === want &&
			b.getAttribute('aria-expanded') === 'true' || `!${f && f.src} ${f && f.title}`;
	}, `${PAGE}/chat?service=etat-civil`));
	await host.click('text=Une question ?');
	await check('...and closes it again', () => host.evaluate(() => document.querySelector('iframe').hidden));
	await host.close();
	note(`screenshots in ${ART}`);
} catch (e) {
	if (!(e instanceof Bail)) notOk('the browser script ran to its end', e.stack || e.message);
	else note(`bailing out after: ${e.message}`);
	try { await page.screenshot({ path: path.join(ART, 'failure.png'), fullPage: true }); } catch { /* */ }
	failed++;
} finally {
	try { if (fs.existsSync(CUT)) fs.unlinkSync(CUT); } catch { /* */ }
	await context.close();
}
process.exit(failed ? 1 : 0);
