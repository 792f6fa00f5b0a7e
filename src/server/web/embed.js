/* One-line embedding of the chat on a commune's site: adds a button that
 * opens /chat in a frame. */
'use strict';
