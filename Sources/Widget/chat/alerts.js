// Getting the visitor's attention for a reply while the window is closed or the page hidden:
// a short beep (`sound` option) and a browser notification (`notifications` option; only with
// a permission the site already has — the widget never asks).

/**
 * @param {Window} window
 * @param {string} iconUrl notification icon
 */
export function createAlerts(window, iconUrl) {
  let audio = null;
  return {
    /** Creates the audio context while a user gesture allows it (call from a send). */
    unlockAudio() {
      if (audio) return;
      const AudioContextClass = window.AudioContext || window.webkitAudioContext;
      try {
        if (AudioContextClass && navigator.userActivation && navigator.userActivation.isActive) audio = new AudioContextClass();
      } catch (error) { /* audio unavailable */ }
    },
    /**
     * Beeps and/or notifies as the options allow.
     * @param {{sound: boolean, notifications: boolean, title: string}} config
     * @param {string} body notification text
     */
    notify(config, body) {
      if (config.sound && audio) {
        try {
          const oscillator = audio.createOscillator(), gain = audio.createGain();
          oscillator.frequency.value = 800;
          gain.gain.value = 0.05;
          oscillator.connect(gain).connect(audio.destination);
          oscillator.start();
          oscillator.stop(audio.currentTime + 0.2);
        } catch (error) { /* audio unavailable */ }
      }
      if (config.notifications && window.document.visibilityState === 'hidden' && window.Notification && Notification.permission === 'granted') {
        try { new Notification(config.title, { body, icon: iconUrl, tag: 'sanctum-chat' }); } catch (error) { /* not allowed here */ }
      }
    },
    /** Releases the audio context. */
    close() {
      if (audio && audio.close) audio.close().catch(() => {});
    }
  };
}
