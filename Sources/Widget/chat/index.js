// Entry point of chat.js, the chat window: loaded lazily by the loader (chat-widget.js), to
// which it hands its factory through `SanctumChat.__register`. It defines no global.
import { createChatWindow } from './chat-window.js';

const loader = window.SanctumChat;
if (loader && loader.__register) loader.__register((context) => createChatWindow(context, window));
