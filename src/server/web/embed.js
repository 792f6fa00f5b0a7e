/* One-line embedding of the citizen chat on a commune's own site:
 *
 *   <script src="https://HOST/chat/embed.js" data-service="etat-civil"
 *           data-label="Une question ?" async></script>
 *
 * adds a fixed button that opens and closes an <iframe> of
 * https://HOST/chat?service=... (HOST taken from this script's own address).
 * This file runs on the commune's page, under the commune's CSP, not on
 * ours: there, setting the button's and the frame's style attribute is the
 * only way to style them without a style sheet of the host's (our page,
 * chat.html, never sets a style).  Labels come from data-* attributes and
 * are put in with textContent only. */
'use strict';

(function () {
	var me = document.currentScript;
	if (!me || !me.src)
		return;
	var base;
	try {
		base = new URL(me.src);
	} catch (e) {
		return;
	}
	var origin = base.origin;
	var service = me.getAttribute('data-service') || '';
	var label = me.getAttribute('data-label') || 'Discuter avec un agent';
	var src = origin + '/chat' + (service ? '?service=' + encodeURIComponent(service) : '');
	var frameId = 'guichet-chat-frame';

	function build() {
		var button = document.createElement('button');
		button.type = 'button';
		button.textContent = label;
		button.setAttribute('aria-expanded', 'false');
		button.setAttribute('aria-controls', frameId);
		button.setAttribute('style', [
			'position:fixed', 'right:1rem', 'bottom:1rem', 'z-index:2147483000',
			'font:700 1rem/1.5 system-ui,sans-serif', 'color:#fff', 'background:#000091',
			'border:2px solid #fff', 'border-radius:.25rem', 'padding:.5rem 1rem',
			'min-height:2.75rem', 'cursor:pointer', 'box-shadow:0 2px 6px rgba(0,0,0,.3)'
		].join(';'));

		var frame = null;
		function open() {
			if (!frame) {
				frame = document.createElement('iframe');
				frame.id = frameId;
				frame.src = src;
				frame.title = 'Discuter avec un agent';
				frame.setAttribute('referrerpolicy', 'no-referrer');
				frame.setAttribute('style', [
					'position:fixed', 'right:1rem', 'bottom:4.5rem', 'z-index:2147483000',
					'width:min(24rem,calc(100vw - 2rem))', 'height:min(36rem,calc(100vh - 6rem))',
					'border:2px solid #000091', 'border-radius:.5rem', 'background:#fff'
				].join(';'));
				document.body.appendChild(frame);
			}
			frame.hidden = false;
			button.setAttribute('aria-expanded', 'true');
			frame.focus();
		}
		function close() {
			if (frame)
				frame.hidden = true;
			button.setAttribute('aria-expanded', 'false');
			button.focus();
		}
		button.addEventListener('click', function () {
			if (frame && !frame.hidden)
				close();
			else
				open();
		});
		document.addEventListener('keydown', function (ev) {
			if (ev.key === 'Escape' && frame && !frame.hidden)
				close();
		});
		document.body.appendChild(button);
	}

	if (document.body)
		build();
	else
		document.addEventListener('DOMContentLoaded', build);
})();
