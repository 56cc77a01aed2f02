// Entry point of site/console-live.js: publishes the LiveChannel as `window.SanctumLive` for
// admin.js (admin.html loads both, this one first) and for custom consoles.
import { LiveChannel } from './live-channel.js';

window.SanctumLive = { LiveChannel };
