/* The citizen chat page: start a chat, follow it, answer the survey. */
'use strict';
